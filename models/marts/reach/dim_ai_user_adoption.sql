{#- One row per user of the product activity and AI feature: how far the
    user has taken the feature up. never_tried: no session; tried_once:
    every session in one week; repeat: sessions in two weeks or more;
    habitual: sessions in at least var ai_adoption_habitual_weeks of the
    trailing var ai_adoption_segment_weeks (the usage segments' rule, per
    feature). Weeks count back from the data horizon. Empty without a
    product activity source (var ai_adoption_activity_source). -#}
{%- set segment_weeks = ai_adoption_var('ai_adoption_segment_weeks') -%}
{%- set habitual_weeks = ai_adoption_var('ai_adoption_habitual_weeks') -%}

with

user_days as (

    select * from {{ ref('int_ai_user_days_active') }}

),

sessions as (

    select * from {{ ref('int_ai_sessions_chained') }}

),

horizon as (

    select data_as_of from {{ ref('int_ai_data_horizon') }}

),

active_users as (

    select
        user_id,
        min(activity_date) as first_active_on,
        max(activity_date) as last_active_on,
        count(*) as active_days
    from user_days
    group by 1

),

features as (

    select distinct feature from sessions

),

usage as (

    select
        sessions.user_id,
        sessions.feature,
        min(sessions.started_at) as first_used_at,
        max(sessions.started_at) as last_used_at,
        count(*) as sessions,
        count(distinct {{ ai_adoption_weeks_ago('sessions.started_at', 'horizon.data_as_of') }}) as weeks_used,
        count(distinct case
            when {{ ai_adoption_weeks_ago('sessions.started_at', 'horizon.data_as_of') }} < {{ segment_weeks }}
                then {{ ai_adoption_weeks_ago('sessions.started_at', 'horizon.data_as_of') }}
        end) as weeks_used_trailing
    from sessions
    cross join horizon
    group by 1, 2

),

final as (

    select
        {{ ai_adoption_surrogate_key(['active_users.user_id', 'features.feature']) }} as user_feature_key,
        active_users.user_id,
        features.feature,
        active_users.first_active_on,
        active_users.last_active_on,
        active_users.active_days,
        usage.first_used_at,
        usage.last_used_at,
        coalesce(usage.sessions, 0) as sessions,
        coalesce(usage.weeks_used, 0) as weeks_used,
        coalesce(usage.weeks_used_trailing, 0) as weeks_used_trailing,
        case
            when usage.weeks_used_trailing >= {{ habitual_weeks }} then 'habitual'
            when usage.weeks_used >= 2 then 'repeat'
            when usage.weeks_used = 1 then 'tried_once'
            else 'never_tried'
        end as adoption_stage
    from active_users
    cross join features
    left join usage
        on
            active_users.user_id = usage.user_id
            and features.feature = usage.feature

)

select * from final
