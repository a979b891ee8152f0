{{ ai_adoption_incremental_config('event_id', partition_by='occurred_date') }}

{#- One row per mapped good event, with the session it belongs to (the
    sessions manifest, int_ai_sessions_manifest, says which sessions there
    are). A run rewrites the events of the sessions the manifest changed
    since this model's cutoff: all of them on a full build. -#}
{%- set columns = [
    'event_id', 'occurred_at', 'user_id', 'account_id', 'feature', 'job_key', 'session_id', 'action', 'stage',
    'output_id',
] + ai_adoption_payload_columns() -%}
{%- set cutoff = ai_adoption_run_cutoff('loaded_at') -%}

with

sessions as (

    select
        session_key,
        user_id,
        feature,
        session_id,
        started_at,
        ended_at
    from {{ ref('int_ai_sessions_manifest') }}
    where last_loaded_at >= {{ cutoff }}

),

events as (

    {#- the kept events of the pairs and the time those sessions cover #}
    select
        {%- for name in columns if name != 'user_id' %}
            ledger.{{ name }},
        {%- endfor %}
        {{ ai_adoption_hash_id('ledger.user_id') }} as user_id,
        ledger.effective_loaded_at
    from {{ ref('base_ai_events__events_checked') }} as ledger
    where
        {{ ai_adoption_is_kept_event('ledger') }}
        and ledger.action is not null
    {%- if is_incremental() %}
        and ledger.occurred_at >= (select min(sessions.started_at) from sessions)
        and ledger.occurred_at <= (select max(sessions.ended_at) from sessions)
        {%- endif %}

),

named as (

    select
        events.*,
        sessions.session_key
    from events
    inner join sessions
        on
            events.user_id = sessions.user_id
            and events.feature = sessions.feature
            and events.session_id = sessions.session_id

),

{# An event without a session_id belongs to the last gap session of its pair
    that started at or before it, if that session had not ended yet: session
    starts and events in one time order, each event taking the latest start
    before it. #}
gap_marks as (

    select
        user_id,
        feature,
        started_at as marked_at,
        0 as is_event,
        cast(null as {{ ai_adoption_type('string') }}) as event_id
    from sessions
    where session_id is null
    union all
    select
        user_id,
        feature,
        occurred_at as marked_at,
        1 as is_event,
        event_id
    from events
    where
        session_id is null
        and exists (
            select 1
            from sessions
            where
                sessions.session_id is null
                and sessions.user_id = events.user_id
                and sessions.feature = events.feature
        )

),

gap_located as (

    select
        user_id,
        feature,
        event_id,
        is_event,
        max(case when is_event = 0 then marked_at end) over (
            partition by user_id, feature
            order by marked_at, is_event
            rows between unbounded preceding and current row
        ) as session_started_at
    from gap_marks

),

gap as (

    select
        events.*,
        sessions.session_key
    from gap_located
    inner join events
        on gap_located.event_id = events.event_id
    inner join sessions
        on
            gap_located.user_id = sessions.user_id
            and gap_located.feature = sessions.feature
            and gap_located.session_started_at = sessions.started_at
            and sessions.session_id is null
    where
        gap_located.is_event = 1
        and events.session_id is null
        and events.occurred_at <= sessions.ended_at

),

located as (

    select * from named
    union all
    select * from gap

),

final as (

    select
        session_key,
        event_id,
        occurred_at,
        effective_loaded_at as loaded_at,
        user_id,
        {{ ai_adoption_hash_id('account_id') }} as account_id,
        feature,
        coalesce(job_key, feature) as job_key,
        session_id,
        session_id is null as is_derived_session,
        action,
        stage,
        output_id,
        {#- the event's own measures, as the contract lists them #}
        {%- for column in ai_adoption_payload_columns() %}
            {{ column }},
        {%- endfor %}
        -- last: Spark stores its partition column last, so every engine has this order
        cast(occurred_at as date) as occurred_date
    from located

)

{{ ai_adoption_replaced_rows('final', 'event_id', 'occurred_date') }}
