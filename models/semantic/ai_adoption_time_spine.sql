{#- One row per UTC day, from var ai_adoption_time_spine_start to var
    ai_adoption_time_spine_end (both inclusive): the day time spine MetricFlow
    joins metrics to. -#}
{%- set start_date = var('ai_adoption_time_spine_start') | string -%}
{%- set end_date = var('ai_adoption_time_spine_end') | string -%}
{%- set iso_date = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' -%}
{%- for name, value in [('ai_adoption_time_spine_start', start_date), ('ai_adoption_time_spine_end', end_date)] -%}
    {%- if not modules.re.match(iso_date, value) -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be a date written YYYY-MM-DD, got '" ~ value ~ "'"
        ) }}
    {%- endif -%}
{%- endfor -%}
{%- if start_date > end_date -%}
    {{ exceptions.raise_compiler_error(
        "var ai_adoption_time_spine_start (" ~ start_date ~ ") is after var ai_adoption_time_spine_end ("
        ~ end_date ~ "): the time spine would be empty"
    ) }}
{%- endif -%}
{%- set first_day = "cast('" ~ start_date ~ "' as date)" -%}
{%- set last_day = "cast('" ~ end_date ~ "' as date)" -%}

with

days as (

    {{ ai_adoption_day_series(first_day, last_day) }}

),

final as (

    select cast(date_day as date) as date_day
    from days

)

select * from final
