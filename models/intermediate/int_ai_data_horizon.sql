{#- One row: the data horizon. Windows (return, usage segments) are settled
    against the last event in the data, not the clock, so the same events
    always give the same tables. Every kept event counts, unmapped ones too. -#}

with

events as (

    select * from {{ ref('stg_ai_events__events') }}

),

final as (

    select
        -- the key of the one row
        cast(1 as {{ ai_adoption_type('integer') }}) as horizon_id,
        max(occurred_at) as data_as_of,
        max(loaded_at) as last_loaded_at
    from events

)

select * from final
