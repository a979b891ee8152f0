{#- A person or tenant id as models past staging show it: hashed when var
    ai_adoption_hash_user_ids is true, as is otherwise. -#}
{% macro ai_adoption_hash_id(column) -%}
    {%- if var('ai_adoption_hash_user_ids', false) -%}
        {{ dbt.hash(column) }}
    {%- else -%}
        {{ column }}
    {%- endif -%}
{%- endmacro %}
