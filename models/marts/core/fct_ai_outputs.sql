{{ ai_adoption_incremental_config(['user_id', 'feature'], partition_by='generated_date') }}

{#- One row per generated output. Incremental runs rebuild the outputs of
    every (user, feature) pair that changed. -#}
{%- set heavy_edit = var('ai_adoption_heavy_edit_threshold') -%}
{%- set repeat_count = var('ai_adoption_correction_repeat_count') -%}
{%- set tolerance = var('ai_adoption_correction_tolerance') -%}
{#- A user's first heavy-correction sessions of one type set the baseline the
    later ones are compared with. -#}
{%- set baseline_sessions = 2 -%}

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

heavy_correction_sessions as (

    {#- A user's heavy edits of one correction type, one row per session, in
        order: the k-th session in which the user had to fix the same thing. #}
    select
        user_id,
        feature,
        correction_type,
        session_key,
        min(generated_at) as first_generated_at,
        avg(edit_distance) as session_edit_distance
    from outputs
    where is_edited and edit_distance >= {{ heavy_edit }} and correction_type is not null
    group by 1, 2, 3, 4

),

correction_sequence as (

    select
        *,
        cast(row_number() over (
            partition by user_id, feature, correction_type
            order by first_generated_at, session_key
        ) as {{ ai_adoption_type('integer') }}) as correction_repeat_number
    from heavy_correction_sessions

),

correction_baseline as (

    select
        *,
        avg(case when correction_repeat_number <= {{ baseline_sessions }} then session_edit_distance end) over (
            partition by user_id, feature, correction_type
        ) as baseline_edit_distance
    from correction_sequence

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
        outputs.is_viewed
        and not (outputs.is_accepted or outputs.is_edited or outputs.is_copied_out or outputs.is_rejected)
            as is_viewed_without_action,
        outputs.regeneration_count,
        outputs.regenerations_before_decision,
        outputs.is_usable,
        outputs.seconds_to_decision,
        outputs.seconds_to_first_action,
        outputs.rating,
        correction_baseline.correction_repeat_number,
        coalesce(
            correction_baseline.correction_repeat_number >= {{ repeat_count }}
            and correction_baseline.session_edit_distance
            >= correction_baseline.baseline_edit_distance - {{ tolerance }},
            false
        ) as is_correction_loop_repeat,
        outputs.last_loaded_at,
        -- last: Spark stores its partition column last, so every engine has this order
        cast(outputs.generated_at as date) as generated_date
    from outputs
    left join sessions
        on outputs.session_key = sessions.session_key
    left join correction_baseline
        on
            outputs.session_key = correction_baseline.session_key
            and outputs.user_id = correction_baseline.user_id
            and outputs.feature = correction_baseline.feature
            and outputs.correction_type = correction_baseline.correction_type
            and outputs.edit_distance >= {{ heavy_edit }}

)

{{ ai_adoption_pair_rows('final', 'generated_date') }}
