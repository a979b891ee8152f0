{#- Every adopter of a feature is in the effect or counted out with its
    reason: the adopters of fct_ai_feature_effect equal its matched and
    left-out adopters, and the users with a session of the feature.
    Returns the features where they do not. -#}

with

effect as (

    select * from {{ ref('fct_ai_feature_effect') }}

),

adopters as (

    select
        feature,
        count(*) as adopters
    from {{ ref('int_ai_feature_adoptions') }}
    group by 1

),

final as (

    select
        effect.feature,
        effect.adopters,
        adopters.adopters as users_with_a_session
    from effect
    left join adopters
        on effect.feature = adopters.feature
    where
        adopters.adopters is null
        or effect.adopters != adopters.adopters
        or effect.adopters != effect.adopters_outside_activity + effect.adopters_window_incomplete
        + effect.adopters_new_to_product + effect.adopters_unmatched + effect.adopters_matched

)

select * from final
