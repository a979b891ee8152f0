{#- What every grain of outputs counts, written once: the feature metrics
    (int_ai_feature_metrics, by feature and day or period) and the model
    breakdown (fct_ai_feature_model_daily, by feature, model and day) both
    count and divide their outputs with these. Each macro returns a mapping
    of column name to SQL over one row per output (the columns of
    int_ai_outputs_rolled_up, the output's user_session_number and its
    feature's is_check_required); the models name the columns. Verified
    and unchecked outputs follow the check rule of
    macros/ai_adoption_verification.sql. -#}

{#- Sums and counts over a group of outputs; each is 0 for a group without
    the thing counted. A clean handoff is an accepted output rewritten by
    less than the heavy-edit share; early tenure is a user's first
    ai_adoption_early_tenure_sessions sessions with the feature; the token
    count is input and output tokens of every generation. -#}
{% macro ai_adoption_output_counts() %}
    {%- set heavy_edit = ai_adoption_var('ai_adoption_heavy_edit_threshold') -%}
    {%- set decision_window = ai_adoption_var('ai_adoption_decision_window_seconds') -%}
    {%- set early_sessions = ai_adoption_var('ai_adoption_early_tenure_sessions') -%}
    {%- set integer_type = ai_adoption_type('integer') -%}
    {{ return({
        'outputs_generated': 'count(*)',
        'outputs_accepted': 'count(case when is_accepted then 1 end)',
        'output_chars_generated': 'cast(sum(coalesce(output_chars, 0)) as ' ~ integer_type ~ ')',
        'output_chars_accepted':
            'cast(sum(case when is_accepted then coalesce(output_chars, 0) else 0 end) as ' ~ integer_type ~ ')',
        'outputs_edited': 'count(case when is_edited then 1 end)',
        'accepted_edit_distance_sum': 'sum(case when is_accepted then coalesce(edit_distance, 0) else 0 end)',
        'heavy_edit_outputs': 'count(case when is_accepted and edit_distance >= ' ~ heavy_edit ~ ' then 1 end)',
        'clean_handoff_outputs':
            'count(case when is_accepted and coalesce(edit_distance, 0) < ' ~ heavy_edit ~ ' then 1 end)',
        'unchecked_accepted_outputs':
            'count(case when ' ~ ai_adoption_is_unchecked_acceptance() ~ ' then 1 end)',
        'outputs_viewed': 'count(case when is_viewed then 1 end)',
        'outputs_view_implied': 'count(case when is_view_implied then 1 end)',
        'outputs_verified': 'count(case when ' ~ ai_adoption_is_verified_checked() ~ ' then 1 end)',
        'outputs_viewed_without_action': 'count(case when is_viewed_without_action then 1 end)',
        'outputs_copied_out': 'count(case when is_copied_out then 1 end)',
        'outputs_rejected': 'count(case when is_rejected then 1 end)',
        'regenerations': 'cast(sum(regeneration_count) as ' ~ integer_type ~ ')',
        'decided_outputs': 'count(seconds_to_decision)',
        'slow_decision_outputs': 'count(case when seconds_to_decision > ' ~ decision_window ~ ' then 1 end)',
        'early_tenure_outputs': 'count(case when user_session_number <= ' ~ early_sessions ~ ' then 1 end)',
        'early_tenure_outputs_accepted':
            'count(case when user_session_number <= ' ~ early_sessions ~ ' and is_accepted then 1 end)',
        'late_tenure_outputs': 'count(case when user_session_number > ' ~ early_sessions ~ ' then 1 end)',
        'late_tenure_outputs_accepted':
            'count(case when user_session_number > ' ~ early_sessions ~ ' and is_accepted then 1 end)',
        'editing_users': 'count(distinct case when is_edited then user_id end)',
        'correction_loop_users': 'count(distinct case when is_correction_loop_repeat then user_id end)',
        'cost_usd': 'cast(sum(coalesce(cost_usd, 0)) as ' ~ ai_adoption_type('double') ~ ')',
        'tokens': 'cast(sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)) as ' ~ integer_type ~ ')',
        'outputs_with_feedback': 'count(case when rating is not null then 1 end)',
        'positive_ratings': 'count(case when rating > 0 then 1 end)',
        'negative_ratings': 'count(case when rating < 0 then 1 end)',
    }) }}
{% endmacro %}


{#- Ratios over the counts above, each beside its numerator and denominator
    and null when the denominator is 0. -#}
{% macro ai_adoption_output_ratios() %}
    {%- set ratio = ai_adoption_ratio -%}
    {{ return({
        'generations': 'outputs_generated + regenerations',
        'acceptance_rate': ratio('outputs_accepted', 'outputs_generated'),
        'acceptance_rate_chars': ratio('output_chars_accepted', 'output_chars_generated'),
        'edit_depth': ratio('accepted_edit_distance_sum', 'outputs_accepted'),
        'heavy_edit_rate': ratio('heavy_edit_outputs', 'outputs_accepted'),
        'output_handoff_rate': ratio('clean_handoff_outputs', 'outputs_generated'),
        'unchecked_acceptance_rate': ratio('unchecked_accepted_outputs', 'outputs_accepted'),
        'verification_rate': ratio('outputs_verified', 'outputs_viewed'),
        'view_without_action_rate': ratio('outputs_viewed_without_action', 'outputs_viewed'),
        'regenerations_per_output': ratio('regenerations', 'outputs_generated'),
        'generations_per_accepted_output': ratio('outputs_generated + regenerations', 'outputs_accepted'),
        'slow_decision_rate': ratio('slow_decision_outputs', 'decided_outputs'),
        'acceptance_tenure_drop': ratio('early_tenure_outputs_accepted', 'early_tenure_outputs')
            ~ ' - ' ~ ratio('late_tenure_outputs_accepted', 'late_tenure_outputs'),
        'correction_loop_user_rate': ratio('correction_loop_users', 'editing_users'),
        'cost_per_accepted_output': ratio('cost_usd', 'outputs_accepted'),
        'tokens_per_accepted_output': ratio('tokens', 'outputs_accepted'),
        'feedback_rate': ratio('outputs_with_feedback', 'outputs_generated'),
        'net_rating': ratio('positive_ratings - negative_ratings', 'outputs_with_feedback'),
    }) }}
{% endmacro %}


{#- The select list of every output measure over a group of outputs: the
    counts above, then the latency percentiles (not additive: each grain
    computes its own). A fragment for a grouped select. -#}
{% macro ai_adoption_output_measure_columns() -%}
    {%- for column, expression in ai_adoption_output_counts().items() %}
        {{ expression }} as {{ column }},
    {%- endfor %}
        {{ ai_adoption_percentile('latency_ms', 0.5) }} as latency_p50_ms,
        {{ ai_adoption_percentile('latency_ms', 0.9) }} as latency_p90_ms
{%- endmacro %}


{#- The select list of every output ratio, over a row of the counts above;
    the last item of a select. -#}
{% macro ai_adoption_output_ratio_columns() -%}
    {%- for column, expression in ai_adoption_output_ratios().items() %}
        {{ expression }} as {{ column }}{% if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}
