{#- Fails on every value of the column that is not one of the package's
    rejection reasons for `of`: `events` (macro ai_adoption_rejection_reasons,
    the one list of them) or `activity` (ai_adoption_activity_rejection_reasons);
    nulls pass. -#}
{% test ai_adoption_is_rejection_reason(model, column_name, of='events') %}

{%- set reasons = ai_adoption_activity_rejection_reasons() if of == 'activity' else ai_adoption_rejection_reasons() %}

select {{ column_name }}
from {{ model }}
where
    {{ column_name }} is not null
    and {{ column_name }} not in (
        {%- for reason in reasons %}
            '{{ reason }}'{{ ',' if not loop.last }}
        {%- endfor %}
    )

{% endtest %}
