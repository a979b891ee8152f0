{{ config(materialized='table') }}
{#- One row per user and calendar week (Monday to Sunday) in which the
    product activity saw the user: the week's active days, the active days
    in the var ai_adoption_effect_weeks weeks after it, and in as many
    weeks before it that end a week earlier: the week just before (the
    run-up week) is in neither window, and neither is the week itself.
    The days of the run-up week and the window that includes it are kept
    beside, to show what the gap changes. The window is complete when all
    those weeks are full weeks inside the activity's span, so that a week
    without a row there means the user was not active, not that the data
    stops. The one place of the effect's comparison window, of which
    user-weeks can be compared, and of the strata users are matched in. -#}
{%- set k = ai_adoption_effect_weeks() -%}
{#- the weeks in each half of the weeks before, for the placebo -#}
{%- set half = k // 2 -%}

with

user_days as (

    select * from {{ ref('int_ai_user_days_active') }}

),

bounds as (

    select
        min(activity_date) as first_day,
        max(activity_date) as last_day
    from user_days

),

span as (

    {#- the first and the last full week the activity covers: the first
        day's week if it is a Monday, the last day's if it is a Sunday #}
    {%- set first_weekday = dbt.datediff(ai_adoption_period_start('week', 'first_day'), 'first_day', 'day') %}
    {%- set last_weekday = dbt.datediff(ai_adoption_period_start('week', 'last_day'), 'last_day', 'day') %}
    select
        {{ ai_adoption_week_number('first_day') }}
        + case when {{ first_weekday }} = 0 then 0 else 1 end as first_full_week,
        {{ ai_adoption_week_number('last_day') }}
        - case when {{ last_weekday }} = 6 then 0 else 1 end as last_full_week
    from bounds

),

weeks as (

    select
        user_id,
        {{ ai_adoption_period_start('week', 'activity_date') }} as week_start,
        {{ ai_adoption_week_number('activity_date') }} as week_number,
        count(distinct activity_date) as active_days
    from user_days
    group by 1, 2, 3

),

windowed as (

    select
        user_id,
        week_start,
        week_number,
        active_days,
        -- the weeks before end with the run-up week left out: people often
        -- take up a feature in a busy stretch that began the week before
        coalesce(sum(active_days) over (
            partition by user_id order by week_number
            range between {{ k + 1 }} preceding and 2 preceding
        ), 0) as active_days_before,
        coalesce(sum(active_days) over (
            partition by user_id order by week_number
            range between 1 preceding and 1 preceding
        ), 0) as active_days_run_up,
        {#- the placebo: the later half of the weeks before less the earlier
            half (the middle week left out when they are odd); none with a
            single week before #}
        case
            when {{ half }} > 0
                then
                    coalesce(sum(active_days) over (
                        partition by user_id order by week_number
                        range between {{ ([half, 1] | max) + 1 }} preceding and 2 preceding
                    ), 0)
                    - coalesce(sum(active_days) over (
                        partition by user_id order by week_number
                        range between {{ k + 1 }} preceding and {{ k + 2 - ([half, 1] | max) }} preceding
                    ), 0)
        end as active_days_pre_trend,
        -- the window the gap replaces: the weeks just before, run-up included
        coalesce(sum(active_days) over (
            partition by user_id order by week_number
            range between {{ k }} preceding and 1 preceding
        ), 0) as active_days_before_with_run_up,
        coalesce(sum(active_days) over (
            partition by user_id order by week_number
            range between 1 following and {{ k }} following
        ), 0) as active_days_after
    from weeks

),

final as (

    select
        {{ ai_adoption_surrogate_key(['windowed.user_id', 'windowed.week_start']) }} as user_week_key,
        windowed.user_id,
        windowed.week_start,
        windowed.week_number,
        windowed.active_days,
        windowed.active_days_before,
        windowed.active_days_run_up,
        windowed.active_days_before_with_run_up,
        windowed.active_days_after,
        windowed.active_days_after - windowed.active_days_before as active_days_change,
        windowed.active_days_after - windowed.active_days_before_with_run_up as active_days_change_with_run_up,
        windowed.active_days_pre_trend,
        {#- the stratum users are matched in: the week's own active days and
            the run-up week's, written as one number (tens: the week's, units:
            the run-up week's). Both weeks are in neither window, so the change
            of like users cancels; matching on the days before would pull the
            comparison toward its mean and find an effect where there is none.
            Matching on the run-up week too compares a user in the second week
            of a busy stretch with others in the same place, not with users
            whose stretch runs on into the weeks after (DECISIONS.md) #}
        windowed.active_days * 10 + windowed.active_days_run_up as activity_stratum,
        case
            -- the weeks before (and the run-up week) or after run past the
            -- activity's full weeks
            when
                windowed.week_number - {{ k }} - 1 < span.first_full_week
                or windowed.week_number + {{ k }} > span.last_full_week
                then 'window_incomplete'
            -- no active day before: the user is new to the product, and
            -- joining it is no change that a feature made
            when windowed.active_days_before = 0 then 'new_to_product'
            else 'comparable'
        end as effect_sample_status
    from windowed
    cross join span

)

select * from final
