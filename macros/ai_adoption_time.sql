{#- Seconds since 1970-01-01 of a UTC timestamp, as a double. -#}
{% macro ai_adoption_epoch_seconds(timestamp_expression) %}
    {{ return(adapter.dispatch('ai_adoption_epoch_seconds', 'ai_adoption')(timestamp_expression)) }}
{% endmacro %}

{% macro default__ai_adoption_epoch_seconds(timestamp_expression) -%}
    extract(epoch from {{ timestamp_expression }})
{%- endmacro %}

{% macro duckdb__ai_adoption_epoch_seconds(timestamp_expression) -%}
    epoch({{ timestamp_expression }})
{%- endmacro %}

{% macro spark__ai_adoption_epoch_seconds(timestamp_expression) -%}
    (unix_micros({{ timestamp_expression }}) / 1000000.0)
{%- endmacro %}


{#- Elapsed seconds from one timestamp to another (fractional, may be negative). -#}
{% macro ai_adoption_seconds_between(start_expression, end_expression) -%}
    ({{ ai_adoption_epoch_seconds(end_expression) }} - {{ ai_adoption_epoch_seconds(start_expression) }})
{%- endmacro %}
