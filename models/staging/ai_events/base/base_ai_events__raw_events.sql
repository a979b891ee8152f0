{#- One row per source row, every contract column present and held as text.
    Optional columns missing from the source become null; a key of the JSON
    `properties` column fills a missing or null column of the same name.
    Malformed JSON yields no keys (the row is rejected downstream). The
    ledger reads the source with the same macros, without this view; the
    quality mart counts the rows that arrived by load_date. -#}
{%- set source_types = ai_adoption_source_column_types() -%}
{%- set present = source_types.keys() | list -%}
{%- set has_properties = 'properties' in present -%}
{%- set properties_json = 'properties_json' if has_properties else none -%}

with

source as (

    select * from {{ ai_adoption_contract_relation() }}

),

with_properties as {{ ai_adoption_materialized_cte() }}(

    select
        *,
        {%- if has_properties %}
            cast(properties as {{ ai_adoption_type('string') }}) as properties_text,
        {%- else %}
            cast(null as {{ ai_adoption_type('string') }}) as properties_text,
        {%- endif %}
        {{ ai_adoption_properties_json('properties', has_properties) }} as properties_json
    from source

),

as_text as (

    select
        {%- for name in (ai_adoption_optional_columns().keys() | list) + ai_adoption_passthrough_columns() %}
            {{ ai_adoption_source_text(name, present, properties_json) }} as {{ name }},
        {%- endfor %}
        {%- for name in ai_adoption_required_columns() %}
            {{ ai_adoption_source_text(name, present) }} as {{ name }},
        {%- endfor %}
        properties_text as properties,
        -- the source the row came from (ai_adoption_sources), else the declared one
        {{ ai_adoption_source_relation_text(present) }} as source_relation,
        -- the day the row arrived, by the ledger's rule (its load time, else
        -- its event time), typed as the ledger types it
        cast(coalesce(
            {{ ai_adoption_source_value('loaded_at', 'timestamp', source_types, properties_json) }},
            {{ ai_adoption_source_value('occurred_at', 'timestamp', source_types, properties_json) }}
        ) as date) as load_date

    from with_properties

)

select * from as_text
