{{ config(enabled=var('ai_adoption_source_format') == 'opentelemetry') }}

{#- OpenTelemetry telemetry as collectors and exporters land it in a
    warehouse, one row per span or per log / event record, in the input
    contract's shape: one contract row per telemetry row, none left out. The
    GenAI semantic conventions' inference spans (gen_ai.operation.name chat,
    text_completion or generate_content) become the chain's outputs
    (output_generated, or output_failed when the span's status is ERROR or
    it sets error.type); a gen_ai.evaluation.result event is feedback_given.
    Every other row keeps its name: a team's product events
    ("draft_inserted") map through the event map like any other name, and
    the other spans (agents, tools, embeddings, HTTP calls) stay unmapped
    (kept and counted). The row's `attributes` (JSON text) travel on
    unchanged as `properties`: keys named like contract columns fill them,
    the others stay there for a team's own use. The input's columns and the
    mapping table are in the README. -#}
{%- set raw_types = ai_adoption_raw_column_types() -%}
{%- set present = raw_types.keys() | list -%}
{%- set text_type = ai_adoption_type('string') -%}
{%- set timestamp_type = ai_adoption_type('timestamp') -%}
{#- each time may come as a timestamp (or ISO text) or as OTLP's integer
    nanoseconds since the epoch -#}
{%- set time_columns = {
    'start': ['start_time', 'start_time_unix_nano'],
    'end': ['end_time', 'end_time_unix_nano'],
    'time': ['time', 'time_unix_nano'],
    'observed': ['observed_time', 'observed_time_unix_nano'],
} -%}
{%- set name_columns = ['name', 'span_name', 'event_name'] -%}
{%- set required = [] -%}
{%- set any_time = time_columns['end'] + time_columns['start'] + time_columns['time'] -%}
{%- for group in [name_columns, ['attributes'], any_time] -%}
    {%- set found = group | select('in', present) | list -%}
    {%- do required.append(found[0] if found else group | join(' or ')) -%}
{%- endfor -%}
{%- do ai_adoption_require_raw_columns('opentelemetry', required, present) -%}
{#- Per time: `arrived` is the value for the contract (a timestamp column in
    its own type; nanoseconds as the text of their timestamp, or as they
    came when they are no whole number, for the ledger to reject), `typed`
    a timestamp for the arithmetic (null where the value does not parse),
    `kind` the type of `arrived`. -#}
{%- set times = {} -%}
{%- for field, candidates in time_columns.items() -%}
    {%- set column = candidates[0] -%}
    {%- set nanos_column = candidates[1] -%}
    {%- if column in present -%}
        {%- set quoted = adapter.quote(column) -%}
        {%- if raw_types[column].startswith('timestamp') -%}
            {%- set typed = quoted -%}
        {%- else -%}
            {%- set typed = ai_adoption_try_cast(
                'nullif(trim(cast(' ~ quoted ~ ' as ' ~ text_type ~ ")), '')", 'timestamp'
            ) -%}
        {%- endif -%}
        {%- do times.update({field: {'arrived': quoted, 'typed': typed, 'kind': raw_types[column]}}) -%}
    {%- elif nanos_column in present -%}
        {%- set quoted = adapter.quote(nanos_column) -%}
        {%- if ai_adoption_is_native_type('integer', raw_types[nanos_column]) -%}
            {%- set typed = ai_adoption_timestamp_from_unix_nanos(quoted) -%}
            {%- do times.update({field: {'arrived': typed, 'typed': typed, 'kind': 'timestamp'}}) -%}
        {%- else -%}
            {%- set text = 'cast(' ~ quoted ~ ' as ' ~ text_type ~ ')' -%}
            {%- set nanos = ai_adoption_try_cast('trim(' ~ text ~ ')', 'integer') -%}
            {%- set typed = ai_adoption_timestamp_from_unix_nanos(nanos) -%}
            {%- set arrived = 'coalesce(cast(' ~ typed ~ ' as ' ~ text_type ~ '), ' ~ text ~ ')' -%}
            {%- do times.update({field: {'arrived': arrived, 'typed': typed, 'kind': 'text'}}) -%}
        {%- endif -%}
    {%- endif -%}
{%- endfor -%}
{#- the time of a span is its end (the output exists once the call returns),
    else its start; the time of a record is its own. A table with the times
    of one kind only reads them for every row. -#}
{%- set span_times = [] -%}
{%- set record_times = [] -%}
{%- for field in ['end', 'start'] if field in times -%}
    {%- do span_times.append(times[field]) -%}
{%- endfor -%}
{%- if 'time' in times -%}
    {%- do record_times.append(times['time']) -%}
{%- endif -%}
{%- set span_times = span_times or record_times -%}
{%- set record_times = record_times or span_times -%}
{#- one type for all of them, or all as text -#}
{%- set kinds = (span_times + record_times) | map(attribute='kind') | unique | list -%}
{%- set span_parts = [] -%}
{%- set record_parts = [] -%}
{%- for part in span_times -%}
    {%- do span_parts.append(
        part['arrived'] if kinds | length == 1 else 'cast(' ~ part['arrived'] ~ ' as ' ~ text_type ~ ')'
    ) -%}
{%- endfor -%}
{%- for part in record_times -%}
    {%- do record_parts.append(
        part['arrived'] if kinds | length == 1 else 'cast(' ~ part['arrived'] ~ ' as ' ~ text_type ~ ')'
    ) -%}
{%- endfor -%}
{%- set null_timestamp = 'cast(null as ' ~ timestamp_type ~ ')' -%}
{%- set span_occurred_at = 'coalesce(' ~ span_parts | join(', ') ~ ')' if span_parts else null_timestamp -%}
{%- set record_occurred_at = 'coalesce(' ~ record_parts | join(', ') ~ ')' if record_parts else null_timestamp -%}
{%- set record_type = ai_adoption_first_present_column(['record_type'], present) -%}
{%- set end_arrived = times['end']['arrived'] if 'end' in times else 'cast(null as ' ~ text_type ~ ')' -%}
{#- keys are read only from attributes that are valid JSON: other text passes
    on as it is, and the ledger rejects the row as malformed_properties -#}
{%- set json = 'attributes_json' -%}
{%- set resource_json = 'resource_json' -%}
{%- set generation_operations = "('chat', 'text_completion', 'generate_content')" -%}
{#- what a record without log.record.uid is known by: its trace, span, time
    in whole microseconds, name and user, each as text (the same text on
    every engine: no timestamp is written out) -#}
{%- set record_micros = 'cast(round(' ~ ai_adoption_epoch_seconds('record_typed_at') ~ ' * 1000000) as '
    ~ ai_adoption_type('integer') ~ ')' -%}
{%- set record_key = ai_adoption_surrogate_key([
    "'otel-record'",
    "coalesce(row_trace_id, '')",
    "coalesce(row_span_id, '')",
    'coalesce(cast(' ~ record_micros ~ ' as ' ~ text_type ~ "), '')",
    "coalesce(record_name, '')",
    'coalesce(' ~ ai_adoption_json_get(json, 'user.id') ~ ', ' ~ ai_adoption_json_get(json, 'enduser.id') ~ ", '')",
]) -%}
{%- set evaluation_score = ai_adoption_try_cast(
    'nullif(trim(' ~ ai_adoption_json_get(json, 'gen_ai.evaluation.score.value') ~ "), '')", 'double'
) -%}

with

source as (

    select * from {{ ai_adoption_source_relation() }}

),

{# the JSON check is costly on PostgreSQL and its result read by many columns #}
telemetry as {{ ai_adoption_materialized_cte() }}(

    select
        *,
        cast({{ adapter.quote('attributes') }} as {{ text_type }}) as attributes_text,
        {{ ai_adoption_properties_json(adapter.quote('attributes'), true) }} as attributes_json,
        {{ ai_adoption_properties_json(
            ai_adoption_first_present_column(['resource_attributes'], present), 'resource_attributes' in present
        ) }} as resource_json,
        -- a span, or a log / event record: the export's record_type where it has
        -- one ('span'; anything else is a record), else whether the row has an end
        {%- if 'record_type' in present %}
            coalesce(lower(trim(cast({{ record_type }} as {{ text_type }}))) = 'span', false)
        {%- else %}
            {{ end_arrived }} is not null
        {%- endif %}
            as is_span,
        -- the span's name, or the event's (the log record's event_name, else its
        -- older event.name attribute)
        cast({{ ai_adoption_first_present_column(name_columns, present) }} as {{ text_type }}) as row_name,
        {{ times['start']['typed'] if 'start' in times else null_timestamp }} as span_start_at,
        {{ times['end']['typed'] if 'end' in times else null_timestamp }} as span_end_at,
        {{ times['time']['typed'] if 'time' in times else null_timestamp }} as record_typed_at,
        cast({{ ai_adoption_first_present_column(['span_id'], present) }} as {{ text_type }}) as row_span_id,
        cast({{ ai_adoption_first_present_column(['trace_id'], present) }} as {{ text_type }}) as row_trace_id,
        upper(trim(cast({{ ai_adoption_first_present_column(['status_code'], present) }} as {{ text_type }})))
            as span_status
    from source

),

classified as (

    select
        *,
        coalesce(row_name, {{ ai_adoption_json_get(json, 'event.name') }}) as record_name,
        -- an inference span: a call to a model that generates a response; agent,
        -- tool, embeddings and other operations are no output of their own
        coalesce(
            is_span
            and lower(trim({{ ai_adoption_json_get(json, 'gen_ai.operation.name') }})) in {{ generation_operations }},
            false
        ) as is_generation,
        -- an error ends a span with status ERROR (OTLP's enum: STATUS_CODE_ERROR, 2)
        -- and, by the conventions, sets error.type
        coalesce(
            span_status in ('ERROR', 'STATUS_CODE_ERROR', '2')
            or nullif(trim({{ ai_adoption_json_get(json, 'error.type') }}), '') is not null,
            false
        ) as has_error,
        -- elapsed microseconds of the span, a whole number: the epoch seconds are
        -- doubles, off by well under half a microsecond
        round({{ ai_adoption_seconds_between('span_start_at', 'span_end_at') }} * 1000000) as span_micros,
        {{ evaluation_score }} as evaluation_score
    from telemetry

),

flagged as (

    select
        *,
        -- a generation that failed (an API error, a timeout) is a failure, not an output
        is_generation and has_error as is_failed_generation,
        coalesce(not is_span and record_name = 'gen_ai.evaluation.result', false) as is_evaluation,
        {{ record_key }} as record_key,
        -- the span's microseconds to the millisecond, halves away from zero (the
        -- same on every engine); a span that ends before it starts (by more than
        -- half a millisecond) stays negative
        case
            when span_micros < 0 then -floor((500 - span_micros) / 1000)
            else floor((span_micros + 500) / 1000)
        end as span_milliseconds
    from classified

),

final as (

    select
        -- a span's own id; a record has none in OpenTelemetry's data model: its
        -- log.record.uid attribute, else a hash of what the record itself holds
        -- (trace, span, time in microseconds, name, user), so that a record
        -- exported twice has one id and is a delivery duplicate
        case
            when is_span then row_span_id
            else coalesce({{ ai_adoption_json_get(json, 'log.record.uid') }}, record_key)
        end as event_id,
        -- a span's end (the output exists once the call returns; its start if it
        -- has no end), a record's time; in the type they arrived in
        case
            when is_span then {{ span_occurred_at }}
            else {{ record_occurred_at }}
        end as occurred_at,
        -- when the collector saw the row: its observed time (log records have one;
        -- spans only if the pipeline adds it)
        {{ times['observed']['arrived'] if 'observed' in times else null_timestamp }} as loaded_at,
        -- the conventions' user.id, else enduser.id (its older name)
        coalesce(
            {{ ai_adoption_json_get(json, 'user.id') }},
            {{ ai_adoption_json_get(json, 'enduser.id') }}
        ) as user_id,
        -- the attribute named by var ai_adoption_feature_property, else the resource
        -- attribute of that name (a service that serves one feature sets it once);
        -- never service.name: a service is not a feature
        coalesce(
            {{ ai_adoption_json_get(json, var('ai_adoption_feature_property')) }},
            {{ ai_adoption_json_get(resource_json, var('ai_adoption_feature_property')) }}
        ) as feature,
        case
            when is_failed_generation then 'output_failed'
            when is_generation then 'output_generated'
            when is_evaluation then 'feedback_given'
            else record_name
        end as event_name,
        -- the client's session (the conventions' session.id: a visit, renewed after
        -- inactivity), after the team's own session_id; gen_ai.conversation.id is a
        -- thread that can last days and is not read
        coalesce(
            {{ ai_adoption_json_get(json, 'session_id') }},
            {{ ai_adoption_json_get(json, 'session.id') }}
        ) as session_id,
        -- the output an event is about: the team's own output_id, else the model's
        -- response id (an evaluation or a product event names the response it is
        -- about by it), else, for a generation, its own span and, for an
        -- evaluation, the span it is parented to (the one it evaluates). A failed
        -- generation produced none.
        coalesce(
            {{ ai_adoption_json_get(json, 'output_id') }},
            case when not is_failed_generation then {{ ai_adoption_json_get(json, 'gen_ai.response.id') }} end,
            case when (is_generation and not is_failed_generation) or is_evaluation then row_span_id end
        ) as output_id,
        -- the model that answered, else the one asked for
        coalesce(
            {{ ai_adoption_json_get(json, 'model') }},
            {{ ai_adoption_json_get(json, 'gen_ai.response.model') }},
            {{ ai_adoption_json_get(json, 'gen_ai.request.model') }}
        ) as model,
        -- gen_ai.provider.name, else gen_ai.system (its name before semconv 1.37)
        coalesce(
            {{ ai_adoption_json_get(json, 'provider') }},
            {{ ai_adoption_json_get(json, 'gen_ai.provider.name') }},
            {{ ai_adoption_json_get(json, 'gen_ai.system') }}
        ) as provider,
        -- the usage counts, else their older names (prompt_tokens, completion_tokens)
        coalesce(
            {{ ai_adoption_json_get(json, 'input_tokens') }},
            {{ ai_adoption_json_get(json, 'gen_ai.usage.input_tokens') }},
            {{ ai_adoption_json_get(json, 'gen_ai.usage.prompt_tokens') }}
        ) as input_tokens,
        coalesce(
            {{ ai_adoption_json_get(json, 'output_tokens') }},
            {{ ai_adoption_json_get(json, 'gen_ai.usage.output_tokens') }},
            {{ ai_adoption_json_get(json, 'gen_ai.usage.completion_tokens') }}
        ) as output_tokens,
        -- the team's own latency_ms, else a span's end minus its start, in whole
        -- microseconds rounded to the millisecond
        coalesce(
            {{ ai_adoption_json_get(json, 'latency_ms') }},
            case
                when is_span
                    then cast(cast(span_milliseconds as {{ ai_adoption_type('integer') }}) as {{ text_type }})
            end
        ) as latency_ms,
        -- a code, never the error text: the team's own error_code, else the
        -- conventions' error.type, else 'error' (status ERROR without a type)
        coalesce(
            {{ ai_adoption_json_get(json, 'error_code') }},
            case
                when is_failed_generation
                    then coalesce(nullif(trim({{ ai_adoption_json_get(json, 'error.type') }}), ''), 'error')
            end
        ) as error_code,
        -- the team's own rating, else an evaluation's score when it is exactly one
        -- of the contract's -1, 0 or 1; any other score (another scale, a
        -- fraction) is no rating and stays in properties, never rounded to fit
        coalesce(
            {{ ai_adoption_json_get(json, 'rating') }},
            case
                when not is_evaluation then null
                when evaluation_score = -1 then '-1'
                when evaluation_score = 0 then '0'
                when evaluation_score = 1 then '1'
            end
        ) as rating,
        attributes_text as properties{{ ai_adoption_pass_source_relation(present) }}
    from flagged

)

select * from final
