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
