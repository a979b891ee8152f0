{#- One row per distinct good event: rejected rows and delivery duplicates
    are left out (they are kept in stg_ai_events__rejected_events and counted
    in fct_ai_event_quality_daily). -#}

with

checked as (

    select * from {{ ref('stg_ai_events__events_checked') }}
    where rejection_reason is null and copy_rank = 1

),

flagged as (

    select
        *,
        max(case when action = 'output_generated' then 1 else 0 end) over (
            partition by output_id
        ) as output_generated_flag
    from checked

),

final as (

    select
        event_id,
        occurred_at,
        effective_loaded_at as loaded_at,
        user_id,
        account_id,
        feature,
        event_name,
        action,
        stage,
        action is not null as is_mapped,
        coalesce(output_id is not null and output_generated_flag = 0, false) as is_orphan_output_event,
        session_id,
        output_id,
        coalesce(job_key, feature) as job_key,
        entry_point,
        context_source,
        prompt_chars,
        context_chars,
        output_chars,
        edit_distance,
        correction_type,
        destination,
        rating,
        latency_ms,
        input_tokens,
        output_tokens,
        cost_usd,
        error_code
    from flagged

)

select * from final
