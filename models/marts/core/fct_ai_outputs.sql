{{ ai_adoption_incremental_config(['user_id', 'feature'], partition_by='generated_date') }}

{#- One row per generated output, with the user's session number in the
    feature. What happened to the output, and the correction loop, are worked
    out in int_ai_outputs_rolled_up. Incremental runs rebuild the outputs of
    every (user, feature) pair that changed. -#}

with

{{ ai_adoption_changed_pairs_cte() }}

outputs as (

    select rolled_up.*
    from {{ ref('int_ai_outputs_rolled_up') }} as rolled_up
    {{ ai_adoption_changed_pairs_join('rolled_up') }}

),

sessions as (

    select
        chained.session_key,
        chained.session_number
    from {{ ref('int_ai_sessions_chained') }} as chained
    {{ ai_adoption_changed_pairs_join('chained') }}

),

final as (

    select
        outputs.output_id,
        outputs.session_key,
        outputs.user_id,
        outputs.account_id,
        outputs.feature,
        outputs.job_key,
        outputs.generated_at,
        sessions.session_number as user_session_number,
        outputs.model,
        outputs.provider,
        outputs.output_chars,
        outputs.latency_ms,
        outputs.input_tokens,
        outputs.output_tokens,
        outputs.cost_usd,
        outputs.is_viewed,
        outputs.is_view_implied,
        outputs.verification_outcome,
        outputs.is_verified,
        outputs.is_edited,
        outputs.edit_distance,
        outputs.correction_type,
        outputs.is_accepted,
        outputs.is_checked,
        outputs.first_handoff_action,
        outputs.destination,
        outputs.is_copied_out,
        outputs.is_rejected,
        outputs.is_viewed_without_action,
        outputs.regeneration_count,
        outputs.regenerations_before_decision,
        outputs.is_usable,
        outputs.seconds_to_decision,
        outputs.seconds_to_first_action,
        outputs.rating,
        outputs.correction_repeat_number,
        outputs.is_correction_loop_repeat,
        outputs.last_loaded_at,
        -- last: Spark stores its partition column last, so every engine has this order
        cast(outputs.generated_at as date) as generated_date
    from outputs
    left join sessions
        on outputs.session_key = sessions.session_key

)

{{ ai_adoption_pair_rows('final', 'generated_date') }}
