{{ config(materialized='table') }}

{#- Every row of the product activity source (var ai_adoption_activity_source),
    none dropped: its values as they arrived (raw_*), typed, and why it is
    rejected if it is. The contract: one row per user and active day,
    user_id and activity_date required; account_id, action_count and
    loaded_at optional. A good row that repeats a user's day is a delivery
    duplicate: the first loaded copy is kept. Without the var the model is
    empty and every reach model with it. -#}
{%- set relation = ai_adoption_activity_relation() -%}
{%- set text_type = ai_adoption_type('string') -%}
{%- set columns = ['user_id', 'activity_date', 'account_id', 'action_count', 'loaded_at'] -%}
{%- set present = [] -%}
{%- if relation is not none and execute -%}
    {%- set types = adapter.dispatch('ai_adoption_describe_source', 'ai_adoption')(relation) -%}
    {%- if not types -%}
        {{ exceptions.raise_compiler_error(
            "var ai_adoption_activity_source: " ~ relation ~ " cannot be read or has no columns."
        ) }}
    {%- endif -%}
    {%- set missing = ['user_id', 'activity_date'] | reject('in', types) | list -%}
    {%- if missing -%}
        {{ exceptions.raise_compiler_error(
            "var ai_adoption_activity_source: " ~ relation ~ " has no column " ~ (missing | join(' or '))
            ~ "; the product activity needs one row per user and active day with user_id and activity_date."
        ) }}
    {%- endif -%}
    {%- do present.extend(columns | select('in', types) | list) -%}
{%- endif -%}
{%- set skew_hours = ai_adoption_var('ai_adoption_max_future_skew_hours') -%}
{%- set min_day = 'cast(' ~ ai_adoption_literal(var('ai_adoption_min_occurred_at')) ~ ' as date)' -%}
{#- each column as trimmed text; a column the source lacks is null -#}
{%- set raw = {} -%}
{%- for name in columns -%}
    {%- do raw.update({name: 'nullif(trim(cast(' ~ adapter.quote(name) ~ ' as ' ~ text_type ~ ")), '')"
        if name in present else 'cast(null as ' ~ text_type ~ ')'}) -%}
{%- endfor -%}
{#- no activity source: no rows -#}
{%- set source_clause = 'from ' ~ relation if relation is not none else 'where 1 = 0' -%}

with

source_rows as (

    select
        {{ raw['user_id'] }} as raw_user_id,
        {{ raw['activity_date'] }} as raw_activity_date,
        {{ raw['account_id'] }} as raw_account_id,
        {{ raw['action_count'] }} as raw_action_count,
        {{ raw['loaded_at'] }} as raw_loaded_at
    {{ source_clause }}

),

typed as (

    select
        *,
        {{ ai_adoption_try_cast_date('raw_activity_date') }} as activity_date,
        {{ ai_adoption_try_cast('raw_action_count', 'integer') }} as action_count,
        {{ ai_adoption_try_cast('raw_loaded_at', 'timestamp') }} as loaded_at
    from source_rows

),

checked as (

    {#- the first reason that applies, in the order of
        ai_adoption_activity_rejection_reasons() #}
    select
        *,
        case
            when raw_user_id is null then 'missing_user_id'
            when raw_activity_date is null then 'missing_activity_date'
            when activity_date is null then 'unparseable_activity_date'
            -- before the plausible start, or a day that had not begun when the
            -- row was loaded (beyond the allowed clock skew)
            when activity_date < {{ min_day }}
                or activity_date > cast({{ ai_adoption_dateadd('hour', skew_hours, 'loaded_at') }} as date)
                then 'implausible_activity_date'
            when raw_action_count is not null and action_count is null then 'unparseable_action_count'
            when action_count < 0 then 'negative_action_count'
            when raw_loaded_at is not null and loaded_at is null then 'unparseable_loaded_at'
        end as rejection_reason
    from typed

),

ranked as (

    {#- Copies of one user's day: the earliest loaded is kept (a row without
        a load time after those with one), then by content, so the order of
        the rows in the source plays no part. copy_number numbers rows that
        are identical in every raw value, so that each has a key. #}
    select
        *,
        case
            when rejection_reason is null
                then row_number() over (
                        partition by rejection_reason, raw_user_id, activity_date
                        order by
                            case when loaded_at is null then 1 else 0 end,
                            loaded_at,
                            coalesce(raw_account_id, ''),
                            coalesce(raw_action_count, '')
                    )
        end as day_rank,
        row_number() over (
            partition by raw_user_id, raw_activity_date, raw_account_id, raw_action_count, raw_loaded_at
            order by raw_user_id
        ) as copy_number
    from checked

),

kept as (

    select
        raw_user_id,
        activity_date,
        raw_account_id,
        action_count
    from ranked
    where day_rank = 1

),

final as (

    select
        {{ ai_adoption_surrogate_key(
            ["coalesce(ranked.raw_user_id, '')", "coalesce(ranked.raw_activity_date, '')",
             "coalesce(ranked.raw_account_id, '')", "coalesce(ranked.raw_action_count, '')",
             "coalesce(ranked.raw_loaded_at, '')", 'ranked.copy_number']
        ) }} as activity_row_key,
        ranked.raw_user_id,
        ranked.raw_activity_date,
        ranked.raw_account_id,
        ranked.raw_action_count,
        ranked.raw_loaded_at,
        ranked.activity_date,
        ranked.action_count,
        ranked.loaded_at,
        -- the day the row counts for in reconciliation: its load day, else its own day
        coalesce(cast(ranked.loaded_at as date), ranked.activity_date) as load_date,
        ranked.rejection_reason,
        coalesce(ranked.day_rank > 1, false) as is_duplicate,
        -- a copy that disagrees with the kept row: its count or account is not the one kept
        coalesce(
            ranked.day_rank > 1
            and (
                coalesce(ranked.raw_account_id, '') <> coalesce(kept.raw_account_id, '')
                or coalesce(cast(ranked.action_count as {{ text_type }}), '')
                <> coalesce(cast(kept.action_count as {{ text_type }}), '')
            ),
            false
        ) as is_conflicting_duplicate
    from ranked
    left join kept
        on
            ranked.day_rank > 1
            and ranked.raw_user_id = kept.raw_user_id
            and ranked.activity_date = kept.activity_date

)

select * from final
