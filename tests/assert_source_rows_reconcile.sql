{#- Nothing is lost, in each source: every row of the raw events is a clean
    event, a delivery duplicate, a rejected row, or a row that arrived too
    late for the incremental lookback (counted, waiting for a wider run).
    Counts the source directly, then what the models hold per
    source_relation; returns a row when they disagree. -#}

with

source_rows as (

    select count(*) as row_count from {{ ai_adoption_source_relation() }}

),

raw_rows as (

    select
        source_relation,
        count(*) as row_count
    from {{ ref('base_ai_events__raw_events') }}
    group by 1

),

clean as (

    select
        source_relation,
        count(*) as row_count
    from {{ ref('stg_ai_events__events') }}
    group by 1

),

rejected as (

    select
        source_relation,
        count(*) as row_count
    from {{ ref('stg_ai_events__rejected_events') }}
    group by 1

),

quality as (

    select
        source_relation,
        sum(rows_received) as received_count,
        sum(duplicates) as duplicate_count,
        sum(late_beyond_lookback) as late_count
    from {{ ref('fct_ai_event_quality_daily') }}
    group by 1

),

per_source as (

    select
        raw_rows.source_relation,
        raw_rows.row_count as raw_row_count,
        coalesce(quality.received_count, 0) as received_count,
        coalesce(clean.row_count, 0) as clean_count,
        coalesce(quality.duplicate_count, 0) as duplicate_count,
        coalesce(rejected.row_count, 0) as rejected_count,
        coalesce(quality.late_count, 0) as late_count
    from raw_rows
    left join clean
        on raw_rows.source_relation is not distinct from clean.source_relation
    left join rejected
        on raw_rows.source_relation is not distinct from rejected.source_relation
    left join quality
        on raw_rows.source_relation is not distinct from quality.source_relation

),

compared as (

    -- the whole source against the text view
    select
        cast(null as {{ ai_adoption_type('string') }}) as source_relation,
        source_rows.row_count as source_row_count,
        coalesce(sum(per_source.raw_row_count), 0) as raw_row_count,
        coalesce(sum(per_source.raw_row_count), 0) as accounted_count
    from source_rows
    left join per_source on 1 = 1
    group by 1, 2
    union all
    -- each source: what arrived against where it went
    select
        source_relation,
        received_count as source_row_count,
        raw_row_count,
        clean_count + duplicate_count + rejected_count + late_count as accounted_count
    from per_source

)

select * from compared
where
    source_row_count != raw_row_count
    or source_row_count != accounted_count
