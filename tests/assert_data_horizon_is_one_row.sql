{#- The data horizon is exactly one row, also when no event was kept (its
    values are then null and the marts empty). -#}

with

counted as (

    select count(*) as horizon_rows
    from {{ ref('int_ai_data_horizon') }}

)

select horizon_rows
from counted
where horizon_rows != 1
