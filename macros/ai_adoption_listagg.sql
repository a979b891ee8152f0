{#- Values of a group joined into one string, in a given order; null when
    every value is null. -#}
{% macro ai_adoption_listagg(measure, delimiter_text, order_by) %}
    {{ return(adapter.dispatch('ai_adoption_listagg', 'ai_adoption')(measure, delimiter_text, order_by)) }}
{% endmacro %}

{% macro default__ai_adoption_listagg(measure, delimiter_text, order_by) -%}
    {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ order_by) }}
{%- endmacro %}
