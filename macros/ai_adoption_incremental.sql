{#- How the large models are kept up to date between runs, in one place.

    Two kinds of incremental model exist:
    - the event ledger (base_ai_events__events_checked) is replaced by load
      day: every source row loaded on or after the cutoff day is read again;
    - models about outputs and sessions are replaced by (user_id, feature)
      pair: every row of a pair that received an event since the cutoff is
      rebuilt from all of the pair's events, because sessions, session
      numbers, returns and correction loops only depend on the events of the
      same user and feature.
    A full refresh rebuilds everything.

    Engines with delete (DuckDB, PostgreSQL) delete the replaced unit and
    insert its new rows. Spark without Delta has neither delete nor merge: it
    overwrites whole partitions (insert_overwrite, dynamic partition
    overwrite). The ledger's partitions are its load days. A pair model
    writes, in every partition that holds a changed pair, the pair's new rows
    and the stored rows of the other pairs there (ai_adoption_pair_rows);
    partitions without a changed pair are left as they are. -#}


{#- The config of an incremental model. `unique_key` is the replaced unit
    (a column or a list of columns); `partition_by` is the load-day column of
    a model that can be replaced by whole partitions. -#}
{% macro ai_adoption_incremental_config(unique_key, partition_by=none) %}
    {{ return(adapter.dispatch('ai_adoption_incremental_config', 'ai_adoption')(unique_key, partition_by)) }}
{% endmacro %}

{% macro default__ai_adoption_incremental_config(unique_key, partition_by) %}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=unique_key,
        on_schema_change='fail'
    ) }}
{% endmacro %}

