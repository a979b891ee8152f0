{#- A table, not a view: three models read it, and a view would compute it once for each
    (Spark repeats the whole computation per reader). -#}
{{ config(materialized='table') }}

{#- One row per feature and period (var ai_adoption_diagnosis_period: week by
    default, or month): the same counts and ratios as fct_ai_feature_daily,
    counted over the whole period (distinct users are distinct over the
    period). The diagnosis reads it. -#}

{{ ai_adoption_feature_metrics(var('ai_adoption_diagnosis_period'), 'period_start') }}
