{#- One row per generated output. -#}

with

outputs as (

    select * from {{ ref('int_ai_outputs_rolled_up') }}

),

final as (

    select
        output_id,
        session_key,
        user_id,
        account_id,
        feature,
        job_key,
        generated_at,
        cast(generated_at as date) as generated_date,
        output_chars,
        latency_ms,
        input_tokens,
        output_tokens,
        cost_usd,
        is_viewed,
        verification_outcome,
        is_verified,
        is_edited,
        edit_distance,
        correction_type,
        is_accepted,
        first_handoff_action,
        destination,
        is_copied_out,
        is_rejected,
        is_viewed and not (is_accepted or is_edited or is_copied_out or is_rejected) as is_viewed_without_action,
        regeneration_count,
        regenerations_before_decision,
        is_usable,
        seconds_to_decision,
        seconds_to_first_action,
        rating
    from outputs

)

select * from final
