{#- One row per user: first and last use, lifetime counts, weeks active in
    the trailing window and the usage segment. -#}
{%- set segment_weeks = ai_adoption_var('ai_adoption_segment_weeks') -%}
{%- set habitual_weeks = ai_adoption_var('ai_adoption_habitual_weeks') -%}
{%- set novice_weeks = ai_adoption_var('ai_adoption_novice_weeks') -%}
{%- set power_percentile = ai_adoption_var('ai_adoption_power_volume_percentile') -%}

with

sessions as (

    select * from {{ ref('fct_ai_sessions') }}

),

outputs as (

    select * from {{ ref('fct_ai_outputs') }}

),

horizon as (

    select data_as_of from {{ ref('int_ai_data_horizon') }}

),

session_weeks as (

    select
        sessions.user_id,
        sessions.account_id,
        sessions.started_at,
        sessions.ended_at,
        sessions.feature,
        horizon.data_as_of,
        -- whole weeks between the session's start and the data horizon: 0 is
        -- the latest week, so weeks 0 to segment_weeks - 1 are the trailing window
        {{ ai_adoption_weeks_ago('sessions.started_at', 'horizon.data_as_of') }} as weeks_ago
    from sessions
    cross join horizon

),

latest_account as (

    {#- A user's account is the one of their latest session that names one
        (a user may move between accounts). #}
    select
        user_id,
        account_id
    from (
        select
            user_id,
            account_id,
            row_number() over (partition by user_id order by started_at desc, account_id asc) as recency
        from session_weeks
        where account_id is not null
    ) as ranked
    where recency = 1

),

user_sessions as (

    select
        user_id,
        max(data_as_of) as data_as_of,
        min(started_at) as first_used_at,
        max(ended_at) as last_used_at,
        count(distinct feature) as features_used,
        count(*) as lifetime_sessions,
        count(distinct case when weeks_ago < {{ segment_weeks }} then weeks_ago end) as weeks_active_trailing
    from session_weeks
    group by 1

),

user_outputs as (

    select
        outputs.user_id,
        count(*) as lifetime_outputs_generated,
        count(case when outputs.is_accepted then 1 end) as lifetime_outputs_accepted,
        count(case
            when {{ ai_adoption_seconds_between('outputs.generated_at', 'horizon.data_as_of') }}
                < {{ segment_weeks * ai_adoption_seconds_per('week') }}
                then 1
        end) as trailing_outputs_generated
    from outputs
    cross join horizon
    group by 1

),

joined as (

    select
        user_sessions.user_id,
        latest_account.account_id,
        user_sessions.first_used_at,
        user_sessions.last_used_at,
        user_sessions.data_as_of,
        user_sessions.features_used,
        user_sessions.lifetime_sessions,
        coalesce(user_outputs.lifetime_outputs_generated, 0) as lifetime_outputs_generated,
        coalesce(user_outputs.lifetime_outputs_accepted, 0) as lifetime_outputs_accepted,
        coalesce(user_outputs.trailing_outputs_generated, 0) as trailing_outputs_generated,
        user_sessions.weeks_active_trailing
    from user_sessions
    left join user_outputs
        on user_sessions.user_id = user_outputs.user_id
    left join latest_account
        on user_sessions.user_id = latest_account.user_id

),

volume_band as (

    {#- The trailing volume a power user reaches: a percentile over the users
        active in the trailing window. #}
    select
        {{ ai_adoption_percentile('trailing_outputs_generated', power_percentile) }} as power_volume_floor
    from joined
    where weeks_active_trailing > 0

),

final as (

    select
        joined.user_id,
        joined.account_id,
        joined.first_used_at,
        joined.last_used_at,
        joined.features_used,
        joined.lifetime_sessions,
        joined.lifetime_outputs_generated,
        joined.lifetime_outputs_accepted,
        {{ ai_adoption_ratio('joined.lifetime_outputs_accepted', 'joined.lifetime_outputs_generated') }}
            as lifetime_acceptance_rate,
        joined.trailing_outputs_generated,
        joined.weeks_active_trailing,
        -- habitual: active in enough trailing weeks; power: habitual with the
        -- volume of the top users; novice: first use within the novice weeks;
        -- low: everyone else (tried, not habitual)
        case
            when joined.weeks_active_trailing >= {{ habitual_weeks }}
                and joined.trailing_outputs_generated >= volume_band.power_volume_floor
                then 'power'
            when joined.weeks_active_trailing >= {{ habitual_weeks }} then 'habitual'
            when joined.first_used_at > {{ ai_adoption_dateadd('day', -7 * novice_weeks, 'joined.data_as_of') }}
                then 'novice'
            else 'low'
        end as usage_segment
    from joined
    cross join volume_band

)

select * from final
