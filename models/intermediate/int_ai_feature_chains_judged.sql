{#- One row per feature and period: the chain read from its stage measures
    (each stage's rate, interval, bar and health side by side, the first
    stage shown to be below its bar, the first stage whose pass rate per
    session is shown to be below its bar, and the last healthy stage before
    the break),
    and how acceptance, handoff and return moved against the previous period
    with whether the move is significant. -#}
{%- set stages = ai_adoption_chain_stages() -%}
{#- The break order of a chain that never broke: after every stage. -#}
{%- set no_break = stages | length + 1 -%}
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

stage_measures as (

    select * from {{ ref('int_ai_feature_stages_judged') }}

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
            {{ dbt.bool_or("stage = '" ~ stage ~ "' and measured_per = 'sessions' and is_healthy = false") }}
                as is_{{ stage }}_session_failing,
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
        periods.client_delivery_rate,
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
        -- the chain breaks at the first stage shown to be below its bar
        case
            {%- for stage in stages %}
                when stage_rates.is_{{ stage }}_failing then {{ loop.index }}
            {%- endfor %}
        end as break_order,
        -- the first stage whose pass rate per session is shown to be below its bar
        case
            {%- for stage in stages %}
                when stage_rates.is_{{ stage }}_session_failing then '{{ stage }}'
            {%- endfor %}
        end as session_break_stage,
        {%- for name, parts in changes.items() %}
            lag(periods.{{ parts[0] }}) over (partition by periods.feature order by periods.period_start)
                as previous_{{ name }}_passed,
            lag(periods.{{ parts[1] }}) over (partition by periods.feature order by periods.period_start)
                as previous_{{ name }}_measured,
            {{ ai_adoption_ratio('periods.' ~ parts[0], 'periods.' ~ parts[1]) }} as current_{{ name }}_rate,
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

final as (

    select
        {{ ai_adoption_surrogate_key(['feature', 'period_start']) }} as feature_period_key,
        feature,
        period_start,
        sessions,
        return_eligible_sessions,
        client_delivery_rate,
        {%- for stage in stages %}
            {{ stage }}_pass_rate,
            {{ stage }}_pass_rate_lower,
            {{ stage }}_pass_rate_upper,
            {{ stage }}_healthy_bar,
            is_{{ stage }}_healthy,
        {%- endfor %}
        output_handoff_rate,
        output_handoff_rate_lower,
        output_handoff_rate_upper,
        output_handoff_bar,
        case
            {%- for stage in stages %}
                when break_order = {{ loop.index }} then '{{ stage }}'
            {%- endfor %}
        end as break_stage,
        session_break_stage,
        -- the last stage before the break not shown to fail, walking back
        case
            {%- for stage in stages | reverse %}
                when is_{{ stage }}_healthy and {{ loop.revindex }} < coalesce(break_order, {{ no_break }})
                    then '{{ stage }}'
            {%- endfor %}
        end as last_healthy_stage,
        previous_period_start,
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
            end as is_{{ name }}_change_significant{% if not loop.last %},{% endif %}
        {%- endfor %}
    from chained

)

select * from final
