{{ ai_adoption_incremental_config('load_partition_date', partition_by='load_partition_date') }}
{{ config(post_hook="{{ ai_adoption_warn_if_no_events() }}") }}
{%- do ai_adoption_check_event_map() -%}

{#- The event ledger. One row per source row: typed values, the canonical
    action, the first rejection reason that applies (null for a good row) and
    the row's rank among copies sharing its event_id and reason (1 = the copy
    that is kept). Incremental runs read again every source row loaded on or
    after the cutoff day and replace those load days; copies kept on earlier
    days still count when ranking. -#}
{%- set optional = ai_adoption_optional_columns() -%}
{%- set numeric = ai_adoption_numeric_columns() -%}
{%- set lowered = ['entry_point', 'context_source', 'correction_type'] -%}
{%- set raw_columns = ai_adoption_required_columns() + (optional.keys() | list) -%}
{%- set typed_columns = ai_adoption_required_columns() + (optional.keys() | list)
    + ['action', 'stage', 'requires_output_id'] -%}
{%- set min_occurred_at = 'cast(' ~ ai_adoption_literal(var('ai_adoption_min_occurred_at')) ~ ' as '
    ~ ai_adoption_type('timestamp') ~ ')' -%}
{%- if is_incremental() -%}
    {%- set cutoff = ai_adoption_incremental_cutoff(this, 'effective_loaded_at') -%}
{%- endif -%}

with

raw_events as {{ ai_adoption_materialized_cte() }}(

    select * from {{ ref('stg_ai_events__raw_events') }}

),

actions as (

    select
        action,
        stage,
        requires_output_id
    from {{ ref('ai_adoption_actions') }}

),

team_map as (

    select
        event_name,
        action
    from {{ ref('ai_adoption_action_map') }}

),

mapping_candidates as (

    {%- for event_name, action in var('ai_adoption_event_map').items() %}
    select
        {{ ai_adoption_literal(event_name) }} as event_name,
        {{ ai_adoption_literal(action) }} as action,
        1 as priority
    union all
    {%- endfor %}
    select
        event_name,
        action,
        2 as priority
    from team_map
    union all
    select
        action as event_name,
        action,
        3 as priority
    from actions

),

action_map as (

    select
        event_name,
        action
    from (
        select
            event_name,
            action,
            row_number() over (partition by event_name order by priority) as preference
        from mapping_candidates
    ) as ranked
    where preference = 1

),

typed as (

    select
        {%- for name in ai_adoption_required_columns() + (optional.keys() | list) %}
            raw_events.{{ name }} as raw_{{ name }},
        {%- endfor %}
        raw_events.properties as raw_properties,
        nullif(trim(raw_events.event_id), '') as event_id,
        {{ ai_adoption_try_cast("nullif(trim(raw_events.occurred_at), '')", 'timestamp') }} as occurred_at,
        {{ ai_adoption_try_cast("nullif(trim(raw_events.loaded_at), '')", 'timestamp') }} as loaded_at,
        nullif(trim(raw_events.user_id), '') as user_id,
        nullif(trim(raw_events.feature), '') as feature,
        nullif(trim(raw_events.event_name), '') as event_name,
        {%- for name, kind in optional.items() if name != 'loaded_at' %}
            {%- if name in lowered %}
                lower(nullif(trim(raw_events.{{ name }}), '')) as {{ name }},
            {%- elif kind == 'string' %}
                nullif(trim(raw_events.{{ name }}), '') as {{ name }},
            {%- else %}
                {{ ai_adoption_try_cast("nullif(trim(raw_events." ~ name ~ "), '')", kind) }} as {{ name }},
            {%- endif %}
        {%- endfor %}
        action_map.action,
        actions.stage,
        coalesce(actions.requires_output_id, false) as requires_output_id
    from raw_events
    left join action_map
        on nullif(trim(raw_events.event_name), '') = action_map.event_name
    left join actions
        on action_map.action = actions.action

),

