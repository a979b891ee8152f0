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


{#- True when a JSON object (text) has a key that equals one of `names`
    (lower-case) but for its case, such as Output_Chars: such a key would be
    missed, since keys are matched exactly. Null or false for other text. -#}
{% macro ai_adoption_json_has_miscased_key(json_column, names) %}
    {{ return(adapter.dispatch('ai_adoption_json_has_miscased_key', 'ai_adoption')(json_column, names)) }}
{% endmacro %}

{% macro default__ai_adoption_json_has_miscased_key(json_column, names) -%}
    {%- set listed = "['" ~ (names | join("', '")) ~ "']" -%}
    coalesce(len(list_filter(
        case when json_valid({{ json_column }}) then json_keys({{ json_column }}) end,
        lambda k: list_contains({{ listed }}, lower(k)) and not list_contains({{ listed }}, k)
    )) > 0, false)
{%- endmacro %}

{% macro postgres__ai_adoption_json_has_miscased_key(json_column, names) -%}
    {%- set listed = "array['" ~ (names | join("', '")) ~ "']" -%}
    exists (
        select 1
        from json_object_keys(cast({{ json_column }} as json)) as keys (json_key)
        where lower(keys.json_key) = any({{ listed }}) and keys.json_key <> all({{ listed }})
    )
{%- endmacro %}

{% macro spark__ai_adoption_json_has_miscased_key(json_column, names) -%}
    {%- set listed = "('" ~ (names | join("', '")) ~ "')" -%}
    coalesce(exists(
        json_object_keys({{ json_column }}),
        json_key -> lower(json_key) in {{ listed }} and json_key not in {{ listed }}
    ), false)
{%- endmacro %}
