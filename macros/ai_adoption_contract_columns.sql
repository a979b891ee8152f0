{#- The input contract in one place: required columns, and the optional ones
    with the type each is cast to. -#}
{% macro ai_adoption_required_columns() %}
    {{ return(['event_id', 'occurred_at', 'user_id', 'feature', 'event_name']) }}
{% endmacro %}


{% macro ai_adoption_optional_columns() %}
    {{ return({
        'loaded_at': 'timestamp',
        'session_id': 'string',
        'account_id': 'string',
        'output_id': 'string',
        'job_key': 'string',
        'entry_point': 'string',
        'context_source': 'string',
        'prompt_chars': 'integer',
        'context_chars': 'integer',
        'output_chars': 'integer',
        'edit_distance': 'double',
        'correction_type': 'string',
        'destination': 'string',
        'rating': 'integer',
        'latency_ms': 'integer',
        'input_tokens': 'integer',
        'output_tokens': 'integer',
        'cost_usd': 'double',
        'error_code': 'string',
    }) }}
{% endmacro %}


{#- Optional columns whose text may fail to parse as a number. -#}
{% macro ai_adoption_numeric_columns() %}
    {%- set numeric = [] -%}
    {%- for name, kind in ai_adoption_optional_columns().items() -%}
        {%- if kind in ('integer', 'double') -%}
            {%- do numeric.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(numeric) }}
{% endmacro %}


{#- Every rejection reason, in the order rows are checked: a row gets the first
    reason that applies. -#}
{% macro ai_adoption_rejection_reasons() %}
    {%- set reasons = [] -%}
    {%- for name in ai_adoption_required_columns() -%}
        {%- do reasons.append('missing_' ~ name) -%}
    {%- endfor -%}
    {%- do reasons.extend(['malformed_properties', 'unparseable_occurred_at', 'unparseable_loaded_at']) -%}
    {%- for name in ai_adoption_numeric_columns() -%}
        {%- do reasons.append('unparseable_' ~ name) -%}
    {%- endfor -%}
    {%- do reasons.extend([
        'future_occurred_at',
        'edit_distance_out_of_range',
        'rating_out_of_range',
        'missing_output_id',
    ]) -%}
    {{ return(reasons) }}
{% endmacro %}


{#- The six stages of the chain, in order. -#}
{% macro ai_adoption_chain_stages() %}
    {{ return(['trigger', 'context', 'output', 'verification', 'handoff', 'return']) }}
{% endmacro %}


{#- The canonical actions that make an output accepted (a handoff). -#}
{% macro ai_adoption_acceptance_actions() %}
    {{ return([
        'output_accepted', 'output_inserted', 'output_shared', 'output_sent',
        'output_saved', 'output_approved', 'output_cited',
    ]) }}
{% endmacro %}


{#- A list of names as a SQL tuple of string literals: ('a', 'b'). -#}
{% macro ai_adoption_sql_list(names) -%}
    ('{{ names | join("', '") }}')
{%- endmacro %}


{#- The usage signals of the diagnosis: for each, the var holding its
    threshold and the column that is its sample size (its denominator). Which
    shape a signal points to and in which direction it fires live in seed
    ai_adoption_signals. -#}
{% macro ai_adoption_signal_definitions() %}
    {%- set samples = {
        'empty_open_rate': 'sessions',
        'manual_context_rate': 'sessions_with_prompt',
        'prompt_help_requests_per_100_users': 'users',
        'top_decile_output_share': 'outputs_generated',
        'view_without_action_rate': 'outputs_viewed',
        'copy_out_then_gone_rate': 'copy_out_users',
        'generations_per_accepted_output': 'outputs_accepted',
        'regenerations_per_output': 'outputs_generated',
        'rage_prompt_rate': 'sessions_with_prompt',
        'acceptance_tenure_drop': 'least(early_tenure_outputs, late_tenure_outputs)',
        'slow_decision_rate': 'decided_outputs',
        'heavy_edit_rate': 'outputs_accepted',
        'correction_loop_user_rate': 'editing_users',
        'second_use_rate': 'second_use_eligible_users',
        'return_rate': 'return_eligible_sessions',
    } -%}
    {%- set definitions = {} -%}
    {%- for signal, sample in samples.items() -%}
        {%- do definitions.update({signal: {
            'threshold': var('ai_adoption_threshold_' ~ signal),
            'sample': sample,
        }}) -%}
    {%- endfor -%}
    {{ return(definitions) }}
{% endmacro %}
