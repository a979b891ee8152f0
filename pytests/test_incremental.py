"""Incremental runs give the tables a full refresh gives.

The generated log is delivered in batches by loaded_at. Some rows of a batch
are held back and delivered one batch later (inside the lookback: they must be
read) or two batches later (beyond it: they must be counted as
late_beyond_lookback, and read by a run with a wider lookback). One run is
killed half-way. After every batch an incremental `dbt run` runs; the final
tables must equal, row for row in both directions, a `--full-refresh` build on
the rows that were read.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from conftest import DBT, REPO, DbtRunner, generate_events, run_dbt
from incremental_checks import (
    MART_SCHEMA,
    STAGING_SCHEMA,
    Deliveries,
    assert_same_tables,
    plan_deliveries,
)

EVENTS = 40_000
SEED = 11
BATCHES = 6
LOOKBACK_HOURS = 6
#: Held-back rows per batch, of each kind.
HELD_BACK = 40


def run_killed_half_way(workdir: Path, source_glob: str) -> None:
    """Start an incremental `dbt run` and kill it once the first models are written."""
    env = dict(os.environ)
    env.update(
        {
            "AI_ADOPTION_DUCKDB_PATH": str(workdir / "warehouse.duckdb"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    process = subprocess.Popen(
        [
            str(DBT),
            "--no-use-colors",
            "run",
            "--profiles-dir",
            str(REPO),
            "--project-dir",
            str(REPO),
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
            "--threads",
            "1",
            "--vars",
            json.dumps(
                {
                    "ai_adoption_source_path": source_glob,
                    "ai_adoption_lookback_hours": LOOKBACK_HOURS,
                }
            ),
        ],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    seen = []
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if "OK created" in line and "int_ai_events_sessionized" in line:
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait()
    assert process.returncode == -signal.SIGKILL, (
        "dbt finished before it could be killed:\n" + "".join(seen[-20:])
    )


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Deliveries]]:
    root = tmp_path_factory.mktemp("incremental")
    generate_events(root / "events", EVENTS, SEED)
    events = str(root / "events" / "*.parquet")
    yield root, plan_deliveries(events, root / "batches", BATCHES, HELD_BACK)


@pytest.fixture(scope="module")
def incremental_history(deliveries: tuple[Path, Deliveries]) -> Path:
    """Deliver the batches one by one, with an incremental run after each (one killed)."""
    root, plan = deliveries
    inbox = root / "inbox"
    inbox.mkdir()
    workdir = root / "incremental"
    glob = str(inbox / "*.parquet")
    lookback = {"ai_adoption_lookback_hours": LOOKBACK_HOURS}
    run_dbt(workdir, glob, command="seed")
    for number, batch in enumerate(plan.batches):
        (inbox / batch.name).write_bytes(batch.read_bytes())
        if number == 3:
            run_killed_half_way(workdir, glob)
        run = run_dbt(workdir, glob, command="run", extra_vars=lookback)
        if number > 0:
            assert "reprocessing rows loaded since" in run.output, (
                "runs after the first must be incremental"
            )
    return workdir / "warehouse.duckdb"


@pytest.fixture(scope="module")
def full_refresh_on_read_rows(deliveries: tuple[Path, Deliveries]) -> Path:
    root, _ = deliveries
    workdir = root / "full"
    run_dbt(workdir, root / "read.parquet", command="seed")
    run_dbt(workdir, root / "read.parquet", command="run", extra_args=("--full-refresh",))
    return workdir / "warehouse.duckdb"


def test_incremental_runs_equal_a_full_refresh(
    incremental_history: Path, full_refresh_on_read_rows: Path
) -> None:
    assert_same_tables(incremental_history, full_refresh_on_read_rows)


def test_rows_beyond_the_lookback_are_counted(
    deliveries: tuple[Path, Deliveries], incremental_history: Path, full_refresh_on_read_rows: Path
) -> None:
    _, plan = deliveries
    con = duckdb.connect(str(incremental_history), read_only=True)
    try:
        late, received = con.execute(
            "select sum(late_beyond_lookback), sum(rows_received) "
            f"from {MART_SCHEMA}.fct_ai_event_quality_daily"
        ).fetchone() or (None, None)
        missing = con.execute(
            f"select count(*) from {STAGING_SCHEMA}.stg_ai_events__events_checked "
            f"where event_id in (select unnest(?::varchar[]))",
            [plan.beyond_lookback],
        ).fetchone()
        read_late = con.execute(
            f"select count(distinct event_id) from {STAGING_SCHEMA}.stg_ai_events__events_checked "
            f"where event_id in (select unnest(?::varchar[]))",
            [plan.read_late],
        ).fetchone()
    finally:
        con.close()
    assert late == len(plan.beyond_lookback)
    assert missing == (0,), "rows beyond the lookback must not be read by incremental runs"
    assert read_late == (len(set(plan.read_late)),), "rows inside the lookback must be read"
    full = duckdb.connect(str(full_refresh_on_read_rows), read_only=True)
    try:
        full_received, full_late = full.execute(
            "select sum(rows_received), sum(late_beyond_lookback) "
            f"from {MART_SCHEMA}.fct_ai_event_quality_daily"
        ).fetchone() or (None, None)
    finally:
        full.close()
    assert full_late == 0
    assert received == full_received + len(plan.beyond_lookback)


def test_quality_counts_match_except_the_late_rows(
    incremental_history: Path, full_refresh_on_read_rows: Path
) -> None:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{incremental_history}' as inc (read_only)")
        con.execute(f"attach '{full_refresh_on_read_rows}' as ful (read_only)")
        columns = [
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns where table_catalog = 'ful' "
                "and table_name = 'fct_ai_event_quality_daily' and column_name not in "
                "('rows_received', 'late_beyond_lookback')"
            ).fetchall()
        ]
        listed = ", ".join(f'"{name}"' for name in columns)
        received = "rows_received - late_beyond_lookback as rows_read"
        lhs = f"select {listed}, {received} from inc.{MART_SCHEMA}.fct_ai_event_quality_daily"
        rhs = f"select {listed}, {received} from ful.{MART_SCHEMA}.fct_ai_event_quality_daily"
        differences = con.execute(
            f"({lhs} except all {rhs}) union all ({rhs} except all {lhs})"
        ).fetchall()
    finally:
        con.close()
    assert differences == []


def test_a_wider_lookback_reads_the_late_rows(
    deliveries: tuple[Path, Deliveries], incremental_history: Path, dbt_runner: DbtRunner
) -> None:
    """The README's remedy: a run with a wide lookback equals a full refresh on everything."""
    root, _ = deliveries
    inbox = str(root / "inbox" / "*.parquet")
    dbt_runner(
        root / "incremental",
        inbox,
        command="run",
        extra_vars={"ai_adoption_lookback_hours": 24 * 120},
    )
    dbt_runner(root / "full-all", inbox, command="seed")
    full = dbt_runner(root / "full-all", inbox, command="run", extra_args=("--full-refresh",))
    assert_same_tables(incremental_history, full.db)
    con = duckdb.connect(str(incremental_history), read_only=True)
    try:
        late = con.execute(
            f"select sum(late_beyond_lookback) from {MART_SCHEMA}.fct_ai_event_quality_daily"
        ).fetchone()
    finally:
        con.close()
    assert late == (0,)
