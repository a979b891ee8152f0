{#- One row per feature and period: where the chain breaks (the first stage
    whose pass rate is below its healthy bar, and the last healthy stage
    before it), which failure shapes are detected, the primary one with its
    evidence, and what the team should work on. -#}
{%- set stages = ai_adoption_chain_stages() -%}
{%- set min_sessions = var('ai_adoption_min_sessions', 30) -%}
{%- set min_sample = var('ai_adoption_min_signal_sample', 20) -%}

with

periods as (

    select * from {{ ref('int_ai_feature_periods_measured') }}

),

shapes as (

    select * from {{ ref('fct_ai_failure_shapes') }}

),

catalogue as (

    select * from {{ ref('ai_adoption_shapes') }}

),

stage_rates as (

    select
        feature,
        period_start,
        {%- for stage in stages %}
            {%- set passed = 'returned_sessions' if stage == 'return' else stage ~ '_passed_sessions' %}
            {%- set measured = 'return_eligible_sessions' if stage == 'return' else stage ~ '_measured_sessions' %}
            {%- set bar = var('ai_adoption_healthy_bar_' ~ stage) %}
            {{ ai_adoption_ratio(passed, measured) }} as {{ stage }}_pass_rate,
            cast({{ bar }} as {{ ai_adoption_type('double') }}) as {{ stage }}_healthy_bar,
            case
                when {{ measured }} >= {{ min_sample }} then {{ ai_adoption_ratio(passed, measured) }} >= {{ bar }}
            end as is_{{ stage }}_healthy,
        {%- endfor %}
        sessions,
        return_eligible_sessions
    from periods

),

chained as (

    select
        *,
        case
            {%- for stage in stages %}
                when not is_{{ stage }}_healthy then {{ loop.index }}
            {%- endfor %}
        end as break_order
    from stage_rates

),

with_stages as (

    select
        *,
        case
            {%- for stage in stages %}
                when break_order = {{ loop.index }} then '{{ stage }}'
            {%- endfor %}
        end as break_stage,
        case
            {%- for stage in stages | reverse %}
                when is_{{ stage }}_healthy and {{ loop.revindex }} < coalesce(break_order, 99) then '{{ stage }}'
            {%- endfor %}
        end as last_healthy_stage
    from chained

),

detected as (

    select
        shapes.*,
        row_number() over (
            partition by shapes.feature, shapes.period_start
            order by
                case
                    when
                        {{ dbt.position(
                            "'|' || with_stages.break_stage || '|'",
                            "'|' || shapes.shape_stages || '|'"
                        ) }} > 0
                        then 0
                    else 1
                end,
                shapes.severity desc,
                shapes.shape asc
        ) as shape_rank
    from shapes
    inner join with_stages
        on
            shapes.feature = with_stages.feature
            and shapes.period_start = with_stages.period_start
    where shapes.is_detected

),

coverage as (

    select
        feature,
        period_start,
        count(*) as shape_count,
        count(case when is_judged then 1 end) as judged_shape_count
    from shapes
    group by 1, 2

),

detected_rolled_up as (

    select
        feature,
        period_start,
        count(*) as detected_shape_count,
        {{ ai_adoption_listagg('shape', "', '", 'shape_rank') }} as detected_shapes,
        max(case when shape_rank = 1 then shape end) as top_shape,
        max(case when shape_rank = 1 then severity end) as top_severity,
        max(case when shape_rank = 1 then evidence_signal end) as evidence_signal,
        max(case when shape_rank = 1 then evidence_value end) as evidence_value,
        max(case when shape_rank = 1 then evidence_threshold end) as evidence_threshold,
        max(case when shape_rank = 1 then evidence_sample_size end) as evidence_sample_size,
        max(case when shape_rank = 1 then firing_signals end) as evidence_signals
    from detected
    group by 1, 2

),

verdicts as (

    select
        with_stages.*,
        coalesce(detected_rolled_up.detected_shape_count, 0) as detected_shape_count,
        coalesce(coverage.judged_shape_count, 0) as judged_shape_count,
        detected_rolled_up.detected_shapes,
        detected_rolled_up.top_severity,
        detected_rolled_up.evidence_signal,
        detected_rolled_up.evidence_value,
        detected_rolled_up.evidence_threshold,
        detected_rolled_up.evidence_sample_size,
        detected_rolled_up.evidence_signals,
        case
            when with_stages.sessions < {{ min_sessions }} then 'insufficient_data'
            when detected_rolled_up.top_shape is not null then detected_rolled_up.top_shape
            when with_stages.return_eligible_sessions < {{ min_sample }} then 'insufficient_data'
            when coalesce(coverage.judged_shape_count, 0) < coalesce(coverage.shape_count, 0)
                then 'insufficient_data'
            else 'healthy'
        end as primary_shape
    from with_stages
    left join detected_rolled_up
        on
            with_stages.feature = detected_rolled_up.feature
            and with_stages.period_start = detected_rolled_up.period_start
    left join coverage
        on
            with_stages.feature = coverage.feature
            and with_stages.period_start = coverage.period_start

),

final as (

    select
        {{ ai_adoption_surrogate_key(['verdicts.feature', 'verdicts.period_start']) }} as feature_period_key,
        verdicts.feature,
        verdicts.period_start,
        verdicts.sessions,
        verdicts.primary_shape,
        catalogue.focus as recommended_focus,
        catalogue.description as primary_shape_description,
        verdicts.break_stage,
        verdicts.last_healthy_stage,
        verdicts.detected_shape_count,
        verdicts.judged_shape_count,
        verdicts.detected_shapes,
        verdicts.top_severity as primary_severity,
        verdicts.evidence_signal,
        verdicts.evidence_value,
        verdicts.evidence_threshold,
        verdicts.evidence_sample_size,
        {%- for stage in stages %}
            verdicts.{{ stage }}_pass_rate,
            verdicts.{{ stage }}_healthy_bar,
            verdicts.is_{{ stage }}_healthy,
        {%- endfor %}
        verdicts.evidence_signals
    from verdicts
    inner join catalogue
        on verdicts.primary_shape = catalogue.shape

)

select * from final
