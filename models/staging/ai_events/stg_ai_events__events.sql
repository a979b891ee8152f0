{#- One row per distinct good event: rejected rows and delivery duplicates
    are left out (they are kept in stg_ai_events__rejected_events and counted
    in fct_ai_event_quality_daily). -#}

with

checked as (

    select * from {{ ref('base_ai_events__events_checked') }}
    where {{ ai_adoption_is_kept_event() }}

),

{# Outputs that were generated: an event about any other output_id is an
    orphan (its generation was lost or never sent). A semi-join on the ids,
    where a window over every output's events would sort them all. #}
generated_outputs as (

    select distinct output_id
    from checked
    where action = 'output_generated' and output_id is not null

),

flagged as (

    select
        checked.*,
        case
            when checked.output_id is null then 1
            when checked.output_id in (select generated_outputs.output_id from generated_outputs) then 1
            else 0
        end as output_generated_flag
    from checked

),

final as (

    select
        event_id,
        occurred_at,
        effective_loaded_at as loaded_at,
        user_id,
        account_id,
        feature,
        event_name,
        action,
        stage,
        action is not null as is_mapped,
        coalesce(output_id is not null and output_generated_flag = 0, false) as is_orphan_output_event,
        session_id,
        output_id,
        coalesce(job_key, feature) as job_key,
        source_relation,
        {#- the event's own measures, as the contract lists them #}
        {%- for column in ai_adoption_payload_columns() %}
            {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from flagged

)

select * from final
