{{ config(enabled=var('ai_adoption_source_format') == 'amplitude') }}

{#- Amplitude's raw events (the Export API, the S3 export or a warehouse
    sync of the events table) in the input contract's shape: one contract
    row per Amplitude event, none left out. Agent Analytics events become
    the chain's output events ([Agent] AI Response is output_generated, or
    output_failed when [Agent] Is Error is true; an [Agent] Score a user gave
    a response with the thumbs control, Score Name user-feedback, is
    feedback_given); every other event keeps its own name, so a team's
    product events ("draft_inserted") map through the event map like any
    other name, and the other [Agent] events (User Message, Tool Call, Span,
    Embedding, Session End, the enrichment events) stay unmapped (kept and
    counted). The event's event_properties travel on unchanged as
    `properties`: keys named like contract columns fill them, the others
    stay there for a team's own use. The mapping table is in the README. -#}
{%- set raw_types = ai_adoption_raw_column_types() -%}
{%- set present = raw_types.keys() | list -%}
{%- do ai_adoption_require_raw_columns(
    'amplitude', ['uuid', 'event_type', 'event_time', 'user_id', 'amplitude_id', 'event_properties'], present
) -%}
{%- set text_type = ai_adoption_type('string') -%}
{#- values are read from the properties held valid-or-null (text that is not JSON
    would stop the run on DuckDB and PostgreSQL); the text itself travels on, for
    the ledger to reject as it does any malformed properties -#}
{%- set json = 'properties_json' -%}
{%- set insert_id = ai_adoption_first_present_column(['$insert_id', 'insert_id'], present) -%}
{%- set session_number = ai_adoption_try_cast('trim(cast(session_id as ' ~ text_type ~ '))', 'integer') -%}
{%- set is_response = "event_type = '[Agent] AI Response'" -%}
{%- set score_number = ai_adoption_try_cast('score_value_text', 'double') -%}

with

source as (

    select * from {{ ai_adoption_source_relation() }}

),

{# the JSON check is costly on PostgreSQL and its result read by many columns #}
events as {{ ai_adoption_materialized_cte() }}(

    select
        *,
        cast(event_properties as {{ text_type }}) as properties_text,
        {{ ai_adoption_properties_json('event_properties', true) }} as properties_json
    from source

),

classified as (

    select
        *,
        -- a response that reports an error (a provider error, a timeout) is a failure, not an output
        coalesce(
            {{ is_response }}
            and lower(trim({{ ai_adoption_json_get(json, '[Agent] Is Error') }})) = 'true',
            false
        ) as is_failed_response,
        -- a thumbs rating the user gave one response: Amplitude's user-feedback score on a message
        coalesce(
            event_type = '[Agent] Score'
            and {{ ai_adoption_json_get(json, '[Agent] Score Name') }} = 'user-feedback'
            and {{ ai_adoption_json_get(json, '[Agent] Evaluation Source') }} = 'user'
            and {{ ai_adoption_json_get(json, '[Agent] Target Type') }} = 'message',
            false
        ) as is_user_feedback,
        trim({{ ai_adoption_json_get(json, '[Agent] Score Value') }}) as score_value_text
    from events

),

final as (

    select
        -- the id the sender gave the event and kept across retries (Amplitude's own
        -- deduplication key), so that a repeat is a delivery duplicate; else the
        -- row's uuid. Not event_id: Amplitude's event_id counts events per device.
        case
            when nullif(trim(cast({{ insert_id }} as {{ text_type }})), '') is not null
                then cast({{ insert_id }} as {{ text_type }})
            else cast(uuid as {{ text_type }})
        end as event_id,
        -- Amplitude's time of the event: the client's time corrected for its clock skew
        event_time as occurred_at,
        -- when Amplitude's servers took the event in, the time exports are cut by
        {{ ai_adoption_first_present_column(['server_upload_time', 'server_received_time'], present, 'timestamp') }}
            as loaded_at,
        -- the product's own id for the person, else Amplitude's id for them (an event
        -- sent before the user was identified carries only the device's amplitude_id)
        case
            when nullif(trim(cast(user_id as {{ text_type }})), '') is not null
                then cast(user_id as {{ text_type }})
            else cast(amplitude_id as {{ text_type }})
        end as user_id,
        {{ ai_adoption_json_get(json, var('ai_adoption_feature_property')) }} as feature,
        case
            when is_failed_response then 'output_failed'
            when {{ is_response }} then 'output_generated'
            when is_user_feedback then 'feedback_given'
            else cast(event_type as {{ text_type }})
        end as event_name,
        -- Amplitude's session: the start time (epoch milliseconds) of the device's
        -- visit; -1 (or none) is an event outside any session, left null so that a
        -- session_id event property can still fill it
        {%- if 'session_id' in present %}
            case when {{ session_number }} > 0 then cast({{ session_number }} as {{ text_type }}) end
        {%- else %}
            cast(null as {{ text_type }})
        {%- endif %}
            as session_id,
        -- the team's own account_id, else the tenant the Agent Analytics SDK names
        coalesce(
            {{ ai_adoption_json_get(json, 'account_id') }},
            {{ ai_adoption_json_get(json, '[Agent] Customer Org ID') }}
        ) as account_id,
        -- the output an event is about: the team's own output_id, else the response's
        -- message id (the id Amplitude's scores and tool calls point to), else, for a
        -- user's score, the message it rates. A failed response's message is no output.
        coalesce(
            {{ ai_adoption_json_get(json, 'output_id') }},
            case
                when {{ is_response }} and not is_failed_response
                    then {{ ai_adoption_json_get(json, '[Agent] Message ID') }}
                when is_user_feedback then {{ ai_adoption_json_get(json, '[Agent] Target ID') }}
            end
        ) as output_id,
        {{ ai_adoption_json_get(json, '[Agent] Model Name') }} as model,
        {{ ai_adoption_json_get(json, '[Agent] Provider') }} as provider,
        {{ ai_adoption_json_get(json, '[Agent] Input Tokens') }} as input_tokens,
        {{ ai_adoption_json_get(json, '[Agent] Output Tokens') }} as output_tokens,
        {{ ai_adoption_json_get(json, '[Agent] Cost USD') }} as cost_usd,
        -- Amplitude gives milliseconds as any number; the contract counts whole ones
        {{ ai_adoption_scaled_text(ai_adoption_json_get(json, '[Agent] Latency Ms'), 1) }} as latency_ms,
        -- a thumbs score is 1 (up) or 0 (down); the contract's rating is 1 or -1.
        -- Any other value is kept as it is, so that the ledger checks it.
        case
            when is_user_feedback and {{ score_number }} = 1 then '1'
            when is_user_feedback and {{ score_number }} = 0 then '-1'
            when is_user_feedback then score_value_text
        end as rating,
        -- a code, never the error text: the team's own error_code, else 'error'
        -- ([Agent] Error Message is free text)
        case
            when is_failed_response
                then coalesce({{ ai_adoption_json_get(json, 'error_code') }}, 'error')
        end as error_code,
        properties_text as properties{{ ai_adoption_pass_source_relation(present) }}
    from classified

)

select * from final
