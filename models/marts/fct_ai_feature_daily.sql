{#- One row per feature and day: additive counts, and each ratio beside its
    numerator and denominator. Session counts are by the day a session
    started; output counts by the day an output was generated. -#}
{%- set stages = ai_adoption_chain_stages() -%}
{%- set heavy_edit = var('ai_adoption_heavy_edit_threshold', 0.4) -%}

with

sessions as (

    select * from {{ ref('fct_ai_sessions') }}

),

outputs as (

    select * from {{ ref('fct_ai_outputs') }}

),

output_volume as (

    select
        feature,
        generated_date,
        user_id,
        count(*) as user_outputs
    from outputs
    group by 1, 2, 3

),

top_decile as (

    select
        feature,
        generated_date,
        cast(sum(user_outputs) as {{ ai_adoption_type('integer') }}) as top_decile_user_outputs
    from (
        select
            feature,
            generated_date,
            user_outputs,
            ntile(10) over (
                partition by feature, generated_date
                order by user_outputs desc, user_id asc
            ) as volume_decile
        from output_volume
    ) as ranked
    where volume_decile = 1
    group by 1, 2

),

session_days as (

    select
        feature,
        started_date as activity_date,
        count(distinct user_id) as users,
        count(distinct case when is_first_use then user_id end) as new_users,
        count(*) as sessions,
        count(case when output_count > 0 then 1 end) as sessions_with_output,
        count(case when accepted_output_count > 0 then 1 end) as sessions_handed_off,
        count(case when prompt_count > 0 then 1 end) as sessions_with_prompt,
        count(case when is_empty_open then 1 end) as empty_open_sessions,
        count(case when is_rage_prompting then 1 end) as rage_prompt_sessions,
        cast(sum(prompt_count) as {{ ai_adoption_type('integer') }}) as prompts,
        cast(sum(prompt_help_count) as {{ ai_adoption_type('integer') }}) as prompt_help_requests,
        {%- for stage in stages %}
            count(case when is_{{ stage }}_passed is not null then 1 end) as {{ stage }}_measured_sessions,
            count(case when is_{{ stage }}_passed then 1 end) as {{ stage }}_passed_sessions,
        {%- endfor %}
        count(case when is_return_window_elapsed then 1 end) as return_eligible_sessions,
        count(case when is_return_window_elapsed and is_return_passed then 1 end) as returned_sessions,
        count(distinct case when is_first_use and is_return_window_elapsed then user_id end)
            as second_use_eligible_users,
        count(distinct case
            when is_first_use and is_return_window_elapsed and has_second_session_in_window then user_id
        end) as second_use_users,
        count(distinct case
            when copied_output_count > 0 and is_return_window_elapsed then user_id
        end) as copy_out_users,
        count(distinct case
            when is_copy_out_ending and is_return_window_elapsed and not is_return_passed then user_id
        end) as copy_out_then_gone_users
    from sessions
    group by 1, 2

),

output_days as (

    select
        feature,
        generated_date as activity_date,
        count(*) as outputs_generated,
        count(case when is_accepted then 1 end) as outputs_accepted,
        cast(sum(coalesce(output_chars, 0)) as {{ ai_adoption_type('integer') }}) as output_chars_generated,
        cast(sum(case when is_accepted then coalesce(output_chars, 0) else 0 end) as {{ ai_adoption_type('integer') }})
            as output_chars_accepted,
        count(case when is_edited then 1 end) as outputs_edited,
        sum(case when is_accepted then coalesce(edit_distance, 0) else 0 end) as accepted_edit_distance_sum,
        count(case when is_accepted and edit_distance >= {{ heavy_edit }} then 1 end) as heavy_edit_outputs,
        count(case when is_viewed then 1 end) as outputs_viewed,
        count(case when is_verified then 1 end) as outputs_verified,
        count(case when is_viewed_without_action then 1 end) as outputs_viewed_without_action,
        count(case when is_copied_out then 1 end) as outputs_copied_out,
        count(case when is_rejected then 1 end) as outputs_rejected,
        cast(sum(regeneration_count) as {{ ai_adoption_type('integer') }}) as regenerations,
        cast(sum(coalesce(cost_usd, 0)) as {{ ai_adoption_type('double') }}) as cost_usd,
        cast(sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)) as {{ ai_adoption_type('integer') }})
            as tokens,
        {{ ai_adoption_percentile('latency_ms', 0.5) }} as latency_p50_ms,
        {{ ai_adoption_percentile('latency_ms', 0.9) }} as latency_p90_ms,
        count(case when rating is not null then 1 end) as outputs_with_feedback,
        count(case when rating > 0 then 1 end) as positive_ratings,
        count(case when rating < 0 then 1 end) as negative_ratings
    from outputs
    group by 1, 2

),

spine as (

    select
        feature,
        activity_date
    from session_days
    union
    select
        feature,
        activity_date
    from output_days

),

