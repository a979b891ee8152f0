{#- One row per feature, period and failure shape: whether the shape is
    detected (any of its judged signals fires), the strongest evidence with
    its value, threshold and sample size, and the severity (how far past its
    threshold the strongest signal is, relative to the threshold). -#}

with

signals as (

    select * from {{ ref('fct_ai_usage_signals') }}

),

shapes as (

    select * from {{ ref('ai_adoption_shapes') }}
    where is_failure

),

ranked as (

    select
        *,
        row_number() over (
            partition by feature, period_start, shape
            order by case when is_judged then 0 else 1 end, margin desc, signal asc
        ) as evidence_rank
    from signals

),

rolled_up as (

    select
        feature,
        period_start,
        shape,
        max(period_sessions) as period_sessions,
        count(case when is_judged then 1 end) as signals_judged,
        count(case when is_firing then 1 end) as signals_firing,
        max(severity) as severity,
        max(case when evidence_rank = 1 and is_judged then signal end) as evidence_signal,
        max(case when evidence_rank = 1 and is_judged then signal_value end) as evidence_value,
        max(case when evidence_rank = 1 and is_judged then threshold end) as evidence_threshold,
        max(case when evidence_rank = 1 and is_judged then direction end) as evidence_direction,
        max(case when evidence_rank = 1 and is_judged then sample_size end) as evidence_sample_size,
        {{ ai_adoption_listagg("case when is_firing then signal end", "', '", 'signal') }} as firing_signals
    from ranked
    group by 1, 2, 3

),

final as (

    select
        {{ ai_adoption_surrogate_key(['rolled_up.feature', 'rolled_up.period_start', 'rolled_up.shape']) }}
            as feature_period_shape_key,
        rolled_up.feature,
        rolled_up.period_start,
        rolled_up.shape,
        shapes.stages as shape_stages,
        rolled_up.signals_firing > 0 as is_detected,
        rolled_up.signals_judged > 0 as is_judged,
        rolled_up.signals_judged,
        rolled_up.signals_firing,
        rolled_up.firing_signals,
        rolled_up.evidence_signal,
        rolled_up.evidence_value,
        rolled_up.evidence_direction,
        rolled_up.evidence_threshold,
        rolled_up.evidence_sample_size,
        rolled_up.period_sessions as sample_size,
        rolled_up.severity
    from rolled_up
    inner join shapes
        on rolled_up.shape = shapes.shape

)

select * from final
