{#- Engine type names for the logical types of the input contract. -#}
{% macro ai_adoption_type(kind) %}
    {{ return(adapter.dispatch('ai_adoption_type', 'ai_adoption')(kind)) }}
{% endmacro %}

{% macro default__ai_adoption_type(kind) %}
    {%- set names = {
        'string': dbt.type_string(),
        'integer': dbt.type_bigint(),
        'double': 'double precision',
        'timestamp': dbt.type_timestamp(),
        'boolean': dbt.type_boolean(),
    } -%}
    {{ return(names[kind]) }}
{% endmacro %}

{% macro spark__ai_adoption_type(kind) %}
    {%- set names = {
        'string': 'string',
        'integer': 'bigint',
        'double': 'double',
        'timestamp': 'timestamp',
        'boolean': 'boolean',
    } -%}
    {{ return(names[kind]) }}
{% endmacro %}
