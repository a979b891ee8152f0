{{ config(materialized='view') }}

{#- One row per generated output, with the user's session number in the
    feature. What happened to the output, and the correction loop, are worked
    out and stored once in int_ai_outputs_rolled_up; this view shows them
    with the contract BI tools read, verification under the check rule of
    the output's feature (macros/ai_adoption_verification.sql). -#}

with

outputs as (

    select * from {{ ref('int_ai_outputs_rolled_up') }}

),

sessions as (

    select
        session_key,
        session_number
    from {{ ref('int_ai_sessions_chained') }}

),

features as (

    select
        feature,
        is_check_required
    from {{ ref('int_ai_features_catalogued') }}

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
        -- on a feature that requires a check, an output accepted unchecked fails
        {{ ai_adoption_checked_verification_outcome('outputs', 'features') }} as verification_outcome,
        {{ ai_adoption_is_verified_checked('outputs', 'features') }} as is_verified,
        coalesce(features.is_check_required, false) as is_check_required,
        outputs.is_edited,
        outputs.edit_distance,
        outputs.correction_type,
        outputs.is_accepted,
        {{ ai_adoption_is_checked('outputs') }} as is_checked,
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
        outputs.generated_date
    from outputs
    left join sessions
        on outputs.session_key = sessions.session_key
    left join features
        on outputs.feature = features.feature

)

select * from final
