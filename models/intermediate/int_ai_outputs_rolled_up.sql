{{ ai_adoption_incremental_config('output_id', partition_by='generated_date') }}

{#- One row per generated output: what happened to it, rolled up from every
    event that carries its output_id. Events about outputs that were never
    generated are left out here (they are flagged in staging). Which actions
    hand an output off depends on the feature (int_ai_features_catalogued).
    A run rebuilds the outputs a new event is about and the outputs
    generated in a session that holds a new event (every output on a full
    build), and
    restates the correction-loop fields of the stored outputs of the same
    (user, feature) pairs where they change. -#}
{%- set regeneration_loop = ai_adoption_var('ai_adoption_regeneration_loop_threshold') -%}
{%- set decision_window = ai_adoption_var('ai_adoption_decision_window_seconds') -%}
{%- set heavy_edit = ai_adoption_var('ai_adoption_heavy_edit_threshold') -%}
{%- set repeat_count = ai_adoption_var('ai_adoption_correction_repeat_count') -%}
{%- set tolerance = ai_adoption_var('ai_adoption_correction_tolerance') -%}
{#- A user's first heavy-correction sessions of one type set the baseline the
    later ones are compared with. -#}
{%- set baseline_sessions = 2 -%}
{#- Events of one output in the order they happened (event_id breaks ties). -#}
{%- set event_order = ['occurred_at', 'event_id'] -%}
{%- set passthrough = ai_adoption_passthrough_columns() -%}
{%- set cutoff = ai_adoption_run_cutoff() -%}
{%- set correction_columns = ['correction_repeat_number', 'is_correction_loop_repeat'] -%}

with

{%- if is_incremental() %}

    {# The sessions that hold an event loaded since the cutoff: new, grown,
        or joined from two (their events were rewritten with the new key). #}
    touched_sessions as (

        select distinct session_key
        from {{ ref('int_ai_events_sessionized') }}
        where loaded_at >= {{ cutoff }}

    ),

    {# Outputs a new event is about, and outputs generated in a touched session. #}
    touched_outputs as (

        select output_id
        from {{ ref('int_ai_events_sessionized') }}
        where loaded_at >= {{ cutoff }} and output_id is not null
        union
        select output_id
        from {{ ref('int_ai_events_sessionized') }}
        where
            action = 'output_generated'
            and session_key in (select touched_sessions.session_key from touched_sessions)

    ),

{%- endif %}

features as (

    select
        feature,
        handoff_actions
    from {{ ref('int_ai_features_catalogued') }}

),

decision_actions as (

    {#- The decisions on an output besides its handoff (an edit, a rejection):
        the actions seed marks them as decisions that are not acceptances. #}
    select action
    from {{ ref('ai_adoption_actions') }}
    where is_decision and not is_acceptance

),

output_events as (

    select
        output_id,
        event_id,
        occurred_at,
        loaded_at,
        session_key,
        user_id,
        account_id,
        feature,
        job_key,
        action,
        stage,
        output_chars,
        latency_ms,
        input_tokens,
        output_tokens,
        cost_usd,
        edit_distance,
        correction_type,
        destination,
        rating,
        {%- for name in passthrough %}
            {{ name }},
        {%- endfor %}
        model,
        provider
    from {{ ref('int_ai_events_sessionized') }}
    {%- if is_incremental() %}
        where output_id in (select touched_outputs.output_id from touched_outputs)
    {%- else %}
        where output_id is not null
    {%- endif %}

),

events as (

    select
        output_events.*,
        -- the feature's handoff actions (a chat feature may hand off by copying)
        coalesce(
            {{ dbt.position("'|' || output_events.action || '|'", 'features.handoff_actions') }} > 0,
            false
        ) as is_handoff_action,
        -- any action on an output after it came back means the user saw it,
        -- even when the tracker lost its view event
        output_events.stage in ('verification', 'handoff', 'handoff_leak', 'handoff_negative', 'feedback')
        or output_events.action = 'output_regenerated' as is_seen_action,
        decision_actions.action is not null as is_decision_action
    from output_events
    left join features
        on output_events.feature = features.feature
    left join decision_actions
        on output_events.action = decision_actions.action

),

rolled_up as (

    select
        output_id,
        {{ ai_adoption_first_by('session_key', event_order, "action = 'output_generated'") }} as session_key,
        {{ ai_adoption_first_by('user_id', event_order, "action = 'output_generated'") }} as user_id,
        {{ ai_adoption_first_by('account_id', event_order, "action = 'output_generated'") }} as account_id,
        {{ ai_adoption_first_by('feature', event_order, "action = 'output_generated'") }} as feature,
        {{ ai_adoption_first_by('job_key', event_order, "action = 'output_generated'") }} as job_key,
        min(case when action = 'output_generated' then occurred_at end) as generated_at,
        {{ ai_adoption_first_by('output_chars', event_order, "action = 'output_generated'") }} as output_chars,
        {{ ai_adoption_first_by('latency_ms', event_order, "action = 'output_generated'") }} as latency_ms,
        -- the model and provider named first among the output's events: usually on
        -- its generation, but a tracker may log them on a later event only
        {{ ai_adoption_first_by('model', event_order, 'model is not null') }} as model,
        {{ ai_adoption_first_by('provider', event_order, 'provider is not null') }} as provider,
        {#- a team's own dimension: the first value the output's events name #}
        {%- for name in passthrough %}
            {{ ai_adoption_first_by(name, event_order, name ~ ' is not null') }} as {{ name }},
        {%- endfor %}
        cast(
            sum(
                case when action in ('output_generated', 'output_regenerated') then input_tokens end
            ) as {{ ai_adoption_type('integer') }}
        )
            as input_tokens,
        cast(
            sum(
                case when action in ('output_generated', 'output_regenerated') then output_tokens end
            ) as {{ ai_adoption_type('integer') }}
        )
            as output_tokens,
        sum(case when action in ('output_generated', 'output_regenerated') then cost_usd end) as cost_usd,
        min(case when action = 'output_viewed' then occurred_at end) as first_viewed_at,
        max(case when is_seen_action then 1 else 0 end) as seen_flag,
        max(case when action = 'output_approved' then 1 else 0 end) as approved_flag,
        count(case when action = 'output_regenerated' then 1 end) as regeneration_count,
        max(case when action in ('source_inspected', 'output_compared') then 1 else 0 end) as inspected_flag,
        -- a decision: a handoff, or another decision of the actions seed
        min(case when is_handoff_action or is_decision_action then occurred_at end) as first_decision_at,
        -- a copy that is not the feature's handoff takes the output out of the product
        min(case when action = 'output_copied' and not is_handoff_action then occurred_at end) as first_copied_at,
        max(case when action = 'output_edited' then 1 else 0 end) as edited_flag,
        {{ ai_adoption_last_by('edit_distance', event_order, "action = 'output_edited'") }} as latest_edit_distance,
        {{ ai_adoption_last_by('correction_type', event_order, "action = 'output_edited'") }} as correction_type,
        min(case when is_handoff_action then occurred_at end) as accepted_at,
        {{ ai_adoption_first_by('action', event_order, 'is_handoff_action') }} as first_handoff_action,
        {{ ai_adoption_first_by('destination', event_order, 'destination is not null') }} as destination,
        max(case when action = 'output_rejected' then 1 else 0 end) as rejected_flag,
        {{ ai_adoption_last_by('rating', event_order, "action = 'feedback_given' and rating is not null") }} as rating,
        min(case when action not in ('output_generated', 'output_viewed') then occurred_at end) as first_action_at,
        max(loaded_at) as last_loaded_at
    from events
    group by 1

),

regenerations as (

    select
        events.output_id,
        count(case
            when events.action = 'output_regenerated'
                and (rolled_up.first_decision_at is null or events.occurred_at < rolled_up.first_decision_at)
                then 1
        end) as regenerations_before_decision
    from events
    inner join rolled_up
        on events.output_id = rolled_up.output_id
    group by 1

),

judged as (

    select
        rolled_up.*,
        regenerations.regenerations_before_decision,
        {{ ai_adoption_seconds_between(
            'coalesce(rolled_up.first_viewed_at, rolled_up.generated_at)',
            'rolled_up.first_decision_at'
        ) }} as seconds_to_decision,
        case
            when rolled_up.inspected_flag = 1 then 'passed'
            when rolled_up.first_decision_at is null then 'undecided'
            when rolled_up.first_copied_at < rolled_up.first_decision_at then 'failed'
            when regenerations.regenerations_before_decision >= {{ regeneration_loop }} then 'failed'
            when {{ ai_adoption_seconds_between(
                'coalesce(rolled_up.first_viewed_at, rolled_up.generated_at)',
                'rolled_up.first_decision_at'
            ) }} > {{ decision_window }} then 'failed'
            else 'passed'
        end as verification_outcome
    from rolled_up
    inner join regenerations
        on rolled_up.output_id = regenerations.output_id

),

outputs as (

    select
        output_id,
        session_key,
        user_id,
        account_id,
        feature,
        job_key,
        generated_at,
        model,
        provider,
        output_chars,
        latency_ms,
        input_tokens,
        output_tokens,
        cost_usd,
        seen_flag = 1 as is_viewed,
        seen_flag = 1 and first_viewed_at is null as is_view_implied,
        first_viewed_at,
        verification_outcome,
        verification_outcome = 'passed' as is_verified,
        regeneration_count,
        regenerations_before_decision,
        regeneration_count < {{ regeneration_loop }} as is_usable,
        edited_flag = 1 as is_edited,
        case
            when edited_flag = 1 then latest_edit_distance
            when accepted_at is not null then 0.0
        end as edit_distance,
        correction_type,
        accepted_at is not null as is_accepted,
        -- checked: a source inspected, alternatives compared, an edit or an approval step
        inspected_flag = 1 or edited_flag = 1 or approved_flag = 1 as is_checked,
        accepted_at,
        first_handoff_action,
        destination,
        first_copied_at is not null as is_copied_out,
        rejected_flag = 1 as is_rejected,
        -- seen, and then nothing: no handoff, edit, copy or rejection
        seen_flag = 1
        and not (accepted_at is not null or edited_flag = 1 or first_copied_at is not null or rejected_flag = 1)
            as is_viewed_without_action,
        first_decision_at,
        seconds_to_decision,
        {{ ai_adoption_seconds_between('generated_at', 'first_action_at') }} as seconds_to_first_action,
        rating,
        {%- for name in passthrough %}
            {{ name }},
        {%- endfor %}
        last_loaded_at
    from judged
    where generated_at is not null

),

{%- if is_incremental() %}

    {# The stored heavy corrections of the pairs this run touches: a rebuilt
        output can move them in their pair's order. #}
    stored_heavy as (

        select
            stored.output_id,
            stored.session_key,
            stored.user_id,
            stored.feature,
            stored.correction_type,
            stored.generated_at,
            stored.edit_distance,
            stored.correction_repeat_number as stored_repeat_number,
            stored.is_correction_loop_repeat as stored_is_loop_repeat
        from {{ this }} as stored
        inner join (select distinct user_id, feature from outputs) as touched_pairs
            on stored.user_id = touched_pairs.user_id and stored.feature = touched_pairs.feature
        where
            stored.is_edited
            and stored.edit_distance >= {{ heavy_edit }}
            and stored.correction_type is not null
            and stored.output_id not in (select outputs.output_id from outputs)

    ),

{%- endif %}

heavy_outputs as (

    select
        output_id,
        session_key,
        user_id,
        feature,
        correction_type,
        generated_at,
        edit_distance
    from outputs
    where is_edited and edit_distance >= {{ heavy_edit }} and correction_type is not null
    {%- if is_incremental() %}
    union all
    select
        output_id,
        session_key,
        user_id,
        feature,
        correction_type,
        generated_at,
        edit_distance
    from stored_heavy
    {%- endif %}

),

heavy_correction_sessions as (

    {#- A user's heavy edits of one correction type, one row per session, in
        order: the k-th session in which the user had to fix the same thing. #}
    select
        user_id,
        feature,
        correction_type,
        session_key,
        min(generated_at) as first_generated_at,
        avg(edit_distance) as session_edit_distance
    from heavy_outputs
    group by 1, 2, 3, 4

),

correction_sequence as (

    select
        *,
        cast(row_number() over (
            partition by user_id, feature, correction_type
            order by first_generated_at, session_key
        ) as {{ ai_adoption_type('integer') }}) as correction_repeat_number
    from heavy_correction_sessions

),

correction_baseline as (

    select
        *,
        avg(case when correction_repeat_number <= {{ baseline_sessions }} then session_edit_distance end) over (
            partition by user_id, feature, correction_type
        ) as baseline_edit_distance
    from correction_sequence

),

corrections as (

    {#- a correction loop: the repeat_count-th (or later) session fixing the
        same thing, with edits no lighter than the baseline (less the tolerance) #}
    select
        heavy_outputs.output_id,
        correction_baseline.correction_repeat_number,
        correction_baseline.correction_repeat_number >= {{ repeat_count }}
        and correction_baseline.session_edit_distance
        >= correction_baseline.baseline_edit_distance - {{ tolerance }} as is_correction_loop_repeat
    from heavy_outputs
    inner join correction_baseline
        on
            heavy_outputs.session_key = correction_baseline.session_key
            and heavy_outputs.user_id = correction_baseline.user_id
            and heavy_outputs.feature = correction_baseline.feature
            and heavy_outputs.correction_type = correction_baseline.correction_type

),

final as (

    select
        outputs.*,
        corrections.correction_repeat_number,
        coalesce(corrections.is_correction_loop_repeat, false) as is_correction_loop_repeat,
        -- last: Spark stores its partition column last, so every engine has this order
        cast(outputs.generated_at as date) as generated_date
    from outputs
    left join corrections
        on outputs.output_id = corrections.output_id
    {%- if is_incremental() %}
    union all
    {#- stored outputs whose place in their pair's correction order changed #}
    select
        {%- for column in adapter.get_columns_in_relation(this) %}
            {%- if column.name in correction_columns %}
                corrections.{{ column.name }}{{ ',' if not loop.last }}
            {%- else %}
                stored.{{ column.name }}{{ ',' if not loop.last }}
            {%- endif %}
        {%- endfor %}
    from {{ this }} as stored
    inner join stored_heavy
        on stored.output_id = stored_heavy.output_id
    inner join corrections
        on stored.output_id = corrections.output_id
    where
        corrections.correction_repeat_number != stored_heavy.stored_repeat_number
        or corrections.is_correction_loop_repeat != stored_heavy.stored_is_loop_repeat
    {%- endif %}

)

{{ ai_adoption_replaced_rows('final', 'output_id', 'generated_date') }}
