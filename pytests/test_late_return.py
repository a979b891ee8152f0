"""A single late event turns an old, settled session into a returned one.

Ana used email_draft on 1 October for job "follow_up" and, as far as the first
load knows, never came back: with events up to 20 October her 14-day window
has ended and her session did not return. Then one event arrives late: she
did open the feature for the same job on 5 October. The incremental run must
rebuild her old session (no event of it changed) and mark it returned, exactly
as a full refresh on both files does.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from conftest import DbtRunner

COLUMNS = (
    "event_id",
    "occurred_at",
    "loaded_at",
    "user_id",
    "feature",
    "event_name",
    "session_id",
    "output_id",
    "job_key",
)
FIRST_LOAD = [
    (
        "a1",
        "2026-10-01 09:00:00",
        "2026-10-01 09:05:00",
        "u_ana",
        "email_draft",
        "feature_opened",
        "s1",
        "",
        "follow_up",
    ),
    (
        "a2",
        "2026-10-01 09:00:20",
        "2026-10-01 09:05:00",
        "u_ana",
        "email_draft",
        "prompt_submitted",
        "s1",
        "",
        "follow_up",
    ),
    (
        "a3",
        "2026-10-01 09:00:30",
        "2026-10-01 09:05:00",
        "u_ana",
        "email_draft",
        "output_generated",
        "s1",
        "o1",
        "follow_up",
    ),
    (
        "a4",
        "2026-10-01 09:01:00",
        "2026-10-01 09:05:00",
        "u_ana",
        "email_draft",
        "output_accepted",
        "s1",
        "o1",
        "follow_up",
    ),
    # someone else keeps the data going until 20 October: Ana's window (to 15 October) has ended
    (
        "b1",
        "2026-10-20 11:00:00",
        "2026-10-20 12:00:00",
        "u_ben",
        "email_draft",
        "feature_opened",
        "s9",
        "",
        "follow_up",
    ),
]
LATE = [
    # occurred on 5 October, loaded an hour before the latest row already read (in the lookback)
    (
        "a5",
        "2026-10-05 10:00:00",
        "2026-10-20 11:00:00",
        "u_ana",
        "email_draft",
        "feature_opened",
        "s2",
        "",
        "follow_up",
    ),
]
SESSION = (
    "select is_return_passed, is_return_window_elapsed "
    "from main_ai_adoption.fct_ai_sessions where session_id = 's1'"
)


def write_csv(path: Path, rows: list[tuple[str, ...]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("late-return")
    (root / "inbox").mkdir()
    write_csv(root / "inbox" / "load-1.csv", FIRST_LOAD)
    return root


def test_late_event_makes_old_session_returned(inbox: Path, dbt_runner: DbtRunner) -> None:
    source = str(inbox / "inbox" / "*.csv")
    incremental = inbox / "incremental"
    dbt_runner(incremental, source, command="seed")
    first = dbt_runner(incremental, source, command="run")
    assert query(first.db, SESSION) == [(False, True)], (
        "before the late event the old session did not return"
    )

    write_csv(inbox / "inbox" / "load-2.csv", LATE)
    second = dbt_runner(incremental, source, command="run")
    assert "reprocessing rows loaded since" in second.output
    assert query(second.db, SESSION) == [(True, True)], "the late event is a return within 14 days"

    full = inbox / "full"
    dbt_runner(full, source, command="seed")
    rebuilt = dbt_runner(full, source, command="run", extra_args=("--full-refresh",))
    every_column = "select * from main_ai_adoption.fct_ai_sessions order by session_key"
    assert query(second.db, every_column) == query(rebuilt.db, every_column)
    assert query(rebuilt.db, SESSION) == [(True, True)]
