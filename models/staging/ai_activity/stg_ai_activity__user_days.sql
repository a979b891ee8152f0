{#- One row per user and active day of the product activity: the good rows
    of the source, one copy of each day. The ids are as they arrived; past
    staging they are hashed as the events' are. -#}

with

checked as (

    select * from {{ ref('base_ai_activity__days_checked') }}
    where rejection_reason is null and not is_duplicate

),

final as (

    select
        {{ ai_adoption_surrogate_key(['raw_user_id', 'activity_date']) }} as user_day_key,
        raw_user_id as user_id,
        raw_account_id as account_id,
        activity_date,
        action_count,
        loaded_at
    from checked

)

select * from final
