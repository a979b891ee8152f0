{{ ai_adoption_incremental_config('session_key', partition_by='started_date') }}

{#- One row per session: the six-stage chain (one flag per stage, null when
    the feature does not instrument the stage or, for return, when the
    window has not elapsed yet), the furthest and break stage, and return.
    The return window and the handoff actions are the feature's
    (int_ai_features_catalogued). A run rebuilds the sessions that hold an
    event loaded since its cutoff and the sessions of the outputs rebuilt
    (every session on a full build); it restates the stored sessions of the same (user, feature)
    pairs whose number or next session moved, and the stored sessions whose
    return window ended or whose feature's instrumentation changed. -#}
{%- set stages = ai_adoption_chain_stages() -%}
{%- set context_chars_limit = ai_adoption_var('ai_adoption_manual_context_chars_threshold') -%}
{%- set rage_count = ai_adoption_var('ai_adoption_rage_prompt_count') -%}
{%- set rage_seconds = ai_adoption_var('ai_adoption_rage_prompt_seconds') -%}
{#- Events of one session in the order they happened (event_id breaks ties). -#}
{%- set event_order = ['occurred_at', 'event_id'] -%}
{%- set passthrough = ai_adoption_passthrough_columns() -%}
{%- set cutoff = ai_adoption_run_cutoff() -%}
{#- Worked out from a session's neighbours in its pair, not its own events. -#}
{%- set sequence_columns = ['session_number', 'next_same_job_started_at', 'next_feature_session_started_at'] -%}
{%- set output_count_columns = [
    'output_count', 'usable_output_count', 'viewed_output_count', 'unblocked_output_count',
    'verified_output_count', 'accepted_output_count', 'copied_output_count', 'regeneration_count',
] -%}
{#- What a session's own events and outputs say, stored as they are. -#}
{%- set fact_columns = [
    'session_key', 'user_id', 'account_id', 'feature', 'job_key', 'session_id', 'is_derived_session',
    'started_at', 'ended_at', 'entry_point',
] + passthrough + [
    'open_count', 'prompt_count', 'prompt_help_count', 'auto_context_count', 'manual_context_chars',
    'failed_output_count', 'event_count', 'last_loaded_at',
] + output_count_columns + ['is_rage_prompting'] -%}

{#- A stored session whose meaning moved without a new event: the return
    window ended (or the horizon moved back), or the feature's
    instrumentation or return window changed. -#}
{%- set stale_checks = [
    'stored.is_return_window_elapsed != (stored.return_window_ends_at <= horizon.data_as_of)',
    'stored.return_window_days != features.return_window_days',
] -%}
{%- for stage in stages if stage != 'return' -%}
    {%- do stale_checks.append('stored.measures_' ~ stage ~ ' != features.measures_' ~ stage) -%}
{%- endfor -%}
{%- set stale = '(' ~ stale_checks | join(' or ') ~ ')' -%}

with

{%- if is_incremental() %}

    {# Sessions that hold an event loaded since the cutoff (new, grown, or
        joined from two), and sessions whose outputs were rebuilt. #}
    touched_sessions as (

        select session_key
        from {{ ref('int_ai_events_sessionized') }}
        where loaded_at >= {{ cutoff }}
        union
        select session_key
        from {{ ref('int_ai_outputs_rolled_up') }}
        where last_loaded_at >= {{ cutoff }}

    ),

{%- endif %}

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
    {%- if is_incremental() %}
        where sessionized.session_key in (select touched_sessions.session_key from touched_sessions)
    {%- endif %}

),

outputs as (

    select rolled_up.*
    from {{ ref('int_ai_outputs_rolled_up') }} as rolled_up
    {%- if is_incremental() %}
        where rolled_up.session_key in (select touched_sessions.session_key from touched_sessions)
    {%- endif %}

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

rebuilt_facts as (

    select
        {%- for name in fact_columns if name not in output_count_columns + ['is_rage_prompting'] %}
            session_events.{{ name }},
        {%- endfor %}
        {%- for name in output_count_columns %}
            coalesce(session_outputs.{{ name }}, 0) as {{ name }},
        {%- endfor %}
        coalesce(rage_sessions.max_prompts_in_burst, 0) >= {{ rage_count }} as is_rage_prompting
    from session_events
    left join session_outputs
        on session_events.session_key = session_outputs.session_key
    left join rage_sessions
        on session_events.session_key = rage_sessions.session_key

),

{%- if is_incremental() %}


    {# The stored sessions of the touched pairs that no rebuilt session
        replaces: their number and next session are worked out again beside
        the rebuilt ones. #}
    stored_facts as (

        select
            {%- for name in fact_columns %}
                stored.{{ name }},
            {%- endfor %}
            {%- for name in sequence_columns %}
                stored.{{ name }} as stored_{{ name }},
            {%- endfor %}
            0 as is_rebuilt,
            {{ stale }} as is_stale
        from {{ this }} as stored
        inner join (select distinct user_id, feature from rebuilt_facts) as touched_pairs
            on stored.user_id = touched_pairs.user_id and stored.feature = touched_pairs.feature
        cross join horizon
        inner join features
            on stored.feature = features.feature
        where not exists (
            select 1
            from rebuilt_facts as rebuilt
            where {{ ai_adoption_replaces('stored', 'rebuilt', 'session_key') }}
        )

    ),

    {# Stale stored sessions of the other pairs: their number and next
        session stay as stored. #}
    restated_facts as (

        select
            {%- for name in fact_columns %}
                stored.{{ name }},
            {%- endfor %}
            {%- for name in sequence_columns %}
                stored.{{ name }},
            {%- endfor %}
            1 as is_restated
        from {{ this }} as stored
        cross join horizon
        inner join features
            on stored.feature = features.feature
        where
            not exists (
                select 1
                from rebuilt_facts as rebuilt
                where stored.user_id = rebuilt.user_id and stored.feature = rebuilt.feature
            )
            and {{ stale }}

    ),

{%- endif %}

pair_facts as (

    select
        *,
        {%- for name in sequence_columns %}
            {{ 'cast(null as ' ~ ai_adoption_type('integer') ~ ')' if name == 'session_number'
                else 'cast(null as ' ~ ai_adoption_type('timestamp') ~ ')' }} as stored_{{ name }},
        {%- endfor %}
        1 as is_rebuilt,
        false as is_stale
    from rebuilt_facts
    {%- if is_incremental() %}
    union all
    select * from stored_facts
    {%- endif %}

),

sequenced as (

    {#- The session's rank in its pair, and the start of the next session
        (of the same job, for return; of the feature, for second use). #}
    select
        pair_facts.*,
        cast(row_number() over (
            partition by pair_facts.user_id, pair_facts.feature
            order by pair_facts.started_at, pair_facts.session_key
        ) as {{ ai_adoption_type('integer') }}) as session_number,
        lead(pair_facts.started_at) over (
            partition by pair_facts.user_id, pair_facts.feature, pair_facts.job_key
            order by pair_facts.started_at, pair_facts.session_key
        ) as next_same_job_started_at,
        lead(pair_facts.started_at) over (
            partition by pair_facts.user_id, pair_facts.feature
            order by pair_facts.started_at, pair_facts.session_key
        ) as next_feature_session_started_at,
        0 as is_restated
    from pair_facts

),

changed as (

    {#- the rebuilt sessions, and the stored ones whose sequence moved #}
    select
        {%- for name in fact_columns + sequence_columns %}
            {{ name }},
        {%- endfor %}
        is_restated
    from sequenced
    where
        is_rebuilt = 1
        or is_stale
        {%- for name in sequence_columns %}
            or {{ name }} != stored_{{ name }}
            or ({{ name }} is null) != (stored_{{ name }} is null)
        {%- endfor %}
    {%- if is_incremental() %}
    union all
    select * from restated_facts
    {%- endif %}

),

joined as (

    select
        changed.*,
        features.measures_trigger,
        features.measures_context,
        features.measures_output,
        features.measures_verification,
        features.measures_handoff,
        features.return_window_days,
        {{ ai_adoption_dateadd('day', 'features.return_window_days', 'changed.started_at') }} as return_window_ends_at
    from changed
    inner join features
        on changed.feature = features.feature

),

flagged as (

    select
        joined.*,
        joined.return_window_ends_at <= horizon.data_as_of as is_return_window_elapsed,
        -- a session whose open was not recorded (and no event names its entry
        -- point) cannot be judged on its trigger: the tracker may have lost it
        case
            when not joined.measures_trigger then null
            when joined.entry_point is not null then joined.entry_point in ('in_context', 'suggested')
            when joined.open_count > 0 then false
        end as is_trigger_passed,
        -- context: the user asked for something (a prompt or an output) without
        -- asking for prompt help and without typing more context than the limit
        case
            when joined.measures_context
                then (joined.prompt_count > 0 or joined.output_count > 0 or joined.failed_output_count > 0)
                    and joined.prompt_help_count = 0
                    and joined.manual_context_chars <= {{ context_chars_limit }}
        end as is_context_passed,
        -- output: at least one output that was not regenerated into a loop
        case when joined.measures_output then joined.usable_output_count > 0 end as is_output_passed,
        -- verification: at least one output that passed its check or awaits a decision
        case
            when joined.measures_verification then joined.unblocked_output_count > 0
        end as is_verification_passed,
        -- handoff: at least one output handed off by one of the feature's handoff actions
        case when joined.measures_handoff then joined.accepted_output_count > 0 end as is_handoff_passed,
        -- return: the user came back for the same job within the window; false
        -- only once the window has elapsed, null while it is still open
        case
            when joined.next_same_job_started_at <= joined.return_window_ends_at then true
            when joined.return_window_ends_at <= horizon.data_as_of then false
        end as is_return_passed,
        -- any next session of the feature within the window (second use)
        case
            when joined.next_feature_session_started_at <= joined.return_window_ends_at then true
            when joined.return_window_ends_at <= horizon.data_as_of then false
        end as has_second_session_in_window
    from joined
    cross join horizon

),

final as (

    select
        {%- for name in fact_columns %}
            {{ name }},
        {%- endfor %}
        measures_trigger,
        measures_context,
        measures_output,
        measures_verification,
        measures_handoff,
        return_window_days,
        {%- for name in sequence_columns %}
            {{ name }},
        {%- endfor %}
        return_window_ends_at,
        is_return_window_elapsed,
        {%- for stage in stages %}
            is_{{ stage }}_passed,
        {%- endfor %}
        has_second_session_in_window,
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
        copied_output_count > 0 and accepted_output_count = 0 as is_copy_out_ending,
        -- last: Spark stores its partition column last, so every engine has this order
        cast(started_at as date) as started_date
    from flagged

)

{{ ai_adoption_replaced_rows('final', 'session_key', 'started_date') }}
