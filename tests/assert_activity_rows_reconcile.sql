{#- Nothing of the product activity is lost: every source row is a kept
    user day, a delivery duplicate or a rejected row. Counts the source
    itself (none without var ai_adoption_activity_source) against what the
    staging models hold; returns a row when they disagree. -#}
{%- set relation = ai_adoption_activity_relation() -%}
{#- no activity source: a count of no rows -#}
{%- set source_clause = 'from ' ~ relation if relation is not none else 'where 1 = 0' -%}

with

source_rows as (

    select count(*) as row_count {{ source_clause }}

),

kept as (

    select count(*) as row_count from {{ ref('stg_ai_activity__user_days') }}

),

duplicates as (

    select count(*) as row_count
    from {{ ref('base_ai_activity__days_checked') }}
    where is_duplicate

),

rejected as (

    select count(*) as row_count from {{ ref('stg_ai_activity__rejected_days') }}

)

select
    source_rows.row_count as source_row_count,
    kept.row_count as kept_row_count,
    duplicates.row_count as duplicate_row_count,
    rejected.row_count as rejected_row_count
from source_rows
cross join kept
cross join duplicates
cross join rejected
where source_rows.row_count <> kept.row_count + duplicates.row_count + rejected.row_count
