{#- A value as a SQL literal: null for none, a number as written, anything
    else as a string with its quotes doubled, so a value from a var or a
    seed can never end the string early. -#}
{% macro ai_adoption_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is number and value is not sameas true and value is not sameas false -%}
        {{ value }}
    {%- elif '<' in (value | string) -%}
        {#- dbt docs inlines compiled SQL into a script element of the page: a
            '<' stands in a string of its own, so no literal can hold a '</'
            or '<!' that ends that element or runs a script of its own -#}
        ('{{ (value | string).replace("'", "''").replace("<", "' || '<' || '") }}')
    {%- else -%}
        '{{ (value | string).replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}
