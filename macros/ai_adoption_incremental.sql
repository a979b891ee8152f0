{#- How the large models are kept up to date between runs, in one place.

    A run reads the rows loaded since its cutoff (ai_adoption_run_cutoff):
    the event ledger (base_ai_events__events_checked) replaces the load days
    it reads again; the sessions manifest (int_ai_sessions_manifest) merges
    the new events into the sessions they extend or join, and every model
    past it rebuilds only what a new event touched: the events and outputs
    of the sessions the manifest changed, the outputs a new event is about,
    and the session-number, return and correction fields of the touched
    (user, feature) pairs, recomputed from the stored sessions and outputs.
    A full refresh is the same SQL with every row new.

    The replaced unit of a model (its unique_key):
    - a key that never moves (event_id, output_id, a load day): engines with
      delete (DuckDB, PostgreSQL) delete the stored rows of the rebuilt keys
      and insert the rebuilt rows (delete+insert);
    - session_key: a late event can join two sessions into one, and the
      later session's key disappears. A rebuilt session replaces the stored
      session of its key and every stored session of its pair without a
      session_id that starts inside it (ai_adoption_replaces; the strategy
      get_incremental_ai_adoption_sessions_sql).
    Spark without Delta has neither delete nor merge: it overwrites whole
    partitions (insert_overwrite), the day of each row. The rows a model
    writes there are its rebuilt rows and the stored rows it does not
    replace in every partition it overwrites (ai_adoption_replaced_rows). -#}


{#- The config of an incremental model. `unique_key` is the replaced unit
    (see above); `partition_by` is the day column Spark partitions by. -#}
{% macro ai_adoption_incremental_config(unique_key, partition_by=none) %}
    {{ return(adapter.dispatch('ai_adoption_incremental_config', 'ai_adoption')(unique_key, partition_by)) }}
{% endmacro %}

{% macro default__ai_adoption_incremental_config(unique_key, partition_by) %}
    {{ config(
        materialized='incremental',
        incremental_strategy='ai_adoption_sessions' if unique_key == 'session_key' else 'delete+insert',
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


{#- Whether a stored row (alias `stored`) is replaced by a rebuilt row
    (alias `rebuilt`) of a model whose replaced unit is `unique_key`. A
    session without a session_id (cut by the inactivity gap) that starts
    inside a rebuilt one of its pair was joined into it. -#}
{% macro ai_adoption_replaces(stored, rebuilt, unique_key) -%}
    {%- if unique_key == 'session_key' -%}
        {{ stored }}.user_id = {{ rebuilt }}.user_id
        and {{ stored }}.feature = {{ rebuilt }}.feature
        and (
            {{ stored }}.session_key = {{ rebuilt }}.session_key
            or (
                {{ stored }}.session_id is null
                and {{ rebuilt }}.session_id is null
                and {{ stored }}.started_at >= {{ rebuilt }}.started_at
                and {{ stored }}.started_at <= {{ rebuilt }}.ended_at
            )
        )
    {%- else -%}
        {{ stored }}.{{ unique_key }} = {{ rebuilt }}.{{ unique_key }}
    {%- endif -%}
{%- endmacro %}


{#- The incremental strategy of session models on engines with delete:
    delete every stored session a rebuilt one replaces, then insert the
    rebuilt rows, in one transaction. -#}
{% macro get_incremental_ai_adoption_sessions_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set rebuilt = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} as stored
    where exists (
        select 1
        from {{ rebuilt }} as rebuilt
        where {{ ai_adoption_replaces('stored', 'rebuilt', 'session_key') }}
    );

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ rebuilt }}
{% endmacro %}


{#- The final select of an incremental model: `rows`, the CTE of its rebuilt
    rows (every row on a full build). -#}
{% macro ai_adoption_replaced_rows(rows, unique_key, partition_by) %}
    {{- return(adapter.dispatch('ai_adoption_replaced_rows', 'ai_adoption')(rows, unique_key, partition_by)) -}}
{% endmacro %}

{#- Engines with delete store the rebuilt rows as they are. -#}
{% macro default__ai_adoption_replaced_rows(rows, unique_key, partition_by) -%}
select * from {{ rows }}
{%- endmacro %}

{#- Spark overwrites every partition the written rows fall in, so the stored
    rows that are not replaced in those partitions are written again (Spark
    reads them before it replaces the partition). The partitions are the
    days of the rebuilt rows and, for sessions, the days of the stored
    sessions they replace (a session joined into an earlier one leaves its
    day); an event's or an output's day never changes. -#}
{% macro spark__ai_adoption_replaced_rows(rows, unique_key, partition_by) %}
    {%- if not is_incremental() %}
    select * from {{ rows }}
    {%- else %}
    -- both sides have the model's own column order: the table was created by this SQL
    select rebuilt.*
    from {{ rows }} as rebuilt
    union all
    select stored.*
    from {{ this }} as stored
    left anti join {{ rows }} as rebuilt
        on {{ ai_adoption_replaces('stored', 'rebuilt', unique_key) }}
    where stored.{{ partition_by }} in (
        select written.{{ partition_by }} from {{ rows }} as written
        {%- if unique_key == 'session_key' %}
        union
        select replaced.{{ partition_by }}
        from {{ this }} as replaced
        left semi join {{ rows }} as rebuilt
            on {{ ai_adoption_replaces('replaced', 'rebuilt', unique_key) }}
        {%- endif %}
    )
    {%- endif %}
{%- endmacro %}


{#- The load day of rows whose load time and event time are both
    unreadable, earlier than any real load: such rows sit in the ledger's
    first partition, and an incremental run on an empty table reads from
    here. -#}
{% macro ai_adoption_first_load_day() %}
    {{- return('1900-01-01') -}}
{% endmacro %}


{#- The first load instant this run of the current model reads: on an
    incremental run, ai_adoption_incremental_cutoff of the model's own
    `column`; on a full build, the first load day (every row is new). -#}
{% macro ai_adoption_run_cutoff(column='last_loaded_at') %}
    {%- if is_incremental() -%}
        {{ return(ai_adoption_incremental_cutoff(this, column)) }}
    {%- endif -%}
    {{ return("cast('" ~ ai_adoption_first_load_day() ~ " 00:00:00' as " ~ ai_adoption_type('timestamp') ~ ")") }}
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
    {%- set skew = modules.datetime.timedelta(hours=ai_adoption_var('ai_adoption_max_future_skew_hours')) -%}
    {%- set ceiling = modules.datetime.datetime.utcnow() + skew -%}
    {%- if watermark > ceiling -%}
        {%- set watermark = ceiling -%}
    {%- endif -%}
    {%- set lookback = modules.datetime.timedelta(hours=ai_adoption_var('ai_adoption_lookback_hours')) -%}
    {%- set cutoff = (watermark - lookback).strftime('%Y-%m-%d') ~ ' 00:00:00' -%}
    {{ log(
        'ai_adoption: ' ~ relation.identifier ~ ' holds rows loaded up to ' ~ watermark
        ~ '; reprocessing rows loaded since ' ~ cutoff, info=True
    ) }}
    {{ return("cast('" ~ cutoff ~ "' as " ~ ai_adoption_type('timestamp') ~ ")") }}
{% endmacro %}
