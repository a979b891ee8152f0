{#- A person or tenant id as models past staging show it: when var
    ai_adoption_hash_user_ids is true, the SHA-256 (lower-case hex) of the
    key in environment variable AI_ADOPTION_HASH_KEY, '|' and the id, so that
    nobody without the key can recompute it from a list of e-mail addresses;
    as is otherwise. The same on every engine. -#}
{% macro ai_adoption_hash_id(column) -%}
    {%- if var('ai_adoption_hash_user_ids') -%}
        {%- set key = ai_adoption_hash_key() -%}
        {%- if not key -%}
            {{ exceptions.raise_compiler_error(
                "var ai_adoption_hash_user_ids is true, but the environment variable "
                ~ "AI_ADOPTION_HASH_KEY is empty or not set. Set it to a secret of your own "
                ~ "(the same on every run, or the hashed ids change), e.g. "
                ~ "export AI_ADOPTION_HASH_KEY=$(openssl rand -hex 32)."
            ) }}
        {%- endif -%}
        {{ ai_adoption_sha256(ai_adoption_literal(key ~ '|') ~ ' || ' ~ column) }}
    {%- else -%}
        {{ column }}
    {%- endif -%}
{%- endmacro %}


{#- The key of the id hash: environment variable AI_ADOPTION_HASH_KEY (its
    own macro, so that a unit test can set it). -#}
{% macro ai_adoption_hash_key() -%}
    {{ return(env_var('AI_ADOPTION_HASH_KEY', '')) }}
{%- endmacro %}


{#- SHA-256 of a text, as lower-case hex; null for null. -#}
{% macro ai_adoption_sha256(expression) %}
    {{ return(adapter.dispatch('ai_adoption_sha256', 'ai_adoption')(expression)) }}
{% endmacro %}

{% macro default__ai_adoption_sha256(expression) -%}
    sha256({{ expression }})
{%- endmacro %}

{% macro postgres__ai_adoption_sha256(expression) -%}
    encode(sha256(convert_to({{ expression }}, 'UTF8')), 'hex')
{%- endmacro %}

{% macro spark__ai_adoption_sha256(expression) -%}
    sha2({{ expression }}, 256)
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
