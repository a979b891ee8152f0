{#- Moving events into engines that do not read files through the package
    (ai_adoption_source_path is DuckDB only). Run with `dbt run-operation`,
    so that it uses the profile's connection. -#}


{#- Loads Parquet files (a file, a folder or a glob) into the declared source
    table; `append` adds the rows to the table instead of replacing it;
    `link` makes the table read the files of folder `path` in place, so that
    files delivered into the folder later are rows of the table. -#}
{% macro ai_adoption_load_events(path, append=false, link=false) %}
    {{ return(adapter.dispatch('ai_adoption_load_events', 'ai_adoption')(path, append, link)) }}
{% endmacro %}

{% macro default__ai_adoption_load_events(path, append, link) %}
    {{ exceptions.raise_compiler_error(
        "ai_adoption_load_events is not implemented on " ~ target.type ~ ". On DuckDB, set var "
        ~ "ai_adoption_source_path instead; elsewhere load the files with the engine's own tools."
    ) }}
{% endmacro %}


{#- Copies Parquet files into the source table (replacing it, or appending
    by column name), or links the table to a folder of Parquet files. -#}
{% macro spark__ai_adoption_load_events(path, append, link) %}
    {%- set relation = api.Relation.create(
        schema=var('ai_adoption_source_schema'),
        identifier=var('ai_adoption_source_table'),
        type='table'
    ) -%}
    {%- set files = 'parquet.`' ~ path ~ '`' -%}
    {%- do adapter.create_schema(relation) -%}
    {%- set existing = adapter.get_relation(database=none, schema=relation.schema, identifier=relation.identifier) -%}
    {%- if append and existing is not none -%}
        {%- set columns = adapter.get_columns_in_relation(existing) | map(attribute='quoted') | join(', ') -%}
        {%- do run_query('insert into ' ~ relation ~ ' select ' ~ columns ~ ' from ' ~ files) -%}
    {%- else -%}
        {%- if existing is not none -%}
            {%- do adapter.drop_relation(existing) -%}
        {%- endif -%}
        {%- if link -%}
            {%- do run_query(
                'create table ' ~ relation ~ " using parquet options (pathGlobFilter '*.parquet') location '"
                ~ path ~ "'"
            ) -%}
        {%- else -%}
            {%- do run_query('create table ' ~ relation ~ ' using parquet as select * from ' ~ files) -%}
        {%- endif -%}
    {%- endif -%}
    {%- set count = run_query('select count(*) from ' ~ relation).columns[0].values()[0] -%}
    {{ log('ai_adoption: ' ~ relation ~ ' holds ' ~ count ~ ' rows after loading ' ~ path, info=True) }}
{% endmacro %}
