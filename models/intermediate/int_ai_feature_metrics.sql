{{ config(materialized='table') }}

{#- One row per feature, grain and period: every feature metric, written
    once and counted at two grains, each day (period_grain 'day', read by
    fct_ai_feature_daily) and each diagnosis period (var
    ai_adoption_diagnosis_period, week by default, read through
    int_ai_feature_periods_measured). Sessions count in the period they
    started, outputs in the period they were generated; distinct users are
    distinct over the period. Every count is additive across features;
    every ratio sits beside its numerator and denominator. A table: three
    models read the period rows and one the day rows. -#}
{%- set period = var('ai_adoption_diagnosis_period') -%}
{%- set grains = ['day'] if period == 'day' else ['day', period] -%}
{%- set stages = ai_adoption_chain_stages() -%}
{%- set heavy_edit = var('ai_adoption_heavy_edit_threshold') -%}
{%- set context_chars_limit = var('ai_adoption_manual_context_chars_threshold') -%}
{%- set decision_window = var('ai_adoption_decision_window_seconds') -%}
{%- set early_sessions = var('ai_adoption_early_tenure_sessions') -%}
{%- set integer_type = ai_adoption_type('integer') -%}
{%- set session_counts = [
    'users', 'new_users', 'sessions', 'sessions_with_output', 'sessions_handed_off',
    'sessions_with_prompt', 'empty_open_sessions', 'rage_prompt_sessions', 'manual_context_sessions',
    'prompts', 'prompt_help_requests',
] -%}
{%- for stage in stages -%}
    {%- do session_counts.extend([stage ~ '_measured_sessions', stage ~ '_passed_sessions']) -%}
{%- endfor -%}
{%- do session_counts.extend([
    'return_eligible_sessions', 'returned_sessions', 'second_use_eligible_users', 'second_use_users',
    'copy_out_users', 'copy_out_then_gone_users',
]) -%}
{%- set output_counts = [
    'outputs_generated', 'outputs_accepted', 'output_chars_generated', 'output_chars_accepted',
    'outputs_edited', 'accepted_edit_distance_sum', 'heavy_edit_outputs', 'clean_handoff_outputs',
    'unchecked_accepted_outputs', 'outputs_viewed', 'outputs_view_implied', 'outputs_verified', 'outputs_viewed_without_action', 'outputs_copied_out', 'outputs_rejected',
    'regenerations', 'decided_outputs', 'slow_decision_outputs', 'early_tenure_outputs',
    'early_tenure_outputs_accepted', 'late_tenure_outputs', 'late_tenure_outputs_accepted',
    'editing_users', 'correction_loop_users', 'cost_usd', 'tokens', 'outputs_with_feedback',
    'positive_ratings', 'negative_ratings',
] -%}

with

chained_sessions as (

    select * from {{ ref('int_ai_sessions_chained') }}

),

rolled_up_outputs as (

    select
        rolled_up.*,
        chained_sessions.session_number as user_session_number
    from {{ ref('int_ai_outputs_rolled_up') }} as rolled_up
    left join chained_sessions
        on rolled_up.session_key = chained_sessions.session_key

),

{# Every session and output once per grain, dated by the first day of the
    day or period it falls in: sessions by when they started, outputs by when
    they were generated. #}
{%- for name, relation, time_column in [
    ('sessions', 'chained_sessions', 'started_at'),
    ('outputs', 'rolled_up_outputs', 'generated_at'),
] %}
    {{ name }} as (

        {%- for grain in grains %}
            select
                *,
                '{{ grain }}' as period_grain,
                {{ ai_adoption_period_start(grain, time_column) }} as metric_date
            from {{ relation }}
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}

    ),
{% endfor %}
output_volume as (

    select
        feature,
        period_grain,
        metric_date,
        user_id,
        count(*) as user_outputs
    from outputs
    group by 1, 2, 3, 4

),

top_decile as (

    select
        feature,
        period_grain,
        metric_date,
        cast(sum(user_outputs) as {{ integer_type }}) as top_decile_user_outputs
    from (
        select
            feature,
            period_grain,
            metric_date,
            user_outputs,
            ntile(10) over (
                partition by feature, period_grain, metric_date
                order by user_outputs desc, user_id asc
            ) as volume_decile
        from output_volume
    ) as ranked
    where volume_decile = 1
    group by 1, 2, 3

),

session_counts as (

    select
        feature,
        period_grain,
        metric_date,
        count(distinct user_id) as users,
        count(distinct case when is_first_use then user_id end) as new_users,
        count(*) as sessions,
        count(case when output_count > 0 then 1 end) as sessions_with_output,
        count(case when accepted_output_count > 0 then 1 end) as sessions_handed_off,
        count(case when prompt_count > 0 then 1 end) as sessions_with_prompt,
        count(case when is_empty_open then 1 end) as empty_open_sessions,
        count(case when is_rage_prompting then 1 end) as rage_prompt_sessions,
        count(case
            when prompt_count > 0 and manual_context_chars > {{ context_chars_limit }} then 1
        end) as manual_context_sessions,
        cast(sum(prompt_count) as {{ integer_type }}) as prompts,
        cast(sum(prompt_help_count) as {{ integer_type }}) as prompt_help_requests,
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
    group by 1, 2, 3

),

output_counts as (

    select
        feature,
        period_grain,
        metric_date,
        count(*) as outputs_generated,
        count(case when is_accepted then 1 end) as outputs_accepted,
        cast(sum(coalesce(output_chars, 0)) as {{ integer_type }}) as output_chars_generated,
        cast(sum(case when is_accepted then coalesce(output_chars, 0) else 0 end) as {{ integer_type }})
            as output_chars_accepted,
        count(case when is_edited then 1 end) as outputs_edited,
        sum(case when is_accepted then coalesce(edit_distance, 0) else 0 end) as accepted_edit_distance_sum,
        count(case when is_accepted and edit_distance >= {{ heavy_edit }} then 1 end) as heavy_edit_outputs,
        -- handed off without being rewritten by the heavy-edit share or more
        count(case when is_accepted and coalesce(edit_distance, 0) < {{ heavy_edit }} then 1 end)
            as clean_handoff_outputs,
        count(case when is_accepted and not is_checked then 1 end) as unchecked_accepted_outputs,
        count(case when is_viewed then 1 end) as outputs_viewed,
        count(case when is_view_implied then 1 end) as outputs_view_implied,
        count(case when is_verified then 1 end) as outputs_verified,
        count(case when is_viewed_without_action then 1 end) as outputs_viewed_without_action,
        count(case when is_copied_out then 1 end) as outputs_copied_out,
        count(case when is_rejected then 1 end) as outputs_rejected,
        cast(sum(regeneration_count) as {{ integer_type }}) as regenerations,
        count(seconds_to_decision) as decided_outputs,
        count(case when seconds_to_decision > {{ decision_window }} then 1 end) as slow_decision_outputs,
        count(case when user_session_number <= {{ early_sessions }} then 1 end) as early_tenure_outputs,
        count(case when user_session_number <= {{ early_sessions }} and is_accepted then 1 end)
            as early_tenure_outputs_accepted,
        count(case when user_session_number > {{ early_sessions }} then 1 end) as late_tenure_outputs,
        count(case when user_session_number > {{ early_sessions }} and is_accepted then 1 end)
            as late_tenure_outputs_accepted,
        count(distinct case when is_edited then user_id end) as editing_users,
        count(distinct case when is_correction_loop_repeat then user_id end) as correction_loop_users,
        cast(sum(coalesce(cost_usd, 0)) as {{ ai_adoption_type('double') }}) as cost_usd,
        cast(sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)) as {{ integer_type }}) as tokens,
        {{ ai_adoption_percentile('latency_ms', 0.5) }} as latency_p50_ms,
        {{ ai_adoption_percentile('latency_ms', 0.9) }} as latency_p90_ms,
        count(case when rating is not null then 1 end) as outputs_with_feedback,
        count(case when rating > 0 then 1 end) as positive_ratings,
        count(case when rating < 0 then 1 end) as negative_ratings
    from outputs
    group by 1, 2, 3

),

