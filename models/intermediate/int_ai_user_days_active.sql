{#- One row per user and active day of the product activity, with the ids
    as every model past staging shows them (hashed when var
    ai_adoption_hash_user_ids is true, as the events' are, so the two join). -#}

with

user_days as (

    select * from {{ ref('stg_ai_activity__user_days') }}

),

final as (

    select
        user_day_key,
        {{ ai_adoption_hash_id('user_id') }} as user_id,
        {{ ai_adoption_hash_id('account_id') }} as account_id,
        activity_date,
        action_count
    from user_days

)

select * from final
