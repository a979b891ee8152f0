{#- One row per rejected source row, with the reason and every contract
    column as it arrived (text). Nothing is dropped silently. -#}

with

rejected as (

    select * from {{ ref('stg_ai_events__events_checked') }}
    where rejection_reason is not null

),

final as (

    select
        {%- for name in ai_adoption_required_columns() + (ai_adoption_optional_columns().keys() | list) %}
            raw_{{ name }} as {{ name }},
        {%- endfor %}
        raw_properties as properties,
        cast(effective_loaded_at as date) as load_date,
        rejection_reason
    from rejected

)

select * from final
