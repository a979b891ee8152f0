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
