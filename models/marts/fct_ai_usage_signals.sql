{#- One row per feature, period and usage signal: the signal's value, the
    threshold it is held against, its sample size, whether it was judged and
    whether it fires, and the failure shape it points to. -#}
{%- set min_sessions = var('ai_adoption_min_sessions', 30) -%}
{%- set min_sample = var('ai_adoption_min_signal_sample', 20) -%}
{%- set double_type = ai_adoption_type('double') -%}

with

periods as (

    select * from {{ ref('int_ai_feature_periods_measured') }}

),

catalogue as (

    select * from {{ ref('ai_adoption_signals') }}

),

measured as (

    {%- for signal, definition in ai_adoption_signal_definitions().items() %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            feature,
            period_start,
            sessions as period_sessions,
            '{{ signal }}' as signal,
            cast({{ signal }} as {{ double_type }}) as signal_value,
            cast({{ definition.threshold }} as {{ double_type }}) as threshold,
            cast({{ definition.sample }} as {{ ai_adoption_type('integer') }}) as sample_size
        from periods
    {%- endfor %}

),

judged as (

    select
        measured.*,
        catalogue.shape,
        catalogue.direction,
        catalogue.article_signal,
        measured.period_sessions >= {{ min_sessions }}
        and measured.sample_size >= {{ min_sample }}
        and measured.signal_value is not null as is_judged,
        case
            when catalogue.direction = 'above'
                then (measured.signal_value - measured.threshold) / nullif(measured.threshold, 0)
            else (measured.threshold - measured.signal_value) / nullif(measured.threshold, 0)
        end as margin
    from measured
    inner join catalogue
        on measured.signal = catalogue.signal

),

final as (

    select
        {{ ai_adoption_surrogate_key(['feature', 'period_start', 'signal']) }} as feature_period_signal_key,
        feature,
        period_start,
        signal,
        shape,
        article_signal,
        direction,
        signal_value,
        threshold,
        sample_size,
        period_sessions,
        is_judged,
        coalesce(is_judged and margin >= 0, false) as is_firing,
        case when is_judged then margin end as margin,
        case when is_judged and margin >= 0 then margin end as severity
    from judged

)

select * from final
