{#- One row per user and AI feature they started a session of: the
    calendar week of the user's first session of the feature in the data
    (the adoption week), and the active days of the product activity in
    the var ai_adoption_effect_weeks weeks after it on which the user
    started a session of the feature: the days its own use may have made
    active; and of those, the days the activity's action_count does not
    show more actions than the AI events of the day, that the feature's
    use alone may explain. -#}
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

ai_days as (

    -- the AI events of a user's day, every feature, by the day a session started
    select
        user_id,
        cast(started_at as date) as used_on,
        sum(event_count) as ai_events
    from sessions
    group by 1, 2

),

feature_days_after as (

    select
        adopted.user_id,
        adopted.feature,
        count(*) as feature_days_after,
        -- a day with no action count, or no more actions than AI events,
        -- may have been active only because of AI: counted as the
        -- feature's own (some of its AI events may be another feature's)
        count(
            case when user_days.action_count is null or user_days.action_count <= ai_days.ai_events then 1 end
        ) as feature_only_days_after,
        count(user_days.action_count) as feature_days_after_counted
    from adopted
    inner join feature_days
        on
            adopted.user_id = feature_days.user_id
            and adopted.feature = feature_days.feature
    inner join user_days
        on
            feature_days.user_id = user_days.user_id
            and feature_days.used_on = user_days.activity_date
    inner join ai_days
        on
            feature_days.user_id = ai_days.user_id
            and feature_days.used_on = ai_days.used_on
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
        coalesce(feature_days_after.feature_days_after, 0) as feature_days_after,
        coalesce(feature_days_after.feature_only_days_after, 0) as feature_only_days_after,
        coalesce(feature_days_after.feature_days_after_counted, 0) as feature_days_after_counted
    from adopted
    left join feature_days_after
        on
            adopted.user_id = feature_days_after.user_id
            and adopted.feature = feature_days_after.feature

)

select * from final
