{#- One row per source row: typed values, the canonical action, the first
    rejection reason that applies (null for a good row) and the row's rank
    among good rows sharing its event_id (1 = the copy that is kept). -#}
{%- set optional = ai_adoption_optional_columns() -%}
{%- set numeric = ai_adoption_numeric_columns() -%}

with

raw_events as (

    select * from {{ ref('stg_ai_events__raw_events') }}

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

    {%- for event_name, action in var('ai_adoption_event_map', {}).items() %}
    select
        '{{ event_name }}' as event_name,
        '{{ action }}' as action,
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
        {%- for name in ai_adoption_required_columns() + (optional.keys() | list) %}
            raw_events.{{ name }} as raw_{{ name }},
        {%- endfor %}
        raw_events.properties as raw_properties,
        nullif(trim(raw_events.event_id), '') as event_id,
        {{ ai_adoption_try_cast("nullif(trim(raw_events.occurred_at), '')", 'timestamp') }} as occurred_at,
        {{ ai_adoption_try_cast("nullif(trim(raw_events.loaded_at), '')", 'timestamp') }} as loaded_at,
        nullif(trim(raw_events.user_id), '') as user_id,
        nullif(trim(raw_events.feature), '') as feature,
        nullif(trim(raw_events.event_name), '') as event_name,
        {%- for name, kind in optional.items() if name != 'loaded_at' %}
            {%- if kind == 'string' %}
                nullif(trim(raw_events.{{ name }}), '') as {{ name }},
            {%- else %}
                {{ ai_adoption_try_cast("nullif(trim(raw_events." ~ name ~ "), '')", kind) }} as {{ name }},
            {%- endif %}
        {%- endfor %}
        action_map.action,
        actions.stage,
        coalesce(actions.requires_output_id, false) as requires_output_id
    from raw_events
    left join action_map
        on nullif(trim(raw_events.event_name), '') = action_map.event_name
    left join actions
        on action_map.action = actions.action

),

checked as (

    select
        *,
        case
            {%- for name in ai_adoption_required_columns() %}
                when {{ name }} is null and nullif(trim(raw_{{ name }}), '') is null
                    then 'missing_{{ name }}'
            {%- endfor %}
            when nullif(trim(raw_properties), '') is not null and not {{ ai_adoption_json_is_valid('raw_properties') }}
                then 'malformed_properties'
            when occurred_at is null then 'unparseable_occurred_at'
            when loaded_at is null and nullif(trim(raw_loaded_at), '') is not null
                then 'unparseable_loaded_at'
            {%- for name in numeric %}
                when {{ name }} is null and nullif(trim(raw_{{ name }}), '') is not null
                    then 'unparseable_{{ name }}'
            {%- endfor %}
            when occurred_at > {{ dbt.dateadd(
                'hour',
                var('ai_adoption_max_future_skew_hours', 24),
                'coalesce(loaded_at, cast(' ~ dbt.current_timestamp() ~ ' as ' ~ ai_adoption_type('timestamp') ~ '))'
            ) }}
                then 'future_occurred_at'
            when edit_distance < 0 or edit_distance > 1 then 'edit_distance_out_of_range'
            when rating < -1 or rating > 1 then 'rating_out_of_range'
            when requires_output_id and output_id is null then 'missing_output_id'
        end as rejection_reason
    from typed

),

ranked as (

    select
        *,
        row_number() over (
            partition by event_id, rejection_reason
            order by
                coalesce(loaded_at, occurred_at),
                occurred_at,
                event_name,
                user_id,
                output_id
        ) as copy_rank
    from checked

),

final as (

    select
        *,
        coalesce(loaded_at, occurred_at) as effective_loaded_at,
        rejection_reason is null and copy_rank > 1 as is_duplicate
    from ranked

)

select * from final
