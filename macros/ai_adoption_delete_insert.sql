{#- delete+insert on DuckDB. With a key of several columns (the (user_id,
    feature) pair), dbt-duckdb deletes `using` the new rows: a join of every
    stored row of a pair with every new row of the same pair, which grows
    with the square of a pair's events. A semi-join on the distinct keys
    deletes the same rows in one pass. Replaces dbt-duckdb's macro of the
    same name while this package is the root project; as a dependency, put
    ai_adoption before dbt in the `dbt` dispatch search order to use it. -#}
{% macro duckdb__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
    {%- set dest_cols_csv = get_quoted_csv(dest_columns | map(attribute='name')) -%}
    {%- if unique_key -%}
        {%- set keys = [unique_key] if unique_key is string else unique_key -%}
        delete from {{ target }} as dbt_incremental_target
        where exists (
            select 1
            from (select distinct {{ keys | join(', ') }} from {{ source }}) as changed_keys
            where {% for key in keys %}changed_keys.{{ key }} = dbt_incremental_target.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
        )
        {%- for predicate in incremental_predicates or [] %}
            and {{ predicate }}
        {%- endfor %};
    {%- endif %}

    insert into {{ target }} ({{ dest_cols_csv }})
    (
        select {{ dest_cols_csv }}
        from {{ source }}
    )
{%- endmacro %}
