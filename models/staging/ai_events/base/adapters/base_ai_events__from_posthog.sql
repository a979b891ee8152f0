{{ config(enabled=var('ai_adoption_source_format') == 'posthog') }}

{#- PostHog's events table, or a batch export of it, in the input contract's
    shape: one contract row per PostHog event, none left out. PostHog's LLM
    analytics events become the chain's output events ($ai_generation is
    output_generated, or output_failed when $ai_is_error is true;
    $ai_feedback is feedback_given); every other event keeps its own name,
    so a team's product events ("draft_inserted") map through the event map
    like any other name, and $ai_trace, $ai_span and $ai_embedding, which are
    not user actions, stay unmapped (kept and counted). The event's
    `properties` travel on unchanged: keys named like contract columns fill
    them, the others stay there for a team's own use. The mapping table is
    in the README. -#}
{%- set raw_types = ai_adoption_raw_column_types() -%}
{%- set present = raw_types.keys() | list -%}
{%- do ai_adoption_require_raw_columns(
    'posthog', ['uuid', 'event', 'timestamp', 'distinct_id', 'properties'], present
) -%}
{%- set text_type = ai_adoption_type('string') -%}
{#- keys are read only from properties that are valid JSON: other text
    passes on as it is, and the ledger rejects the row as malformed_properties -#}
{%- set json = 'properties_json' -%}
{%- set is_generation = "event = '$ai_generation'" -%}

with

source as (

    select * from {{ ai_adoption_source_relation() }}

),

events as {{ ai_adoption_materialized_cte() }}(

    select
        *,
        cast(properties as {{ text_type }}) as properties_text,
        {{ ai_adoption_properties_json('properties', true) }} as properties_json
    from source

),

flagged as (

    select
        *,
        -- a generation that failed (an API error, a timeout) is a failure, not an output
        coalesce(
            event = '$ai_generation'
            and lower(trim({{ ai_adoption_json_get('properties_json', '$ai_is_error') }})) = 'true',
            false
        ) as is_failed_generation
    from events

),

final as (

    select
        cast(uuid as {{ text_type }}) as event_id,
        {{ adapter.quote('timestamp') }} as occurred_at,
        -- when PostHog received the event: the export's insert time, else its creation time
        {{ ai_adoption_first_present_column(['_inserted_at', 'inserted_at', 'created_at'], present, 'timestamp') }}
            as loaded_at,
        -- the person PostHog merged the ids into, else the id the event was sent with
        cast(
            {%- if 'person_id' in present %}
                coalesce(cast(person_id as {{ text_type }}), cast(distinct_id as {{ text_type }}))
            {%- else %}
                distinct_id
            {%- endif %}
            as {{ text_type }}
        ) as user_id,
        {{ ai_adoption_json_get(json, var('ai_adoption_feature_property')) }} as feature,
        case
            when is_failed_generation then 'output_failed'
            when {{ is_generation }} then 'output_generated'
            when event = '$ai_feedback' then 'feedback_given'
            else cast(event as {{ text_type }})
        end as event_name,
        -- the output an event is about: the team's own output_id, else its trace
        -- (the id a product event can carry too: the generations of one trace, an
        -- agent's steps or a retry, are one output to the user), else the
        -- generation's span; a generation without any of them is its own output.
        -- A failed generation produced none.
        case
            when not is_failed_generation
                then coalesce(
                    {{ ai_adoption_json_get(json, 'output_id') }},
                    {{ ai_adoption_json_get(json, '$ai_trace_id') }},
                    {{ ai_adoption_json_get(json, '$ai_span_id') }},
                    case when {{ is_generation }} then cast(uuid as {{ text_type }}) end
                )
        end as output_id,
        {{ ai_adoption_json_get(json, '$ai_model') }} as model,
        {{ ai_adoption_json_get(json, '$ai_provider') }} as provider,
        {{ ai_adoption_json_get(json, '$ai_input_tokens') }} as input_tokens,
        {{ ai_adoption_json_get(json, '$ai_output_tokens') }} as output_tokens,
        {{ ai_adoption_json_get(json, '$ai_total_cost_usd') }} as cost_usd,
        -- PostHog gives seconds; the contract counts milliseconds
        {{ ai_adoption_scaled_text(ai_adoption_json_get(json, '$ai_latency'), 1000) }} as latency_ms,
        -- a code, never the error text: the team's own error_code, else the HTTP
        -- status, else 'error'
        case
            when is_failed_generation
                then coalesce(
                    {{ ai_adoption_json_get(json, 'error_code') }},
                    {{ ai_adoption_json_get(json, '$ai_http_status') }},
                    'error'
                )
        end as error_code,
        properties_text as properties{{ ai_adoption_pass_source_relation(present) }}
    from flagged

)

select * from final
