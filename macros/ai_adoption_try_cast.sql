{#- Cast text to a logical type, giving null instead of an error when the
    text does not parse. Timestamps with an offset are converted to UTC;
    timestamps without one are taken as UTC. -#}
{% macro ai_adoption_try_cast(expression, kind) %}
    {{ return(adapter.dispatch('ai_adoption_try_cast', 'ai_adoption')(expression, kind)) }}
{% endmacro %}

{% macro default__ai_adoption_try_cast(expression, kind) -%}
    try_cast({{ expression }} as {{ ai_adoption_type(kind) }})
{%- endmacro %}

{% macro duckdb__ai_adoption_try_cast(expression, kind) -%}
    {%- if kind == 'timestamp' -%}
        case
            when regexp_matches({{ expression }}, '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$')
                then timezone('UTC', try_cast({{ expression }} as timestamptz))
            else try_cast({{ expression }} as timestamp)
        end
    {%- else -%}
        try_cast({{ expression }} as {{ ai_adoption_type(kind) }})
    {%- endif -%}
{%- endmacro %}
