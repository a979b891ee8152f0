{#- One row per account, AI feature and period (var
    ai_adoption_diagnosis_period): fct_ai_feature_reach within each account
    the product activity names. A user active in two accounts in a period
    counts in both; activity without an account is left out here (it counts
    in fct_ai_feature_reach). Empty without a product activity source. -#}
{%- set grain = var('ai_adoption_diagnosis_period') -%}

with

user_days as (

    select * from {{ ref('int_ai_user_days_active') }}
    where account_id is not null

),

reached as (

    select * from {{ ref('int_ai_feature_users_reached') }}

),

active_periods as (

    select
        account_id,
        {{ ai_adoption_period_start(grain, 'activity_date') }} as period_start,
        count(distinct user_id) as active_users
    from user_days
    group by 1, 2

),

features as (

    select distinct feature from reached

),

account_users as (

    select
        account_id,
        feature,
        period_start,
        count(distinct user_id) as ai_users,
        count(distinct case when is_first_period then user_id end) as first_time_ai_users,
        count(distinct case when not is_first_period then user_id end) as repeat_ai_users
    from reached
    -- only active users have an account here
    where account_id is not null
    group by 1, 2, 3

),

final as (

    select
        {{ ai_adoption_surrogate_key([
            'active_periods.account_id', 'features.feature', 'active_periods.period_start'
        ]) }} as account_feature_period_key,
        active_periods.account_id,
        features.feature,
        active_periods.period_start,
        cast({{ ai_adoption_literal(grain) }} as {{ ai_adoption_type('string') }}) as period_grain,
        active_periods.active_users,
        coalesce(account_users.ai_users, 0) as ai_users,
        coalesce(account_users.first_time_ai_users, 0) as first_time_ai_users,
        coalesce(account_users.repeat_ai_users, 0) as repeat_ai_users,
        {{ ai_adoption_ratio('coalesce(account_users.ai_users, 0)', 'active_periods.active_users') }} as reach_rate
    from active_periods
    cross join features
    left join account_users
        on
            active_periods.account_id = account_users.account_id
            and features.feature = account_users.feature
            and active_periods.period_start = account_users.period_start

)

select * from final
