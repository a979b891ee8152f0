{{ config(materialized='table') }}

{#- One row per feature seen in the events: what kind of feature it is, its
    risk, the actions that count as its handoff, the return window of its
    job and whether its accepted outputs must be checked to pass verification, from the feature catalogue (var ai_adoption_features first, then
    seed ai_adoption_features), or the documented defaults for a feature
    the catalogue does not list; and the bars that follow from kind and
    risk. Every rule that depends on the kind of feature reads it here. -#}

with

features as (

    select feature from {{ ref('int_ai_features_instrumented') }}

),

kinds as (

    select * from {{ ref('ai_adoption_feature_kinds') }}

),

risks as (

    select * from {{ ref('ai_adoption_risk_levels') }}

),

acceptance_actions as (

    {#- The default handoff: the actions the actions seed marks as acceptance. #}
    select
        '|' || {{ ai_adoption_listagg('action', "'|'", 'action') }} || '|' as handoff_actions
    from {{ ref('ai_adoption_actions') }}
    where is_acceptance

),

entries as (

    {#- A var entry wins over the seed row of the same feature. #}
    {%- for feature, entry in var('ai_adoption_features').items() %}
        {%- set handoff = entry.get('handoff_actions') %}
        {%- if handoff is not none and handoff is not string %}
            {%- set handoff = handoff | join('|') %}
        {%- endif %}
        select
            {{ ai_adoption_literal(feature) }} as feature,
            {{ ai_adoption_literal(entry.get('kind')) }} as kind,
            {{ ai_adoption_literal(entry.get('risk')) }} as risk,
            {{ ai_adoption_literal(handoff) }} as handoff_actions,
            {{ ai_adoption_literal(entry.get('return_window_days')) }} as return_window_days,
            {%- set requires_check = entry.get('requires_check') %}
            cast({{ 'null' if requires_check is none else (requires_check | string | lower) }} as boolean)
                as requires_check,
            1 as priority
        union all
    {%- endfor %}
    select
        feature,
        kind,
        risk,
        handoff_actions,
        return_window_days,
        requires_check,
        2 as priority
    from {{ ref('ai_adoption_features') }}

),

chosen as (

    select
        feature,
        kind,
        risk,
        handoff_actions,
        return_window_days,
        requires_check
    from (
        select
            *,
            row_number() over (partition by feature order by priority) as entry_rank
        from entries
    ) as ranked
    where entry_rank = 1

),

final as (

    select
        features.feature,
        chosen.feature is not null as is_catalogued,
        -- missing values take the defaults (vars ai_adoption_default_feature_*)
        coalesce(chosen.kind, {{ ai_adoption_literal(var('ai_adoption_default_feature_kind')) }}) as kind,
        coalesce(chosen.risk, {{ ai_adoption_literal(var('ai_adoption_default_feature_risk')) }}) as risk,
        -- a handoff list is kept as |a|b|, so that one action matches as |a|
        coalesce(
            case when chosen.handoff_actions != '' then '|' || chosen.handoff_actions || '|' end,
            acceptance_actions.handoff_actions
        ) as handoff_actions,
        cast(
            coalesce(chosen.return_window_days, {{ ai_adoption_var('ai_adoption_return_window_days') }})
            as {{ ai_adoption_type('integer') }}
        ) as return_window_days,
        kinds.output_handoff_bar,
        risks.verification_bar,
        -- an accepted output passes verification only after a check: where the
        -- catalogue says so, else where the risk demands it (high)
        coalesce(chosen.requires_check, risks.requires_check, false) as is_check_required
    from features
    left join chosen
        on features.feature = chosen.feature
    cross join acceptance_actions
    left join kinds
        on coalesce(chosen.kind, {{ ai_adoption_literal(var('ai_adoption_default_feature_kind')) }}) = kinds.kind
    left join risks
        on coalesce(chosen.risk, {{ ai_adoption_literal(var('ai_adoption_default_feature_risk')) }}) = risks.risk

)

select * from final
