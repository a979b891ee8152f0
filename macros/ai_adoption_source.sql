{#- Where the raw events are read from: the declared source table, or, on
    DuckDB, files matched by var ai_adoption_source_path. The source() call
    always happens so that lineage and freshness keep pointing at the source. -#}
{% macro ai_adoption_source_relation() %}
    {%- set declared = source('ai_events', 'events') -%}
    {%- set path = var('ai_adoption_source_path', none) -%}
    {%- if path -%}
        {{ return(adapter.dispatch('ai_adoption_read_files', 'ai_adoption')(path)) }}
    {%- endif -%}
    {{ return(declared) }}
{% endmacro %}


{% macro default__ai_adoption_read_files(path) %}
    {{ exceptions.raise_compiler_error(
        "var ai_adoption_source_path is set to '" ~ path ~ "', but reading files is only "
        ~ "supported on DuckDB. On " ~ target.type ~ ", load the events into a table and set "
        ~ "ai_adoption_source_schema / ai_adoption_source_table instead."
    ) }}
{% endmacro %}


{% macro duckdb__ai_adoption_read_files(path) %}
    {%- set lowered = path | lower -%}
    {%- if lowered.endswith('.csv') or lowered.endswith('.csv.gz') or lowered.endswith('.tsv') -%}
        {{ return("read_csv(" ~ ai_adoption_literal(path) ~ ", union_by_name = true, all_varchar = true, header = true)") }}
    {%- elif lowered.endswith('.parquet') or lowered.endswith('.pq') -%}
        {{ return("read_parquet(" ~ ai_adoption_literal(path) ~ ", union_by_name = true)") }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "var ai_adoption_source_path must end in .parquet, .pq, .csv, .csv.gz or .tsv "
            ~ "(a file or a glob such as 'exports/*.parquet'); got '" ~ path ~ "'."
        ) }}
    {%- endif -%}
{% endmacro %}


{#- Lower-cased names of the columns the raw events actually have. Empty while
    dbt parses (nothing is queried then). Fails with a clear message when the
    source cannot be read or lacks a required column. -#}
{% macro ai_adoption_source_columns() %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set relation = ai_adoption_source_relation() -%}
    {%- set probe -%}
        select * from {{ relation }} where 1 = 0
    {%- endset -%}
    {%- set result = run_query(probe) -%}
    {%- set names = [] -%}
    {%- for name in result.column_names -%}
        {%- do names.append(name | lower) -%}
    {%- endfor -%}
    {%- set missing = [] -%}
    {%- for required in ai_adoption_required_columns() -%}
        {%- if required not in names -%}
            {%- do missing.append(required) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if missing -%}
        {{ exceptions.raise_compiler_error(
            "The raw events at " ~ relation ~ " lack the required column(s) "
            ~ (missing | join(', ')) ~ ". Required: "
            ~ (ai_adoption_required_columns() | join(', '))
            ~ ". Rename them in a view over your table, or see the README section "
            ~ "'Point it at your own events'."
        ) }}
    {%- endif -%}
    {{ return(names) }}
{% endmacro %}
