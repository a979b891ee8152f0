{#- One row per source row, every contract column present and held as text.
    Optional columns missing from the source become null; a key of the JSON
    `properties` column fills a missing or null column of the same name.
    Malformed JSON yields no keys (the row is rejected downstream). -#}
{%- set present = ai_adoption_source_columns() -%}
{%- set has_properties = 'properties' in present -%}
{%- set text_type = ai_adoption_type('string') -%}

with

source as (

    select * from {{ ai_adoption_source_relation() }}

),

with_properties as {{ ai_adoption_materialized_cte() }}(

    select
        *,
        {%- if has_properties %}
            cast(properties as {{ text_type }}) as properties_text,
            case
                when {{ ai_adoption_json_is_valid('cast(properties as ' ~ text_type ~ ')') }}
                    then cast(properties as {{ text_type }})
            end as properties_json
        {%- else %}
            cast(null as {{ text_type }}) as properties_text,
            cast(null as {{ text_type }}) as properties_json
        {%- endif %}
    from source

),

as_text as (

    select
        {%- for name in ai_adoption_optional_columns() %}
            {%- if name in present and has_properties %}
                coalesce(
                    cast({{ name }} as {{ text_type }}),
                    {{ ai_adoption_json_get('properties_json', name) }}
                ) as {{ name }},
            {%- elif name in present %}
                cast({{ name }} as {{ text_type }}) as {{ name }},
            {%- elif has_properties %}
                {{ ai_adoption_json_get('properties_json', name) }} as {{ name }},
            {%- else %}
                cast(null as {{ text_type }}) as {{ name }},
            {%- endif %}
        {%- endfor %}
        cast(event_id as {{ text_type }}) as event_id,
        cast(occurred_at as {{ text_type }}) as occurred_at,
        cast(user_id as {{ text_type }}) as user_id,
        cast(feature as {{ text_type }}) as feature,
        cast(event_name as {{ text_type }}) as event_name,
        properties_text as properties

    from with_properties

)

select * from as_text
