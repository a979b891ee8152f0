{{ config(enabled=var('ai_adoption_source_format') == 'segment') }}

{#- Segment's track calls (the warehouse `tracks` table, or raw track calls
    loaded as rows) in the input contract's shape: one contract row per
    track call, none left out. The events of Segment's AI Copilot spec
    become the chain's actions (Message Sent is prompt_submitted, Message
    Received and Media Generated are output_generated, Feedback Submitted is
    feedback_given); every other event keeps its own name, so a team's
    product events ("draft_inserted") map through the event map like any
    other name, and the spec's Conversation Started, Conversation Ended,
    Action Invoked (Tool Invoked at first) and Component Loaded stay
    unmapped (kept and counted) unless the team maps them. The call's
    `properties` (one JSON text column: the warehouse spreads them over
    per-event tables, so a view gathers them) travel on unchanged: keys
    named like contract columns fill them, the others stay there for a
    team's own use. The mapping table is in the README. -#}
{%- set raw_types = ai_adoption_raw_column_types() -%}
{%- set present = raw_types.keys() | list -%}
{#- the message id is `id` in the warehouse, `message_id` in snake-cased raw
    calls; the person is user_id or anonymous_id, and Segment creates a
    column only once a value arrives for it, so either may be missing -#}
{%- set id_columns = ['id', 'message_id'] -%}
{%- set person_columns = ['user_id', 'anonymous_id'] -%}
{%- set required = [] -%}
{%- for group in [id_columns, ['event'], ['timestamp'], person_columns, ['properties']] -%}
    {%- set found = group | select('in', present) | list -%}
    {%- do required.append(found[0] if found else group | join(' or ')) -%}
{%- endfor -%}
{%- do ai_adoption_require_raw_columns('segment', required, present) -%}
{%- set text_type = ai_adoption_type('string') -%}
{#- keys are read from the properties only where they are valid JSON (text
    that is not is passed on as it is, for the ledger to reject) -#}
{%- set json = 'properties_json' -%}
{%- set is_output = "spec_event in ('message_received', 'media_generated')" -%}

with

source as (

    select * from {{ ai_adoption_source_relation() }}

),

events as {{ ai_adoption_materialized_cte() }}(

    select
        *,
        cast(properties as {{ text_type }}) as properties_text,
        {{ ai_adoption_properties_json('properties', true) }} as properties_json,
        -- the event name as Segment's warehouse slugs it ("Message Received" is
        -- message_received there), so that the spec's events are known in both forms
        replace(lower(trim(cast(event as {{ text_type }}))), ' ', '_') as spec_event
    from source

),

final as (

    select
        -- Segment's message id (the warehouse's id; messageId in the call)
        cast({{ ai_adoption_first_present_column(id_columns, present) }} as {{ text_type }}) as event_id,
        -- Segment's skew-corrected time of the call, received_at - (sent_at -
        -- original_timestamp): the one its docs give for chronology
        {{ adapter.quote('timestamp') }} as occurred_at,
        -- when the call reached the warehouse (uuid_ts; BigQuery's loaded_at),
        -- else when Segment received it
        {{ ai_adoption_first_present_column(['uuid_ts', 'loaded_at', 'received_at'], present, 'timestamp') }}
            as loaded_at,
        -- the identified user, else the anonymous id the call was sent with: the two
        -- ids of one person stay two users unless the team joins them
        coalesce(
            {%- if 'user_id' in present %}
                case when trim(cast(user_id as {{ text_type }})) != '' then cast(user_id as {{ text_type }}) end,
            {%- endif %}
            cast({{ ai_adoption_first_present_column(['anonymous_id'], present) }} as {{ text_type }})
        ) as user_id,
        -- the team's own account_id property, else the call's context.groupId
        -- (Segment's group / account id of a non-group call)
        coalesce(
            {{ ai_adoption_json_get(json, 'account_id') }},
            cast({{ ai_adoption_first_present_column(['context_group_id'], present) }} as {{ text_type }})
        ) as account_id,
        {{ ai_adoption_json_get(json, var('ai_adoption_feature_property')) }} as feature,
        case
            when spec_event = 'message_sent' then 'prompt_submitted'
            when {{ is_output }} then 'output_generated'
            when spec_event = 'feedback_submitted' then 'feedback_given'
            else cast(event as {{ text_type }})
        end as event_name,
        -- the output an event is about: the team's own output_id, else the spec's
        -- messageId (message_id once the warehouse has snake-cased it), the copilot
        -- message a response, a rating or a product event is about; a user's own
        -- message (Message Sent) is no output. A copilot response without any of
        -- them is its own output.
        coalesce(
            {{ ai_adoption_json_get(json, 'output_id') }},
            case when spec_event != 'message_sent' then {{ ai_adoption_json_get(json, 'messageId') }} end,
            case when spec_event != 'message_sent' then {{ ai_adoption_json_get(json, 'message_id') }} end,
            case
                when {{ is_output }}
                    then cast({{ ai_adoption_first_present_column(id_columns, present) }} as {{ text_type }})
            end
        ) as output_id,
        properties_text as properties{{ ai_adoption_pass_source_relation(present) }}
    from events

)

select * from final
