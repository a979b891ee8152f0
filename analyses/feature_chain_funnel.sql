{#- One feature's chain, stage by stage: how many sessions were measured at
    each stage, how many passed it, and the conversion from the stage before.
    Set the feature with --vars '{feature: email_draft}'. -#}
{%- set feature = var('feature', 'email_draft') -%}

with

daily as (

    select * from {{ ref('fct_ai_feature_daily') }}
    where feature = '{{ feature }}'

),

stages as (

    {%- for stage in ai_adoption_chain_stages() %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            {{ loop.index }} as stage_order,
            '{{ stage }}' as stage,
            sum({{ stage }}_measured_sessions) as measured_sessions,
            sum({{ stage }}_passed_sessions) as passed_sessions
        from daily
    {%- endfor %}

),

final as (

    select
        stage_order,
        stage,
        measured_sessions,
        passed_sessions,
        {{ ai_adoption_ratio('passed_sessions', 'measured_sessions') }} as pass_rate,
        {{ ai_adoption_ratio(
            'passed_sessions',
            'lag(passed_sessions) over (order by stage_order)'
        ) }} as conversion_from_previous_stage
    from stages

)

select * from final
order by stage_order
