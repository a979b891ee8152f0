{#- One row per AI feature: how adopting it changed the adopters' product
    activity, in active days a week, over the var ai_adoption_effect_weeks
    weeks after the adoption week against as many weeks before the run-up
    week (the week before adoption, left out). A difference in differences:
    each adopter's change is set against the mean change of the users who
    were active in the same week, on as many days, and had not used the
    feature by the end of the window (int_ai_feature_adopters_matched).
    The estimate comes with an interval at var ai_adoption_confidence_level
    and the users on each side, beside the estimate with the run-up week
    kept in, two floors that take out the feature's own days, and a
    placebo on the weeks before; it is an observational comparison, not an
    experiment (DECISIONS.md, "Effect"). Empty without a product activity
    source. -#}
{%- set k = ai_adoption_effect_weeks() -%}
{%- set z = ai_adoption_z_score() -%}
{%- set double = ai_adoption_type('double') -%}
{%- set text = ai_adoption_type('string') -%}
{%- set min_adopters = ai_adoption_var('ai_adoption_effect_min_adopters') -%}
{%- set negligible = ai_adoption_var('ai_adoption_effect_negligible_days') -%}
{%- set pre_trend_days = ai_adoption_var('ai_adoption_effect_pre_trend_days') -%}
{#- the weeks in each half of the weeks before, for the placebo -#}
{%- set half = k // 2 -%}

with

adopters as (

    select * from {{ ref('int_ai_feature_adopters_matched') }}

),

paired as (

    select * from {{ ref('int_ai_feature_adoptions_paired') }}

),

others_per_adopter as (

    select
        user_feature_key,
        count(*) as other_adoptions
    from paired
    group by 1

),

matched as (

    select
        adopters.user_feature_key,
        adopters.feature,
        adopters.adoption_week_start,
        adopters.adoption_week_number,
        adopters.activity_stratum,
        adopters.active_days_before,
        adopters.active_days_after,
        adopters.feature_days_after,
        adopters.feature_only_days_after,
        adopters.feature_days_after_counted,
        adopters.control_user_weeks,
        adopters.control_days_before,
        adopters.control_days_after,
        adopters.control_change_variance,
        adopters.control_pre_trend_variance,
        -- the adopter took up another AI feature within the window
        others_per_adopter.user_feature_key is not null as has_other_adoption,
        -- the placebo: the adopter's change within the weeks before, less the
        -- comparison users' mean change there, when neither had adopted
        adopters.active_days_pre_trend - adopters.control_pre_trend_mean as excess_pre_trend,
        -- the adopter's change less the comparison users' mean change
        adopters.active_days_change - adopters.control_change_mean as excess_change,
        -- the same with every day of the feature's use taken out: the strict floor
        adopters.active_days_change - adopters.feature_days_after - adopters.control_change_mean
            as excess_change_without_feature_days,
        -- the same with the days its use alone may explain taken out: the floor
        adopters.active_days_change - adopters.feature_only_days_after - adopters.control_change_mean
            as excess_change_beyond_own_use,
        -- the same with the run-up week in the weeks before: what the gap changes
        adopters.active_days_change_with_run_up - adopters.control_change_with_run_up_mean
            as excess_change_with_run_up
    from adopters
    left join others_per_adopter
        on adopters.user_feature_key = others_per_adopter.user_feature_key
    where adopters.is_matched

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
        avg(cast(feature_only_days_after as {{ double }})) / {{ k }} as feature_only_days_after,
        -- the activity counted actions on some of the feature's days
        sum(feature_days_after_counted) > 0 as is_own_use_counted,
        avg(control_days_before) / {{ k }} as control_days_before,
        avg(control_days_after) / {{ k }} as control_days_after,
        avg(excess_change_with_run_up) / {{ k }} as effect_with_run_up_week,
        avg(excess_change) / {{ k }} as effect,
        var_samp(excess_change) as effect_variance,
        avg(excess_change_without_feature_days) / {{ k }} as effect_without_feature_days,
        var_samp(excess_change_without_feature_days) as effect_without_feature_days_variance,
        avg(excess_change_beyond_own_use) / {{ k }} as effect_beyond_own_use,
        var_samp(excess_change_beyond_own_use) as effect_beyond_own_use_variance,
        -- null without a placebo (a single week before)
        avg(excess_pre_trend) / {{ [half, 1] | max }} as pre_trend,
        var_samp(excess_pre_trend) as pre_trend_variance,
        count(case when has_other_adoption then 1 end) as adopters_with_other_adoptions,
        -- the estimate over the adopters who took up no other AI feature
        count(case when not has_other_adoption then 1 end) as adopters_alone,
        avg(case when not has_other_adoption then excess_change end) / {{ k }} as effect_without_other_adopters,
        var_samp(case when not has_other_adoption then excess_change end) as effect_without_other_adopters_variance
    from matched
    group by 1

),

strata as (

    select
        feature,
        adoption_week_number,
        activity_stratum,
        count(*) as adopters,
        max(control_user_weeks) as control_user_weeks,
        max(control_change_variance) as control_change_variance,
        max(control_pre_trend_variance) as control_pre_trend_variance,
        count(case when not has_other_adoption then 1 end) as adopters_alone
    from matched
    group by 1, 2, 3

),

control_spread as (

    {#- the part of the estimate's variance that comes from the comparison
        means: each stratum's mean weighs by its adopters #}
    select
        feature,
        sum(cast(adopters as {{ double }}) * adopters * control_change_variance / control_user_weeks)
            as weighted_variance,
        sum(cast(adopters as {{ double }}) * adopters * control_pre_trend_variance / control_user_weeks)
            as weighted_pre_trend_variance,
        sum(cast(adopters_alone as {{ double }}) * adopters_alone * control_change_variance / control_user_weeks)
            as weighted_variance_alone,
        cast(sum(control_user_weeks) as bigint) as control_user_weeks
    from strata
    group by 1

),

other_adopted as (

    -- the other features the matched adopters took up within their window
    select
        matched.feature,
        paired.other_feature,
        count(*) as adopters
    from matched
    inner join paired
        on matched.user_feature_key = paired.user_feature_key
    group by 1, 2

),

other_named as (

    select
        feature,
        {{ ai_adoption_listagg(
            "other_feature || ' (' || cast(adopters as " ~ text ~ ") || ')'", "', '", 'other_feature'
        ) }} as other_adoptions
    from other_adopted
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
    {%- set pre_trend_control_part = 'control_spread.weighted_pre_trend_variance / (cast(estimated.adopters_matched as '
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
        estimated.feature_only_days_after,
        coalesce(estimated.is_own_use_counted, false) as is_own_use_counted,
        estimated.control_days_before,
        estimated.control_days_after,
        estimated.effect_with_run_up_week,
        estimated.effect,
        estimated.effect_without_feature_days,
        estimated.effect_beyond_own_use,
        {{ z }} * sqrt(estimated.effect_variance / estimated.adopters_matched + {{ control_part }})
        / {{ k }} as effect_margin,
        {{ z }} * sqrt(
            estimated.effect_without_feature_days_variance / estimated.adopters_matched + {{ control_part }}
        ) / {{ k }} as effect_without_feature_days_margin,
        {{ z }} * sqrt(
            estimated.effect_beyond_own_use_variance / estimated.adopters_matched + {{ control_part }}
        ) / {{ k }} as effect_beyond_own_use_margin,
        estimated.pre_trend,
        coalesce(estimated.adopters_with_other_adoptions, 0) as adopters_with_other_adoptions,
        other_named.other_adoptions,
        estimated.effect_without_other_adopters,
        {{ z }} * sqrt(
            estimated.effect_without_other_adopters_variance / estimated.adopters_alone
            -- no such adopter: no interval (and no division by zero)
            + control_spread.weighted_variance_alone
            / nullif(cast(estimated.adopters_alone as {{ double }}) * estimated.adopters_alone, 0)
        ) / {{ k }} as effect_without_other_adopters_margin,
        {{ z }} * sqrt(
            estimated.pre_trend_variance / estimated.adopters_matched + {{ pre_trend_control_part }}
        ) / {{ [half, 1] | max }} as pre_trend_margin
    from counted
    left join estimated
        on counted.feature = estimated.feature
    left join control_spread
        on counted.feature = control_spread.feature
    left join other_named
        on counted.feature = other_named.feature

),

bounded as (

    select
        *,
        effect - effect_margin as effect_lower,
        effect + effect_margin as effect_upper,
        effect_without_feature_days - effect_without_feature_days_margin as effect_without_feature_days_lower,
        effect_without_feature_days + effect_without_feature_days_margin as effect_without_feature_days_upper,
        effect_beyond_own_use - effect_beyond_own_use_margin as effect_beyond_own_use_lower,
        effect_beyond_own_use + effect_beyond_own_use_margin as effect_beyond_own_use_upper,
        effect_without_other_adopters - effect_without_other_adopters_margin as effect_without_other_adopters_lower,
        effect_without_other_adopters + effect_without_other_adopters_margin as effect_without_other_adopters_upper,
        pre_trend - pre_trend_margin as pre_trend_lower,
        pre_trend + pre_trend_margin as pre_trend_upper
    from intervals

),

judged as (

    {#- the reason first, in the order the rules are read; the verdict
        follows from it #}
    select
        *,
        case
            when adopters_matched < {{ min_adopters }} or effect_lower is null then 'too_few_adopters'
            -- adopters were already changing against their comparison before
            -- they adopted: the difference in differences cannot be read
            when
                pre_trend_lower > {{ pre_trend_days }} or pre_trend_upper < -{{ pre_trend_days }}
                then 'pre_trend'
            -- a change no larger than the team calls negligible, either way, is
            -- no change: with many features, one interval in twenty misses 0
            when
                effect_lower >= -{{ negligible }} and effect_upper <= {{ negligible }}
                then 'interval_within_negligible'
            -- more active even with the days the feature's use alone may
            -- explain taken out
            when effect_beyond_own_use_lower > 0 then 'gain_beyond_feature_days'
            when effect_upper < 0 then 'fewer_active_days'
            -- more active, but by no more than the days the feature's use
            -- alone may explain: the use itself may be the gain
            when effect_lower > 0 and is_own_use_counted then 'gain_within_feature_days'
            -- the same, where the activity counts no actions: every day of
            -- the feature's use is taken to be its own
            when effect_lower > 0 then 'gain_within_uncounted_feature_days'
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
        feature_only_days_after,
        is_own_use_counted,
        effect as effect_days_per_week,
        effect_lower,
        effect_upper,
        effect_with_run_up_week,
        effect_without_feature_days,
        effect_without_feature_days_lower,
        effect_without_feature_days_upper,
        effect_beyond_own_use,
        effect_beyond_own_use_lower,
        effect_beyond_own_use_upper,
        pre_trend as pre_trend_days_per_week,
        pre_trend_lower,
        pre_trend_upper,
        adopters_with_other_adoptions,
        other_adoptions,
        effect_without_other_adopters,
        effect_without_other_adopters_lower,
        effect_without_other_adopters_upper,
        cast({{ ai_adoption_var('ai_adoption_confidence_level') }} as {{ double }}) as confidence_level,
        verdict_reason,
        case verdict_reason
            when 'gain_beyond_feature_days' then 'more_active'
            when 'fewer_active_days' then 'less_active'
            when 'gain_within_feature_days' then 'own_use_only'
            when 'gain_within_uncounted_feature_days' then 'own_use_only'
            when 'interval_within_negligible' then 'no_change_detected'
            else 'inconclusive'
        end as verdict
    from judged

)

select * from final
