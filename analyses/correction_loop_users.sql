{#- The users caught in a correction loop: per user, feature and correction
    type, how many sessions needed the same heavy fix, whether the edits got
    smaller, and when it last happened. Longest loops first. -#}

with

outputs as (

    select * from {{ ref('fct_ai_outputs') }}
    where correction_repeat_number is not null

),

loops as (

    select
        user_id,
        feature,
        correction_type,
        max(correction_repeat_number) as sessions_with_same_fix,
        count(case when is_correction_loop_repeat then 1 end) as loop_repeats,
        avg(edit_distance) as mean_edit_distance,
        min(generated_at) as first_fixed_at,
        max(generated_at) as last_fixed_at
    from outputs
    group by 1, 2, 3

),

final as (

    select *
    from loops
    where loop_repeats > 0

)

select * from final
order by 4 desc, 8 desc
