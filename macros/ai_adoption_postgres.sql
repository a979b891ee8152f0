{#- PostgreSQL variants of the dispatched macros. PostgreSQL has no try_cast
    and (before 16) no way to ask whether text is valid JSON without raising
    an error, so both are written as plain SQL: a row-level regular
    expression decides whether the text parses, and the cast only runs when
    it does. No database function is created. Written for PostgreSQL 15 with
    the default standard_conforming_strings = on. -#}


{#- A number as DuckDB's try_cast reads it: optional sign, digits with an
    optional fraction, optional exponent (at most three digits, so that the
    numeric cast below can never fail). -#}
{% macro ai_adoption_postgres_number_pattern() -%}
    ^[[:space:]]*[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,3})?[[:space:]]*$
{%- endmacro %}


{#- A timestamp as ISO text: a real calendar date (leap years included, no
    year 0), an optional clock time (T or spaces before it, 00:00 to 23:59:59,
    or 24:00) and, when `with_offset`, a trailing Z or +hh[:mm] / -hh[:mm]. -#}
{% macro ai_adoption_postgres_timestamp_pattern(with_offset) -%}
    {%- set day = '(0?[1-9]|1[0-9]|2[0-8])' -%}
    {%- set date = '(?!0000)('
        ~ '[0-9]{4}-(0?[13578]|1[02])-(' ~ day ~ '|29|30|31)'
        ~ '|[0-9]{4}-(0?[469]|11)-(' ~ day ~ '|29|30)'
        ~ '|[0-9]{4}-0?2-' ~ day
        ~ '|([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-0?2-29'
        ~ ')' -%}
    {%- set clock = '(T| +)(([01]?[0-9]|2[0-3]):[0-5]?[0-9](:[0-5]?[0-9]([.][0-9]+)?)?|24:00(:00([.]0+)?)?)' -%}
    {%- set offset = '(Z|[+-](0[0-9]|1[0-5])(:?[0-5][0-9])?)' -%}
    {%- if with_offset -%}
        ^[[:space:]]*{{ date }}{{ clock }} *{{ offset }}[[:space:]]*$
    {%- else -%}
        ^[[:space:]]*{{ date }}({{ clock }})?[[:space:]]*$
    {%- endif -%}
{%- endmacro %}


{#- try_cast for PostgreSQL: null unless the text has the shape the cast
    accepts, so the cast never raises. Integers must be written as integers
    (a fraction of zeros at most); doubles must be finite decimal numbers;
    doubles out of the double range and integers out of the bigint range
    give null. Timestamps: more than six fractional digits are
    cut (as DuckDB does); with an offset the instant is converted to UTC,
    without one it is taken as UTC. The session time zone plays no part. -#}
{% macro postgres__ai_adoption_try_cast(expression, kind) -%}
    {%- set number = ai_adoption_postgres_number_pattern() -%}
    {%- if kind == 'timestamp' -%}
        {%- set micros = "regexp_replace(" ~ expression ~ ", '([.][0-9]{6})[0-9]+', E'\\\\1')" -%}
        case
            when {{ expression }} ~ '{{ ai_adoption_postgres_timestamp_pattern(false) }}'
                then cast({{ micros }} as timestamp)
            when {{ expression }} ~ '{{ ai_adoption_postgres_timestamp_pattern(true) }}'
                then (cast({{ micros }} as timestamptz) at time zone 'UTC')
        end
    {%- elif kind == 'integer' -%}
        case
            when {{ expression }} ~ '^[[:space:]]*[+-]?[0-9]+([.]0*)?[[:space:]]*$'
                then case
                    when abs(cast({{ expression }} as numeric)) <= 9223372036854775807
                        then cast(cast({{ expression }} as numeric) as bigint)
                end
        end
    {%- elif kind == 'double' -%}
        case
            when {{ expression }} ~ '{{ number }}'
                then case
                    when cast({{ expression }} as numeric) = 0
                        or abs(cast({{ expression }} as numeric))
                        between 2.2250738585072014e-308 and 1.7976931348623157e308
                        then cast({{ expression }} as double precision)
                end
        end
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "ai_adoption_try_cast on postgres supports timestamp, integer and double, not '" ~ kind ~ "'."
        ) }}
    {%- endif -%}
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


{#- extract(epoch ...) is numeric on PostgreSQL 14+; the contract wants a double. -#}
{% macro postgres__ai_adoption_epoch_seconds(timestamp_expression) -%}
    cast(extract(epoch from {{ timestamp_expression }}) as double precision)
{%- endmacro %}


{#- The current instant in UTC as a timestamp without time zone, whatever the
    session's TimeZone is. -#}
{% macro postgres__ai_adoption_current_timestamp() -%}
    (now() at time zone 'UTC')
{%- endmacro %}


{#- A table dbt just created has no statistics until autovacuum gets to it;
    until then PostgreSQL guesses that `x is null` keeps 0.5 % of the rows
    and plans nested loops over the window functions downstream (minutes
    instead of a second). Views need no statistics. -#}
{% macro postgres__ai_adoption_analyze() %}
    {%- if model.config.materialized in ('table', 'incremental') -%}
        {{ return('analyze ' ~ this) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#- PostgreSQL inlines a CTE that is read once and then evaluates its
    expressions again at every use (the rejection reason of the ledger is
    used by some 30 columns): `materialized` computes it once per row. -#}
{% macro postgres__ai_adoption_materialized_cte() %}
    {{ return('materialized ') }}
{% endmacro %}
