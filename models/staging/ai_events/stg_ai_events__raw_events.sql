{#- One row per source row, every contract column present and held as text.
    Optional columns missing from the source become null; a key of the JSON
    `properties` column fills a missing or null column of the same name. -#}
{%- set present = ai_adoption_source_columns() -%}
{%- set has_properties = 'properties' in present -%}
{%- set text_type = ai_adoption_type('string') -%}

with

source as (

    select * from {{ ai_adoption_source_relation() }}

),

as_text as (

    select
        {%- for name in ai_adoption_required_columns() %}
            cast({{ name }} as {{ text_type }}) as {{ name }},
        {%- endfor %}
        {%- for name in ai_adoption_optional_columns() %}
            {%- if name in present and has_properties %}
            coalesce(
                cast({{ name }} as {{ text_type }}),
                {{ ai_adoption_json_get('properties', name) }}
            ) as {{ name }}{{ ',' if not loop.last }}
            {%- elif name in present %}
            cast({{ name }} as {{ text_type }}) as {{ name }}{{ ',' if not loop.last }}
            {%- elif has_properties %}
            {{ ai_adoption_json_get('properties', name) }} as {{ name }}{{ ',' if not loop.last }}
            {%- else %}
            cast(null as {{ text_type }}) as {{ name }}{{ ',' if not loop.last }}
            {%- endif %}
        {%- endfor %}

    from source

)

select * from as_text
