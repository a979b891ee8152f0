{{ config(materialized='table') }}

{#- One row per mapped good event, with the session it belongs to. A session
    is one (user, feature, session_id); events without a session_id are cut
    into sessions by an inactivity gap per user and feature. -#}
{%- set gap_seconds = var('ai_adoption_session_gap_minutes', 30) * 60 -%}

with

events as (

    select * from {{ ref('stg_ai_events__events') }}
    where is_mapped

),

gap_marked as (

    select
        *,
        case
            when session_id is not null then null
            when lag(occurred_at)
                    over (
                        partition by user_id, feature, session_id is null
                        order by occurred_at, event_id
                    )
                is null then occurred_at
            when {{ ai_adoption_seconds_between(
                'lag(occurred_at) over (partition by user_id, feature, session_id is null order by occurred_at, event_id)',
                'occurred_at'
            ) }} > {{ gap_seconds }} then occurred_at
        end as gap_session_start_at
    from events

),

gap_filled as (

    select
        *,
        max(gap_session_start_at) over (
            partition by user_id, feature, session_id is null
            order by occurred_at, event_id
            rows between unbounded preceding and current row
        ) as derived_session_start_at
    from gap_marked

),

keyed as (

    select
        *,
        {{ ai_adoption_surrogate_key([
            'user_id',
            'feature',
            "coalesce(session_id, 'gap:' || cast(derived_session_start_at as " ~ ai_adoption_type('string') ~ "))"
        ]) }} as session_key
    from gap_filled

),

final as (

    select
        session_key,
        event_id,
        occurred_at,
        loaded_at,
        {{ ai_adoption_hash_id('user_id') }} as user_id,
        {{ ai_adoption_hash_id('account_id') }} as account_id,
        feature,
        job_key,
        session_id,
        session_id is null as is_derived_session,
        action,
        stage,
        output_id,
        is_orphan_output_event,
        entry_point,
        context_source,
        prompt_chars,
        context_chars,
        output_chars,
        edit_distance,
        correction_type,
        destination,
        rating,
        latency_ms,
        input_tokens,
        output_tokens,
        cost_usd,
        error_code
    from keyed

)

select * from final
