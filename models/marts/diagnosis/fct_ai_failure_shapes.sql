{#- One row per feature, period and failure shape: its status, the strongest
    evidence with its value, interval, threshold and sample size, and the
    severity. A shape whose signals fire is detected (a verdict) only when
    the evidence is corroborated: one of its own stages is shown to be below
    its bar, or two or more of its signals fire. A lone firing signal on
    stages that are not shown to be failing is a watch note. -#}

with

signals as (

    select * from {{ ref('fct_ai_usage_signals') }}

),

stages as (

    select * from {{ ref('int_ai_feature_stages_judged') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by feature, period_start, shape
            order by
                case signal_status when 'firing' then 0 when 'inconclusive' then 1 when 'clear' then 2 else 3 end,
                severity desc,
                margin desc,
                signal asc
        ) as evidence_rank
    from signals

),

rolled_up as (

    select
        feature,
        period_start,
        shape,
        max(shape_stages) as shape_stages,
        max(period_sessions) as period_sessions,
        count(case when is_applicable_signal then 1 end) as signals_applicable,
        count(case when is_judged then 1 end) as signals_judged,
        count(case when is_firing then 1 end) as signals_firing,
        count(case when is_inconclusive then 1 end) as signals_inconclusive,
        max(severity) as severity,
        max(case when evidence_rank = 1 and is_judged then signal end) as evidence_signal,
        max(case when evidence_rank = 1 and is_judged then signal_value end) as evidence_value,
        max(case when evidence_rank = 1 and is_judged then signal_lower end) as evidence_lower,
        max(case when evidence_rank = 1 and is_judged then signal_upper end) as evidence_upper,
        max(case when evidence_rank = 1 and is_judged then threshold end) as evidence_threshold,
        max(case when evidence_rank = 1 and is_judged then direction end) as evidence_direction,
        max(case when evidence_rank = 1 and is_judged then sample_size end) as evidence_sample_size,
        {{ ai_adoption_listagg("case when is_firing then signal end", "', '", 'signal') }} as firing_signals,
        {{ ai_adoption_listagg("case when is_inconclusive then signal end", "', '", 'signal') }}
            as inconclusive_signals
    from (
        select
            *,
            signal_status != 'not_applicable' as is_applicable_signal
        from ranked
    ) as applicable
    group by 1, 2, 3

),

stage_failures as (

    {#- The stages of each shape shown to be below their bar, and whether any
        of its stages is shown to be healthy (evidence against the shape when
        none of its signals can be judged). #}
    select
        feature,
        period_start,
        shape,
        {{ ai_adoption_listagg(
            "case when stage_status = 'below_bar' then stage end", "', '", 'stage_order'
        ) }} as failing_stages,
        count(case when stage_status = 'healthy' then 1 end) as healthy_stage_measures
    from (
        select distinct
            stages.feature,
            stages.period_start,
            rolled_up.shape,
            stages.stage,
            stages.stage_order,
            stages.stage_status
        from stages
        inner join rolled_up
            on
                stages.feature = rolled_up.feature
                and stages.period_start = rolled_up.period_start
                and {{ dbt.position("'|' || stages.stage || '|'", "'|' || rolled_up.shape_stages || '|'") }} > 0
        where stages.stage_status in ('below_bar', 'healthy')
    ) as judged_stages
    group by 1, 2, 3

),

statused as (

    select
        rolled_up.*,
        stage_failures.failing_stages,
        case
            when rolled_up.signals_firing > 0 and stage_failures.failing_stages is not null then 'stage'
            when rolled_up.signals_firing >= 2 then 'signals'
        end as corroborated_by,
        case
            when rolled_up.signals_firing > 0 and stage_failures.failing_stages is not null then 'detected'
            when rolled_up.signals_firing >= 2 then 'detected'
            when rolled_up.signals_firing > 0 then 'watch'
            when rolled_up.signals_inconclusive > 0 then 'inconclusive'
            when rolled_up.signals_judged > 0 then 'clear'
            -- no signal could be judged, but a stage of the shape is shown healthy
            when rolled_up.signals_applicable > 0 and stage_failures.healthy_stage_measures > 0 then 'clear'
            when rolled_up.signals_applicable > 0 then 'not_judged'
            else 'not_applicable'
        end as shape_status
    from rolled_up
    left join stage_failures
        on
            rolled_up.feature = stage_failures.feature
            and rolled_up.period_start = stage_failures.period_start
            and rolled_up.shape = stage_failures.shape

),

final as (

    select
        {{ ai_adoption_surrogate_key(['feature', 'period_start', 'shape']) }} as feature_period_shape_key,
        feature,
        period_start,
        shape,
        shape_stages,
        shape_status,
        shape_status = 'detected' as is_detected,
        shape_status = 'watch' as is_watch,
        shape_status in ('detected', 'watch', 'inconclusive', 'clear') as is_judged,
        signals_applicable > 0 as is_applicable,
        corroborated_by,
        failing_stages,
        signals_applicable,
        signals_judged,
        signals_firing,
        signals_inconclusive,
        firing_signals,
        inconclusive_signals,
        evidence_signal,
        evidence_value,
        evidence_lower,
        evidence_upper,
        evidence_direction,
        evidence_threshold,
        evidence_sample_size,
        period_sessions as sample_size,
        severity
    from statused

)

select * from final
