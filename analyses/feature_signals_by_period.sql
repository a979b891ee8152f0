{#- One feature's usage signals period by period, beside their thresholds,
    with the verdict of each period: how the evidence moved over time. Set
    the feature with --vars '{feature: account_summary}'. -#}
{%- set feature = var('feature', 'account_summary') -%}

with

signals as (

    select * from {{ ref('fct_ai_usage_signals') }}
    where feature = '{{ feature }}'

),

diagnosis as (

    select
        feature,
        period_start,
        primary_shape,
        break_stage
    from {{ ref('fct_ai_feature_diagnosis') }}
    where feature = '{{ feature }}'

),

final as (

    select
        signals.period_start,
        diagnosis.primary_shape,
        diagnosis.break_stage,
        signals.shape,
        signals.signal,
        signals.signal_value,
        signals.direction,
        signals.threshold,
        signals.sample_size,
        signals.is_judged,
        signals.is_firing
    from signals
    inner join diagnosis
        on
            signals.feature = diagnosis.feature
            and signals.period_start = diagnosis.period_start

)

select * from final
order by period_start asc, shape asc, signal asc
