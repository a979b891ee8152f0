{#- One row per user, AI feature they adopted and other AI feature the
    same user adopted within the first one's comparison window: from the
    first of the weeks before (var ai_adoption_effect_weeks weeks before
    the run-up week) to the last week after. Whatever such an adoption
    brought lands in the first feature's estimate too, so the effect names
    these adoptions and gives its estimate without their adopters. -#}
{%- set k = ai_adoption_effect_weeks() -%}

with

adoptions as (

    select * from {{ ref('int_ai_feature_adoptions') }}

),

paired as (

    select
        adoptions.user_feature_key,
        adoptions.user_id,
        adoptions.feature,
        other.feature as other_feature,
        other.adoption_week_number - adoptions.adoption_week_number as weeks_apart
    from adoptions
    inner join adoptions as other
        on
            adoptions.user_id = other.user_id
            and adoptions.feature <> other.feature
            -- within the weeks the first feature's comparison reads
            and other.adoption_week_number
            between adoptions.adoption_week_number - {{ k }} - 1 and adoptions.adoption_week_number + {{ k }}

),

final as (

    select
        {{ ai_adoption_surrogate_key(['user_id', 'feature', 'other_feature']) }} as user_feature_pair_key,
        user_feature_key,
        user_id,
        feature,
        other_feature,
        weeks_apart
    from paired

)

select * from final
