{{ ai_adoption_incremental_config(['user_id', 'feature'], partition_by='pair_bucket') }}

{#- One row per mapped good event, with the session it belongs to. A session
    is one (user, feature, session_id); events without a session_id are cut
    into sessions by an inactivity gap per user and feature. Incremental runs
    rebuild every (user, feature) pair that received an event. -#}
{%- set gap_seconds = var('ai_adoption_session_gap_minutes') * ai_adoption_seconds_per('minute') -%}
{%- set columns = [
    'event_id', 'occurred_at', 'user_id', 'account_id', 'feature', 'job_key', 'session_id', 'action', 'stage',
    'output_id',
] + ai_adoption_payload_columns() -%}

with

{{ ai_adoption_changed_pairs_cte(watermark='loaded_at', generations=false, hashed=false) }}

events as (

    select
        {%- for name in columns %}
            ledger.{{ name }},
        {%- endfor %}
        ledger.effective_loaded_at
    from {{ ref('base_ai_events__events_checked') }} as ledger
    {{ ai_adoption_changed_pairs_join('ledger') }}
    where {{ ai_adoption_is_kept_event('ledger') }} and ledger.action is not null

),

{# The gap rule needs only four narrow columns of the events without a
    session_id; the result is joined back by event_id (unique here). #}
gap_events as (

    select
        event_id,
        user_id,
        feature,
        occurred_at,
        lag(occurred_at) over (
            partition by user_id, feature
            order by occurred_at, event_id
        ) as previous_occurred_at
    from events
    where session_id is null

),

gap_marked as (

    select
        event_id,
        user_id,
        feature,
        occurred_at,
        case
            when previous_occurred_at is null then occurred_at
            when {{ ai_adoption_seconds_between('previous_occurred_at', 'occurred_at') }} > {{ gap_seconds }}
                then occurred_at
        end as gap_session_start_at
    from gap_events

),

gap_filled as (

    select
        event_id,
        max(gap_session_start_at) over (
            partition by user_id, feature
            order by occurred_at, event_id
            rows between unbounded preceding and current row
        ) as derived_session_start_at
    from gap_marked

),

keyed as (

    select
        events.*,
        gap_filled.derived_session_start_at,
        {{ ai_adoption_surrogate_key([
            'events.user_id',
            'events.feature',
            "coalesce(events.session_id, 'gap:' || cast(gap_filled.derived_session_start_at as "
            ~ ai_adoption_type('string') ~ "))"
        ]) }} as session_key
    from events
    left join gap_filled
        on events.event_id = gap_filled.event_id

),

final as (

    select
        session_key,
        event_id,
        occurred_at,
        effective_loaded_at as loaded_at,
        {{ ai_adoption_hash_id('user_id') }} as user_id,
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
            {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from keyed

)

{{ ai_adoption_pair_rows('final', 'pair_bucket', raw_pairs=true) }}
