{#- One row per user, AI feature, period (var ai_adoption_diagnosis_period)
    in which the user started a session of the feature, and account the user
    was active in during that period: whether the product activity saw the
    user that period, and whether it is the period of the user's first use
    of the feature. The reach marts count these rows; the rule of who is an
    AI user, a first-time one or a repeat one lives here only. -#}
{%- set grain = var('ai_adoption_diagnosis_period') -%}

with

sessions as (

    select * from {{ ref('int_ai_sessions_chained') }}

),

user_days as (

    select * from {{ ref('int_ai_user_days_active') }}

),

used as (

    select
        user_id,
        feature,
        {{ ai_adoption_period_start(grain, 'started_at') }} as period_start,
        count(*) as sessions
    from sessions
    group by 1, 2, 3

),

first_used as (

    -- the period of the user's first session of the feature in the data
    select
        user_id,
        feature,
        min(period_start) as first_period_start
    from used
    group by 1, 2

),

active as (

    {#- the accounts a user was active in, per period; a user active without
        an account has one row with a null account #}
    select distinct
        user_id,
        account_id,
        {{ ai_adoption_period_start(grain, 'activity_date') }} as period_start
    from user_days

),

final as (

    select
        {{ ai_adoption_surrogate_key([
            'used.user_id', 'used.feature', 'used.period_start', "coalesce(active.account_id, '')"
        ]) }} as user_feature_period_key,
        used.user_id,
        used.feature,
        used.period_start,
        active.account_id,
        used.sessions,
        -- an AI user of the period is counted in reach only when the product
        -- activity saw them that period (the reach's numerator stays inside
        -- its denominator)
        active.user_id is not null as is_active_in_period,
        used.period_start = first_used.first_period_start as is_first_period
    from used
    inner join first_used
        on
            used.user_id = first_used.user_id
            and used.feature = first_used.feature
    left join active
        on
            used.user_id = active.user_id
            and used.period_start = active.period_start

)

select * from final
