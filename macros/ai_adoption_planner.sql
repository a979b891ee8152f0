{#- Hints for query planners that need them; they render nothing elsewhere. -#}


{#- Refreshes the planner statistics of the model just built: run as a
    post-hook of every model (dbt_project.yml). dbt skips an empty hook. -#}
{% macro ai_adoption_analyze() %}
    {{ return(adapter.dispatch('ai_adoption_analyze', 'ai_adoption')()) }}
{% endmacro %}

{% macro default__ai_adoption_analyze() %}
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
