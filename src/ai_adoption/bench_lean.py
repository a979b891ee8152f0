"""The lean reference of ``ai-adoption bench``: the package's essential work once, in plain DuckDB.

A yardstick for the full build, between the one-pass floor (one query, no checks) and the dbt
project: one DuckDB connection runs a few named statements over the same source files dbt
reads, and writes three tables to its database file before a checkpoint:

- ``quarantine``: every source row rejected for a missing required column (event_id,
  occurred_at, user_id, feature, event_name) or an occurred_at that does not parse, with the
  reason, its file and row, and occurred_at as it arrived;
- ``outputs``: one row per generated output (when it was generated, whether it was viewed,
  edited, accepted or handed off, its regenerations, tokens and cost);
- ``sessions``: one row per session (start, end, counts, its number among the sessions of its
  user and feature, and whether the user came back to the feature within the return window).

On the way it types every row (timestamps and numbers with ``try_cast``), keeps the first
loaded copy of each event_id, maps event names to the canonical actions of the actions seed
(an event name that is no action is left out of outputs and sessions) and cuts sessions: a
given session_id is a session, other events of a user and feature start a new one after the
session gap of inactivity. The gap and the return window are the defaults dbt_project.yml
gives its vars.

It does each kind of work the package does, once; it leaves out the package's other rules
(the rest of the rejection reasons, values kept in ``properties``, the event-name map, the
chain's stages, incremental state, the marts).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ai_adoption import project

if TYPE_CHECKING:
    import duckdb

#: Vars of dbt_project.yml the reference reads its settings from.
SESSION_GAP_VAR = "ai_adoption_session_gap_minutes"
RETURN_WINDOW_VAR = "ai_adoption_return_window_days"

CHECKED_SQL = """
-- type every source row and give it the first rejection reason that applies (null: a good row)
create temp table checked as
select
    nullif(trim(event_id), '') as event_id,
    try_cast(occurred_at as timestamp) as occurred_at,
    occurred_at as raw_occurred_at,
    try_cast(loaded_at as timestamp) as loaded_at,
    nullif(trim(user_id), '') as user_id,
    nullif(trim(feature), '') as feature,
    nullif(trim(event_name), '') as event_name,
    nullif(trim(session_id), '') as session_id,
    nullif(trim(output_id), '') as output_id,
    try_cast(input_tokens as bigint) as input_tokens,
    try_cast(output_tokens as bigint) as output_tokens,
    try_cast(cost_usd as double) as cost_usd,
    case
        when nullif(trim(event_id), '') is null then 'missing_event_id'
        when nullif(trim(occurred_at), '') is null then 'missing_occurred_at'
        when nullif(trim(user_id), '') is null then 'missing_user_id'
        when nullif(trim(feature), '') is null then 'missing_feature'
        when nullif(trim(event_name), '') is null then 'missing_event_name'
        when try_cast(occurred_at as timestamp) is null then 'unparseable_occurred_at'
    end as rejection_reason,
    filename as source_file,
    file_row_number as source_row
from read_parquet({files}, union_by_name = true, filename = true, file_row_number = true)
"""

QUARANTINE_SQL = """
-- keep each rejected row with its reason and where it came from
create table quarantine as
select
    source_file,
    source_row,
    event_id,
    raw_occurred_at as occurred_at,
    loaded_at,
    user_id,
    feature,
    event_name,
    rejection_reason
from checked
where rejection_reason is not null
"""

KEPT_SQL = """
-- the first loaded copy of each good event whose name is an action, with what the action means
create temp table kept as
with

-- one copy per event_id: the earliest loaded, then the first in file order
deduplicated as (
    select *
    from checked
    where rejection_reason is null
    qualify row_number() over (
        partition by event_id
        order by coalesce(loaded_at, occurred_at), source_file, source_row
    ) = 1
)

select
    deduplicated.*,
    actions.action,
    actions.is_acceptance
from deduplicated
-- the canonical action an event names (an event name that is no action is left out)
inner join actions
    on deduplicated.event_name = actions.action
"""

EVENTS_SQL = """
-- every kept event with its session: the given session_id, else the gap rule's session
create temp table events as
with

-- without a session_id, an event after the gap of inactivity in its user and feature starts a
-- session (only the columns the rule needs)
gap_marked as (
    select
        event_id,
        user_id,
        feature,
        occurred_at,
        coalesce(
            occurred_at > lag(occurred_at) over pair_events + interval ({gap_minutes}) minute,
            true
        ) as starts_session
    from kept
    where session_id is null
    window pair_events as (partition by user_id, feature order by occurred_at, event_id)
),

-- the number of each gap session within its user and feature
gap_sessions as (
    select
        event_id,
        sum(starts_session::integer) over (
            partition by user_id, feature
            order by occurred_at, event_id
            rows between unbounded preceding and current row
        ) as gap_session_number
    from gap_marked
)

