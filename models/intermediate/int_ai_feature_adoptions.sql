{#- One row per user and AI feature they started a session of: the
    calendar week of the user's first session of the feature in the data
    (the adoption week), and the active days of the product activity in
    the var ai_adoption_effect_weeks weeks after it on which the user
    started a session of the feature: the days its own use may have made
    active. -#}
{%- set k = ai_adoption_effect_weeks() -%}

with

sessions as (

    select * from {{ ref('int_ai_sessions_chained') }}

),

user_days as (

    select * from {{ ref('int_ai_user_days_active') }}

),

first_used as (

    select
        user_id,
        feature,
        min(started_at) as first_used_at
    from sessions
    group by 1, 2

),

adopted as (

    select
        user_id,
        feature,
        first_used_at,
        {{ ai_adoption_period_start('week', 'first_used_at') }} as adoption_week_start,
        {{ ai_adoption_week_number(ai_adoption_period_start('week', 'first_used_at')) }} as adoption_week_number
    from first_used

),

feature_days as (

    select distinct
        user_id,
        feature,
        cast(started_at as date) as used_on
    from sessions

),

feature_days_after as (

    select
        adopted.user_id,
        adopted.feature,
        count(*) as feature_days_after
    from adopted
    inner join feature_days
        on
            adopted.user_id = feature_days.user_id
            and adopted.feature = feature_days.feature
    inner join user_days
        on
            feature_days.user_id = user_days.user_id
            and feature_days.used_on = user_days.activity_date
    where
        {{ ai_adoption_week_number('feature_days.used_on') }}
        between adopted.adoption_week_number + 1 and adopted.adoption_week_number + {{ k }}
    group by 1, 2

),

final as (

    select
        {{ ai_adoption_surrogate_key(['adopted.user_id', 'adopted.feature']) }} as user_feature_key,
        adopted.user_id,
        adopted.feature,
        adopted.first_used_at,
        adopted.adoption_week_start,
        adopted.adoption_week_number,
        coalesce(feature_days_after.feature_days_after, 0) as feature_days_after
    from adopted
    left join feature_days_after
        on
            adopted.user_id = feature_days_after.user_id
            and adopted.feature = feature_days_after.feature

)

select * from final
