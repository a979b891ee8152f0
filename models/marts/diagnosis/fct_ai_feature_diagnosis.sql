{#- One row per feature and period: which failure shapes are detected
    (corroborated) and which are only watched, the primary verdict with its
    evidence and since when it holds, and what the team should work on,
    beside the chain it is read against (where the chain breaks, and how
    acceptance, handoff and return moved against the previous period, from
    int_ai_feature_chains_judged). A stage whose pass rate per session is
    shown below its bar is never called healthy: with no shape detected, the
    verdict is the stage's own shape on the stage's evidence alone, or
    stage_break when the stage's shapes cannot be told apart. A period whose returns are not settled is
    judged on everything else and marked provisional. -#}
{%- set stages = ai_adoption_chain_stages() -%}
{%- set min_sessions = ai_adoption_var('ai_adoption_min_sessions') -%}
{%- set min_sample = ai_adoption_var('ai_adoption_min_signal_sample') -%}
{%- set changes = ['acceptance', 'handoff', 'return'] -%}

with

chains as (

    select * from {{ ref('int_ai_feature_chains_judged') }}

),

features as (

    select
        feature,
        kind,
        risk,
        is_catalogued
    from {{ ref('int_ai_features_catalogued') }}

),

shapes as (

    select * from {{ ref('fct_ai_failure_shapes') }}

),

catalogue as (

    select * from {{ ref('ai_adoption_shapes') }}

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
                            "'|' || chains.break_stage || '|'",
                            "'|' || shapes.shape_stages || '|'"
                        ) }} > 0
                        then 0
                    else 1
                end,
                shapes.severity desc,
                shapes.shape asc
        ) as shape_rank
    from shapes
    inner join chains
        on
            shapes.feature = chains.feature
            and shapes.period_start = chains.period_start
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
            as inconclusive_shapes,
        -- shapes that apply but could not be judged; those of the return stage
        -- apart, since they wait for return windows to close
        count(case when is_applicable and not is_judged then 1 end) as unjudged_shape_count,
        count(case
            when is_applicable and not is_judged and {{ dbt.position("'|return|'", "'|' || shape_stages || '|'") }} = 0
                then 1
        end) as unjudged_settled_shape_count
    from shapes
    group by 1, 2

),

stage_shapes as (

    {#- The shapes that apply to the feature and belong to the first stage
        whose pass rate per session is below its bar, and which of them their
        own signals do not clear: the candidates a broken stage points to when
        no shape is detected. #}
    select
        shapes.feature,
        shapes.period_start,
        count(*) as stage_shape_count,
        count(case when shapes.shape_status != 'clear' then 1 end) as open_shape_count,
        max(shapes.shape) as any_stage_shape,
        max(case when shapes.shape_status != 'clear' then shapes.shape end) as any_open_shape,
        {{ ai_adoption_listagg('shapes.shape', "', '", 'shapes.shape') }} as stage_shapes,
        {{ ai_adoption_listagg(
            "case when shapes.shape_status != 'clear' then shapes.shape end", "', '", 'shapes.shape'
        ) }} as open_shapes
    from shapes
    inner join chains
        on
            shapes.feature = chains.feature
            and shapes.period_start = chains.period_start
    where
        shapes.is_applicable
        and {{ dbt.position("'|' || chains.session_break_stage || '|'", "'|' || shapes.shape_stages || '|'") }} > 0
    group by 1, 2

),

stage_candidates as (

    {#- A shape its signals clear is no candidate, unless every shape of the
        stage is cleared: then the stage itself is all the evidence there is.
        One candidate is the stage's verdict; more than one (or none) cannot
        be told apart. #}
    select
        feature,
        period_start,
        case when open_shape_count > 0 then open_shapes else stage_shapes end as candidate_shapes,
        case
            when open_shape_count = 1 then any_open_shape
            when open_shape_count = 0 and stage_shape_count = 1 then any_stage_shape
        end as stage_shape
    from stage_shapes

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
        chains.*,
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
        -- a verdict that rests on a stage alone: nothing detected, and a stage's
        -- pass rate per session shown below its bar
        chains.sessions >= {{ min_sessions }}
        and detected_rolled_up.top_shape is null
        and chains.session_break_stage is not null as is_stage_evidenced,
        case
            when
                chains.sessions >= {{ min_sessions }}
                and detected_rolled_up.top_shape is null
                and chains.session_break_stage is not null
                then stage_candidates.candidate_shapes
        end as candidate_shapes,
        -- returns not settled: too few sessions whose return window has closed
        chains.return_eligible_sessions < {{ min_sample }} as is_return_pending,
        case
            when chains.sessions < {{ min_sessions }} then 'insufficient_data'
            when detected_rolled_up.top_shape is not null then detected_rolled_up.top_shape
            -- a stage whose sessions are shown below its bar is never healthy:
            -- the stage's own shape, or stage_break when its shapes cannot be told apart
            when chains.session_break_stage is not null then coalesce(stage_candidates.stage_shape, 'stage_break')
            -- no healthy verdict while a shape that applies could not be judged;
            -- while returns are pending, the shapes of the return stage wait
            when coalesce(coverage.unjudged_settled_shape_count, 0) > 0 then 'insufficient_data'
            when
                chains.return_eligible_sessions >= {{ min_sample }}
                and coalesce(coverage.unjudged_shape_count, 0) > 0
                then 'insufficient_data'
            else 'healthy'
        end as primary_shape
    from chains
    left join detected_rolled_up
        on
            chains.feature = detected_rolled_up.feature
            and chains.period_start = detected_rolled_up.period_start
    left join coverage
        on
            chains.feature = coverage.feature
            and chains.period_start = coverage.period_start
    left join stage_candidates
        on
            chains.feature = stage_candidates.feature
            and chains.period_start = stage_candidates.period_start

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
        min(period_start) over (partition by feature, verdict_streak) as verdict_since
    from streaks

),

final as (

    select
        onset.feature_period_key,
        onset.feature,
        onset.period_start,
        features.kind,
        features.risk,
        features.is_catalogued,
        onset.sessions,
        onset.primary_shape,
        -- a verdict given while returns are pending may still change
        onset.is_return_pending and onset.primary_shape != 'insufficient_data' as is_provisional,
        onset.is_stage_evidenced,
        onset.candidate_shapes,
        onset.verdict_since,
        catalogue.focus as recommended_focus,
        catalogue.description as primary_shape_description,
        onset.break_stage,
        onset.session_break_stage,
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
        cast(
            {{ ai_adoption_var('ai_adoption_confidence_level') }} as {{ ai_adoption_type('double') }}
        ) as confidence_level,
        onset.client_delivery_rate,
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
