{#- One row per feature and diagnosis period (var ai_adoption_diagnosis_period:
    week by default, or month): the period rows of int_ai_feature_metrics,
    where the metrics are defined. The stage verdicts, the usage signals and
    the diagnosis read it. -#}

-- every column of the metric model (its YAML lists them)
select * from {{ ref('int_ai_feature_metrics') }}  -- noqa: AM04
where period_grain = '{{ var("ai_adoption_diagnosis_period") }}'
