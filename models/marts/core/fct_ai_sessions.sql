{{ config(materialized='view') }}

{#- One row per session: the sessions of int_ai_sessions_chained, stored
    there once, shown here with the contract BI tools read. -#}

with

sessions as (

    select * from {{ ref('int_ai_sessions_chained') }}

),

final as (

    select
        session_key,
        session_id,
        is_derived_session,
        user_id,
        account_id,
        feature,
        job_key,
        started_at,
        ended_at,
        entry_point,
        session_number,
        is_first_use,
        event_count,
        open_count,
        prompt_count,
        prompt_help_count,
        manual_context_chars,
        output_count,
        failed_output_count,
        regeneration_count,
        viewed_output_count,
        verified_output_count,
        accepted_output_count,
        copied_output_count,
        is_empty_open,
        is_rage_prompting,
        is_copy_out_ending,
        {%- for stage in ai_adoption_chain_stages() %}
            is_{{ stage }}_passed,
        {%- endfor %}
        furthest_stage,
        break_stage,
        return_window_ends_at,
        is_return_window_elapsed,
        has_second_session_in_window,
        last_loaded_at,
        started_date
    from sessions

)

select * from final
