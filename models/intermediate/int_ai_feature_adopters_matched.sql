{#- One row per user and AI feature they adopted, once there is product
    activity: the adopter's activity around the adoption week
    (int_ai_user_weeks_windowed), whether the adopter can be compared and
    why not (effect_sample_status: the one place of who enters the
    effect), and the comparison users of the adopter's week and stratum.
    Those are the comparable user-weeks of that week and stratum, less
    those of users who had used the feature by the end of the week's window
    (an adopter of a later week stands in until then). Their counts are
    summed once over every user-week and the feature's users subtracted,
    so the work grows with the feature's users, not with every user times
    every feature; the sums are whole numbers, so the subtraction is
    exact. A stratum needs two comparison user-weeks for a variance, and
    only then is the adopter matched. -#}
{%- set k = ai_adoption_effect_weeks() -%}
{%- set double = ai_adoption_type('double') -%}

with

user_weeks as (

    select * from {{ ref('int_ai_user_weeks_windowed') }}

),

adoptions as (

    select * from {{ ref('int_ai_feature_adoptions') }}

),

activity as (

    -- without product activity there is no adopter to compare: no rows
    select count(*) as user_weeks from user_weeks

),

adopters as (

    select
        adoptions.user_feature_key,
        adoptions.user_id,
        adoptions.feature,
        adoptions.first_used_at,
        adoptions.adoption_week_start,
        adoptions.adoption_week_number,
        user_weeks.active_days as active_days_in_adoption_week,
        user_weeks.active_days_before,
        user_weeks.active_days_after,
        user_weeks.active_days_change,
        user_weeks.active_days_run_up,
        user_weeks.active_days_change_with_run_up,
        user_weeks.active_days_pre_trend,
        adoptions.feature_days_after,
        adoptions.feature_only_days_after,
        adoptions.feature_days_after_counted,
        user_weeks.activity_stratum,
        -- outside_activity: the activity has no day of the user in the
        -- adoption week; else the week's own status
        coalesce(user_weeks.effect_sample_status, 'outside_activity') as effect_sample_status
    from adoptions
    cross join activity
    left join user_weeks
        on
            adoptions.user_id = user_weeks.user_id
            and adoptions.adoption_week_number = user_weeks.week_number
    where activity.user_weeks > 0

),

candidates as (

    -- every user-week that can be compared: the pool of comparison users
    select
        user_id,
        week_number,
        activity_stratum,
        active_days_before,
        active_days_after,
        active_days_change,
        active_days_change_with_run_up,
        active_days_pre_trend
    from user_weeks
    where effect_sample_status = 'comparable'

),

pooled as (

    select
        week_number,
        activity_stratum,
        count(*) as user_weeks,
        sum(active_days_before) as days_before,
        sum(active_days_after) as days_after,
        sum(active_days_change) as change_sum,
        sum(active_days_change * active_days_change) as change_squares,
        sum(active_days_change_with_run_up) as change_with_run_up_sum,
        sum(active_days_pre_trend) as pre_trend_sum,
        sum(active_days_pre_trend * active_days_pre_trend) as pre_trend_squares
    from candidates
    group by 1, 2

),

users_of_feature as (

    -- the pooled user-weeks of users who had used the feature by the end of
    -- the week's window: they are no comparison for it
    select
        adoptions.feature,
        candidates.week_number,
        candidates.activity_stratum,
        count(*) as user_weeks,
        sum(candidates.active_days_before) as days_before,
        sum(candidates.active_days_after) as days_after,
        sum(candidates.active_days_change) as change_sum,
        sum(candidates.active_days_change * candidates.active_days_change) as change_squares,
        sum(candidates.active_days_change_with_run_up) as change_with_run_up_sum,
        sum(candidates.active_days_pre_trend) as pre_trend_sum,
        sum(candidates.active_days_pre_trend * candidates.active_days_pre_trend) as pre_trend_squares
    from candidates
    inner join adoptions
        on
            candidates.user_id = adoptions.user_id
            and adoptions.adoption_week_number <= candidates.week_number + {{ k }}
    group by 1, 2, 3

),

strata as (

    select distinct
        feature,
        adoption_week_number as week_number,
        activity_stratum
    from adopters
    where effect_sample_status = 'comparable'

),

controls as (

    select
        strata.feature,
        strata.week_number,
        strata.activity_stratum,
        coalesce(pooled.user_weeks, 0) - coalesce(users_of_feature.user_weeks, 0) as user_weeks,
        coalesce(pooled.days_before, 0) - coalesce(users_of_feature.days_before, 0) as days_before,
        coalesce(pooled.days_after, 0) - coalesce(users_of_feature.days_after, 0) as days_after,
        coalesce(pooled.change_sum, 0) - coalesce(users_of_feature.change_sum, 0) as change_sum,
        coalesce(pooled.change_squares, 0) - coalesce(users_of_feature.change_squares, 0) as change_squares,
        coalesce(pooled.change_with_run_up_sum, 0)
        - coalesce(users_of_feature.change_with_run_up_sum, 0) as change_with_run_up_sum,
        -- null without a placebo (a single week before)
        pooled.pre_trend_sum - coalesce(users_of_feature.pre_trend_sum, 0) as pre_trend_sum,
        pooled.pre_trend_squares - coalesce(users_of_feature.pre_trend_squares, 0) as pre_trend_squares
    from strata
    left join pooled
        on
            strata.week_number = pooled.week_number
            and strata.activity_stratum = pooled.activity_stratum
    left join users_of_feature
        on
            strata.feature = users_of_feature.feature
            and strata.week_number = users_of_feature.week_number
            and strata.activity_stratum = users_of_feature.activity_stratum

),

final as (

    select
        adopters.*,
        coalesce(controls.user_weeks, 0) as control_user_weeks,
        cast(controls.days_before as {{ double }}) / nullif(controls.user_weeks, 0) as control_days_before,
        cast(controls.days_after as {{ double }}) / nullif(controls.user_weeks, 0) as control_days_after,
        cast(controls.change_sum as {{ double }}) / nullif(controls.user_weeks, 0) as control_change_mean,
        cast(controls.change_with_run_up_sum as {{ double }})
        / nullif(controls.user_weeks, 0) as control_change_with_run_up_mean,
        cast(controls.pre_trend_sum as {{ double }}) / nullif(controls.user_weeks, 0) as control_pre_trend_mean,
        case
            when controls.user_weeks >= 2
                then
                    (
                        controls.pre_trend_squares
                        - cast(controls.pre_trend_sum as {{ double }}) * controls.pre_trend_sum / controls.user_weeks
                    )
                    / (controls.user_weeks - 1)
        end as control_pre_trend_variance,
        case
            when controls.user_weeks >= 2
                then
                    (
                        controls.change_squares - cast(controls.change_sum as {{ double }}) * controls.change_sum
                        / controls.user_weeks
                    )
                    / (controls.user_weeks - 1)
        end as control_change_variance,
        coalesce(controls.user_weeks >= 2, false) as is_matched
    from adopters
    left join controls
        on
            adopters.effect_sample_status = 'comparable'
            and adopters.feature = controls.feature
            and adopters.adoption_week_number = controls.week_number
            and adopters.activity_stratum = controls.activity_stratum

)

select * from final
