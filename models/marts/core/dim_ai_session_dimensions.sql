{{ config(materialized='view') }}

{#- One row per session (as in fct_ai_sessions) with a team's own dimensions, the
    source columns or `properties` keys var ai_adoption_passthrough_columns
    lists: for each, the first value the session's events name, as text. Join
    it to fct_ai_sessions on session_key to break any measure down by plan tier,
    platform, app version or experiment variant. A view, so it costs a
    scheduled run nothing; its columns follow the var, so its contract is
    not enforced. Without the var it holds the key and the feature alone. -#}
{%- set passthrough = ai_adoption_passthrough_columns() -%}

with

sessions as (

    select * from {{ ref('int_ai_sessions_chained') }}

),

final as (

    select
        session_key,
        {%- for name in passthrough %}
            {{ name }},
        {%- endfor %}
        feature
    from sessions

)

select * from final
