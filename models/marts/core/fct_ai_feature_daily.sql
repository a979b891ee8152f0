{#- One row per feature and day: the day rows of int_ai_feature_metrics,
    where the metrics are defined, under the names of the mart's contract.
    Every column after the key and the day is taken as it is, in the
    contract's order (the contract in _core__models.yml lists them). -#}
{%- set renamed = ['feature_day_key', 'feature', 'activity_date'] -%}
{%- set metric_columns = model.columns.keys() | reject('in', renamed) | join(',\n        ') -%}

with

day_rows as (

    select * from {{ ref('int_ai_feature_metrics') }}
    where period_grain = 'day'

),

final as (

    select
        {{ ai_adoption_surrogate_key(['feature', 'period_start']) }} as feature_day_key,
        feature,
        period_start as activity_date,
        {{ metric_columns }}
    from day_rows

)

select * from final
