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


{#- Text to a date, null unless it is exactly a calendar date written
    YYYY-MM-DD: a time of day, an offset or another spelling is no date, so
    it is not cut or shifted to one. Read through the timestamp cast at
    midnight, so every engine checks the calendar the same way. -#}
{% macro ai_adoption_try_cast_date(expression) -%}
    case
        when length({{ expression }}) = 10
            then cast({{ ai_adoption_try_cast(expression ~ " || ' 00:00:00'", 'timestamp') }} as date)
    end
{%- endmacro %}


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


{#- Text to a logical type, null unless it has the contract's shape (see
    ai_adoption_try_cast); Spark's own casts accept more (a trailing 'd', a
    year alone). A timestamp with Z or an offset is converted to UTC, one
    without is read in the session time zone (UTC in the bundled profile). -#}
{% macro spark__ai_adoption_try_cast(expression, kind) -%}
    {%- if kind == 'integer' -%}
        case
            when {{ expression }} rlike '{{ ai_adoption_integer_pattern() }}'
                then try_cast(regexp_replace({{ expression }}, '[.]0*$', '') as bigint)
        end
    {%- elif kind == 'double' -%}
        case
            when {{ expression }} rlike '{{ ai_adoption_number_pattern() }}'
                then try_cast({{ expression }} as double)
        end
    {%- elif kind == 'timestamp' -%}
        case
            when {{ expression }} rlike '{{ ai_adoption_timestamp_pattern() }}'
                then try_cast(regexp_replace({{ expression }}, '[ ]+(Z|[+-][0-9:]+)$', '$1') as timestamp)
        end
    {%- else -%}
        try_cast({{ expression }} as {{ ai_adoption_type(kind) }})
    {%- endif -%}
{%- endmacro %}
