{#- One row per AI feature: how adopting it changed the adopters' product
    activity, in active days a week, over the var ai_adoption_effect_weeks
    weeks after the adoption week against the as many weeks before it. A
    difference in differences: each adopter's change is set against the
    mean change of the users who were active in the same week, were as
    active before (the same activity stratum) and had not used the feature
    by the end of the window. The estimate comes with an interval at var
    ai_adoption_confidence_level and the users on each side; it is an
    observational comparison, not an experiment (DECISIONS.md, "Effect").
    Empty without a product activity source. -#}
{%- set k = ai_adoption_effect_weeks() -%}
{%- set z = ai_adoption_z_score() -%}
{%- set double = ai_adoption_type('double') -%}
{%- set min_adopters = var('ai_adoption_effect_min_adopters') -%}
{%- set negligible = var('ai_adoption_effect_negligible_days') -%}

with

user_weeks as (

    select * from {{ ref('int_ai_user_weeks_windowed') }}

),

adopters as (

    select * from {{ ref('int_ai_feature_adopters_windowed') }}

),

activity as (

    select count(*) as user_weeks from user_weeks

),

candidates as (

    -- every user-week that can be compared: the pool of comparison users
    select
        user_id,
        week_number,
        activity_stratum,
        active_days_before,
        active_days_after,
        active_days_change
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
        sum(active_days_change * active_days_change) as change_squares
    from candidates
    group by 1, 2

),

users_of_feature as (

    {#- the pooled user-weeks of users who had used the feature by the end
        of the week's window: they are no comparison for it. Subtracting
        them from the pool keeps the work to the feature's users, not
        every user times every feature; the sums are whole numbers, so
        the subtraction is exact. #}
    select
        adopters.feature,
        candidates.week_number,
        candidates.activity_stratum,
        count(*) as user_weeks,
        sum(candidates.active_days_before) as days_before,
        sum(candidates.active_days_after) as days_after,
        sum(candidates.active_days_change) as change_sum,
        sum(candidates.active_days_change * candidates.active_days_change) as change_squares
    from candidates
    inner join adopters
        on
            candidates.user_id = adopters.user_id
            and adopters.adoption_week_number <= candidates.week_number + {{ k }}
    group by 1, 2, 3

),

comparable_adopters as (

    select * from adopters
    where effect_sample_status = 'comparable'

),

strata as (

    select
        feature,
        adoption_week_number as week_number,
        activity_stratum,
        count(*) as adopters
    from comparable_adopters
    group by 1, 2, 3

),

controls as (

    select
        strata.feature,
        strata.week_number,
        strata.activity_stratum,
        strata.adopters,
        pooled.user_weeks - coalesce(users_of_feature.user_weeks, 0) as user_weeks,
        pooled.days_before - coalesce(users_of_feature.days_before, 0) as days_before,
        pooled.days_after - coalesce(users_of_feature.days_after, 0) as days_after,
        pooled.change_sum - coalesce(users_of_feature.change_sum, 0) as change_sum,
        pooled.change_squares - coalesce(users_of_feature.change_squares, 0) as change_squares
    from strata
    inner join pooled
        on
            strata.week_number = pooled.week_number
            and strata.activity_stratum = pooled.activity_stratum
    left join users_of_feature
        on
            strata.feature = users_of_feature.feature
            and strata.week_number = users_of_feature.week_number
            and strata.activity_stratum = users_of_feature.activity_stratum

),

matched_strata as (

    -- a stratum needs two comparison user-weeks for the spread of their change
    select
        feature,
        week_number,
        activity_stratum,
        adopters,
        user_weeks,
        cast(days_before as {{ double }}) / user_weeks as mean_days_before,
        cast(days_after as {{ double }}) / user_weeks as mean_days_after,
        cast(change_sum as {{ double }}) / user_weeks as mean_change,
        (change_squares - cast(change_sum as {{ double }}) * change_sum / user_weeks)
        / (user_weeks - 1) as change_variance
    from controls
    where user_weeks >= 2

),

matched as (

    select
        comparable_adopters.feature,
        comparable_adopters.adoption_week_start,
        comparable_adopters.active_days_before,
        comparable_adopters.active_days_after,
        comparable_adopters.feature_days_after,
        matched_strata.mean_days_before as control_days_before,
        matched_strata.mean_days_after as control_days_after,
        -- the adopter's change less the comparison users' mean change
        comparable_adopters.active_days_change - matched_strata.mean_change as excess_change,
        -- the same with the days of the feature's own use taken out
        comparable_adopters.active_days_change - comparable_adopters.feature_days_after
        - matched_strata.mean_change as excess_change_without_feature_days
    from comparable_adopters
    inner join matched_strata
        on
            comparable_adopters.feature = matched_strata.feature
            and comparable_adopters.adoption_week_number = matched_strata.week_number
            and comparable_adopters.activity_stratum = matched_strata.activity_stratum

),

estimated as (

    select
        feature,
        count(*) as adopters_matched,
        min(adoption_week_start) as first_adoption_week,
        max(adoption_week_start) as last_adoption_week,
        avg(cast(active_days_before as {{ double }})) / {{ k }} as adopter_days_before,
        avg(cast(active_days_after as {{ double }})) / {{ k }} as adopter_days_after,
        avg(cast(feature_days_after as {{ double }})) / {{ k }} as feature_days_after,
        avg(control_days_before) / {{ k }} as control_days_before,
        avg(control_days_after) / {{ k }} as control_days_after,
        avg(excess_change) / {{ k }} as effect,
        var_samp(excess_change) as excess_variance,
        avg(excess_change_without_feature_days) / {{ k }} as effect_without_feature_days,
        var_samp(excess_change_without_feature_days) as excess_variance_without_feature_days
    from matched
    group by 1

),

control_spread as (

    {#- the part of the estimate's variance that comes from the comparison
        means: each stratum's mean weighs by its adopters #}
    select
        feature,
        sum(cast(adopters as {{ double }}) * adopters * change_variance / user_weeks) as weighted_variance,
        cast(sum(user_weeks) as bigint) as control_user_weeks
    from matched_strata
    group by 1

),

counted as (

    select
        feature,
        count(*) as adopters,
        count(case when effect_sample_status = 'outside_activity' then 1 end) as adopters_outside_activity,
        count(case when effect_sample_status = 'window_incomplete' then 1 end) as adopters_window_incomplete,
        count(case when effect_sample_status = 'new_to_product' then 1 end) as adopters_new_to_product,
        count(case when effect_sample_status = 'comparable' then 1 end) as adopters_comparable
    from adopters
    group by 1

),

intervals as (

    {#- the comparison means' part of the variance of a mean over the adopters #}
    {%- set control_part = 'control_spread.weighted_variance / (cast(estimated.adopters_matched as '
        ~ double ~ ') * estimated.adopters_matched)' %}
    select
        counted.feature,
        counted.adopters,
        counted.adopters_outside_activity,
        counted.adopters_window_incomplete,
        counted.adopters_new_to_product,
        counted.adopters_comparable - coalesce(estimated.adopters_matched, 0) as adopters_unmatched,
        coalesce(estimated.adopters_matched, 0) as adopters_matched,
        coalesce(control_spread.control_user_weeks, 0) as control_user_weeks,
        estimated.first_adoption_week,
        estimated.last_adoption_week,
        estimated.adopter_days_before,
        estimated.adopter_days_after,
        estimated.feature_days_after,
        estimated.control_days_before,
        estimated.control_days_after,
        estimated.effect,
        estimated.effect_without_feature_days,
        {{ z }} * sqrt(
            estimated.excess_variance / estimated.adopters_matched + {{ control_part }}
        ) / {{ k }} as margin,
        {{ z }} * sqrt(
            estimated.excess_variance_without_feature_days / estimated.adopters_matched + {{ control_part }}
        ) / {{ k }} as margin_without_feature_days
    from counted
    cross join activity
    left join estimated
        on counted.feature = estimated.feature
    left join control_spread
        on counted.feature = control_spread.feature
    where activity.user_weeks > 0

),

bounded as (

    select
        *,
        effect - margin as effect_lower,
        effect + margin as effect_upper,
        effect_without_feature_days - margin_without_feature_days as effect_without_feature_days_lower,
        effect_without_feature_days + margin_without_feature_days as effect_without_feature_days_upper
    from intervals

),

judged as (

    {#- the reason first, in the order the rules are read; the verdict
        follows from it #}
    select
        *,
        case
            when adopters_matched < {{ min_adopters }} or effect_lower is null then 'too_few_adopters'
            -- more active even with every day of the feature's own use taken out
            when effect_without_feature_days_lower > 0 then 'gain_beyond_feature_days'
            when effect_upper < 0 then 'fewer_active_days'
            -- more active, but by no more than the days the feature was used:
            -- the use itself may be the gain
            when effect_lower > 0 then 'gain_within_feature_days'
            when
                effect_lower >= -{{ negligible }} and effect_upper <= {{ negligible }}
                then 'interval_within_negligible'
            else 'interval_too_wide'
        end as verdict_reason
    from bounded

),

final as (

    select
        feature,
        cast({{ k }} as bigint) as effect_weeks,
        adopters,
        adopters_outside_activity,
        adopters_window_incomplete,
        adopters_new_to_product,
        adopters_unmatched,
        adopters_matched,
        control_user_weeks,
        first_adoption_week,
        last_adoption_week,
        adopter_days_before,
        adopter_days_after,
        control_days_before,
        control_days_after,
        feature_days_after,
        effect as effect_days_per_week,
        effect_lower,
        effect_upper,
        effect_without_feature_days,
        effect_without_feature_days_lower,
        effect_without_feature_days_upper,
        cast({{ var('ai_adoption_confidence_level') }} as {{ double }}) as confidence_level,
        verdict_reason,
        case verdict_reason
            when 'gain_beyond_feature_days' then 'more_active'
            when 'fewer_active_days' then 'less_active'
            when 'gain_within_feature_days' then 'own_use_only'
            when 'interval_within_negligible' then 'no_change_detected'
            else 'inconclusive'
        end as verdict
    from judged

)

select * from final
