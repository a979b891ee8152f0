{{ config(materialized='view') }}

{#- One row per output (as in fct_ai_outputs) with a team's own dimensions, the
    source columns or `properties` keys var ai_adoption_passthrough_columns
    lists: for each, the first value the output's events name, as text. Join
    it to fct_ai_outputs on output_id to break any measure down by plan tier,
    platform, app version or experiment variant. A view, so it costs a
    scheduled run nothing; its columns follow the var, so its contract is
    not enforced. Without the var it holds the key and the feature alone. -#}
{%- set passthrough = ai_adoption_passthrough_columns() -%}

with

outputs as (

    select * from {{ ref('int_ai_outputs_rolled_up') }}

),

final as (

    select
        output_id,
        {%- for name in passthrough %}
            {{ name }},
        {%- endfor %}
        feature
    from outputs

)

select * from final
