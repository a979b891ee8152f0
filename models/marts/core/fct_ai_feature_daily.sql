{#- One row per feature and day: additive counts, and each ratio beside its
    numerator and denominator. Session counts are by the day a session
    started; output counts by the day an output was generated. The metrics
    are defined once, in macro ai_adoption_feature_metrics. -#}

{{ ai_adoption_feature_metrics('day', 'activity_date') }}
