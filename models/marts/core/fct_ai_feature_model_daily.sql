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
        -- every output measure, as macros/ai_adoption_output_measures.sql defines it
        {{ ai_adoption_output_measure_columns() }}
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
        {{ ai_adoption_output_ratio_columns() }}
    from model_days

)

select * from final
