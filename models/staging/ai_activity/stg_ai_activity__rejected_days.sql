{#- One row per rejected product activity row, with its reason and its
    values as they arrived (text). Nothing is dropped silently. -#}

with

rejected as (

    select * from {{ ref('base_ai_activity__days_checked') }}
    where rejection_reason is not null

),

final as (

    select
        activity_row_key,
        raw_user_id as user_id,
        raw_activity_date as activity_date,
        raw_account_id as account_id,
        raw_action_count as action_count,
        raw_loaded_at as loaded_at,
        load_date,
        rejection_reason
    from rejected

)

select * from final
