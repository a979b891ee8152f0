{#- One row per AI feature and period (var ai_adoption_diagnosis_period)
    of the product activity: of the users active in the product, how many
    used the feature, for the first time or again. reach_rate =
    ai_users / active_users. Empty without a product activity source
    (var ai_adoption_activity_source). -#}
{%- set grain = var('ai_adoption_diagnosis_period') -%}

with

user_days as (

    select * from {{ ref('int_ai_user_days_active') }}

),

reached as (

    select * from {{ ref('int_ai_feature_users_reached') }}

),

active_periods as (

    select
        {{ ai_adoption_period_start(grain, 'activity_date') }} as period_start,
        count(distinct user_id) as active_users
    from user_days
    group by 1

),

features as (

    select distinct feature from reached

),

feature_users as (

    select
        feature,
        period_start,
        count(distinct case when is_active_in_period then user_id end) as ai_users,
        count(distinct case when is_active_in_period and is_first_period then user_id end) as first_time_ai_users,
        count(distinct case when is_active_in_period and not is_first_period then user_id end) as repeat_ai_users,
        count(distinct case when not is_active_in_period then user_id end) as ai_users_outside_activity
    from reached
    group by 1, 2

),

final as (

    select
        {{ ai_adoption_surrogate_key(['features.feature', 'active_periods.period_start']) }} as feature_period_key,
        features.feature,
        active_periods.period_start,
        cast({{ ai_adoption_literal(grain) }} as {{ ai_adoption_type('string') }}) as period_grain,
        active_periods.active_users,
        coalesce(feature_users.ai_users, 0) as ai_users,
        coalesce(feature_users.first_time_ai_users, 0) as first_time_ai_users,
        coalesce(feature_users.repeat_ai_users, 0) as repeat_ai_users,
        coalesce(feature_users.ai_users_outside_activity, 0) as ai_users_outside_activity,
        {{ ai_adoption_ratio('coalesce(feature_users.ai_users, 0)', 'active_periods.active_users') }} as reach_rate
    from active_periods
    cross join features
    left join feature_users
        on
            features.feature = feature_users.feature
            and active_periods.period_start = feature_users.period_start

)

select * from final
