{#- One row per AI feature: how adopting it changed the adopters' product
    activity, in active days a week, over the var ai_adoption_effect_weeks
    weeks after the adoption week against the as many weeks before it. A
    difference in differences: each adopter's change is set against the
    mean change of the users who were active in the same week, on as many
    days, and had not used the feature by the end of the window
    (int_ai_feature_adopters_matched). The estimate comes with an interval at var
    ai_adoption_confidence_level and the users on each side; it is an
    observational comparison, not an experiment (DECISIONS.md, "Effect").
    Empty without a product activity source. -#}
{%- set k = ai_adoption_effect_weeks() -%}
{%- set z = ai_adoption_z_score() -%}
{%- set double = ai_adoption_type('double') -%}
{%- set min_adopters = var('ai_adoption_effect_min_adopters') -%}
{%- set negligible = var('ai_adoption_effect_negligible_days') -%}

with

adopters as (

    select * from {{ ref('int_ai_feature_adopters_matched') }}

),

matched as (

    select
        feature,
        adoption_week_start,
        adoption_week_number,
        activity_stratum,
        active_days_before,
        active_days_after,
        feature_days_after,
        control_user_weeks,
        control_days_before,
        control_days_after,
        control_change_variance,
        -- the adopter's change less the comparison users' mean change
        active_days_change - control_change_mean as excess_change,
        -- the same with the days of the feature's own use taken out
        active_days_change - feature_days_after - control_change_mean as excess_change_without_feature_days
    from adopters
    where is_matched

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

strata as (

    select
        feature,
        adoption_week_number,
        activity_stratum,
        count(*) as adopters,
        max(control_user_weeks) as control_user_weeks,
        max(control_change_variance) as control_change_variance
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
        cast(sum(control_user_weeks) as bigint) as control_user_weeks
    from strata
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
    left join estimated
        on counted.feature = estimated.feature
    left join control_spread
        on counted.feature = control_spread.feature

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
