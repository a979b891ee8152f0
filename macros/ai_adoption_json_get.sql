{#- The text value of a top-level key of a JSON object held as text. The key
    is quoted in the path, so keys such as `$ai_model` (a tracker's own
    prefix) are read as they are. -#}
{% macro ai_adoption_json_get(json_column, key) %}
    {{ return(adapter.dispatch('ai_adoption_json_get', 'ai_adoption')(json_column, key)) }}
{% endmacro %}

{% macro default__ai_adoption_json_get(json_column, key) -%}
    json_extract_string({{ json_column }}, '$."{{ key }}"')
{%- endmacro %}

{% macro postgres__ai_adoption_json_get(json_column, key) -%}
    (cast({{ json_column }} as json) ->> '{{ key }}')
{%- endmacro %}

{% macro spark__ai_adoption_json_get(json_column, key) -%}
    get_json_object({{ json_column }}, "$['{{ key }}']")
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

{#- True when the text is valid JSON (RFC 8259, as PostgreSQL's json type
    reads it), in plain SQL: every string token is checked and replaced by S,
    every number and literal by V, whitespace is dropped, then innermost
    arrays and objects of S and V collapse to V until nothing changes; valid
    text ends as a single S or V. Text with a \u0000 escape or a lone
    surrogate escape counts as invalid: PostgreSQL cannot extract values from
    it (->> raises an error). -#}
{% macro postgres__ai_adoption_json_is_valid(json_column) -%}
    {%- set json_string = '"([^"\\\\\\u0001-\\u001f]|\\\\(["\\\\/bfnrt]'
        ~ '|u(?!0000)(?![dD][89a-fA-F])[0-9a-fA-F]{4}'
        ~ '|u[dD][89abAB][0-9a-fA-F]{2}\\\\u[dD][c-fC-F][0-9a-fA-F]{2}))*"' -%}
    {%- set outside_strings = '^[][{}:,.0-9eE+truefalsn \\t\\n\\r-]*$' -%}
    {%- set scalar = '-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][+-]?[0-9]+)?|true|false|null' -%}
    {%- set array = '\\[([SV](,[SV])*)?\\]' -%}
    {%- set object = '\\{(S:[SV](,S:[SV])*)?\\}' -%}
    {%- set space = '[ \\t\\n\\r]*' -%}
    {%- set plain_string = '"[^"\\\\\\u0001-\\u001f]*"' -%}
    {%- set member = space ~ plain_string ~ space ~ ':' ~ space ~ '(' ~ plain_string ~ '|' ~ scalar ~ ')' ~ space -%}
    {%- set flat_object = '^' ~ space ~ '\\{(' ~ member ~ '(,' ~ member ~ ')*|' ~ space ~ ')\\}' ~ space ~ '$' -%}
    {#- The usual case, an object of strings without escapes, numbers and
        literals, is recognised by one (cheaper) regular expression;
        anything else is reduced. #}
    case when {{ json_column }} ~ '{{ flat_object }}' then true else (
        with recursive ai_adoption_json_reduced (json_doc, json_previous) as (
            select
                case
                    when regexp_replace({{ json_column }}, '{{ json_string }}', '', 'g') ~ '{{ outside_strings }}'
                        then regexp_replace(
                            regexp_replace(
                                regexp_replace({{ json_column }}, '{{ json_string }}', 'S', 'g'),
                                '{{ scalar }}', 'V', 'g'
                            ),
                            '[ \t\n\r]+', '', 'g'
                        )
                end,
                cast(null as text)
            union all
            select
                regexp_replace(regexp_replace(json_doc, '{{ array }}', 'V', 'g'), '{{ object }}', 'V', 'g'),
                json_doc
            from ai_adoption_json_reduced
            where json_doc is distinct from json_previous
        )

        select coalesce(bool_or(json_doc in ('S', 'V')), false)
        from ai_adoption_json_reduced
    ) end
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


{#- Whether `json_column` (a JSON object) holds one of `names` twice: engines
    read such a key differently (DuckDB the first value, PostgreSQL the
    last), so no value of it can be trusted. -#}
{% macro ai_adoption_json_has_repeated_key(json_column, names) %}
    {{ return(adapter.dispatch('ai_adoption_json_has_repeated_key', 'ai_adoption')(json_column, names)) }}
{% endmacro %}

{% macro default__ai_adoption_json_has_repeated_key(json_column, names) -%}
    {%- set listed = "['" ~ (names | join("', '")) ~ "']" -%}
    {%- set keys = 'list_filter(case when json_valid(' ~ json_column ~ ') then json_keys(' ~ json_column
        ~ ') end, lambda k: list_contains(' ~ listed ~ ', k))' -%}
    coalesce(len({{ keys }}) > len(list_distinct({{ keys }})), false)
{%- endmacro %}

{% macro postgres__ai_adoption_json_has_repeated_key(json_column, names) -%}
    {%- set listed = "array['" ~ (names | join("', '")) ~ "']" -%}
    exists (
        select 1
        from json_object_keys(cast({{ json_column }} as json)) as keys (json_key)
        where keys.json_key = any({{ listed }})
        group by keys.json_key
        having count(*) > 1
    )
{%- endmacro %}

{% macro spark__ai_adoption_json_has_repeated_key(json_column, names) -%}
    {%- set listed = "('" ~ (names | join("', '")) ~ "')" -%}
    {%- set keys = 'filter(json_object_keys(' ~ json_column ~ '), json_key -> json_key in ' ~ listed ~ ')' -%}
    coalesce(size({{ keys }}) > size(array_distinct({{ keys }})), false)
{%- endmacro %}