checked as {{ ai_adoption_materialized_cte() }}(

    select
        *,
        case
            {%- for name in ai_adoption_required_columns() %}
                when {{ name }} is null and nullif(trim(raw_{{ name }}), '') is null
                    then 'missing_{{ name }}'
            {%- endfor %}
            -- properties must be a JSON object: an array or a scalar has no keys to read
            when
                nullif(trim(raw_properties), '') is not null
                and (not {{ ai_adoption_json_is_valid('raw_properties') }} or left(trim(raw_properties), 1) != '{')
                then 'malformed_properties'
            -- a key that is a contract column but for its case (Output_Chars) would be missed
            when {{ ai_adoption_json_has_miscased_key('raw_properties', optional.keys() | list) }}
                then 'miscased_properties_key'
            when occurred_at is null then 'unparseable_occurred_at'
            when loaded_at is null and nullif(trim(raw_loaded_at), '') is not null
                then 'unparseable_loaded_at'
            {%- for name in numeric %}
                when {{ name }} is null and nullif(trim(raw_{{ name }}), '') is not null
                    then 'unparseable_{{ name }}'
            {%- endfor %}
            when occurred_at > {{ ai_adoption_dateadd(
                'hour',
                var('ai_adoption_max_future_skew_hours', 24),
                'coalesce(loaded_at, ' ~ ai_adoption_current_timestamp() ~ ')'
            ) }}
                then 'future_occurred_at'
            -- no product of this kind logged events before the floor (var ai_adoption_min_occurred_at)
            when occurred_at < {{ min_occurred_at }} then 'implausible_occurred_at'
            {%- for name in ai_adoption_non_negative_columns() %}
                when {{ name }} < 0 then 'negative_{{ name }}'
            {%- endfor %}
            when edit_distance < 0 or edit_distance > 1 then 'edit_distance_out_of_range'
            when rating < -1 or rating > 1 then 'rating_out_of_range'
            when requires_output_id and output_id is null then 'missing_output_id'
        end as rejection_reason
    from typed

),

batch as (

    {#- Raw text is kept for rejected rows only: a good row is fully described
        by its typed values, and narrow rows keep the ranking below cheap. Of
        `properties` only its length is kept: the contract's keys are in the
        raw columns already, and any other key (a prompt, a name) never
        reaches a table. #}
    select
        {%- for name in raw_columns %}
            case when rejection_reason is not null then raw_{{ name }} end as raw_{{ name }},
        {%- endfor %}
        case
            when rejection_reason is not null then cast(length(raw_properties) as {{ ai_adoption_type('integer') }})
        end as raw_properties_chars,
        {%- for name in typed_columns %}
            {{ name }},
        {%- endfor %}
        rejection_reason,
        coalesce(loaded_at, occurred_at) as effective_loaded_at
    from checked
    {%- if is_incremental() %}
        where
            coalesce(loaded_at, occurred_at) >= {{ cutoff }}
            or coalesce(loaded_at, occurred_at) is null
    {%- endif %}

),

{# Good copies of one event: most event_ids arrive once, so only the ids
    seen more than once in this batch are ranked; the rest need neither a
    sort nor a join against every row. #}
repeated_ids as (

    select event_id
    from batch
    where rejection_reason is null
    group by 1
    having count(*) > 1

),

{%- if is_incremental() %}

    {# Copies kept on load days before the cutoff push this batch's copies
        down the ranking. #}
    earlier_copies as (

        select
            event_id,
            count(*) as copy_count
        from {{ this }}
        where
            rejection_reason is null
            and effective_loaded_at < {{ cutoff }}
            and event_id in (select batch.event_id from batch where batch.rejection_reason is null)
        group by 1

    ),

{%- endif %}

flagged as (

    select
        batch.*,
        repeated_ids.event_id is not null as has_batch_copies
    from batch
    left join repeated_ids
        on batch.event_id = repeated_ids.event_id

),

batch_ranked as (

    -- a rejected row has no rank; a good row alone in the batch ranks first
    select
        *,
        case when rejection_reason is null then 1 end as batch_rank
    from flagged
    where not has_batch_copies or rejection_reason is not null
    union all
    select
        *,
        row_number() over (
            partition by event_id
            -- the earliest loaded copy; among copies loaded at the same moment the
            -- one whose load time is known, then by content, so that the order of
            -- the rows in the source plays no part
            order by
                effective_loaded_at,
                occurred_at,
                case when loaded_at is null then 1 else 0 end,
                event_name,
                user_id,
                coalesce(output_id, '')
        ) as batch_rank
    from flagged
    where has_batch_copies and rejection_reason is null

),

ranked as (

    select
        batch_ranked.*,
        {%- if is_incremental() %}
            coalesce(earlier_copies.copy_count, 0) + batch_ranked.batch_rank as copy_rank
        {%- else %}
            batch_ranked.batch_rank as copy_rank
        {%- endif %}
    from batch_ranked
    {%- if is_incremental() %}
    left join earlier_copies
        on batch_ranked.event_id = earlier_copies.event_id
    {%- endif %}

),

final as (

    select
        {%- for name in raw_columns %}
            raw_{{ name }},
        {%- endfor %}
        raw_properties_chars,
        {%- for name in typed_columns %}
            {{ name }},
        {%- endfor %}
        rejection_reason,
        effective_loaded_at,
        copy_rank,
        coalesce(cast(effective_loaded_at as date), cast('1900-01-01' as date)) as load_partition_date,
        coalesce(copy_rank > 1, false) as is_duplicate
    from ranked

)

select * from final
