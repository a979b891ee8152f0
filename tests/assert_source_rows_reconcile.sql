{#- Nothing is lost: every row of the raw events is a clean event, a
    delivery duplicate, a rejected row, or a row that arrived too late for
    the incremental lookback (counted, waiting for a wider run). Counts the source directly, then
    what the models hold; returns a row when they disagree. -#}

with

source_rows as (

    select count(*) as row_count from {{ ai_adoption_source_relation() }}

),

raw_rows as (

    select count(*) as row_count from {{ ref('base_ai_events__raw_events') }}

),

clean as (

    select count(*) as row_count from {{ ref('stg_ai_events__events') }}

),

rejected as (

    select count(*) as row_count from {{ ref('stg_ai_events__rejected_events') }}

),

duplicates as (

    select coalesce(sum(duplicates), 0) as row_count from {{ ref('fct_ai_event_quality_daily') }}

),

late as (

    select coalesce(sum(late_beyond_lookback), 0) as row_count from {{ ref('fct_ai_event_quality_daily') }}

),

compared as (

    select
        source_rows.row_count as source_row_count,
        raw_rows.row_count as raw_row_count,
        clean.row_count as clean_count,
        duplicates.row_count as duplicate_count,
        rejected.row_count as rejected_count,
        late.row_count as late_count
    from source_rows
    cross join raw_rows
    cross join clean
    cross join duplicates
    cross join rejected
    cross join late

)

select * from compared
where
    source_row_count != raw_row_count
    or source_row_count != clean_count + duplicate_count + rejected_count + late_count
