{#- First-by and last-by aggregates: the value of `value` on the row that
    comes first (or last) by the columns of `order_by`, among the rows of the
    group where `condition` holds; a null value on that row is returned as
    null (it is not skipped). Null when no row qualifies. The order columns
    must never be null and must tell the rows apart (occurred_at, event_id).
    One pass of a hash aggregate, where a rank window would sort the rows. -#}
{% macro ai_adoption_first_by(value, order_by, condition='true') %}
    {{ return(adapter.dispatch('ai_adoption_first_by', 'ai_adoption')(value, order_by, condition, false)) }}
{% endmacro %}

{% macro ai_adoption_last_by(value, order_by, condition='true') %}
    {{ return(adapter.dispatch('ai_adoption_first_by', 'ai_adoption')(value, order_by, condition, true)) }}
{% endmacro %}

{#- PostgreSQL and other engines: the first element of an ordered array. -#}
{% macro default__ai_adoption_first_by(value, order_by, condition, last) -%}
    {%- set direction = ' desc' if last else '' -%}
    (array_agg({{ value }} order by {% for column in order_by %}{{ column }}{{ direction }}{{ ', ' if not loop.last }}{% endfor %})
        filter (where {{ condition }}))[1]
{%- endmacro %}

{% macro duckdb__ai_adoption_first_by(value, order_by, condition, last) -%}
    {{ 'arg_max_null' if last else 'arg_min_null' }}(
        {{ value }},
        struct_pack({% for column in order_by %}k{{ loop.index }} := {{ column }}{{ ', ' if not loop.last }}{% endfor %})
    ) filter (where {{ condition }})
{%- endmacro %}

{% macro spark__ai_adoption_first_by(value, order_by, condition, last) -%}
    {{ 'max_by' if last else 'min_by' }}(
        {{ value }},
        named_struct({% for column in order_by %}'k{{ loop.index }}', {{ column }}{{ ', ' if not loop.last }}{% endfor %})
    ) filter (where {{ condition }})
{%- endmacro %}
