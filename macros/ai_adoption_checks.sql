{#- Checks of the inputs a run reads from vars and from the source, each
    failing or warning with a message that names what is wrong. -#}


{#- Fails the run when var ai_adoption_event_map maps a name to an action the
    actions seed does not know, naming the entry and listing the canonical
    actions. Runs once the seed is loaded (a first `dbt build` loads seeds
    before models). -#}
{% macro ai_adoption_check_event_map() %}
    {%- set mapping = var('ai_adoption_event_map') -%}
    {%- if not execute or not mapping -%}
        {{ return('') }}
    {%- endif -%}
    {%- set seed = ref('ai_adoption_actions') -%}
    {%- set stored = adapter.get_relation(database=seed.database, schema=seed.schema, identifier=seed.identifier) -%}
    {%- if stored is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set canonical = run_query('select action from ' ~ stored ~ ' order by action').columns[0].values() -%}
    {%- for event_name, action in mapping.items() -%}
        {%- if action not in canonical -%}
            {{ exceptions.raise_compiler_error(
                "var ai_adoption_event_map maps '" ~ event_name ~ "' to '" ~ action
                ~ "', which is no canonical action. The canonical actions are: "
                ~ (canonical | join(', ')) ~ "."
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}


{#- A post-hook of the event ledger: when no source row survived, warn once
    with how many rows were read and rejected and the most common reasons,
    so an empty build says why it is empty. -#}
{% macro ai_adoption_warn_if_no_events() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set counts -%}
        select
            count(*) as rows_read,
            count(case when rejection_reason is null then 1 end) as rows_kept,
            count(case when rejection_reason is not null then 1 end) as rows_rejected
        from {{ this }}
    {%- endset -%}
    {%- set row = run_query(counts).rows[0] -%}
    {%- if row[1] == 0 -%}
        {%- set reasons -%}
            select rejection_reason, count(*) as row_count
            from {{ this }}
            where rejection_reason is not null
            group by 1
            order by 2 desc, 1
            limit 3
        {%- endset -%}
        {%- set top = [] -%}
        {%- for reason in run_query(reasons).rows -%}
            {%- do top.append(reason[0] ~ ' ' ~ reason[1]) -%}
        {%- endfor -%}
        {{ exceptions.warn(
            "ai_adoption: no usable events: " ~ row[0] ~ " rows read, " ~ row[2] ~ " rejected"
            ~ (" (top reasons: " ~ (top | join(', ')) ~ ")" if top else "")
            ~ ". The marts are empty; fct_ai_event_quality_daily and "
            ~ "stg_ai_events__rejected_events say what arrived."
        ) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#- The weeks before and after adoption the effect compares (var
    ai_adoption_effect_weeks, checked by its rule in ai_adoption_var_rules). -#}
{% macro ai_adoption_effect_weeks() %}
    {{ return(ai_adoption_var('ai_adoption_effect_weeks')) }}
{% endmacro %}
