{{ ai_adoption_incremental_config('load_partition_date', partition_by='load_partition_date') }}

{#- One row per load day (the day rows reached the warehouse; null for rows
    whose load time and event time are both unreadable) and source (the
    source_relation of ai_adoption_sources; `events` for the one declared
    source): what arrived and where each row went. rows_received = events_clean + duplicates +
    rows_rejected + late_beyond_lookback on every row; the last is only
    non-zero after incremental runs missed rows that arrived later than the
    lookback allows (a full refresh, or a run with a wider lookback, reads
    them). conflicting_duplicates counts the duplicates that disagree with
    the kept copy; implied_views shows how many views the tracker lost:
    outputs acted on without a view event, by the load day of their latest
    event.

    An incremental run recomputes whole load days, every source of a day:
    the days of the ledger rows loaded on or after the cutoff (those the
    ledger read again), the days of the kept events about an output one of
    those rows names (an orphan event stops being one when its generation
    arrives; an implied view moves to the day of the output's latest event,
    and goes when a view arrives), and the days whose count of source rows
    differs from the stored rows_received (rows that arrived after the
    lookback had passed their day). Every other day is left as stored. -#}
{%- set late_seconds = ai_adoption_var('ai_adoption_late_arrival_hours') * ai_adoption_seconds_per('hour') -%}
{%- set first_load_day = "cast('" ~ ai_adoption_first_load_day() ~ "' as date)" -%}
{%- if is_incremental() -%}
    {#- The watermark is the latest load day the ledger had read rows of when
        this table was last written; a day whose rows are all late beyond the
        lookback may have arrived after the ledger read the source. -#}
    {%- set cutoff = ai_adoption_incremental_cutoff(
        this, 'case when rows_received > late_beyond_lookback then load_date end'
    ) -%}
{%- endif %}

with

source_rows as (

    select
        load_date,
        source_relation
    from {{ ref('base_ai_events__raw_events') }}

),

{# One grouped scan of two columns of the source, on every run: the only
    place a row that arrived after the lookback shows. #}
received as (

    select
        load_date,
        source_relation,
        count(*) as rows_received
    from source_rows
    group by 1, 2

),

{# The ledger is read several times below, most reads keeping a few days or
    ids: computed in each read, not written aside. #}
checked as {{ ai_adoption_inlined_cte() }}(

    select
        event_id,
        user_id,
        feature,
        event_name,
        occurred_at,
        output_id,
        source_relation,
        rejection_reason,
        has_placeholder_id,
        has_trimmed_value,
        copy_rank,
        is_duplicate,
        effective_loaded_at,
        load_partition_date
    from {{ ref('base_ai_events__events_checked') }}

),

clean as (

    select
        event_name,
        occurred_at,
        loaded_at,
        output_id,
        source_relation,
        is_mapped,
        is_orphan_output_event
    from {{ ref('stg_ai_events__events') }}

),

{%- if is_incremental() %}

    batch_rows as (

        -- the ledger rows read again since the cutoff, and the rows without a
        -- load time, which the ledger reads on every run
        select
            load_partition_date,
            output_id,
            rejection_reason
        from checked
        where
            effective_loaded_at >= {{ cutoff }}
            or effective_loaded_at is null

    ),

    stored_days as (

        select
            load_date,
            source_relation,
            rows_received
        from {{ this }}

    ),

    recomputed_days as (

        -- every load day the batch holds
        select load_partition_date
        from batch_rows
        union
        -- the days of the kept events about an output a good row of the batch
        -- names: its generation may have arrived (no more orphans there), and its
        -- latest event, which carries its implied view, may have moved
        select kept.load_partition_date
        from checked as kept
        where
            {{ ai_adoption_is_kept_event('kept') }}
            and kept.output_id in (
                select batch_rows.output_id
                from batch_rows
                where batch_rows.rejection_reason is null and batch_rows.output_id is not null
            )
        union
        -- the days whose count of source rows moved since the stored row: rows that
        -- arrived after the lookback had passed their day, which the ledger never reads
        select coalesce(received.load_date, {{ first_load_day }}) as load_partition_date
        from received
        left join stored_days
            on
                received.load_date is not distinct from stored_days.load_date
                and received.source_relation is not distinct from stored_days.source_relation
        where
            stored_days.rows_received is null
            or stored_days.rows_received != received.rows_received

    ),

{%- endif %}

day_rows as (

    -- the ledger rows of the days this run writes (every day on a full build)
    select * from checked
    {%- if is_incremental() %}
        where load_partition_date in (select recomputed_days.load_partition_date from recomputed_days)
    {%- endif %}

),

day_events as (

    -- the kept events of the days this run writes (read twice below, the
    -- orphan flags worked out once)
    select * from clean
    {%- if is_incremental() %}
        where cast(loaded_at as date) in (select recomputed_days.load_partition_date from recomputed_days)
    {%- endif %}

),

arrivals as (

    select
        cast(effective_loaded_at as date) as load_date,
        source_relation,
        count(*) as rows_read,
        count(case when {{ ai_adoption_is_kept_event() }} then 1 end) as events_clean,
        count(case when is_duplicate then 1 end) as duplicates,
        {%- for reason in ai_adoption_rejection_reasons() %}
            count(case when rejection_reason = '{{ reason }}' and not is_duplicate then 1 end)
                as rejected_{{ reason }},
        {%- endfor %}
        count(case when rejection_reason is not null and not is_duplicate then 1 end) as rows_rejected,
        count(case when has_placeholder_id then 1 end) as placeholder_id_rows,
        count(case when has_trimmed_value then 1 end) as trimmed_value_rows
    from day_rows
    group by 1, 2

),

clean_days as (

    select
        cast(loaded_at as date) as load_date,
        source_relation,
        count(case when not is_mapped then 1 end) as unmapped_events,
        count(distinct case when not is_mapped then event_name end) as unmapped_event_names,
        count(case when is_orphan_output_event then 1 end) as orphan_output_events,
        count(case
            when {{ ai_adoption_seconds_between('occurred_at', 'loaded_at') }} > {{ late_seconds }} then 1
        end) as late_arrivals,
        min(occurred_at) as first_occurred_at,
        max(occurred_at) as last_occurred_at
    from day_events
    group by 1, 2

),

conflicting_days as (

    {#- a duplicate whose user, feature, event name or day differs from the
        kept copy: the same event_id sent for two different events (the kept
        copy was loaded first, possibly on an earlier day) #}
    select
        cast(duplicate.effective_loaded_at as date) as load_date,
        duplicate.source_relation,
        count(*) as conflicting_duplicates
    from day_rows as duplicate
    inner join checked as kept
        on duplicate.event_id = kept.event_id
    where
        duplicate.is_duplicate
        and duplicate.rejection_reason is null
        and {{ ai_adoption_is_kept_event('kept') }}
        and (
            duplicate.user_id != kept.user_id
            or duplicate.feature != kept.feature
            or duplicate.event_name != kept.event_name
            or cast(duplicate.occurred_at as date) != cast(kept.occurred_at as date)
        )
    group by 1, 2

),

implied_outputs as (

    {#- an output acted on without a recorded view: its view event was lost #}
    select
        output_id,
        last_loaded_at
    from {{ ref('int_ai_outputs_rolled_up') }}
    where is_view_implied
    {%- if is_incremental() %}
        and cast(last_loaded_at as date) in (select recomputed_days.load_partition_date from recomputed_days)
    {%- endif %}

),

implied_days as (

    {#- counted on the load day of the output's latest event, for that event's
        source (of two loaded at the same moment, the name that sorts first);
        that day is one this run writes, so its events are among day_events #}
    select
        load_date,
        source_relation,
        count(*) as implied_views
    from (
        select
            implied.output_id,
            cast(implied.last_loaded_at as date) as load_date,
            min(latest.source_relation) as source_relation
        from implied_outputs as implied
        inner join day_events as latest
            on
                implied.output_id = latest.output_id
                and implied.last_loaded_at = latest.loaded_at
        group by 1, 2
    ) as latest_sources
    group by 1, 2

),

final as (

    select
        -- a day of its own for rows without a readable time, whatever real day
        -- the partition they share is (a row dated 1900-01-01 has that day)
        {{ ai_adoption_surrogate_key([
            "coalesce(cast(received.load_date as " ~ ai_adoption_type('string') ~ "), 'unknown')",
            "coalesce(received.source_relation, '')",
        ]) }} as source_day_key,
        received.load_date,
        received.source_relation,
        received.rows_received,
        coalesce(arrivals.events_clean, 0) as events_clean,
        coalesce(arrivals.duplicates, 0) as duplicates,
        coalesce(conflicting_days.conflicting_duplicates, 0) as conflicting_duplicates,
        {%- for reason in ai_adoption_rejection_reasons() %}
            coalesce(arrivals.rejected_{{ reason }}, 0) as rejected_{{ reason }},
        {%- endfor %}
        coalesce(arrivals.rows_rejected, 0) as rows_rejected,
        received.rows_received - coalesce(arrivals.rows_read, 0) as late_beyond_lookback,
        coalesce(arrivals.placeholder_id_rows, 0) as placeholder_id_rows,
        coalesce(arrivals.trimmed_value_rows, 0) as trimmed_value_rows,
        coalesce(clean_days.unmapped_events, 0) as unmapped_events,
        coalesce(clean_days.unmapped_event_names, 0) as unmapped_event_names,
        coalesce(clean_days.orphan_output_events, 0) as orphan_output_events,
        coalesce(clean_days.late_arrivals, 0) as late_arrivals,
        coalesce(implied_days.implied_views, 0) as implied_views,
        clean_days.first_occurred_at,
        clean_days.last_occurred_at,
        -- the row's key: the load day, or the ledger's first load day for the
        -- rows whose load and event times are both unreadable; the replaced unit
        -- of an incremental run (last, as Spark's partition column)
        coalesce(received.load_date, {{ first_load_day }}) as load_partition_date
    from received
    left join arrivals
        on
            received.load_date is not distinct from arrivals.load_date
            and received.source_relation is not distinct from arrivals.source_relation
    left join clean_days
        on
            received.load_date = clean_days.load_date
            and received.source_relation is not distinct from clean_days.source_relation
    left join conflicting_days
        on
            received.load_date = conflicting_days.load_date
            and received.source_relation is not distinct from conflicting_days.source_relation
    left join implied_days
        on
            received.load_date = implied_days.load_date
            and received.source_relation is not distinct from implied_days.source_relation
    {%- if is_incremental() %}
        where coalesce(received.load_date, {{ first_load_day }}) in (
            select recomputed_days.load_partition_date from recomputed_days
        )
    {%- endif %}

)

select * from final
