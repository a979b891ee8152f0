{#- Shared by the adapter base models (models/staging/ai_events/base/adapters),
    which reshape a tracker's export into the input contract. An adapter
    writes every contract column it maps as text (or, for the two times, in
    the type it arrived in), so that the ledger types and checks the values
    exactly as it does for the contract: a value that does not parse is
    rejected with its reason there, never changed or dropped here. -#}

{#- Lower-cased name -> data type of every column of the raw relation (the
    tracker's export, before any adapter). Empty while dbt parses. -#}
{% macro ai_adoption_raw_column_types() %}
    {%- if not execute -%}
        {{ return({}) }}
    {%- endif -%}
    {{ return(adapter.dispatch('ai_adoption_describe_source', 'ai_adoption')(ai_adoption_source_relation())) }}
{% endmacro %}


{#- Stops the run, naming the format, when the raw relation lacks a column
    the adapter of `format` cannot do without. -#}
{% macro ai_adoption_require_raw_columns(format, required, present) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set missing = [] -%}
    {%- for name in required if name not in present -%}
        {%- do missing.append(name) -%}
    {%- endfor -%}
    {%- if missing -%}
        {{ exceptions.raise_compiler_error(
            "var ai_adoption_source_format is '" ~ format ~ "', but the raw events at "
            ~ ai_adoption_source_relation() ~ " lack the column(s) " ~ (missing | join(', '))
            ~ " of that format (it needs " ~ (required | join(', '))
            ~ "). See the README section on the " ~ format ~ " adapter."
        ) }}
    {%- endif -%}
{% endmacro %}


{#- The first of `candidates` the raw relation has (SQL), else a null of
    `kind`. -#}
{% macro ai_adoption_first_present_column(candidates, present, kind='string') %}
    {%- for name in candidates if name in present -%}
        {{ return(adapter.quote(name)) }}
    {%- endfor -%}
    {{ return('cast(null as ' ~ ai_adoption_type(kind) ~ ')') }}
{% endmacro %}


{#- Text of a number in another unit (seconds -> milliseconds: factor 1000),
    rounded to a whole number of the new unit; text that is not a number is
    returned as it is, so that the ledger rejects it as unparseable. -#}
{% macro ai_adoption_scaled_text(text_expression, factor) %}
    {%- set number = ai_adoption_try_cast(text_expression, 'double') -%}
    {{ return(
        'case when ' ~ number ~ ' is null then ' ~ text_expression
        ~ ' else cast(cast(round(' ~ number ~ ' * ' ~ factor ~ ') as ' ~ ai_adoption_type('integer')
        ~ ') as ' ~ ai_adoption_type('string') ~ ') end'
    ) }}
{% endmacro %}