{#- Spark: a model with `partition_by` overwrites the partitions an
    incremental run writes; a model without one (a small per-feature
    snapshot) is a table rebuilt on every run. -#}
{% macro spark__ai_adoption_incremental_config(unique_key, partition_by) %}
    {%- if partition_by -%}
        {{ config(
            materialized='incremental',
            incremental_strategy='insert_overwrite',
            partition_by=[partition_by],
            file_format='parquet',
            on_schema_change='fail'
        ) }}
    {%- else -%}
        {{ config(materialized='table', file_format='parquet') }}
    {%- endif -%}
{% endmacro %}


{#- The rows a model replaced by (user_id, feature) pair writes: `rows`, a
    CTE of the rebuilt rows of the changed pairs (all rows on a full build).
    The model's incremental branch must define a CTE `changed_pairs`
    (user_id, feature); `raw_pairs` says its user ids are the ledger's, not
    yet hashed as the model stores them. `partition_by` is the model's
    partition column on Spark: `pair_bucket` (a bucket of the pair, a column
    this macro adds on Spark) or a day column of the rows. -#}
{% macro ai_adoption_pair_rows(rows, partition_by, raw_pairs=false) %}
    {{- return(adapter.dispatch('ai_adoption_pair_rows', 'ai_adoption')(rows, partition_by, raw_pairs)) -}}
{% endmacro %}

{#- Engines with delete store the rebuilt rows as they are. -#}
{% macro default__ai_adoption_pair_rows(rows, partition_by, raw_pairs) -%}
select * from {{ rows }}
{%- endmacro %}

{#- Spark overwrites every partition the written rows fall in, so the rows
    of unchanged pairs in those partitions are written again, read from the
    stored table (Spark reads them before it replaces the partition). The
    touched partitions are the buckets of the changed pairs, or the days of
    their rebuilt rows and of their stored rows (a session that moved to
    another day leaves its old day). -#}
{% macro spark__ai_adoption_pair_rows(rows, partition_by, raw_pairs) %}
    {%- set bucketed = partition_by == 'pair_bucket' -%}
    {%- if not is_incremental() %}
    select
        *
        {%- if bucketed %},
            {{ ai_adoption_spark_pair_bucket() }} as pair_bucket
        {%- endif %}
    from {{ rows }}
    {%- else -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- set stored_pairs -%}
        select distinct
            {{ ai_adoption_hash_id('user_id') if raw_pairs else 'user_id' }} as user_id,
            feature
        from changed_pairs
    {%- endset %}
    select
        {%- for name in columns %}
            {%- if bucketed and name == 'pair_bucket' %}
                {{ ai_adoption_spark_pair_bucket('rebuilt') }} as pair_bucket
            {%- else %}
                rebuilt.{{ name }}
            {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ rows }} as rebuilt
    union all
    select
        {%- for name in columns %}
            stored.{{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ this }} as stored
    left anti join ({{ stored_pairs }}) as changed
        on stored.user_id = changed.user_id and stored.feature = changed.feature
    where stored.{{ partition_by }} in (
        {%- if bucketed %}
            select {{ ai_adoption_spark_pair_bucket('changed') }}
            from ({{ stored_pairs }}) as changed
        {%- else %}
            select rebuilt.{{ partition_by }} from {{ rows }} as rebuilt
            union
            select kept.{{ partition_by }}
            from {{ this }} as kept
            left semi join ({{ stored_pairs }}) as changed
                on kept.user_id = changed.user_id and kept.feature = changed.feature
        {%- endif %}
    )
    {%- endif %}
{%- endmacro %}


{#- Spark: the bucket (0 to var ai_adoption_spark_pair_buckets - 1) of a
    row's (user_id, feature) pair; `alias` is the relation's alias, if any. -#}
{% macro ai_adoption_spark_pair_bucket(alias=none) -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    cast(pmod(hash({{ prefix }}user_id, {{ prefix }}feature), {{ var('ai_adoption_spark_pair_buckets') }}) as int)
{%- endmacro %}


{#- The load day of rows whose load time and event time are both
    unreadable, earlier than any real load: such rows sit in the ledger's
    first partition, and an incremental run on an empty table reads from
    here. -#}
{% macro ai_adoption_first_load_day() %}
    {{- return('1900-01-01') -}}
{% endmacro %}


{#- The first load instant an incremental run reads again: midnight of the
    day of (latest loaded_at already in `relation` - lookback hours), as a
    timestamp literal. A watermark in the future (a clock error upstream) is
    capped at now + ai_adoption_max_future_skew_hours so that it cannot hide
    every later row. The cutoff is logged. -#}
{% macro ai_adoption_incremental_cutoff(relation, column='last_loaded_at') %}
    {%- set floor = "cast('" ~ ai_adoption_first_load_day() ~ " 00:00:00' as " ~ ai_adoption_type('timestamp') ~ ")" -%}
    {%- if not execute -%}
        {{ return(floor) }}
    {%- endif -%}
    {#- Read as text: a driver may hand back a timestamp in its own time zone. -#}
    {%- set probe -%}
        select cast(max({{ column }}) as {{ ai_adoption_type('string') }}) from {{ relation }}
    {%- endset -%}
    {%- set watermark = run_query(probe).columns[0].values()[0] -%}
    {%- if watermark is none -%}
        {{ log('ai_adoption: ' ~ relation.identifier ~ ' is empty; reading every row', info=True) }}
        {{ return(floor) }}
    {%- endif -%}
    {%- if watermark is string -%}
        {%- set watermark = modules.datetime.datetime.fromisoformat(watermark[:19]) -%}
    {%- endif -%}
    {%- set watermark = watermark.replace(tzinfo=none) -%}
    {%- set skew = modules.datetime.timedelta(hours=var('ai_adoption_max_future_skew_hours')) -%}
    {%- set ceiling = modules.datetime.datetime.utcnow() + skew -%}
    {%- if watermark > ceiling -%}
        {%- set watermark = ceiling -%}
    {%- endif -%}
    {%- set lookback = modules.datetime.timedelta(hours=var('ai_adoption_lookback_hours')) -%}
    {%- set cutoff = (watermark - lookback).strftime('%Y-%m-%d') ~ ' 00:00:00' -%}
    {{ log(
        'ai_adoption: ' ~ relation.identifier ~ ' holds rows loaded up to ' ~ watermark
        ~ '; reprocessing rows loaded since ' ~ cutoff, info=True
    ) }}
    {{ return("cast('" ~ cutoff ~ "' as " ~ ai_adoption_type('timestamp') ~ ")") }}
{% endmacro %}


{#- The (user_id, feature) pairs whose rows an incremental run rebuilds: the
    pairs of every good event (kept copy or duplicate) loaded since `cutoff`,
    plus the pairs that generated an output one of those events is about
    (an event may concern an output another pair generated).
    `sessionized` is the relation holding generation events (omitted by the
    sessionizing model itself). User ids come out as models past staging
    show them (hashed when asked), or as the ledger holds them when not
    `hashed` (so that a join against the ledger hashes nothing). -#}
{% macro ai_adoption_changed_pairs(cutoff, sessionized=none, hashed=true) %}
    select distinct
        {{ ai_adoption_hash_id('user_id') if hashed else 'user_id' }} as user_id,
        feature
    from {{ ref('base_ai_events__events_checked') }}
    where rejection_reason is null and effective_loaded_at >= {{ cutoff }}
    {%- if sessionized is not none %}
    union
    select
        generations.user_id,
        generations.feature
    from {{ sessionized }} as generations
    where
        generations.action = 'output_generated'
        and generations.output_id in (
            select output_id
            from {{ ref('base_ai_events__events_checked') }}
            where rejection_reason is null and effective_loaded_at >= {{ cutoff }} and output_id is not null
        )
    {%- endif %}
{% endmacro %}


{#- The scaffolding of a model replaced by (user_id, feature) pair, written
    once. Called first in the model's `with`, it names every model an
    incremental run reads (so that dbt knows the lineage on every run, also
    a full one) and, on an incremental run only, defines the CTE
    `changed_pairs` followed by a comma. `watermark` is the model's column of
    load times; `generations` adds the pairs that generated an output a new
    event is about (every pair model but the sessionizing one, which holds
    the generations); `stale_sessions` adds the pairs whose stored sessions
    went stale (ai_adoption_stale_session_pairs); `hashed` as in
    ai_adoption_changed_pairs. -#}
{% macro ai_adoption_changed_pairs_cte(
    watermark='last_loaded_at', generations=true, stale_sessions=false, hashed=true
) %}
    {%- do ref('base_ai_events__events_checked') -%}
    {%- if generations -%}
        {%- do ref('int_ai_events_sessionized') -%}
    {%- endif -%}
    {%- if stale_sessions -%}
        {%- do ref('int_ai_data_horizon') -%}
        {%- do ref('int_ai_features_instrumented') -%}
    {%- endif -%}
    {%- if is_incremental() %}
    changed_pairs as (
        {{ ai_adoption_changed_pairs(
            ai_adoption_incremental_cutoff(this, watermark),
            sessionized=ref('int_ai_events_sessionized') if generations else none,
            hashed=hashed
        ) }}
        {%- if stale_sessions %}
        union
        {{ ai_adoption_stale_session_pairs(this) }}
        {%- endif %}
    ),
    {%- endif %}
{%- endmacro %}


{#- Keeps, on an incremental run, only the rows of `alias` that belong to a
    changed pair (the CTE of ai_adoption_changed_pairs_cte); nothing on a
    full build. -#}
{% macro ai_adoption_changed_pairs_join(alias) %}
    {%- if is_incremental() %}
    inner join changed_pairs
        on {{ alias }}.user_id = changed_pairs.user_id and {{ alias }}.feature = changed_pairs.feature
    {%- endif %}
{%- endmacro %}


{#- Pairs of a session model (`relation`) whose stored rows no longer match
    what the chain would say today although none of their events changed:
    the data horizon moved past (or back before) the end of a return window,
    or the feature started (or stopped) sending events for a stage. -#}
{% macro ai_adoption_stale_session_pairs(relation) %}
    select
        stored.user_id,
        stored.feature
    from {{ relation }} as stored
    cross join {{ ref('int_ai_data_horizon') }} as horizon
    inner join {{ ref('int_ai_features_instrumented') }} as features
        on stored.feature = features.feature
    where
        stored.is_return_window_elapsed != (stored.return_window_ends_at <= horizon.data_as_of)
        -- trigger is judged only on sessions whose open or entry point was recorded
        or (stored.is_trigger_passed is not null)
        != (features.measures_trigger and (stored.entry_point is not null or stored.open_count > 0))
        {%- for stage in ai_adoption_chain_stages() if stage not in ('trigger', 'return') %}
            or (stored.is_{{ stage }}_passed is not null) != features.measures_{{ stage }}
        {%- endfor %}
    group by 1, 2
{% endmacro %}
