{{ ai_adoption_incremental_config(['user_id', 'feature'], partition_by='pair_bucket') }}

{#- One row per session: the six-stage chain (one flag per stage, null when
    the feature does not instrument the stage or, for return, when the
    window has not elapsed yet), the furthest and break stage, and return.
    Incremental runs rebuild every (user, feature) pair that received an
    event, whose return window ended, or whose feature's instrumentation
    changed. The return window and the handoff actions are the feature's
    (int_ai_features_catalogued). -#}
{%- set stages = ai_adoption_chain_stages() -%}
{%- set context_chars_limit = var('ai_adoption_manual_context_chars_threshold') -%}
{%- set rage_count = var('ai_adoption_rage_prompt_count') -%}
{%- set rage_seconds = var('ai_adoption_rage_prompt_seconds') -%}
{#- Events of one session in the order they happened (event_id breaks ties). -#}
{%- set event_order = ['occurred_at', 'event_id'] -%}
{%- set passthrough = ai_adoption_passthrough_columns() -%}

with

{{ ai_adoption_changed_pairs_cte(stale_sessions=true) }}

events as (

    select
        sessionized.session_key,
        sessionized.event_id,
        sessionized.occurred_at,
        sessionized.loaded_at,
        sessionized.user_id,
        sessionized.account_id,
        sessionized.feature,
        sessionized.job_key,
        sessionized.session_id,
        sessionized.is_derived_session,
        sessionized.action,
        sessionized.entry_point,
        {%- for name in passthrough %}
            sessionized.{{ name }},
        {%- endfor %}
        sessionized.context_source,
        sessionized.context_chars
    from {{ ref('int_ai_events_sessionized') }} as sessionized
    {{ ai_adoption_changed_pairs_join('sessionized') }}

),

outputs as (

    select rolled_up.*
    from {{ ref('int_ai_outputs_rolled_up') }} as rolled_up
    {{ ai_adoption_changed_pairs_join('rolled_up') }}

),

features as (

    select
        instrumented.*,
        catalogued.handoff_actions,
        catalogued.return_window_days
    from {{ ref('int_ai_features_instrumented') }} as instrumented
    inner join {{ ref('int_ai_features_catalogued') }} as catalogued
        on instrumented.feature = catalogued.feature

),

horizon as (

    select data_as_of from {{ ref('int_ai_data_horizon') }}

),

handoff_marked as (

    select
        events.*,
        coalesce(
            {{ dbt.position("'|' || events.action || '|'", 'features.handoff_actions') }} > 0,
            false
        ) as is_handoff_action
    from events
    inner join features
        on events.feature = features.feature

),

{# Prompts and handoffs only, in order: a burst of prompts is counted
    between two acceptances, so a user who accepts and asks again is not
    "rage prompting". #}
acceptance_sequenced as (

    select
        session_key,
        occurred_at,
        action,
        count(case when is_handoff_action then 1 end) over (
            partition by session_key
            order by occurred_at, event_id
            rows between unbounded preceding and current row
        ) as acceptances_so_far
    from handoff_marked
    where action = 'prompt_submitted' or is_handoff_action

),

prompt_bursts as (

    select
        session_key,
        count(*) over (
            partition by session_key, acceptances_so_far
            order by {{ ai_adoption_epoch_seconds('occurred_at') }}
            range between {{ rage_seconds }} preceding and current row
        ) as prompts_in_burst
    from acceptance_sequenced
    where action = 'prompt_submitted'

),

rage_sessions as (

    select
        session_key,
        max(prompts_in_burst) as max_prompts_in_burst
    from prompt_bursts
    group by 1

),

session_events as (

    select
        session_key,
        {{ ai_adoption_first_by('user_id', event_order) }} as user_id,
        {{ ai_adoption_first_by('account_id', event_order) }} as account_id,
        {{ ai_adoption_first_by('feature', event_order) }} as feature,
        {{ ai_adoption_first_by('job_key', event_order) }} as job_key,
        {{ ai_adoption_first_by('session_id', event_order) }} as session_id,
        {{ dbt.bool_or('is_derived_session') }} as is_derived_session,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        {{ ai_adoption_first_by('entry_point', event_order, 'entry_point is not null') }} as entry_point,
        {#- a team's own dimension: the first value the session's events name #}
        {%- for name in passthrough %}
            {{ ai_adoption_first_by(name, event_order, name ~ ' is not null') }} as {{ name }},
        {%- endfor %}
        count(case when action = 'feature_opened' then 1 end) as open_count,
        count(case when action = 'prompt_submitted' then 1 end) as prompt_count,
        count(case when action = 'prompt_help_requested' then 1 end) as prompt_help_count,
        count(case when action = 'context_added' and context_source = 'auto' then 1 end) as auto_context_count,
        -- context the user typed or pasted: manual, or added without a source
        cast(coalesce(sum(case
            when action = 'context_added' and coalesce(context_source, 'manual') = 'manual'
                then context_chars
        end), 0) as {{ ai_adoption_type('integer') }}) as manual_context_chars,
        count(case when action = 'output_failed' then 1 end) as failed_output_count,
        count(*) as event_count,
        max(loaded_at) as last_loaded_at
    from handoff_marked
    group by 1

),

session_outputs as (

    select
        session_key,
        count(*) as output_count,
        count(case when is_usable then 1 end) as usable_output_count,
        count(case when is_viewed then 1 end) as viewed_output_count,
        -- outputs not failed by verification: passed, or still without a decision
        count(case when verification_outcome in ('passed', 'undecided') then 1 end) as unblocked_output_count,
        count(case when is_verified then 1 end) as verified_output_count,
        count(case when is_accepted then 1 end) as accepted_output_count,
        count(case when is_copied_out then 1 end) as copied_output_count,
        cast(sum(regeneration_count) as {{ ai_adoption_type('integer') }}) as regeneration_count
    from outputs
    group by 1

),

joined as (

    select
        session_events.*,
        coalesce(session_outputs.output_count, 0) as output_count,
        coalesce(session_outputs.usable_output_count, 0) as usable_output_count,
        coalesce(session_outputs.viewed_output_count, 0) as viewed_output_count,
        coalesce(session_outputs.unblocked_output_count, 0) as unblocked_output_count,
        coalesce(session_outputs.verified_output_count, 0) as verified_output_count,
        coalesce(session_outputs.accepted_output_count, 0) as accepted_output_count,
        coalesce(session_outputs.copied_output_count, 0) as copied_output_count,
        coalesce(session_outputs.regeneration_count, 0) as regeneration_count,
        coalesce(rage_sessions.max_prompts_in_burst, 0) >= {{ rage_count }} as is_rage_prompting,
        features.measures_trigger,
        features.measures_context,
        features.measures_output,
        features.measures_verification,
        features.measures_handoff,
        features.return_window_days
    from session_events
    left join session_outputs
        on session_events.session_key = session_outputs.session_key
    left join rage_sessions
        on session_events.session_key = rage_sessions.session_key
    inner join features
        on session_events.feature = features.feature

),

sequenced as (

    {#- The session's rank in its pair, and the start of the next session
        (of the same job, for return; of the feature, for second use). #}
    select
        joined.*,
        cast(row_number() over (
            partition by joined.user_id, joined.feature
            order by joined.started_at, joined.session_key
        ) as {{ ai_adoption_type('integer') }}) as session_number,
        lead(joined.started_at) over (
            partition by joined.user_id, joined.feature, joined.job_key
            order by joined.started_at, joined.session_key
        ) as next_same_job_started_at,
        lead(joined.started_at) over (
            partition by joined.user_id, joined.feature
            order by joined.started_at, joined.session_key
        ) as next_feature_session_started_at,
        {{ ai_adoption_dateadd('day', 'joined.return_window_days', 'joined.started_at') }} as return_window_ends_at
    from joined

),

flagged as (

    select
        sequenced.*,
        sequenced.return_window_ends_at <= horizon.data_as_of as is_return_window_elapsed,
        -- a session whose open was not recorded (and no event names its entry
        -- point) cannot be judged on its trigger: the tracker may have lost it
        case
            when not sequenced.measures_trigger then null
            when sequenced.entry_point is not null then sequenced.entry_point in ('in_context', 'suggested')
            when sequenced.open_count > 0 then false
        end as is_trigger_passed,
        -- context: the user asked for something (a prompt or an output) without
        -- asking for prompt help and without typing more context than the limit
        case
            when sequenced.measures_context
                then (sequenced.prompt_count > 0 or sequenced.output_count > 0 or sequenced.failed_output_count > 0)
                    and sequenced.prompt_help_count = 0
                    and sequenced.manual_context_chars <= {{ context_chars_limit }}
        end as is_context_passed,
        -- output: at least one output that was not regenerated into a loop
        case when sequenced.measures_output then sequenced.usable_output_count > 0 end as is_output_passed,
        -- verification: at least one output that passed its check or awaits a decision
        case
            when sequenced.measures_verification then sequenced.unblocked_output_count > 0
        end as is_verification_passed,
        -- handoff: at least one output handed off by one of the feature's handoff actions
        case when sequenced.measures_handoff then sequenced.accepted_output_count > 0 end as is_handoff_passed,
        -- return: the user came back for the same job within the window; false
        -- only once the window has elapsed, null while it is still open
        case
            when sequenced.next_same_job_started_at <= sequenced.return_window_ends_at then true
            when sequenced.return_window_ends_at <= horizon.data_as_of then false
        end as is_return_passed,
        -- any next session of the feature within the window (second use)
        case
            when sequenced.next_feature_session_started_at <= sequenced.return_window_ends_at then true
            when sequenced.return_window_ends_at <= horizon.data_as_of then false
        end as has_second_session_in_window
    from sequenced
    cross join horizon

),

final as (

    select
        *,
        -- the last stage passed, and the first stage failed (a stage not
        -- judged, null, is neither)
        case
            {%- for stage in stages | reverse %}
                when is_{{ stage }}_passed then '{{ stage }}'
            {%- endfor %}
        end as furthest_stage,
        case
            {%- for stage in stages %}
                when not is_{{ stage }}_passed then '{{ stage }}'
            {%- endfor %}
        end as break_stage,
        session_number = 1 as is_first_use,
        -- opened and left: no prompt, no output, not even a failed one
        open_count > 0 and prompt_count = 0 and output_count = 0 and failed_output_count = 0 as is_empty_open,
        -- copied out of the product but never handed off inside it
        copied_output_count > 0 and accepted_output_count = 0 as is_copy_out_ending
    from flagged

)

{{ ai_adoption_pair_rows('final', 'pair_bucket') }}