select
    kept.*,
    coalesce('id:' || kept.session_id, 'gap:' || gap_sessions.gap_session_number) as session_key
from kept
left join gap_sessions
    on kept.event_id = gap_sessions.event_id
"""

OUTPUTS_SQL = """
-- one row per generated output: what happened to it, its regenerations, tokens and cost
create table outputs as
select
    output_id,
    arg_min(user_id, occurred_at) filter (where action = 'output_generated') as user_id,
    arg_min(feature, occurred_at) filter (where action = 'output_generated') as feature,
    arg_min(session_key, occurred_at) filter (where action = 'output_generated') as session_key,
    min(occurred_at) filter (where action = 'output_generated') as generated_at,
    bool_or(action = 'output_viewed') as is_viewed,
    bool_or(action = 'output_edited') as is_edited,
    -- accepted or handed off: an action the actions seed marks as an acceptance
    bool_or(is_acceptance) as is_accepted,
    min(occurred_at) filter (where is_acceptance) as accepted_at,
    count(*) filter (where action = 'output_regenerated') as regeneration_count,
    sum(input_tokens) as input_tokens,
    sum(output_tokens) as output_tokens,
    sum(cost_usd) as cost_usd
from events
where output_id is not null
group by output_id
having count(*) filter (where action = 'output_generated') > 0
"""

SESSIONS_SQL = """
-- one row per session: its span, counts, number and whether the user came back in the window
create table sessions as
with

-- each session's span and counts
spans as (
    select
        user_id,
        feature,
        session_key,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        count(*) as event_count,
        count(*) filter (where action = 'prompt_submitted') as prompt_count,
        count(*) filter (where action = 'output_generated') as output_count,
        count(*) filter (where is_acceptance) as accepted_count
    from events
    group by user_id, feature, session_key
)

select
    *,
    row_number() over pair_sessions as session_number,
    -- came back: the next session of the user and feature starts within the return window
    coalesce(
        lead(started_at) over pair_sessions <= started_at + interval ({return_window_days}) day,
        false
    ) as has_return_in_window
from spans
window pair_sessions as (partition by user_id, feature order by started_at, session_key)
"""

#: The statements in the order they run, by name.
STATEMENTS: tuple[tuple[str, str], ...] = (
    ("checked", CHECKED_SQL),
    ("quarantine", QUARANTINE_SQL),
    ("kept", KEPT_SQL),
    ("events", EVENTS_SQL),
    ("outputs", OUTPUTS_SQL),
    ("sessions", SESSIONS_SQL),
)


@dataclass(frozen=True)
class LeanSettings:
    """The two durations the reference uses, in the units of the vars they come from."""

    session_gap_minutes: int
    return_window_days: int


def project_var(name: str) -> int:
    """The whole-number default dbt_project.yml gives var ``name`` (``  name: 30``)."""
    path = project.find_repo() / "dbt_project.yml"
    text = path.read_text(encoding="utf-8")
    found = re.search(rf"^\s+{re.escape(name)}:\s*(\d+)\s*(#.*)?$", text, re.MULTILINE)
    if found is None:
        raise project.ProjectError(f"{path} gives var {name} no whole-number default")
    return int(found[1])


def project_settings() -> LeanSettings:
    """The session gap and return window dbt_project.yml sets."""
    return LeanSettings(project_var(SESSION_GAP_VAR), project_var(RETURN_WINDOW_VAR))


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def statements(files: Sequence[Path], settings: LeanSettings) -> list[tuple[str, str]]:
    """The reference's statements over ``files``, by name, ready to run."""
    listed = "[" + ", ".join(_sql_string(str(p)) for p in files) + "]"
    return [
        (
            name,
            sql.format(
                files=listed,
                gap_minutes=settings.session_gap_minutes,
                return_window_days=settings.return_window_days,
            ),
        )
        for name, sql in STATEMENTS
    ]


def load_actions(connection: duckdb.DuckDBPyConnection) -> None:
    """The temp table ``actions``: each canonical action and whether it accepts an output,
    from the actions seed."""
    rows = project.read_seed("ai_adoption_actions")
    connection.execute("create temp table actions (action varchar, is_acceptance boolean)")
    connection.executemany(
        "insert into actions values (?, ?)",
        [[row["action"], row["is_acceptance"].strip().lower() == "true"] for row in rows],
    )


def run_lean_reference(
    connection: duckdb.DuckDBPyConnection, files: Sequence[Path], settings: LeanSettings
) -> None:
    """Read ``files``, write the quarantine, outputs and sessions tables, and checkpoint."""
    load_actions(connection)
    for _name, sql in statements(files, settings):
        connection.execute(sql)
    connection.execute("checkpoint")
