{#- Cast text to a logical type, giving null instead of an error when the
    text does not have the contract's shape, so the row is rejected with a
    reason instead of stored with another value: an integer must be written
    as one (a fraction of zeros at most: 42.0 is 42, 0.6 is no integer), a
    double as a finite decimal number (no NaN, no infinity), a timestamp as
    ISO date and time with at most a Z or a numeric offset (a zone name such
    as Europe/Berlin is not read). Timestamps with an offset are converted to
    UTC; timestamps without one are taken as UTC. -#}
{% macro ai_adoption_try_cast(expression, kind) %}
    {{ return(adapter.dispatch('ai_adoption_try_cast', 'ai_adoption')(expression, kind)) }}
{% endmacro %}


{#- The text shapes the contract accepts (regular expressions, for every
    engine; the Python reference in the tests uses the same ones). -#}
{% macro ai_adoption_integer_pattern() -%}
    ^[+-]?[0-9]+([.]0*)?$
{%- endmacro %}

{% macro ai_adoption_number_pattern() -%}
    ^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$
{%- endmacro %}

{% macro ai_adoption_timestamp_pattern() -%}
    ^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2}([.][0-9]+)?)?)?[ ]*(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$
{%- endmacro %}


{% macro default__ai_adoption_try_cast(expression, kind) -%}
    try_cast({{ expression }} as {{ ai_adoption_type(kind) }})
{%- endmacro %}

{% macro duckdb__ai_adoption_try_cast(expression, kind) -%}
    {%- if kind == 'timestamp' -%}
        case
            when not regexp_full_match({{ expression }}, '{{ ai_adoption_timestamp_pattern() }}') then null
            when regexp_matches({{ expression }}, '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$')
                then timezone('UTC', try_cast({{ expression }} as timestamptz))
            else try_cast({{ expression }} as timestamp)
        end
    {%- elif kind == 'integer' -%}
        case
            when regexp_full_match({{ expression }}, '{{ ai_adoption_integer_pattern() }}')
                then try_cast(regexp_replace({{ expression }}, '[.]0*$', '') as {{ ai_adoption_type(kind) }})
        end
    {%- elif kind == 'double' -%}
        case
            when regexp_full_match({{ expression }}, '{{ ai_adoption_number_pattern() }}')
                then try_cast({{ expression }} as {{ ai_adoption_type(kind) }})
        end
    {%- else -%}
        try_cast({{ expression }} as {{ ai_adoption_type(kind) }})
    {%- endif -%}
{%- endmacro %}
