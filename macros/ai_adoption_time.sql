{#- Seconds since 1970-01-01 of a UTC timestamp, as a double. -#}
{% macro ai_adoption_epoch_seconds(timestamp_expression) %}
    {{ return(adapter.dispatch('ai_adoption_epoch_seconds', 'ai_adoption')(timestamp_expression)) }}
{% endmacro %}

{% macro default__ai_adoption_epoch_seconds(timestamp_expression) -%}
    extract(epoch from {{ timestamp_expression }})
{%- endmacro %}

{% macro duckdb__ai_adoption_epoch_seconds(timestamp_expression) -%}
    epoch({{ timestamp_expression }})
{%- endmacro %}

{#- A double, not the decimal unix_micros(...) / 1000000.0 would give. -#}
{% macro spark__ai_adoption_epoch_seconds(timestamp_expression) -%}
    (cast(unix_micros({{ timestamp_expression }}) as double) / 1000000)
{%- endmacro %}

{#- extract(epoch ...) is numeric on PostgreSQL 14+; the contract wants a double. -#}
{% macro postgres__ai_adoption_epoch_seconds(timestamp_expression) -%}
    cast(extract(epoch from {{ timestamp_expression }}) as double precision)
{%- endmacro %}


{#- Elapsed seconds from one timestamp to another (fractional, may be negative). -#}
{% macro ai_adoption_seconds_between(start_expression, end_expression) -%}
    ({{ ai_adoption_epoch_seconds(end_expression) }} - {{ ai_adoption_epoch_seconds(start_expression) }})
{%- endmacro %}


{#- The current instant in UTC, as a timestamp without time zone. -#}
{% macro ai_adoption_current_timestamp() %}
    {{ return(adapter.dispatch('ai_adoption_current_timestamp', 'ai_adoption')()) }}
{% endmacro %}

{#- DuckDB and Spark: the bundled profiles run the session in UTC. -#}
{% macro default__ai_adoption_current_timestamp() -%}
    cast({{ dbt.current_timestamp() }} as {{ ai_adoption_type('timestamp') }})
{%- endmacro %}

{#- The current instant in UTC as a timestamp without time zone, whatever the
    session's TimeZone is. -#}
{% macro postgres__ai_adoption_current_timestamp() -%}
    (now() at time zone 'UTC')
{%- endmacro %}


{#- A timestamp moved by a whole number of `datepart`s (day, hour, ...),
    keeping its fraction of a second. -#}
{% macro ai_adoption_dateadd(datepart, interval, from_date_or_timestamp) %}
    {{ return(adapter.dispatch('ai_adoption_dateadd', 'ai_adoption')(datepart, interval, from_date_or_timestamp)) }}
{% endmacro %}

{% macro default__ai_adoption_dateadd(datepart, interval, from_date_or_timestamp) -%}
    {{ dbt.dateadd(datepart, interval, from_date_or_timestamp) }}
{%- endmacro %}

{#- dbt's Spark dateadd goes through unix seconds and drops the fraction. -#}
{% macro spark__ai_adoption_dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}


{#- One row per day from `first_day` to `last_day` (date expressions, both
    inclusive), in a column date_day. -#}
{% macro ai_adoption_day_series(first_day, last_day) %}
    {{ return(adapter.dispatch('ai_adoption_day_series', 'ai_adoption')(first_day, last_day)) }}
{% endmacro %}

{#- dbt's date_spine takes an exclusive end, hence the extra day. -#}
{% macro default__ai_adoption_day_series(first_day, last_day) -%}
    {{ dbt.date_spine('day', first_day, dbt.dateadd('day', 1, last_day)) }}
{%- endmacro %}

{#- Spark plans dbt's date_spine (a cross join of generated digits) in about
    ten seconds on a small machine; a sequence of dates takes a fraction of
    one. -#}
{% macro spark__ai_adoption_day_series(first_day, last_day) -%}
    select explode(sequence({{ first_day }}, {{ last_day }}, interval 1 day)) as date_day
{%- endmacro %}


{#- Seconds in one minute, hour, day or week: the one place these numbers
    are written. -#}
{% macro ai_adoption_seconds_per(unit) %}
    {%- set seconds = {'minute': 60, 'hour': 3600, 'day': 86400, 'week': 604800} -%}
    {%- if unit not in seconds -%}
        {{ exceptions.raise_compiler_error(
            "ai_adoption_seconds_per: unit must be one of " ~ (seconds.keys() | list | join(', ')) ~ ", got '" ~ unit ~ "'"
        ) }}
    {%- endif -%}
    {{ return(seconds[unit]) }}
{% endmacro %}


{#- Whole weeks from a timestamp back from the data horizon: 0 is the last
    seven days up to the horizon, so weeks 0 to N - 1 are a trailing window
    of N weeks (the usage segments and adoption stages count weeks so). -#}
{% macro ai_adoption_weeks_ago(timestamp_expression, horizon_expression) -%}
    floor(
        {{ ai_adoption_seconds_between(timestamp_expression, horizon_expression) }}
        / {{ ai_adoption_seconds_per('week') }}
    )
{%- endmacro %}


{#- A calendar week as a whole number: weeks since the one starting on
    Monday 1970-01-05, counted on the date (weeks start on Monday), so that
    week windows are ranges of whole numbers on every engine. -#}
{% macro ai_adoption_week_number(date_expression) -%}
    cast(floor({{ dbt.datediff("cast('1970-01-05' as date)", date_expression, 'day') }} / 7.0) as integer)
{%- endmacro %}


{#- The date a timestamp's period starts on: its day for grain 'day', else
    the first day of its week or month (weeks start on Monday). -#}
{% macro ai_adoption_period_start(grain, timestamp_expression) -%}
    {%- if grain == 'day' -%}
        cast({{ timestamp_expression }} as date)
    {%- else -%}
        cast({{ dbt.date_trunc(grain, timestamp_expression) }} as date)
    {%- endif -%}
{%- endmacro %}


{#- A timestamp (UTC, without time zone) from a whole number of nanoseconds
    since 1970-01-01, as OpenTelemetry's *_unix_nano fields count time. The
    warehouse's timestamps hold microseconds: the last three digits are cut,
    never rounded (a time cannot move to the next microsecond). Integer
    arithmetic throughout: a double would lose the microseconds. -#}
{% macro ai_adoption_timestamp_from_unix_nanos(nanos_expression) %}
    {{ return(adapter.dispatch('ai_adoption_timestamp_from_unix_nanos', 'ai_adoption')(nanos_expression)) }}
{% endmacro %}

{#- DuckDB: // is integer division; make_timestamp takes microseconds. -#}
{% macro default__ai_adoption_timestamp_from_unix_nanos(nanos_expression) -%}
    make_timestamp(({{ nanos_expression }}) // 1000)
{%- endmacro %}

{#- bigint / integer is integer division; an interval of one microsecond
    times a whole number below 2^53 is exact. -#}
{% macro postgres__ai_adoption_timestamp_from_unix_nanos(nanos_expression) -%}
    (cast('1970-01-01 00:00:00' as timestamp) + (({{ nanos_expression }}) / 1000) * interval '1 microsecond')
{%- endmacro %}

{% macro spark__ai_adoption_timestamp_from_unix_nanos(nanos_expression) -%}
    timestamp_micros(({{ nanos_expression }}) div 1000)
{%- endmacro %}
