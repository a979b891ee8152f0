{#- Fails on every value of the column that is not one of the package's
    rejection reasons (macro ai_adoption_rejection_reasons, the one list of
    them); nulls pass. -#}
{% test ai_adoption_is_rejection_reason(model, column_name) %}

select {{ column_name }}
from {{ model }}
where
    {{ column_name }} is not null
    and {{ column_name }} not in (
        {%- for reason in ai_adoption_rejection_reasons() %}
            '{{ reason }}'{{ ',' if not loop.last }}
        {%- endfor %}
    )

{% endtest %}
