{#- One row per feature and period: where the chain breaks (the first stage
    shown to be below its healthy bar, and the last healthy stage before it),
    which failure shapes are detected (corroborated) and which are only
    watched, the primary verdict with its evidence and since when it holds,
    how acceptance, handoff and return moved against the previous period,
    and what the team should work on. -#}
{%- set stages = ai_adoption_chain_stages() -%}
{#- The break order of a session chain that never broke: after every stage. -#}
{%- set no_break = stages | length + 1 -%}
{%- set min_sessions = var('ai_adoption_min_sessions') -%}
{%- set min_sample = var('ai_adoption_min_signal_sample') -%}
{%- set z = ai_adoption_z_score() -%}
{#- The period-over-period changes: name -> (passed, measured) columns. -#}
{%- set changes = {
    'acceptance': ('outputs_accepted', 'outputs_generated'),
    'handoff': ('handoff_passed_sessions', 'handoff_measured_sessions'),
    'return': ('returned_sessions', 'return_eligible_sessions'),
} -%}

with

periods as (

    select * from {{ ref('int_ai_feature_periods_measured') }}

),

features as (

    select
        feature,
        kind,
        risk,
        is_catalogued
    from {{ ref('int_ai_features_catalogued') }}

),

stage_measures as (

    select * from {{ ref('int_ai_feature_stages_judged') }}

),

shapes as (

    select * from {{ ref('fct_ai_failure_shapes') }}

),

catalogue as (

    select * from {{ ref('ai_adoption_shapes') }}

),

stage_rates as (

    {#- The stage measures side by side; a stage measured in two ways is
        healthy only when neither measure is shown to be below its bar. #}
    select
        feature,
        period_start,
        {%- for stage in stages %}
            {%- for column in ['pass_rate', 'pass_rate_lower', 'pass_rate_upper', 'healthy_bar'] %}
                max(case when stage = '{{ stage }}' and measured_per = 'sessions' then {{ column }} end)
                    as {{ stage }}_{{ column }},
            {%- endfor %}
            {{ dbt.bool_or("stage = '" ~ stage ~ "' and is_healthy = false") }} as is_{{ stage }}_failing,
            {{ dbt.bool_or("stage = '" ~ stage ~ "' and is_healthy") }} as is_{{ stage }}_passing,
        {%- endfor %}
        max(case when stage = 'handoff' and measured_per = 'outputs' then pass_rate end) as output_handoff_rate,
        max(case when stage = 'handoff' and measured_per = 'outputs' then pass_rate_lower end)
            as output_handoff_rate_lower,
        max(case when stage = 'handoff' and measured_per = 'outputs' then pass_rate_upper end)
            as output_handoff_rate_upper,
        max(case when stage = 'handoff' and measured_per = 'outputs' then healthy_bar end) as output_handoff_bar
    from stage_measures
    group by 1, 2

),

chained as (

    select
        periods.feature,
        periods.period_start,
        periods.sessions,
        periods.return_eligible_sessions,
        {%- for stage in stages %}
            stage_rates.{{ stage }}_pass_rate,
            stage_rates.{{ stage }}_pass_rate_lower,
            stage_rates.{{ stage }}_pass_rate_upper,
            stage_rates.{{ stage }}_healthy_bar,
            case
                when stage_rates.is_{{ stage }}_failing then false
                when stage_rates.is_{{ stage }}_passing then true
            end as is_{{ stage }}_healthy,
        {%- endfor %}
        stage_rates.output_handoff_rate,
        stage_rates.output_handoff_rate_lower,
        stage_rates.output_handoff_rate_upper,
        stage_rates.output_handoff_bar,
        case
            {%- for stage in stages %}
                when stage_rates.is_{{ stage }}_failing then {{ loop.index }}
            {%- endfor %}
        end as break_order,
        {%- for name, parts in changes.items() %}
            lag(periods.{{ parts[0] }}) over (partition by periods.feature order by periods.period_start)
                as previous_{{ name }}_passed,
            lag(periods.{{ parts[1] }}) over (partition by periods.feature order by periods.period_start)
                as previous_{{ name }}_measured,
            {{ ai_adoption_ratio('periods.' ~ parts[0], 'periods.' ~ parts[1]) }} as current_{{ name }}_rate,
        {%- endfor %}
        {%- for name, parts in changes.items() %}
            periods.{{ parts[1] }} as current_{{ name }}_measured,
        {%- endfor %}
        lag(periods.period_start) over (partition by periods.feature order by periods.period_start)
            as previous_period_start
    from periods
    inner join stage_rates
        on
            periods.feature = stage_rates.feature
            and periods.period_start = stage_rates.period_start

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
                when is_{{ stage }}_healthy and {{ loop.revindex }} < coalesce(break_order, {{ no_break }})
                    then '{{ stage }}'
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
        count(case when is_applicable then 1 end) as applicable_shape_count,
        count(case when is_judged then 1 end) as judged_shape_count,
        {{ ai_adoption_listagg('case when is_watch then shape end', "', '", 'shape') }} as watch_shapes,
        {{ ai_adoption_listagg('case when is_watch then firing_signals end', "', '", 'shape') }} as watch_signals,
        {{ ai_adoption_listagg("case when shape_status = 'inconclusive' then shape end", "', '", 'shape') }}
            as inconclusive_shapes
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
        max(case when shape_rank = 1 then corroborated_by end) as corroborated_by,
        max(case when shape_rank = 1 then evidence_signal end) as evidence_signal,
        max(case when shape_rank = 1 then evidence_value end) as evidence_value,
        max(case when shape_rank = 1 then evidence_lower end) as evidence_lower,
        max(case when shape_rank = 1 then evidence_upper end) as evidence_upper,
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
        detected_rolled_up.corroborated_by,
        detected_rolled_up.evidence_signal,
        detected_rolled_up.evidence_value,
        detected_rolled_up.evidence_lower,
        detected_rolled_up.evidence_upper,
        detected_rolled_up.evidence_threshold,
        detected_rolled_up.evidence_sample_size,
        detected_rolled_up.evidence_signals,
        coverage.watch_shapes,
        coverage.watch_signals,
        coverage.inconclusive_shapes,
        case
            when with_stages.sessions < {{ min_sessions }} then 'insufficient_data'
            when detected_rolled_up.top_shape is not null then detected_rolled_up.top_shape
            when with_stages.return_eligible_sessions < {{ min_sample }} then 'insufficient_data'
            -- no healthy verdict while a shape that applies could not be judged
            when coalesce(coverage.judged_shape_count, 0) < coalesce(coverage.applicable_shape_count, 0)
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

streaks as (

    {#- A new streak starts at each period whose verdict differs from the
        previous period's; the verdict holds since the streak's first period. #}
    select
        *,
        sum(is_new_verdict) over (
            partition by feature
            order by period_start
            rows between unbounded preceding and current row
        ) as verdict_streak
    from (
        select
            *,
            case
                when lag(primary_shape) over (partition by feature order by period_start) = primary_shape then 0
                else 1
            end as is_new_verdict
        from verdicts
    ) as marked

),

onset as (

    select
        *,
        {%- for name in changes %}
            {%- set previous_rate = ai_adoption_ratio(
                'previous_' ~ name ~ '_passed', 'previous_' ~ name ~ '_measured'
            ) %}
            {%- set interval = ai_adoption_difference_interval(
                'current_' ~ name ~ '_rate', 'current_' ~ name ~ '_measured',
                previous_rate, 'previous_' ~ name ~ '_measured', z
            ) %}
            current_{{ name }}_rate - {{ previous_rate }} as {{ name }}_change,
            -- significant when the interval of the difference leaves out 0
            case
                when current_{{ name }}_measured > 0 and previous_{{ name }}_measured > 0
                    then {{ interval.lower }} > 0 or {{ interval.upper }} < 0
            end as is_{{ name }}_change_significant,
        {%- endfor %}
        min(period_start) over (partition by feature, verdict_streak) as verdict_since
    from streaks

),

final as (

    select
        {{ ai_adoption_surrogate_key(['onset.feature', 'onset.period_start']) }} as feature_period_key,
        onset.feature,
        onset.period_start,
        features.kind,
        features.risk,
        features.is_catalogued,
        onset.sessions,
        onset.primary_shape,
        onset.verdict_since,
        catalogue.focus as recommended_focus,
        catalogue.description as primary_shape_description,
        onset.break_stage,
        onset.last_healthy_stage,
        onset.detected_shape_count,
        onset.judged_shape_count,
        onset.detected_shapes,
        onset.corroborated_by,
        onset.watch_shapes,
        onset.watch_signals,
        onset.inconclusive_shapes,
        onset.top_severity as primary_severity,
        onset.evidence_signal,
        onset.evidence_value,
        onset.evidence_lower,
        onset.evidence_upper,
        onset.evidence_threshold,
        onset.evidence_sample_size,
        cast({{ var('ai_adoption_confidence_level') }} as {{ ai_adoption_type('double') }}) as confidence_level,
        {%- for stage in stages %}
            onset.{{ stage }}_pass_rate,
            onset.{{ stage }}_pass_rate_lower,
            onset.{{ stage }}_pass_rate_upper,
            onset.{{ stage }}_healthy_bar,
            onset.is_{{ stage }}_healthy,
        {%- endfor %}
        onset.output_handoff_rate,
        onset.output_handoff_rate_lower,
        onset.output_handoff_rate_upper,
        onset.output_handoff_bar,
        onset.previous_period_start,
        {%- for name in changes %}
            onset.{{ name }}_change,
            onset.is_{{ name }}_change_significant,
        {%- endfor %}
        onset.evidence_signals
    from onset
    inner join catalogue
        on onset.primary_shape = catalogue.shape
    inner join features
        on onset.feature = features.feature

)

select * from final
