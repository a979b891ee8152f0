{{ ai_adoption_incremental_config('feature') }}

{#- One row per feature: which stages of the chain the feature sends events
    for. A stage with no event ever seen is not measured, and is never
    blamed. Return is derived from sessions, so it is always measured.
    Incremental runs fold the events loaded since the cutoff into the stored
    rows: a stage once seen stays seen, so the new events are enough. -#}
{%- set measured_stages = ['trigger', 'context', 'output', 'verification', 'handoff'] -%}

with

{%- if is_incremental() %}

    {%- set cutoff = ai_adoption_incremental_cutoff(this) %}

    events as (

        select * from {{ ref('int_ai_events_sessionized') }}
        where loaded_at >= {{ cutoff }}

    ),

{%- else %}

    events as (

        select * from {{ ref('int_ai_events_sessionized') }}

    ),

{%- endif %}

seen as (

    select
        feature,
        min(occurred_at) as first_event_at,
        max(occurred_at) as last_event_at,
        -- trigger is judged on how the feature was opened, so it needs open events
        {{ dbt.bool_or("action = 'feature_opened'") }} as measures_trigger,
        {{ dbt.bool_or("stage = 'context'") }} as measures_context,
        {{ dbt.bool_or("stage = 'output'") }} as measures_output,
        {{ dbt.bool_or("stage = 'verification'") }} as measures_verification,
        -- a copy-out (leak) or a rejection (negative) shows that handoff is tracked too
        {{ dbt.bool_or("stage in ('handoff', 'handoff_leak', 'handoff_negative')") }} as measures_handoff,
        max(loaded_at) as last_loaded_at
    from events
    group by 1
    {%- if is_incremental() %}
        -- the stored rows of the features that received events: a stage once
        -- seen stays seen, so folding them in with the new events is enough
        union all
        select
            feature,
            first_event_at,
            last_event_at,
            {%- for stage in measured_stages %}
                measures_{{ stage }},
            {%- endfor %}
            last_loaded_at
        from {{ this }}
        where feature in (select events.feature from events)
    {%- endif %}

),

final as (

    select
        feature,
        min(first_event_at) as first_event_at,
        max(last_event_at) as last_event_at,
        {%- for stage in measured_stages %}
            {{ dbt.bool_or('measures_' ~ stage) }} as measures_{{ stage }},
        {%- endfor %}
        true as measures_return,
        max(last_loaded_at) as last_loaded_at
    from seen
    group by 1

)

select * from final
