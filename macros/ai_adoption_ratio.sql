{#- numerator / denominator as a double; null when the denominator is 0 or null. -#}
{% macro ai_adoption_ratio(numerator, denominator) -%}
    case
        when {{ denominator }} > 0
            then cast({{ numerator }} as {{ ai_adoption_type('double') }}) / {{ denominator }}
    end
{%- endmacro %}
