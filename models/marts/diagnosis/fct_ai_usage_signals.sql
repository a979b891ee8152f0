{#- One row per feature, period and usage signal: the signal's value and its
    confidence interval, the threshold it is held against for the feature's
    kind, its sample size, and its status: firing only when the whole
    interval lies past the threshold, inconclusive when the interval holds
    the threshold, clear when the whole interval is on the healthy side.
    A signal whose numerator counts client events (seed ai_adoption_signals,
    counts_client_events) is a lower bound when the tracker loses events:
    it fires on its interval as measured, and clears only when its upper
    bound divided by the lower bound of the period's client delivery rate
    stays under the threshold. -#}
{%- set min_sessions = ai_adoption_var('ai_adoption_min_sessions') -%}
{%- set min_sample = ai_adoption_var('ai_adoption_min_signal_sample') -%}
{%- set double_type = ai_adoption_type('double') -%}
{%- set overrides = var('ai_adoption_threshold_overrides') -%}
{%- set z = ai_adoption_z_score() -%}
{%- set delivery = ai_adoption_wilson_interval('client_delivery_rate', 'acted_on_outputs', z) -%}
{#- A count of client events as if every client event had arrived: its
    upper bound over the delivery rate's lower bound. -#}
{%- set upper_under_loss -%}
    case
        when catalogue.counts_client_events and measured.client_delivery_lower > 0
            then measured.signal_upper / measured.client_delivery_lower
        else measured.signal_upper
    end
{%- endset -%}

with

periods as (

    select * from {{ ref('int_ai_feature_periods_measured') }}

),

features as (

    select
        feature,
        kind,
        risk
    from {{ ref('int_ai_features_catalogued') }}

),

catalogue as (

    select * from {{ ref('ai_adoption_signals') }}

),

shapes as (

    select
        shape,
        stages as shape_stages
    from {{ ref('ai_adoption_shapes') }}

),

thresholds as (

    {#- A threshold per signal and kind; var ai_adoption_threshold_overrides
        replaces it for every kind ({signal: value}) or for some
        ({signal: {kind: value}}); an empty threshold: not judged for the kind. #}
    select
        signal,
        kind,
        {%- if overrides %}
        case
            {%- for signal, override in overrides.items() %}
                {%- if override is mapping %}
                    {%- for kind, value in override.items() %}
            when signal = {{ ai_adoption_literal(signal) }} and kind = {{ ai_adoption_literal(kind) }}
                then cast({{ ai_adoption_literal(value) }} as {{ double_type }})
                    {%- endfor %}
                {%- else %}
            when signal = {{ ai_adoption_literal(signal) }} then cast({{ ai_adoption_literal(override) }} as {{ double_type }})
                {%- endif %}
            {%- endfor %}
            else cast(threshold as {{ double_type }})
        end as threshold
        {%- else %}
            cast(threshold as {{ double_type }}) as threshold
        {%- endif %}
    from {{ ref('ai_adoption_signal_thresholds') }}

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
            cast({{ definition.interval.lower }} as {{ double_type }}) as signal_lower,
            cast({{ definition.interval.upper }} as {{ double_type }}) as signal_upper,
            cast({{ definition.sample }} as {{ ai_adoption_type('integer') }}) as sample_size,
            client_delivery_rate,
            -- the delivery rate's lower bound, on a sample large enough to judge it
            case
                when acted_on_outputs >= {{ min_sample }} then cast({{ delivery.lower }} as {{ double_type }})
            end as client_delivery_lower
        from periods
    {%- endfor %}

),

judged as (

    select
        measured.*,
        features.kind,
        features.risk,
        catalogue.shape,
        shapes.shape_stages,
        catalogue.direction,
        catalogue.article_signal,
        catalogue.counts_client_events,
        thresholds.threshold,
        -- a lower bound under loss: the upper bound as if every client event had arrived
        {{ upper_under_loss }} as signal_upper_under_loss,
        -- a signal is judged where it means something for the feature's kind
        -- and risk, on a period and a sample large enough
        thresholds.threshold is not null
        and (
            catalogue.risks is null
            or {{ dbt.position("'|' || features.risk || '|'", "'|' || catalogue.risks || '|'") }} > 0
        ) as is_applicable,
        case
            when catalogue.direction = 'above'
                then (measured.signal_value - thresholds.threshold) / nullif(thresholds.threshold, 0)
            else (thresholds.threshold - measured.signal_value) / nullif(thresholds.threshold, 0)
        end as margin,
        -- how far the interval's near bound is past the threshold (negative:
        -- part of the interval is on the healthy side)
        case
            when catalogue.direction = 'above'
                then (measured.signal_lower - thresholds.threshold) / nullif(thresholds.threshold, 0)
            else (thresholds.threshold - measured.signal_upper) / nullif(thresholds.threshold, 0)
        end as bound_margin,
        -- how far the interval's far bound is on the healthy side (for a
        -- count of client events, the bound widened for lost events)
        case
            when catalogue.direction = 'above'
                then (thresholds.threshold - {{ upper_under_loss }}) / nullif(thresholds.threshold, 0)
            else (measured.signal_lower - thresholds.threshold) / nullif(thresholds.threshold, 0)
        end as clear_margin
    from measured
    inner join catalogue
        on measured.signal = catalogue.signal
    left join shapes
        on catalogue.shape = shapes.shape
    inner join features
        on measured.feature = features.feature
    left join thresholds
        on
            measured.signal = thresholds.signal
            and features.kind = thresholds.kind

),

statused as (

    select
        *,
        case
            when not is_applicable then 'not_applicable'
            when
                period_sessions < {{ min_sessions }}
                or sample_size < {{ min_sample }}
                or signal_value is null
                then 'not_judged'
            when bound_margin > 0 then 'firing'
            when clear_margin > 0 then 'clear'
            else 'inconclusive'
        end as signal_status
    from judged

),

final as (

    select
        {{ ai_adoption_surrogate_key(['feature', 'period_start', 'signal']) }} as feature_period_signal_key,
        feature,
        period_start,
        kind,
        risk,
        signal,
        shape,
        shape_stages,
        article_signal,
        direction,
        signal_value,
        signal_lower,
        signal_upper,
        counts_client_events,
        signal_upper_under_loss,
        client_delivery_rate,
        cast({{ ai_adoption_var('ai_adoption_confidence_level') }} as {{ double_type }}) as confidence_level,
        threshold,
        sample_size,
        period_sessions,
        signal_status,
        signal_status in ('firing', 'inconclusive', 'clear') as is_judged,
        signal_status = 'firing' as is_firing,
        signal_status = 'inconclusive' as is_inconclusive,
        case when signal_status in ('firing', 'inconclusive', 'clear') then margin end as margin,
        case when signal_status = 'firing' then bound_margin end as severity
    from statused

)

select * from final
