{{ config(materialized='table') }}

{#- One row per feature: which stages of the chain the feature sends events
    for. A stage with no event ever seen is not measured, and is never
    blamed. Return is derived from sessions, so it is always measured. -#}

with

events as (

    select * from {{ ref('int_ai_events_sessionized') }}

),

final as (

    select
        feature,
        min(occurred_at) as first_event_at,
        max(occurred_at) as last_event_at,
        {{ dbt.bool_or("action = 'feature_opened'") }} as measures_trigger,
        {{ dbt.bool_or("stage = 'context'") }} as measures_context,
        {{ dbt.bool_or("stage = 'output'") }} as measures_output,
        {{ dbt.bool_or("stage = 'verification'") }} as measures_verification,
        {{ dbt.bool_or("stage in ('handoff', 'handoff_leak', 'handoff_negative')") }} as measures_handoff,
        true as measures_return
    from events
    group by 1

)

select * from final