spine as (

    select
        feature,
        period_grain,
        metric_date
    from session_counts
    union
    select
        feature,
        period_grain,
        metric_date
    from output_counts

),

joined as (

    select
        spine.feature,
        spine.period_grain,
        spine.metric_date as period_start,
        {%- for column in session_counts %}
            coalesce(session_counts.{{ column }}, 0) as {{ column }},
        {%- endfor %}
        {%- for column in output_counts %}
            coalesce(output_counts.{{ column }}, 0) as {{ column }},
        {%- endfor %}
        coalesce(top_decile.top_decile_user_outputs, 0) as top_decile_user_outputs,
        output_counts.latency_p50_ms,
        output_counts.latency_p90_ms
    from spine
    left join session_counts
        on
            spine.feature = session_counts.feature
            and spine.period_grain = session_counts.period_grain
            and spine.metric_date = session_counts.metric_date
    left join output_counts
        on
            spine.feature = output_counts.feature
            and spine.period_grain = output_counts.period_grain
            and spine.metric_date = output_counts.metric_date
    left join top_decile
        on
            spine.feature = top_decile.feature
            and spine.period_grain = top_decile.period_grain
            and spine.metric_date = top_decile.metric_date

),

final as (

    select
        {{ ai_adoption_surrogate_key(['period_grain', 'feature', 'period_start']) }} as feature_period_key,
        *,
        outputs_generated + regenerations as generations,
        {{ ai_adoption_ratio('outputs_accepted', 'outputs_generated') }} as acceptance_rate,
        {{ ai_adoption_ratio('output_chars_accepted', 'output_chars_generated') }} as acceptance_rate_chars,
        {{ ai_adoption_ratio('accepted_edit_distance_sum', 'outputs_accepted') }} as edit_depth,
        {{ ai_adoption_ratio('heavy_edit_outputs', 'outputs_accepted') }} as heavy_edit_rate,
        {{ ai_adoption_ratio('sessions_handed_off', 'sessions_with_output') }} as handoff_rate,
        {{ ai_adoption_ratio('clean_handoff_outputs', 'outputs_generated') }} as output_handoff_rate,
        {{ ai_adoption_ratio('unchecked_accepted_outputs', 'outputs_accepted') }} as unchecked_acceptance_rate,
        {{ ai_adoption_ratio('outputs_verified', 'outputs_viewed') }} as verification_rate,
        {{ ai_adoption_ratio('outputs_viewed_without_action', 'outputs_viewed') }} as view_without_action_rate,
        {{ ai_adoption_ratio('copy_out_then_gone_users', 'copy_out_users') }} as copy_out_then_gone_rate,
        {{ ai_adoption_ratio('returned_sessions', 'return_eligible_sessions') }} as return_rate,
        return_eligible_sessions = sessions as is_return_mature,
        {{ ai_adoption_ratio('second_use_users', 'second_use_eligible_users') }} as second_use_rate,
        {{ ai_adoption_ratio('regenerations', 'outputs_generated') }} as regenerations_per_output,
        {{ ai_adoption_ratio('outputs_generated + regenerations', 'outputs_accepted') }}
            as generations_per_accepted_output,
        {{ ai_adoption_ratio('prompt_help_requests * 100', 'users') }} as prompt_help_requests_per_100_users,
        {{ ai_adoption_ratio('empty_open_sessions', 'sessions') }} as empty_open_rate,
        {{ ai_adoption_ratio('manual_context_sessions', 'sessions_with_prompt') }} as manual_context_rate,
        {{ ai_adoption_ratio('rage_prompt_sessions', 'sessions_with_prompt') }} as rage_prompt_rate,
        {{ ai_adoption_ratio('slow_decision_outputs', 'decided_outputs') }} as slow_decision_rate,
        {{ ai_adoption_ratio('early_tenure_outputs_accepted', 'early_tenure_outputs') }}
        - {{ ai_adoption_ratio('late_tenure_outputs_accepted', 'late_tenure_outputs') }} as acceptance_tenure_drop,
        {{ ai_adoption_ratio('correction_loop_users', 'editing_users') }} as correction_loop_user_rate,
        {{ ai_adoption_ratio('top_decile_user_outputs', 'outputs_generated') }} as top_decile_output_share,
        {{ ai_adoption_ratio('cost_usd', 'outputs_accepted') }} as cost_per_accepted_output,
        {{ ai_adoption_ratio('tokens', 'outputs_accepted') }} as tokens_per_accepted_output,
        {{ ai_adoption_ratio('outputs_with_feedback', 'outputs_generated') }} as feedback_rate,
        {{ ai_adoption_ratio('positive_ratings - negative_ratings', 'outputs_with_feedback') }} as net_rating
    from joined

)

select * from final
