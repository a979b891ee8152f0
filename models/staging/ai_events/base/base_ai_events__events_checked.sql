{{ ai_adoption_incremental_config('load_partition_date', partition_by='load_partition_date') }}
{{ config(post_hook="{{ ai_adoption_warn_if_no_events() }}") }}
{%- do ai_adoption_check_event_map() -%}

{#- The event ledger. One row per source row: typed values, the canonical
    action, the first rejection reason that applies (null for a good row) and
    the row's rank among copies sharing its event_id and reason (1 = the copy
    that is kept). Incremental runs read again every source row loaded on or
    after the cutoff day and replace those load days; copies kept on earlier
    days still count when ranking. -#}
{%- set optional = ai_adoption_optional_columns() -%}
{%- set numeric = ai_adoption_numeric_columns() -%}
{%- set lowered = ['entry_point', 'context_source', 'correction_type'] -%}
{#- Ids a tracker may fill with a placeholder word ("undefined", "null"):
    such a value is missing, never one id shared by unrelated rows. -#}
{%- set id_columns = ['event_id', 'user_id', 'session_id', 'account_id', 'output_id'] -%}
{#- Names and ids are read without surrounding blanks; a row that had some
    is counted (has_trimmed_value), so that `chat ` and `chat` becoming one
    feature is visible in the quality mart. -#}
{%- set trimmed_columns = ['event_id', 'user_id', 'feature', 'event_name', 'session_id', 'account_id',
    'output_id', 'job_key'] -%}
{%- set placeholder_literals = [] -%}
{%- for word in ai_adoption_placeholder_ids() -%}
    {%- do placeholder_literals.append(ai_adoption_literal(word)) -%}
{%- endfor -%}
{%- set placeholders = placeholder_literals | join(', ') if placeholder_literals
    else 'cast(null as ' ~ ai_adoption_type('string') ~ ')' -%}
{%- set max_values = ai_adoption_max_values() -%}
{%- set now = ai_adoption_current_timestamp() -%}
{%- set raw_columns = ai_adoption_required_columns() + (optional.keys() | list) -%}
{#- a team's own dimensions are read like the contract's columns, kept as
    trimmed text, and never checked: they are labels, not measures -#}
{%- set passthrough = ai_adoption_passthrough_columns() -%}
{%- set read_columns = raw_columns + passthrough -%}
{%- set typed_columns = ai_adoption_required_columns() + (optional.keys() | list)
    + ['action', 'stage', 'requires_output_id'] + passthrough + ['source_relation'] -%}
{%- set min_occurred_at = 'cast(' ~ ai_adoption_literal(var('ai_adoption_min_occurred_at')) ~ ' as '
    ~ ai_adoption_type('timestamp') ~ ')' -%}
{#- Runs read the source itself, so that a column already in the contract's
    type is used as it is and only text is parsed (ai_adoption_source_value).
    Unit tests give rows of the text view instead (every column text, keys
    of `properties` already in their columns). -#}
{%- set text_view = ref('base_ai_events__raw_events') -%}
{%- set unit_test = (text_view | string).startswith('__dbt__cte__') -%}
{%- if unit_test -%}
    {%- set source_types = {} -%}
    {%- for name in read_columns + ['properties', 'source_relation'] -%}
        {%- do source_types.update({name: ''}) -%}
    {%- endfor -%}
{%- else -%}
    {%- set source_types = ai_adoption_source_column_types() -%}
{%- endif -%}
{%- set present = source_types.keys() | list -%}
{#- `properties` fills missing or null columns; the text view has done so already. -#}
{%- set properties_json = 'properties_json' if 'properties' in present and not unit_test else none -%}
{%- set timestamp_type = ai_adoption_type('timestamp') -%}
{#- Each contract column as it arrived, as text (SQL over source_rows). -#}
{%- set raw_text = {} -%}
{%- for name in read_columns -%}
    {%- do raw_text.update({name: ai_adoption_source_text(name, present, properties_json, 'src_')}) -%}
{%- endfor -%}
{#- The row-level tests that name a column's raw text. -#}
{%- set missing_tests = {} -%}
{%- for name in ai_adoption_required_columns() -%}
    {%- do missing_tests.update({name: name ~ ' is null'}) -%}
{%- endfor -%}
{%- do missing_tests.update({
    'occurred_at': "occurred_at is null and nullif(trim(" ~ raw_text['occurred_at'] ~ "), '') is null",
}) -%}
{#- a number given but unreadable; an infinity or NaN (1e999 overflows to
    one) is no number either, nor a zero written with a digit that is not
    (1e-400 underflows to one) -#}
{%- set unparseable_tests = {} -%}
{%- for name in numeric -%}
    {%- set test = name ~ " is null and nullif(trim(" ~ raw_text[name] ~ "), '') is not null" -%}
    {%- if optional[name] == 'double' -%}
        {%- set mantissa = "split_part(lower(trim(" ~ raw_text[name] ~ ")), 'e', 1)" -%}
        {%- set digits = "replace(replace(replace(replace(" ~ mantissa ~ ", '0', ''), '.', ''), '+', ''), '-', '')" -%}
        {%- set test = '(' ~ test ~ ') or ' ~ name ~ ' - ' ~ name ~ ' != 0 or (' ~ name ~ ' = 0 and '
            ~ digits ~ " != '')" -%}
    {%- endif -%}
    {%- do unparseable_tests.update({name: test}) -%}
{%- endfor -%}
{%- set placeholder_tests = [] -%}
{%- for name in id_columns -%}
    {%- do placeholder_tests.append(
        'coalesce(lower(trim(' ~ raw_text[name] ~ ')) in (' ~ placeholders ~ '), false)'
    ) -%}
{%- endfor -%}
{%- set trimmed_tests = [] -%}
{%- for name in trimmed_columns -%}
    {%- do trimmed_tests.append(
        'coalesce(length(trim(' ~ raw_text[name] ~ ')) != length(' ~ raw_text[name] ~ '), false)'
    ) -%}
{%- endfor -%}
{%- set skew_hours = ai_adoption_var('ai_adoption_max_future_skew_hours') -%}
{#- A row whose `properties` gives a contract key twice: the values read from
    `properties` differ between engines (DuckDB reads the first, PostgreSQL
    the last), so the quarantine keeps none of them. -#}
{%- set kept_typed = {} -%}
{%- set kept_raw = {} -%}
{%- for name in raw_columns -%}
    {%- set raw = 'case when rejection_reason is not null then ' ~ raw_text[name] ~ ' end' -%}
    {%- if name in optional -%}
        {%- set ambiguous = "rejection_reason = 'repeated_properties_key' and "
            ~ ('src_' ~ name ~ ' is null' if name in present else 'true') -%}
        {#- a number rejected as unparseable keeps no value (engines read 1e999
            as an infinity or as nothing) -#}
        {%- set unreadable = " or rejection_reason = 'unparseable_" ~ name ~ "'" if name in numeric else '' -%}
        {%- do kept_typed.update({
            name: 'case when ' ~ ambiguous ~ unreadable ~ ' then null else ' ~ name ~ ' end',
        }) -%}
        {%- set raw = 'case when ' ~ ambiguous ~ ' then null when rejection_reason is not null then '
            ~ raw_text[name] ~ ' end' -%}
    {%- endif -%}
    {%- do kept_raw.update({name: raw}) -%}
{%- endfor -%}
{%- set skip_old_rows = '' -%}
{%- if is_incremental() -%}
    {%- set cutoff = ai_adoption_incremental_cutoff(this, 'effective_loaded_at') -%}
    {%- if 'loaded_at' in present and ai_adoption_is_native_type('timestamp', source_types['loaded_at']) -%}
        {#- rows whose typed load time is before the cutoff need no parsing to be skipped -#}
        {%- set skip_old_rows = 'not (loaded_at < ' ~ cutoff ~ " and loaded_at >= cast('0001-01-01 00:00:00' as "
            ~ timestamp_type ~ '))' -%}
    {%- endif -%}
{%- endif -%}

with

{# The contract's columns of every source row, as src_<name>. An incremental
    run skips at the scan the rows whose typed load time is known to be
    before the cutoff (the exact rule is applied below, in batch). #}
source_rows as {{ ai_adoption_materialized_cte() }}(

    select
        {%- for name in present if name in read_columns or name in ['properties', 'source_relation'] %}
            {{ name }} as src_{{ name }},
        {%- endfor %}
        {{ ai_adoption_properties_json('properties', 'properties' in present) }} as properties_json
    from {{ text_view if unit_test else ai_adoption_contract_relation() }}
    {%- if skip_old_rows %}
        where {{ skip_old_rows }}
    {%- endif %}

),

actions as (

    select
        action,
        stage,
        requires_output_id
    from {{ ref('ai_adoption_actions') }}

),

team_map as (

    select
        event_name,
        action
    from {{ ref('ai_adoption_action_map') }}

),

mapping_candidates as (

    {%- for event_name, action in var('ai_adoption_event_map').items() %}
    select
        {{ ai_adoption_literal(event_name) }} as event_name,
        {{ ai_adoption_literal(action) }} as action,
        1 as priority
    union all
    {%- endfor %}
    select
        event_name,
        action,
        2 as priority
    from team_map
    union all
    select
        action as event_name,
        action,
        3 as priority
    from actions

),

action_map as (

    select
        event_name,
        action
    from (
        select
            event_name,
            action,
            row_number() over (partition by event_name order by priority) as preference
        from mapping_candidates
    ) as ranked
    where preference = 1

),

typed as (

    select
        source_rows.*,
        {%- if 'properties' in present %}
            cast(source_rows.src_properties as {{ ai_adoption_type('string') }}) as raw_properties,
        {%- else %}
            cast(null as {{ ai_adoption_type('string') }}) as raw_properties,
        {%- endif %}
        {%- for name in ai_adoption_required_columns() + (optional.keys() | list) %}
            {%- set kind = optional.get(name, 'string') if name != 'occurred_at' else 'timestamp' %}
            {%- if kind != 'string' %}
                {{ ai_adoption_source_value(name, kind, source_types, properties_json, 'src_') }} as {{ name }},
            {%- elif name in lowered %}
                lower(nullif(trim({{ raw_text[name] }}), ''))
                    as {{ name }},
            {%- elif name in id_columns %}
                case
                    when lower(trim({{ raw_text[name] }})) not in ({{ placeholders }})
                        then nullif(trim({{ raw_text[name] }}), '')
                end as {{ name }},
            {%- else %}
                nullif(trim({{ raw_text[name] }}), '') as {{ name }},
            {%- endif %}
        {%- endfor %}
        {%- for name in passthrough %}
            nullif(trim({{ raw_text[name] }}), '') as {{ name }},
        {%- endfor %}
        -- the source the row came from, kept for every row, good or rejected
        {{ ai_adoption_source_relation_text(present, 'src_') }} as source_relation,
        -- text on every engine, as the typed values (seeds may load as varchar)
        cast(action_map.action as {{ ai_adoption_type('string') }}) as action,
        cast(actions.stage as {{ ai_adoption_type('string') }}) as stage,
        coalesce(actions.requires_output_id, false) as requires_output_id
    from source_rows
    left join action_map
        on nullif(trim({{ raw_text['event_name'] }}), '') = action_map.event_name
    left join actions
        on action_map.action = actions.action

),

checked as {{ ai_adoption_materialized_cte() }}(

    select
        *,
        case
            {#- a text column is missing when blank or a placeholder; a
                timestamp given but unreadable is unparseable, below #}
            {%- for name in ai_adoption_required_columns() %}
                when {{ missing_tests[name] }}
                    then 'missing_{{ name }}'
            {%- endfor %}
            -- properties must be a JSON object: an array or a scalar has no keys to read
            when
                nullif(trim(raw_properties), '') is not null
                and (not {{ ai_adoption_json_is_valid('raw_properties') }} or left(trim(raw_properties), 1) != '{')
                then 'malformed_properties'
            -- a key that is a contract column but for its case (Output_Chars) would be missed
            when {{ ai_adoption_json_has_miscased_key('raw_properties', optional.keys() | list) }}
                then 'miscased_properties_key'
            -- a contract key given twice: engines would read different values of it
            when {{ ai_adoption_json_has_repeated_key('raw_properties', optional.keys() | list) }}
                then 'repeated_properties_key'
            when occurred_at is null then 'unparseable_occurred_at'
            when loaded_at is null and nullif(trim({{ raw_text['loaded_at'] }}), '') is not null
                then 'unparseable_loaded_at'
            {%- for name in numeric %}
                when {{ unparseable_tests[name] }}
                    then 'unparseable_{{ name }}'
            {%- endfor %}
            -- later than its own load, or than this run's clock: a row dated in
            -- the future cannot settle every other row's windows
            when
                occurred_at > {{ ai_adoption_dateadd('hour', skew_hours, now) }}
                or occurred_at > {{ ai_adoption_dateadd('hour', skew_hours, 'loaded_at') }}
                then 'future_occurred_at'
            when loaded_at > {{ ai_adoption_dateadd('hour', skew_hours, now) }}
                then 'future_loaded_at'
            -- no product of this kind logged events before the floor (var ai_adoption_min_occurred_at)
            when occurred_at < {{ min_occurred_at }} then 'implausible_occurred_at'
            {%- for name in ai_adoption_non_negative_columns() %}
                when {{ name }} < 0 then 'negative_{{ name }}'
            {%- endfor %}
            {#- larger than any real event's (var ai_adoption_max_values): a sum
                over such values would overflow and stop the build #}
            {%- for name in ai_adoption_non_negative_columns() if name in max_values %}
                when {{ name }} > {{ max_values[name] }} then 'implausible_{{ name }}'
            {%- endfor %}
            when edit_distance < 0 or edit_distance > 1 then 'edit_distance_out_of_range'
            when rating < -1 or rating > 1 then 'rating_out_of_range'
            when requires_output_id and output_id is null then 'missing_output_id'
        end as rejection_reason,
        {{ placeholder_tests | join(' or ') }} as has_placeholder_id,
        {{ trimmed_tests | join(' or ') }} as has_trimmed_value
    from typed

),

batch as (

    {#- Raw text is kept for rejected rows only: a good row is fully described
        by its typed values, and narrow rows keep the ranking below cheap. Of
        `properties` only its length is kept: the contract's keys are in the
        raw columns already, and any other key (a prompt, a name) never
        reaches a table. #}
    select
        {%- for name in raw_columns %}
            {{ kept_raw[name] }} as raw_{{ name }},
        {%- endfor %}
        case
            when rejection_reason is not null then cast(length(raw_properties) as {{ ai_adoption_type('integer') }})
        end as raw_properties_chars,
        {%- for name in typed_columns %}
            {{ kept_typed.get(name, name) }} as {{ name }},
        {%- endfor %}
        rejection_reason,
        has_placeholder_id,
        has_trimmed_value,
        coalesce({{ kept_typed['loaded_at'] }}, occurred_at) as effective_loaded_at
    from checked
    {%- if is_incremental() %}
        where
            coalesce(loaded_at, occurred_at) >= {{ cutoff }}
            or coalesce(loaded_at, occurred_at) is null
    {%- endif %}

),

{# Event ids that arrive more than once in the rows read (any copy, good or
    rejected): most arrive once, so only these rows are ranked, and the rest
    need neither a sort nor a join against every row. Only the event_id is
    read (a scan of one column of the source), before any row is checked. #}
repeated_ids as (

    select event_id
    from (
        select nullif(trim(cast(event_id as {{ ai_adoption_type('string') }})), '') as event_id
        from {{ text_view if unit_test else ai_adoption_contract_relation() }}
        {%- if skip_old_rows %}
            where {{ skip_old_rows }}
        {%- endif %}
    ) as ids
    where event_id is not null
    group by 1
    having count(*) > 1

),

{%- if is_incremental() %}

    {# Copies kept on load days before the cutoff push this batch's copies
        down the ranking. #}
    earlier_copies as (

        select
            event_id,
            rejection_reason,
            count(*) as copy_count
        from {{ this }}
        where
            effective_loaded_at < {{ cutoff }}
            and event_id in (select batch.event_id from batch)
        group by 1, 2

    ),

{%- endif %}

{# Read twice below, once for nearly every row and once for the few with
    copies: computed once (engines that can keep it aside do; evaluating
    every check twice cost a third more time at 10M rows on DuckDB). #}
flagged as {{ ai_adoption_materialized_cte() }}(

    select
        batch.*,
        repeated_ids.event_id is not null as may_have_copies
    from batch
    left join repeated_ids
        on batch.event_id = repeated_ids.event_id

),

batch_ranked as (

    -- a row whose id arrived once, or that has no id, ranks first; copies of one
    -- id rank among themselves: good copies together, and rejected copies with
    -- the same reason together (a redelivered bad row is quarantined once)
    select
        *,
        1 as batch_rank
    from flagged
    where not may_have_copies or event_id is null
    union all
    select
        *,
        row_number() over (
            partition by event_id, rejection_reason
            -- the earliest loaded copy; among copies loaded at the same moment the
            -- one whose load time is known, then by content, so that the order of
            -- the rows in the source plays no part
            order by
                effective_loaded_at nulls last,
                occurred_at nulls last,
                case when loaded_at is null then 1 else 0 end,
                coalesce(event_name, ''),
                coalesce(user_id, ''),
                coalesce(output_id, ''),
                -- the same event in two sources: the copy of the source whose name sorts first
                coalesce(source_relation, ''),
                -- rejected copies: what arrived
                coalesce(raw_occurred_at, ''),
                coalesce(raw_loaded_at, '')
        ) as batch_rank
    from flagged
    where may_have_copies and event_id is not null

),

ranked as (

    select
        batch_ranked.*,
        {%- if is_incremental() %}
            coalesce(earlier_copies.copy_count, 0) + batch_ranked.batch_rank as copy_rank
        {%- else %}
            batch_ranked.batch_rank as copy_rank
        {%- endif %}
    from batch_ranked
    {%- if is_incremental() %}
    left join earlier_copies
        on
            batch_ranked.event_id = earlier_copies.event_id
            and batch_ranked.rejection_reason is not distinct from earlier_copies.rejection_reason
    {%- endif %}

),

final as (

    select
        {%- for name in raw_columns %}
            raw_{{ name }},
        {%- endfor %}
        raw_properties_chars,
        {%- for name in typed_columns %}
            {{ name }},
        {%- endfor %}
        rejection_reason,
        has_placeholder_id,
        has_trimmed_value,
        effective_loaded_at,
        cast(copy_rank as {{ ai_adoption_type('integer') }}) as copy_rank,
        coalesce(
            cast(effective_loaded_at as date), cast('{{ ai_adoption_first_load_day() }}' as date)
        ) as load_partition_date,
        coalesce(copy_rank > 1, false) as is_duplicate
    from ranked

)

select * from final
