{{ ai_adoption_incremental_config('session_key', partition_by='started_date') }}

{#- The sessions manifest: one row per session, with its pair and its
    bounds. A session is one (user, feature, session_id); events without a
    session_id are cut into sessions by an inactivity gap per user and
    feature, and this model is where that rule lives. A run merges the
    events loaded since its cutoff into the stored sessions they extend or
    join (a late event can join two sessions into one) and writes the
    sessions that changed; every later model rebuilds only the sessions
    whose last_loaded_at is on or after its own cutoff. -#}
{%- set gap_seconds = ai_adoption_var('ai_adoption_session_gap_minutes') * ai_adoption_seconds_per('minute') -%}
{%- set cutoff = ai_adoption_run_cutoff() -%}
{#- Items of one pair in time order; the key breaks ties. -#}
{%- set item_order = 'order by started_at, ended_at, is_new, item_key' -%}

with

new_events as (

    {#- the kept events loaded since the cutoff (every event on a full build) #}
    select
        user_id as raw_user_id,
        {{ ai_adoption_hash_id('user_id') }} as user_id,
        feature,
        session_id,
        occurred_at,
        effective_loaded_at
    from {{ ref('base_ai_events__events_checked') }}
    where
        {{ ai_adoption_is_kept_event() }}
        and action is not null
        and effective_loaded_at >= {{ cutoff }}

),

{# Sessions the tracker named: their bounds are the earliest and latest of
    their events, stored and new. #}
named_new as (

    select
        raw_user_id,
        user_id,
        feature,
        session_id,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        max(effective_loaded_at) as last_loaded_at
    from new_events
    where session_id is not null
    group by 1, 2, 3, 4

),

named_items as (

    select
        {{ ai_adoption_surrogate_key(['raw_user_id', 'feature', 'session_id']) }} as session_key,
        user_id,
        feature,
        session_id,
        started_at,
        ended_at,
        last_loaded_at
    from named_new
    {%- if is_incremental() %}
    union all
    select
        stored.session_key,
        stored.user_id,
        stored.feature,
        stored.session_id,
        stored.started_at,
        stored.ended_at,
        stored.last_loaded_at
    from {{ this }} as stored
    where
        stored.session_id is not null
        and stored.session_key in (
            select {{ ai_adoption_surrogate_key(['raw_user_id', 'feature', 'session_id']) }}
            from named_new
        )
    {%- endif %}

),

named_sessions as (

    select
        session_key,
        user_id,
        feature,
        session_id,
        min(started_at) as started_at,
        max(ended_at) as ended_at,
        max(last_loaded_at) as last_loaded_at
    from named_items
    group by 1, 2, 3, 4

),

{# Events without a session_id as points in time, beside the stored gap
    sessions they can reach (within the gap of the pair's new events): each
    an interval, new ones with the raw user id their key is made from. #}
gap_items as (

    select
        raw_user_id,
        user_id,
        feature,
        cast(null as {{ ai_adoption_type('string') }}) as item_key,
        occurred_at as started_at,
        occurred_at as ended_at,
        effective_loaded_at as last_loaded_at,
        1 as is_new
    from new_events
    where session_id is null
    {%- if is_incremental() %}
    union all
    select
        cast(null as {{ ai_adoption_type('string') }}) as raw_user_id,
        stored.user_id,
        stored.feature,
        stored.session_key as item_key,
        stored.started_at,
        stored.ended_at,
        stored.last_loaded_at,
        0 as is_new
    from {{ this }} as stored
    inner join (
        select
            user_id,
            feature,
            {{ ai_adoption_dateadd('second', -gap_seconds, 'min(occurred_at)') }} as reach_from,
            {{ ai_adoption_dateadd('second', gap_seconds, 'max(occurred_at)') }} as reach_to
        from new_events
        where session_id is null
        group by 1, 2
    ) as reach
        on stored.user_id = reach.user_id and stored.feature = reach.feature
    where
        stored.session_id is null
        and stored.ended_at >= reach.reach_from
        and stored.started_at <= reach.reach_to
    {%- endif %}

),

gap_ordered as (

    select
        *,
        max(ended_at) over (
            partition by user_id, feature
            {{ item_order }}
            rows between unbounded preceding and 1 preceding
        ) as previous_ended_at
    from gap_items

),

gap_numbered as (

    {#- a new session starts where the gap since everything before it is
        longer than the limit #}
    select
        *,
        sum(case
            when previous_ended_at is null then 1
            when {{ ai_adoption_seconds_between('previous_ended_at', 'started_at') }} > {{ gap_seconds }} then 1
            else 0
        end) over (
            partition by user_id, feature
            {{ item_order }}
            rows between unbounded preceding and current row
        ) as span_number
    from gap_ordered

),

gap_sessions as (

    {#- the key of a gap session is made from its first event's time: a
        stored session keeps its key when new events follow it #}
    select
        user_id,
        feature,
        span_number,
        min(started_at) as started_at,
        max(ended_at) as ended_at,
        max(last_loaded_at) as last_loaded_at,
        {{ ai_adoption_first_by('item_key', ['started_at', 'is_new', 'coalesce(item_key, raw_user_id)']) }}
            as stored_key,
        {{ ai_adoption_first_by('raw_user_id', ['started_at', 'is_new', 'coalesce(item_key, raw_user_id)']) }}
            as first_raw_user_id
    from gap_numbered
    group by 1, 2, 3
    having max(is_new) = 1

),

sessions as (

    select
        session_key,
        user_id,
        feature,
        session_id,
        started_at,
        ended_at,
        last_loaded_at
    from named_sessions
    union all
    select
        coalesce(
            stored_key,
            {{ ai_adoption_surrogate_key([
                'first_raw_user_id',
                'feature',
                "'gap:' || cast(started_at as " ~ ai_adoption_type('string') ~ ")",
            ]) }}
        ) as session_key,
        user_id,
        feature,
        cast(null as {{ ai_adoption_type('string') }}) as session_id,
        started_at,
        ended_at,
        last_loaded_at
    from gap_sessions

),

final as (

    select
        session_key,
        user_id,
        feature,
        session_id,
        session_id is null as is_derived_session,
        started_at,
        ended_at,
        last_loaded_at,
        -- last: Spark stores its partition column last, so every engine has this order
        cast(started_at as date) as started_date
    from sessions

)

{{ ai_adoption_replaced_rows('final', 'session_key', 'started_date') }}
