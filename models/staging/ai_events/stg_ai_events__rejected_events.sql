{#- One row per rejected source row (a redelivered copy counts once), with the reason and every contract
    column as it arrived (text, from the real column or the same key of
    `properties`). Nothing is dropped silently. Of `properties` only its
    length is kept: other keys may hold what a team should not store (a
    prompt, a name). -#}

with

rejected as (

    -- a redelivered copy of a rejected row (same event_id, same reason) is a
    -- duplicate: the quarantine holds the row once
    select * from {{ ref('base_ai_events__events_checked') }}
    where rejection_reason is not null and not is_duplicate

),

final as (

    select
        {%- for name in ai_adoption_required_columns() + (ai_adoption_optional_columns().keys() | list) %}
            raw_{{ name }} as {{ name }},
        {%- endfor %}
        raw_properties_chars as properties_chars,
        source_relation,
        cast(effective_loaded_at as date) as load_date,
        rejection_reason
    from rejected

)

select * from final
