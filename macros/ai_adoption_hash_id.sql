{#- A person or tenant id as models past staging show it: hashed when var
    ai_adoption_hash_user_ids is true, as is otherwise. -#}
{% macro ai_adoption_hash_id(column) -%}
    {%- if var('ai_adoption_hash_user_ids', false) -%}
        {{ dbt.hash(column) }}
    {%- else -%}
        {{ column }}
    {%- endif -%}
{%- endmacro %}


{#- A surrogate key: md5 of the expressions as text, joined by '|'. -#}
{% macro ai_adoption_surrogate_key(expressions) -%}
    {%- set parts = [] -%}
    {%- for expression in expressions -%}
        {%- if not loop.first -%}
            {%- do parts.append("'|'") -%}
        {%- endif -%}
        {%- do parts.append('cast(' ~ expression ~ ' as ' ~ ai_adoption_type('string') ~ ')') -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
