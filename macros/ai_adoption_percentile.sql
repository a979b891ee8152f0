{#- Continuous percentile (0..1) of an expression, as an aggregate. -#}
{% macro ai_adoption_percentile(expression, fraction) %}
    {{ return(adapter.dispatch('ai_adoption_percentile', 'ai_adoption')(expression, fraction)) }}
{% endmacro %}

{% macro default__ai_adoption_percentile(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__ai_adoption_percentile(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}

{% macro spark__ai_adoption_percentile(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}
