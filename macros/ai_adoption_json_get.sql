{#- The text value of a top-level key of a JSON object held as text. -#}
{% macro ai_adoption_json_get(json_column, key) %}
    {{ return(adapter.dispatch('ai_adoption_json_get', 'ai_adoption')(json_column, key)) }}
{% endmacro %}

{% macro default__ai_adoption_json_get(json_column, key) -%}
    json_extract_string({{ json_column }}, '$.{{ key }}')
{%- endmacro %}

{% macro postgres__ai_adoption_json_get(json_column, key) -%}
    (cast({{ json_column }} as json) ->> '{{ key }}')
{%- endmacro %}

{% macro spark__ai_adoption_json_get(json_column, key) -%}
    get_json_object({{ json_column }}, '$.{{ key }}')
{%- endmacro %}


{#- True when the text parses as JSON. -#}
{% macro ai_adoption_json_is_valid(json_column) %}
    {{ return(adapter.dispatch('ai_adoption_json_is_valid', 'ai_adoption')(json_column)) }}
{% endmacro %}

{% macro default__ai_adoption_json_is_valid(json_column) -%}
    json_valid({{ json_column }})
{%- endmacro %}

{#- Spark's JSON functions accept a valid prefix followed by garbage; wrapped
    in brackets, the text must be an array of exactly one valid element. -#}
{% macro spark__ai_adoption_json_is_valid(json_column) -%}
    coalesce(json_array_length('[' || {{ json_column }} || ']') = 1, false)
{%- endmacro %}
