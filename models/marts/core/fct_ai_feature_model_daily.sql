{#- One row per feature, model and day: the outputs each model produced for
    the feature that day (the day each was generated), measured as the
    feature metrics measure outputs (ai_adoption_output_measures), so that
    acceptance, edit depth, regenerations, cost and latency can be compared
    between the models behind one feature. A model is its provider and name
    exactly as logged; outputs whose events name neither form one row with
    both null. Sessions are not split by model (one session may use
    several), so the session measures, the session handoff rate and the
    return rate among them, stay in fct_ai_feature_daily; the handoff here
    is the outputs' own (output_handoff_rate). -#}
{%- set output_counts = ai_adoption_output_counts() -%}

with

outputs as (

    select * from {{ ref('fct_ai_outputs') }}

),

model_days as (

    select
        feature,
        provider,
        model,
        generated_date as activity_date,
        count(distinct user_id) as users,
        {#- every output measure, as ai_adoption_output_measures defines it #}
        {%- for column, expression in output_counts.items() %}
            {{ expression }} as {{ column }},
        {%- endfor %}
        {{ ai_adoption_percentile('latency_ms', 0.5) }} as latency_p50_ms,
        {{ ai_adoption_percentile('latency_ms', 0.9) }} as latency_p90_ms
    from outputs
    group by 1, 2, 3, 4

),

final as (

    select
        -- a model or provider that is not logged keys as empty text: logged
        -- names are trimmed and never empty, so no two rows share a key
        {{ ai_adoption_surrogate_key([
            'feature', "coalesce(provider, '')", "coalesce(model, '')", 'activity_date'
        ]) }} as feature_model_day_key,
        *,
        {%- for column, expression in ai_adoption_output_ratios().items() %}
            {{ expression }} as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from model_days

)

select * from final
