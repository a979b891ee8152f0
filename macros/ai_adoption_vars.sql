{#- The numeric and boolean vars, read and checked in one place. A value
    given as text (what env_var() returns, or a quoted YAML value) is read
    as the number or boolean it spells, never repeated as text into SQL or
    into Jinja arithmetic; anything else stops the run with the var's name,
    what it must be and what it got. -#}


{#- Each numeric or boolean var: [kind, lowest, highest] (kind `whole`,
    `number` or `boolean`; a bound of none is open). -#}
{% macro ai_adoption_var_rules() %}
    {{ return({
        'ai_adoption_effect_weeks': ['whole', 1, 26],
        'ai_adoption_effect_min_adopters': ['whole', 1, none],
        'ai_adoption_effect_negligible_days': ['number', 0, 7],
        'ai_adoption_effect_pre_trend_days': ['number', 0, 7],
        'ai_adoption_max_future_skew_hours': ['number', 0, none],
        'ai_adoption_late_arrival_hours': ['number', 0, none],
        'ai_adoption_hash_user_ids': ['boolean', none, none],
        'ai_adoption_lookback_hours': ['number', 0, none],
        'ai_adoption_freshness_warn_after_hours': ['whole', 1, none],
        'ai_adoption_freshness_error_after_hours': ['whole', 1, none],
        'ai_adoption_session_gap_minutes': ['whole', 1, 1440],
        'ai_adoption_return_window_days': ['whole', 1, 366],
        'ai_adoption_decision_window_seconds': ['whole', 1, none],
        'ai_adoption_regeneration_loop_threshold': ['whole', 1, none],
        'ai_adoption_manual_context_chars_threshold': ['whole', 0, none],
        'ai_adoption_heavy_edit_threshold': ['number', 0, 1],
        'ai_adoption_rage_prompt_count': ['whole', 2, none],
        'ai_adoption_rage_prompt_seconds': ['whole', 1, none],
        'ai_adoption_min_sessions': ['whole', 1, none],
        'ai_adoption_min_signal_sample': ['whole', 1, none],
        'ai_adoption_early_tenure_sessions': ['whole', 1, none],
        'ai_adoption_correction_repeat_count': ['whole', 2, none],
        'ai_adoption_correction_tolerance': ['number', 0, 1],
        'ai_adoption_healthy_bar_trigger': ['number', 0, 1],
        'ai_adoption_healthy_bar_context': ['number', 0, 1],
        'ai_adoption_healthy_bar_output': ['number', 0, 1],
        'ai_adoption_healthy_bar_handoff': ['number', 0, 1],
        'ai_adoption_healthy_bar_return': ['number', 0, 1],
        'ai_adoption_confidence_level': ['number', 0.5, 0.999],
        'ai_adoption_segment_weeks': ['whole', 1, 52],
        'ai_adoption_habitual_weeks': ['whole', 1, 52],
        'ai_adoption_novice_weeks': ['whole', 0, 52],
        'ai_adoption_power_volume_percentile': ['number', 0, 1],
    }) }}
{% endmacro %}


{#- The value of numeric or boolean var `name`, as a number or a boolean,
    checked against its rule. -#}
{% macro ai_adoption_var(name) %}
    {%- set rule = ai_adoption_var_rules()[name] -%}
    {%- set kind, lowest, highest = rule -%}
    {%- set given = var(name) -%}
    {%- set text = given | string | trim | lower if given is string else none -%}
    {%- if kind == 'boolean' -%}
        {%- if given is sameas true or given is sameas false -%}
            {{ return(given) }}
        {%- elif text in ['true', 'false'] -%}
            {{ return(text == 'true') }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be true or false; got '" ~ given ~ "'.") }}
    {%- endif -%}
    {%- set value = none -%}
    {%- if given is number and given is not sameas true and given is not sameas false -%}
        {%- set value = given -%}
    {%- elif text is not none and modules.re.fullmatch('[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)(e[+-]?[0-9]+)?', text) -%}
        {%- set value = text | float -%}
    {%- endif -%}
    {%- set bounds = (
        (' from ' ~ lowest if lowest is not none else '')
        ~ (' to ' ~ highest if highest is not none else '')
    ) -%}
    {%- set wanted = ('a whole number' if kind == 'whole' else 'a number') ~ bounds -%}
    {#- x - x is 0 for every finite number, NaN for NaN and the infinities -#}
    {%- if value is none
        or value - value != 0
        or (kind == 'whole' and value != (value | int))
        or (lowest is not none and value < lowest)
        or (highest is not none and value > highest) -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be " ~ wanted ~ "; got '" ~ given ~ "'."
        ) }}
    {%- endif -%}
    {{ return(value | int if kind == 'whole' else value) }}
{% endmacro %}


{#- An on-run-start hook: reads every numeric and boolean var and the id
    hash key, so a wrong value stops the run before any model is built,
    naming the var. -#}
{% macro ai_adoption_check_vars() %}
    {%- for name in ai_adoption_var_rules() -%}
        {%- do ai_adoption_var(name) -%}
    {%- endfor -%}
    {%- if ai_adoption_var('ai_adoption_hash_user_ids') -%}
        {%- do ai_adoption_hash_key() -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
