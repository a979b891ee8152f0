{#- What was rejected, by reason and load day, with one example row each:
    the starting point for fixing bad rows at the source. -#}

with

rejected as (

    select * from {{ ref('stg_ai_events__rejected_events') }}

),

final as (

    select
        rejection_reason,
        load_date,
        count(*) as rejected_rows,
        min(event_id) as example_event_id,
        min(event_name) as example_event_name
    from rejected
    group by 1, 2

)

select * from final
order by 2 asc, 3 desc
