{{ config(materialized='table') }}

{#- One row per feature, grain and period: every feature metric, written
    once and counted at two grains, each day (period_grain 'day', read by
    fct_ai_feature_daily) and each diagnosis period (var
    ai_adoption_diagnosis_period, week by default, read through
    int_ai_feature_periods_measured). Sessions count in the period they
    started, outputs in the period they were generated; distinct users are
    distinct over the period. Every count is additive across features;
    every ratio sits beside its numerator and denominator. On a feature
    that requires a check, verification follows the check rule
    (macros/ai_adoption_verification.sql) for outputs and sessions alike.
    A table: three models read the period rows and one the day rows. -#}
{%- set period = var('ai_adoption_diagnosis_period') -%}
{%- set grains = ['day'] if period == 'day' else ['day', period] -%}
{%- set stages = ai_adoption_chain_stages() -%}
{%- set context_chars_limit = ai_adoption_var('ai_adoption_manual_context_chars_threshold') -%}
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
{%- set output_counts = ai_adoption_output_counts().keys() | list -%}
{#- What the log shows of its own losses: outputs acted on (an action that
    comes only after the output was seen), and those among them whose view
    event arrived. -#}
{%- do output_counts.extend(['acted_on_outputs', 'acted_on_outputs_view_logged']) -%}
{%- set acted_on = '(is_accepted or is_edited or is_copied_out or is_rejected or is_checked'
    ~ ' or regeneration_count > 0 or rating is not null)' -%}

with

features as (

    select
        feature,
        is_check_required
    from {{ ref('int_ai_features_catalogued') }}

),

stored_sessions as (

    select * from {{ ref('int_ai_sessions_chained') }}

),

rolled_up_outputs as (

    select
        rolled_up.*,
        stored_sessions.session_number as user_session_number,
        coalesce(features.is_check_required, false) as is_check_required
    from {{ ref('int_ai_outputs_rolled_up') }} as rolled_up
    left join stored_sessions
        on rolled_up.session_key = stored_sessions.session_key
    left join features
        on rolled_up.feature = features.feature

),

session_checks as (

    {#- On a feature that requires a check, a session's outputs that did not
        fail verification under the check rule: passed, or still without a
        decision. #}
    select
        session_key,
        count(case
            when {{ ai_adoption_checked_verification_outcome() }} in ('passed', 'undecided') then 1
        end) as unblocked_output_count
    from rolled_up_outputs
    where is_check_required
    group by 1

),

chained_sessions as (

    select
        stored_sessions.*,
        -- verification passes with one output not failed by it; on a feature
        -- that requires a check, under the check rule
        case
            when coalesce(features.is_check_required, false) and stored_sessions.is_verification_passed is not null
                then coalesce(session_checks.unblocked_output_count, 0) > 0
            else stored_sessions.is_verification_passed
        end as is_verification_checked
    from stored_sessions
    left join features
        on stored_sessions.feature = features.feature
    left join session_checks
        on stored_sessions.session_key = session_checks.session_key

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
            {%- set passed = 'is_verification_checked' if stage == 'verification' else 'is_' ~ stage ~ '_passed' %}
            count(case when {{ passed }} is not null then 1 end) as {{ stage }}_measured_sessions,
            count(case when {{ passed }} then 1 end) as {{ stage }}_passed_sessions,
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
        -- every output measure, as macros/ai_adoption_output_measures.sql defines it
        {{ ai_adoption_output_measure_columns() }},
        -- an output acted on was seen, so the product sent its view: the share
        -- of those views that arrived estimates the delivery of client events
        count(case when {{ acted_on }} then 1 end) as acted_on_outputs,
        count(case when {{ acted_on }} and not is_view_implied then 1 end) as acted_on_outputs_view_logged
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
        {{ ai_adoption_ratio('sessions_handed_off', 'sessions_with_output') }} as handoff_rate,
        {{ ai_adoption_ratio('copy_out_then_gone_users', 'copy_out_users') }} as copy_out_then_gone_rate,
        {{ ai_adoption_ratio('returned_sessions', 'return_eligible_sessions') }} as return_rate,
        return_eligible_sessions = sessions as is_return_mature,
        {{ ai_adoption_ratio('second_use_users', 'second_use_eligible_users') }} as second_use_rate,
        {{ ai_adoption_ratio('prompt_help_requests * 100', 'users') }} as prompt_help_requests_per_100_users,
        {{ ai_adoption_ratio('empty_open_sessions', 'sessions') }} as empty_open_rate,
        {{ ai_adoption_ratio('manual_context_sessions', 'sessions_with_prompt') }} as manual_context_rate,
        {{ ai_adoption_ratio('rage_prompt_sessions', 'sessions_with_prompt') }} as rage_prompt_rate,
        {{ ai_adoption_ratio('top_decile_user_outputs', 'outputs_generated') }} as top_decile_output_share,
        {{ ai_adoption_ratio('acted_on_outputs_view_logged', 'acted_on_outputs') }} as client_delivery_rate,
        {{ ai_adoption_output_ratio_columns() }}
    from joined

)

select * from final
