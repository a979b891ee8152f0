{#- A person or tenant id as models past staging show it: when var
    ai_adoption_hash_user_ids is true, the SHA-256 (lower-case hex) of the
    key in environment variable AI_ADOPTION_HASH_KEY, '|' and the id, so that
    nobody without the key can recompute it from a list of e-mail addresses;
    as is otherwise. The same on every engine. -#}
{% macro ai_adoption_hash_id(column) -%}
    {%- if ai_adoption_var('ai_adoption_hash_user_ids') -%}
        {{ ai_adoption_sha256(ai_adoption_literal(ai_adoption_hash_key() ~ '|') ~ ' || ' ~ column) }}
    {%- else -%}
        {{ column }}
    {%- endif -%}
{%- endmacro %}


{#- The shortest hash key accepted: a short key is found by trying every key
    of its length against one known id, and then every id is reversed. -#}
{% macro ai_adoption_min_hash_key_chars() %}
    {{ return(16) }}
{% endmacro %}


{#- The key of the id hash: environment variable AI_ADOPTION_HASH_KEY,
    checked: set, and at least ai_adoption_min_hash_key_chars() characters
    long (its own macro, so that a unit test can set it). -#}
{% macro ai_adoption_hash_key() %}
    {%- set key = env_var('AI_ADOPTION_HASH_KEY', '') -%}
    {%- set shortest = ai_adoption_min_hash_key_chars() -%}
    {%- if not key -%}
        {{ exceptions.raise_compiler_error(
            "var ai_adoption_hash_user_ids is true, but the environment variable "
            ~ "AI_ADOPTION_HASH_KEY is empty or not set. Set it to a secret of your own "
            ~ "(the same on every run, or the hashed ids change), e.g. "
            ~ "export AI_ADOPTION_HASH_KEY=$(openssl rand -hex 32)."
        ) }}
    {%- elif key | length < shortest -%}
        {{ exceptions.raise_compiler_error(
            "The environment variable AI_ADOPTION_HASH_KEY has " ~ (key | length) ~ " characters; the id hash "
            ~ "needs a key of at least " ~ shortest ~ ", or anyone can try every shorter key against one "
            ~ "known id and then reverse them all. Use a random secret, e.g. "
            ~ "export AI_ADOPTION_HASH_KEY=$(openssl rand -hex 32)."
        ) }}
    {%- endif -%}
    {{ return(key) }}
{% endmacro %}


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
