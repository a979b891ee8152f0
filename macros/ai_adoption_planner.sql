{#- Hints for query planners that need them; they render nothing elsewhere. -#}
{#- Refreshes the planner statistics of the model just built: run as a
    post-hook of every model (dbt_project.yml). dbt skips an empty hook. -#}
{% macro ai_adoption_analyze() %}
    {{ return(adapter.dispatch('ai_adoption_analyze', 'ai_adoption')()) }}
{% endmacro %}

{% macro default__ai_adoption_analyze() %}
    {{ return('') }}
{% endmacro %}

{#- A table dbt just created has no statistics until autovacuum gets to it;
    until then PostgreSQL guesses that `x is null` keeps 0.5 % of the rows
    and plans nested loops over the window functions downstream (minutes
    instead of a second). Views need no statistics. -#}
{% macro postgres__ai_adoption_analyze() %}
    {%- if model.config.materialized in ('table', 'incremental') -%}
        {{ return('analyze ' ~ this) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#- Placed between `name as` and `(` of a CTE whose columns are expensive
    and used many times: asks the engine to compute the CTE once. -#}
{% macro ai_adoption_materialized_cte() %}
    {{ return(adapter.dispatch('ai_adoption_materialized_cte', 'ai_adoption')()) }}
{% endmacro %}

{% macro default__ai_adoption_materialized_cte() %}
    {{ return('') }}
{% endmacro %}

{#- PostgreSQL inlines a CTE that is read once and then evaluates its
    expressions again at every use (the rejection reason of the ledger is
    used by some 30 columns): `materialized` computes it once per row. -#}
{% macro postgres__ai_adoption_materialized_cte() %}
    {{ return('materialized ') }}
{% endmacro %}


{#- Placed between `name as` and `(` of a wide CTE read twice, where one of
    the reads keeps few rows: asks the engine to compute it in each read
    instead of writing every row aside first (DuckDB would materialize it). -#}
{% macro ai_adoption_inlined_cte() %}
    {{ return(adapter.dispatch('ai_adoption_inlined_cte', 'ai_adoption')()) }}
{% endmacro %}

{% macro default__ai_adoption_inlined_cte() %}
    {{ return('') }}
{% endmacro %}

{% macro duckdb__ai_adoption_inlined_cte() %}
    {{ return('not materialized ') }}
{% endmacro %}
