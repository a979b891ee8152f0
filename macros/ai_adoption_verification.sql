{#- The check rule of verification, written once: on a feature whose
    catalogue entry requires a check (int_ai_features_catalogued:
    is_check_required, high risk by default), an accepted output passes
    verification only when it was checked (a source inspected or
    alternatives compared, an edit, an approval step, or a rating), however
    fast the decision. Elsewhere the outcome stays what
    int_ai_outputs_rolled_up worked out. Each macro returns one expression
    over a row of outputs that carries is_check_required; `outputs` and
    `features` name the relations (or aliases) of the output's and the
    feature's columns, none for columns of the row itself. -#}

{#- The output was checked: inspected or compared, edited, approved, or rated. -#}
{% macro ai_adoption_is_checked(outputs=none) -%}
    {%- set prefix = outputs ~ '.' if outputs else '' -%}
    ({{ prefix }}is_checked or {{ prefix }}rating is not null)
{%- endmacro %}


{#- Accepted without any check. -#}
{% macro ai_adoption_is_unchecked_acceptance(outputs=none) -%}
    {%- set prefix = outputs ~ '.' if outputs else '' -%}
    ({{ prefix }}is_accepted and not {{ ai_adoption_is_checked(outputs) }})
{%- endmacro %}


{#- A required check is missing: the output fails verification whatever else it did. -#}
{% macro ai_adoption_is_check_missing(outputs=none, features=none) -%}
    {%- set feature_prefix = features ~ '.' if features else '' -%}
    (coalesce({{ feature_prefix }}is_check_required, false) and {{ ai_adoption_is_unchecked_acceptance(outputs) }})
{%- endmacro %}


{#- Verified under the check rule (a boolean). -#}
{% macro ai_adoption_is_verified_checked(outputs=none, features=none) -%}
    {%- set prefix = outputs ~ '.' if outputs else '' -%}
    ({{ prefix }}is_verified and not {{ ai_adoption_is_check_missing(outputs, features) }})
{%- endmacro %}


{#- The verification outcome under the check rule: passed, failed or undecided. -#}
{% macro ai_adoption_checked_verification_outcome(outputs=none, features=none) -%}
    {%- set prefix = outputs ~ '.' if outputs else '' -%}
    case
        when {{ ai_adoption_is_check_missing(outputs, features) }} then 'failed'
        else {{ prefix }}verification_outcome
    end
{%- endmacro %}
