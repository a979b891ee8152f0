{#- A table, not a view: two marts read it, and a view would compute it once for each
    (Spark repeats the whole computation per reader). -#}
{{ config(materialized='table') }}

{#- One row per feature, period and stage measure: how many passed the stage
    out of how many it was measured on, the pass rate with its Wilson
    interval at var ai_adoption_confidence_level, the healthy bar, and the
    status. A stage is below its bar only when the whole interval is below
    it, healthy when the whole interval is at or above it, inconclusive in
    between. Every stage is measured per session; handoff is measured per
    output too (outputs handed off without heavy rework out of outputs
    generated), so that outputs left alone show in the chain itself. -#}
{%- set min_sample = ai_adoption_var('ai_adoption_min_signal_sample') -%}
{%- set double_type = ai_adoption_type('double') -%}
{%- set z = ai_adoption_z_score() -%}
{#- Each stage's healthy bar; verification's comes from the feature's risk. -#}
{%- set stage_bars = {
    'trigger': ai_adoption_var('ai_adoption_healthy_bar_trigger'),
    'context': ai_adoption_var('ai_adoption_healthy_bar_context'),
    'output': ai_adoption_var('ai_adoption_healthy_bar_output'),
    'verification': 'features.verification_bar',
    'handoff': ai_adoption_var('ai_adoption_healthy_bar_handoff'),
    'return': ai_adoption_var('ai_adoption_healthy_bar_return'),
} -%}
{%- set measures = [] -%}
{%- for stage in ai_adoption_chain_stages() -%}
    {%- if stage == 'return' -%}
        {%- do measures.append({
            'stage': stage, 'order': loop.index, 'unit': 'sessions',
            'passed': 'returned_sessions', 'measured': 'return_eligible_sessions',
            'bar': stage_bars[stage],
        }) -%}
    {%- else -%}
        {%- do measures.append({
            'stage': stage, 'order': loop.index, 'unit': 'sessions',
            'passed': stage ~ '_passed_sessions', 'measured': stage ~ '_measured_sessions',
            'bar': stage_bars[stage],
        }) -%}
    {%- endif -%}
    {%- if stage == 'handoff' -%}
        {%- do measures.append({
            'stage': stage, 'order': loop.index, 'unit': 'outputs',
            'passed': 'clean_handoff_outputs', 'measured': 'outputs_generated',
            'bar': 'features.output_handoff_bar',
        }) -%}
    {%- endif -%}
{%- endfor -%}

with

periods as (

    select * from {{ ref('int_ai_feature_periods_measured') }}

),

features as (

    select
        feature,
        verification_bar,
        output_handoff_bar
    from {{ ref('int_ai_features_catalogued') }}

),

measured as (

    {%- for measure in measures %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        {%- set pass_rate = ai_adoption_ratio(measure.passed, measure.measured) %}
        {%- set interval = ai_adoption_wilson_interval(pass_rate, measure.measured, z) %}
        select
            periods.feature,
            periods.period_start,
            '{{ measure.stage }}' as stage,
            '{{ measure.unit }}' as measured_per,
            {{ measure.order }} as stage_order,
            cast(periods.{{ measure.passed }} as {{ ai_adoption_type('integer') }}) as passed,
            cast(periods.{{ measure.measured }} as {{ ai_adoption_type('integer') }}) as measured,
            {{ pass_rate }} as pass_rate,
            cast({{ interval.lower }} as {{ double_type }}) as pass_rate_lower,
            cast({{ interval.upper }} as {{ double_type }}) as pass_rate_upper,
            cast({{ measure.bar }} as {{ double_type }}) as healthy_bar
        from periods
        inner join features
            on periods.feature = features.feature
    {%- endfor %}

),

final as (

    select
        {{ ai_adoption_surrogate_key(['feature', 'period_start', 'stage', 'measured_per']) }}
            as feature_period_stage_key,
        feature,
        period_start,
        stage,
        measured_per,
        stage_order,
        passed,
        measured,
        pass_rate,
        pass_rate_lower,
        pass_rate_upper,
        healthy_bar,
        case
            when measured = 0 then 'not_measured'
            when measured < {{ min_sample }} then 'not_judged'
            when pass_rate_upper < healthy_bar then 'below_bar'
            when pass_rate_lower >= healthy_bar then 'healthy'
            else 'inconclusive'
        end as stage_status,
        -- false only when the stage is shown to be below its bar
        case
            when measured >= {{ min_sample }} then not (pass_rate_upper < healthy_bar)
        end as is_healthy
    from measured

)

select * from final