joined as (

    select
        spine.feature,
        spine.activity_date,
        coalesce(session_days.users, 0) as users,
        coalesce(session_days.new_users, 0) as new_users,
        coalesce(session_days.sessions, 0) as sessions,
        coalesce(session_days.sessions_with_output, 0) as sessions_with_output,
        coalesce(session_days.sessions_handed_off, 0) as sessions_handed_off,
        coalesce(session_days.sessions_with_prompt, 0) as sessions_with_prompt,
        coalesce(session_days.empty_open_sessions, 0) as empty_open_sessions,
        coalesce(session_days.rage_prompt_sessions, 0) as rage_prompt_sessions,
        coalesce(session_days.prompts, 0) as prompts,
        coalesce(session_days.prompt_help_requests, 0) as prompt_help_requests,
        {%- for stage in stages %}
            coalesce(session_days.{{ stage }}_measured_sessions, 0) as {{ stage }}_measured_sessions,
            coalesce(session_days.{{ stage }}_passed_sessions, 0) as {{ stage }}_passed_sessions,
        {%- endfor %}
        coalesce(session_days.return_eligible_sessions, 0) as return_eligible_sessions,
        coalesce(session_days.returned_sessions, 0) as returned_sessions,
        coalesce(session_days.second_use_eligible_users, 0) as second_use_eligible_users,
        coalesce(session_days.second_use_users, 0) as second_use_users,
        coalesce(session_days.copy_out_users, 0) as copy_out_users,
        coalesce(session_days.copy_out_then_gone_users, 0) as copy_out_then_gone_users,
        coalesce(output_days.outputs_generated, 0) as outputs_generated,
        coalesce(output_days.outputs_accepted, 0) as outputs_accepted,
        coalesce(output_days.output_chars_generated, 0) as output_chars_generated,
        coalesce(output_days.output_chars_accepted, 0) as output_chars_accepted,
        coalesce(output_days.outputs_edited, 0) as outputs_edited,
        coalesce(output_days.accepted_edit_distance_sum, 0) as accepted_edit_distance_sum,
        coalesce(output_days.heavy_edit_outputs, 0) as heavy_edit_outputs,
        coalesce(output_days.outputs_viewed, 0) as outputs_viewed,
        coalesce(output_days.outputs_verified, 0) as outputs_verified,
        coalesce(output_days.outputs_viewed_without_action, 0) as outputs_viewed_without_action,
        coalesce(output_days.outputs_copied_out, 0) as outputs_copied_out,
        coalesce(output_days.outputs_rejected, 0) as outputs_rejected,
        coalesce(output_days.regenerations, 0) as regenerations,
        coalesce(top_decile.top_decile_user_outputs, 0) as top_decile_user_outputs,
        coalesce(output_days.cost_usd, 0) as cost_usd,
        coalesce(output_days.tokens, 0) as tokens,
        output_days.latency_p50_ms,
        output_days.latency_p90_ms,
        coalesce(output_days.outputs_with_feedback, 0) as outputs_with_feedback,
        coalesce(output_days.positive_ratings, 0) as positive_ratings,
        coalesce(output_days.negative_ratings, 0) as negative_ratings
    from spine
    left join session_days
        on spine.feature = session_days.feature
            and spine.activity_date = session_days.activity_date
    left join output_days
        on spine.feature = output_days.feature
            and spine.activity_date = output_days.activity_date
    left join top_decile
        on spine.feature = top_decile.feature
            and spine.activity_date = top_decile.generated_date

),

final as (

    select
        {{ dbt.hash(dbt.concat(['feature', "'|'", 'cast(activity_date as ' ~ ai_adoption_type('string') ~ ')'])) }}
            as feature_day_key,
        *,
        {{ ai_adoption_ratio('outputs_accepted', 'outputs_generated') }} as acceptance_rate,
        {{ ai_adoption_ratio('output_chars_accepted', 'output_chars_generated') }} as acceptance_rate_chars,
        {{ ai_adoption_ratio('accepted_edit_distance_sum', 'outputs_accepted') }} as edit_depth,
        {{ ai_adoption_ratio('heavy_edit_outputs', 'outputs_accepted') }} as heavy_edit_rate,
        {{ ai_adoption_ratio('sessions_handed_off', 'sessions_with_output') }} as handoff_rate,
        {{ ai_adoption_ratio('outputs_verified', 'outputs_viewed') }} as verification_rate,
        {{ ai_adoption_ratio('outputs_viewed_without_action', 'outputs_viewed') }} as view_without_action_rate,
        {{ ai_adoption_ratio('copy_out_then_gone_users', 'copy_out_users') }} as copy_out_then_gone_rate,
        {{ ai_adoption_ratio('returned_sessions', 'return_eligible_sessions') }} as return_rate,
        return_eligible_sessions = sessions as is_return_mature,
        {{ ai_adoption_ratio('second_use_users', 'second_use_eligible_users') }} as second_use_rate,
        {{ ai_adoption_ratio('regenerations', 'outputs_generated') }} as regenerations_per_output,
        {{ ai_adoption_ratio('prompt_help_requests * 100', 'users') }} as prompt_help_requests_per_100_users,
        {{ ai_adoption_ratio('empty_open_sessions', 'sessions') }} as empty_open_rate,
        {{ ai_adoption_ratio('rage_prompt_sessions', 'sessions_with_prompt') }} as rage_prompt_rate,
        {{ ai_adoption_ratio('top_decile_user_outputs', 'outputs_generated') }} as top_decile_output_share,
        {{ ai_adoption_ratio('cost_usd', 'outputs_accepted') }} as cost_per_accepted_output,
        {{ ai_adoption_ratio('tokens', 'outputs_accepted') }} as tokens_per_accepted_output,
        {{ ai_adoption_ratio('outputs_with_feedback', 'outputs_generated') }} as feedback_rate,
        {{ ai_adoption_ratio('positive_ratings - negative_ratings', 'outputs_with_feedback') }} as net_rating
    from joined

)

select * from final
