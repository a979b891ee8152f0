{#- One row per AI feature: first and last use, lifetime counts, and which
    stages of the chain the feature instruments. -#}

with

features as (

    select * from {{ ref('int_ai_features_instrumented') }}

),

sessions as (

    select * from {{ ref('fct_ai_sessions') }}

),

outputs as (

    select * from {{ ref('fct_ai_outputs') }}

),

session_totals as (

    select
        feature,
        min(started_at) as first_used_at,
        max(ended_at) as last_used_at,
        count(distinct user_id) as lifetime_users,
        count(distinct account_id) as lifetime_accounts,
        count(*) as lifetime_sessions
    from sessions
    group by 1

),

output_totals as (

    select
        feature,
        count(*) as lifetime_outputs_generated,
        count(case when is_accepted then 1 end) as lifetime_outputs_accepted
    from outputs
    group by 1

),

final as (

    select
        features.feature,
        session_totals.first_used_at,
        session_totals.last_used_at,
        coalesce(session_totals.lifetime_users, 0) as lifetime_users,
        coalesce(session_totals.lifetime_accounts, 0) as lifetime_accounts,
        coalesce(session_totals.lifetime_sessions, 0) as lifetime_sessions,
        coalesce(output_totals.lifetime_outputs_generated, 0) as lifetime_outputs_generated,
        coalesce(output_totals.lifetime_outputs_accepted, 0) as lifetime_outputs_accepted,
        {{ ai_adoption_ratio(
            'coalesce(output_totals.lifetime_outputs_accepted, 0)',
            'coalesce(output_totals.lifetime_outputs_generated, 0)'
        ) }} as lifetime_acceptance_rate,
        features.measures_trigger,
        features.measures_context,
        features.measures_output,
        features.measures_verification,
        features.measures_handoff,
        features.measures_return
    from features
    left join session_totals
        on features.feature = session_totals.feature
    left join output_totals
        on features.feature = output_totals.feature

)

select * from final
