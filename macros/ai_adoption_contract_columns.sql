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
        'model': 'string',
        'provider': 'string',
    }) }}
{% endmacro %}


{#- A team's own dimensions (var ai_adoption_passthrough_columns): source
    columns or `properties` keys, carried as text from the ledger to each
    output and session (dim_ai_output_dimensions, dim_ai_session_dimensions).
    Each name must be a lower-case identifier and no column the package
    already has. -#}
{% macro ai_adoption_passthrough_columns() %}
    {%- set names = var('ai_adoption_passthrough_columns') -%}
    {%- if names is string or names is mapping or names is not iterable -%}
        {{ exceptions.raise_compiler_error(
            "var ai_adoption_passthrough_columns must be a list of names, such as "
            ~ "[plan_tier, platform]; got " ~ names ~ "."
        ) }}
    {%- endif -%}
    {%- set taken = ai_adoption_required_columns() + (ai_adoption_optional_columns().keys() | list) + [
        'properties', 'action', 'stage', 'requires_output_id', 'rejection_reason', 'copy_rank',
        'effective_loaded_at', 'load_partition_date', 'is_duplicate', 'session_key', 'occurred_date',
        'source_relation',
    ] -%}
    {%- for name in names -%}
        {%- if name is not string or not modules.re.match('^[a-z][a-z0-9_]*$', name) -%}
            {{ exceptions.raise_compiler_error(
                "var ai_adoption_passthrough_columns: '" ~ name ~ "' is not a lower-case name "
                ~ "(letters, digits and _, starting with a letter)."
            ) }}
        {%- elif name in ai_adoption_reserved_words() -%}
            {{ exceptions.raise_compiler_error(
                "var ai_adoption_passthrough_columns: '" ~ name ~ "' is a reserved word of SQL, which the "
                ~ "package's models cannot name unquoted on every engine; give the column another name "
                ~ "in a view over the source (select \"" ~ name ~ "\" as " ~ name ~ "_name, ...) and list that."
            ) }}
        {%- elif name in taken or name.startswith('raw_') -%}
            {{ exceptions.raise_compiler_error(
                "var ai_adoption_passthrough_columns: '" ~ name ~ "' is a column the package "
                ~ "already has; list only a team's own columns or properties keys."
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names | list) }}
{% endmacro %}


{#- Words reserved by SQL on at least one of the engines the package runs
    on (DuckDB, PostgreSQL, Spark), which a column name cannot be unquoted. -#}
{% macro ai_adoption_reserved_words() %}
    {{ return([
        'all', 'analyse', 'analyze', 'and', 'any', 'array', 'as', 'asc', 'asymmetric', 'between', 'both',
        'by', 'case', 'cast', 'check', 'collate', 'column', 'constraint', 'create', 'cross', 'current_date',
        'current_role', 'current_time', 'current_timestamp', 'current_user', 'default', 'deferrable',
        'desc', 'distinct', 'do', 'else', 'end', 'except', 'exists', 'false', 'fetch', 'for', 'foreign',
        'from', 'full', 'grant', 'group', 'having', 'in', 'initially', 'inner', 'intersect', 'interval',
        'into', 'is', 'join', 'lateral', 'leading', 'left', 'like', 'limit', 'natural', 'not', 'null',
        'offset', 'on', 'only', 'or', 'order', 'outer', 'placing', 'primary', 'references', 'returning',
        'right', 'select', 'session_user', 'some', 'symmetric', 'table', 'then', 'to', 'trailing', 'true',
        'union', 'unique', 'user', 'using', 'variadic', 'when', 'where', 'window', 'with',
    ]) }}
{% endmacro %}


{#- The optional columns an event carries unchanged from the ledger to the
    sessionized events: every optional column but the load time and the keys,
    which the models between derive or hash, in the contract's order; then a
    team's own dimensions. -#}
{% macro ai_adoption_payload_columns() %}
    {%- set keys = ['loaded_at', 'session_id', 'account_id', 'output_id', 'job_key'] -%}
    {%- set payload = [] -%}
    {%- for name in ai_adoption_optional_columns() if name not in keys -%}
        {%- do payload.append(name) -%}
    {%- endfor -%}
    {{ return(payload + ai_adoption_passthrough_columns()) }}
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


{#- Numeric columns that count or cost something and so can never be
    negative. -#}
{% macro ai_adoption_non_negative_columns() %}
    {{ return([
        'prompt_chars', 'context_chars', 'output_chars', 'latency_ms',
        'input_tokens', 'output_tokens', 'cost_usd',
    ]) }}
{% endmacro %}


{#- The placeholder words of var ai_adoption_placeholder_ids, in lower case. -#}
{% macro ai_adoption_placeholder_ids() %}
    {%- set words = var('ai_adoption_placeholder_ids') -%}
    {%- if words is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if words is string or words is mapping or words is not iterable -%}
        {{ exceptions.raise_compiler_error(
            "var ai_adoption_placeholder_ids must be a list of words, such as [undefined, 'null']; got "
            ~ words ~ "."
        ) }}
    {%- endif -%}
    {%- set lowered = [] -%}
    {%- for word in words -%}
        {%- if word is not string or not word.strip() -%}
            {{ exceptions.raise_compiler_error(
                "var ai_adoption_placeholder_ids: '" ~ word ~ "' is not a word (quote words YAML reads "
                ~ "as something else, such as 'null' or 'nan')."
            ) }}
        {%- endif -%}
        {%- do lowered.append(word.strip().lower()) -%}
    {%- endfor -%}
    {{ return(lowered) }}
{% endmacro %}


{#- The largest value of each counted column (var ai_adoption_max_values),
    as numbers; a value above it is rejected as implausible_<column>. -#}
{% macro ai_adoption_max_values() %}
    {%- set given = var('ai_adoption_max_values') -%}
    {%- if given is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "var ai_adoption_max_values must map columns to their largest value, such as "
            ~ "{output_tokens: 100000000}; got " ~ given ~ "."
        ) }}
    {%- endif -%}
    {%- set limits = {} -%}
    {%- for name in ai_adoption_non_negative_columns() if name in given -%}
        {%- set text = given[name] | string | trim -%}
        {%- if not modules.re.match('^[0-9]+([.][0-9]+)?$', text) -%}
            {{ exceptions.raise_compiler_error(
                "var ai_adoption_max_values: the limit of " ~ name ~ " must be a positive number; got '"
                ~ given[name] ~ "'."
            ) }}
        {%- endif -%}
        {%- do limits.update({name: text}) -%}
    {%- endfor -%}
    {%- for name in given if name not in ai_adoption_non_negative_columns() -%}
        {{ exceptions.raise_compiler_error(
            "var ai_adoption_max_values: '" ~ name ~ "' is not one of the counted columns ("
            ~ ai_adoption_non_negative_columns() | join(', ') ~ ")."
        ) }}
    {%- endfor -%}
    {{ return(limits) }}
{% endmacro %}


{#- A kept event of the ledger: not rejected, and the first copy of its
    event_id (later copies are duplicates). `alias` is the ledger's alias in
    the query, if any. -#}
{% macro ai_adoption_is_kept_event(alias=none) -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    {{ prefix }}rejection_reason is null and {{ prefix }}copy_rank = 1
{%- endmacro %}


{#- Every rejection reason, in the order rows are checked: a row gets the first
    reason that applies. -#}
{% macro ai_adoption_rejection_reasons() %}
    {%- set reasons = [] -%}
    {%- for name in ai_adoption_required_columns() -%}
        {%- do reasons.append('missing_' ~ name) -%}
    {%- endfor -%}
    {%- do reasons.extend([
        'malformed_properties', 'miscased_properties_key', 'repeated_properties_key', 'unparseable_occurred_at',
        'unparseable_loaded_at',
    ]) -%}
    {%- for name in ai_adoption_numeric_columns() -%}
        {%- do reasons.append('unparseable_' ~ name) -%}
    {%- endfor -%}
    {%- do reasons.extend(['future_occurred_at', 'future_loaded_at', 'implausible_occurred_at']) -%}
    {%- for name in ai_adoption_non_negative_columns() -%}
        {%- do reasons.append('negative_' ~ name) -%}
    {%- endfor -%}
    {%- for name in ai_adoption_non_negative_columns() -%}
        {%- do reasons.append('implausible_' ~ name) -%}
    {%- endfor -%}
    {%- do reasons.extend([
        'edit_distance_out_of_range',
        'rating_out_of_range',
        'missing_output_id',
    ]) -%}
    {{ return(reasons) }}
{% endmacro %}


{#- Every reason a product activity row (var ai_adoption_activity_source)
    is rejected for, in the order rows are checked. -#}
{% macro ai_adoption_activity_rejection_reasons() %}
    {{ return([
        'missing_user_id', 'missing_activity_date', 'unparseable_activity_date',
        'implausible_activity_date', 'unparseable_action_count', 'negative_action_count',
        'unparseable_loaded_at',
    ]) }}
{% endmacro %}


{#- The six stages of the chain, in order. -#}
{% macro ai_adoption_chain_stages() %}
    {{ return(['trigger', 'context', 'output', 'verification', 'handoff', 'return']) }}
{% endmacro %}


{#- The usage signals of the diagnosis: for each, the column that is its
    sample size and the SQL of its confidence interval (lower, upper) at var
    ai_adoption_confidence_level, over the columns of
    int_ai_feature_periods_measured. Shares of independent cases take the
    Wilson interval; counts per unit the Poisson score interval;
    generations per accepted output the inverted Wilson interval of
    acceptance per generation; the tenure drop Newcombe's interval of a
    difference. Which shape a signal points to, its direction and the risk
    levels it is judged for live in seed ai_adoption_signals; its threshold
    per kind of feature in seed ai_adoption_signal_thresholds. -#}
{% macro ai_adoption_signal_definitions() %}
    {%- set z = ai_adoption_z_score() -%}
    {%- set shares = {
        'empty_open_rate': 'sessions',
        'manual_context_rate': 'sessions_with_prompt',
        'view_without_action_rate': 'outputs_viewed',
        'copy_out_then_gone_rate': 'copy_out_users',
        'rage_prompt_rate': 'sessions_with_prompt',
        'slow_decision_rate': 'decided_outputs',
        'heavy_edit_rate': 'outputs_accepted',
        'correction_loop_user_rate': 'editing_users',
        'second_use_rate': 'second_use_eligible_users',
        'return_rate': 'return_eligible_sessions',
        'unchecked_acceptance_rate': 'outputs_accepted',
        'top_decile_output_share': 'users',
    } -%}
    {%- set definitions = {} -%}
    {%- for signal, sample in shares.items() -%}
        {%- do definitions.update({signal: {
            'sample': sample,
            'interval': ai_adoption_wilson_interval(signal, sample, z),
        }}) -%}
    {%- endfor -%}
    {%- do definitions.update({
        'prompt_help_requests_per_100_users': {
            'sample': 'users',
            'interval': ai_adoption_poisson_interval('prompt_help_requests_per_100_users', 'users', 100, z),
        },
        'regenerations_per_output': {
            'sample': 'outputs_generated',
            'interval': ai_adoption_poisson_interval('regenerations_per_output', 'outputs_generated', 1, z),
        },
        'generations_per_accepted_output': {
            'sample': 'generations',
            'interval': ai_adoption_inverse_wilson_interval('generations_per_accepted_output', 'generations', z),
        },
        'acceptance_tenure_drop': {
            'sample': 'least(early_tenure_outputs, late_tenure_outputs)',
            'interval': ai_adoption_difference_interval(
                ai_adoption_ratio('early_tenure_outputs_accepted', 'early_tenure_outputs'), 'early_tenure_outputs',
                ai_adoption_ratio('late_tenure_outputs_accepted', 'late_tenure_outputs'), 'late_tenure_outputs',
                z,
            ),
        },
    }) -%}
    {{ return(definitions) }}
{% endmacro %}
