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
import math
import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from conftest import DBT, REPO, DbtRunner, generate_events, run_dbt

EVENTS = 40_000
SEED = 11
BATCHES = 6
LOOKBACK_HOURS = 6
#: Held-back rows per batch, of each kind.
HELD_BACK = 40

MART_SCHEMA = "main_ai_adoption"
STAGING_SCHEMA = "main_ai_adoption_staging"
INTERMEDIATE_SCHEMA = "main_ai_adoption_intermediate"

#: Every table whose rows must match (schema, table).
COMPARED: tuple[tuple[str, str], ...] = (
    (MART_SCHEMA, "fct_ai_outputs"),
    (MART_SCHEMA, "fct_ai_sessions"),
    (MART_SCHEMA, "fct_ai_feature_daily"),
    (MART_SCHEMA, "dim_ai_features"),
    (MART_SCHEMA, "dim_ai_users"),
    (MART_SCHEMA, "fct_ai_usage_signals"),
    (MART_SCHEMA, "fct_ai_failure_shapes"),
    (MART_SCHEMA, "fct_ai_feature_diagnosis"),
    (STAGING_SCHEMA, "stg_ai_events__events"),
    (STAGING_SCHEMA, "stg_ai_events__rejected_events"),
    (INTERMEDIATE_SCHEMA, "int_ai_events_sessionized"),
    (INTERMEDIATE_SCHEMA, "int_ai_outputs_rolled_up"),
    (INTERMEDIATE_SCHEMA, "int_ai_sessions_chained"),
)
#: Doubles may differ in the last bits when sums run in another order.
TOLERANCE = 1e-9


def _columns(
    con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str
) -> list[tuple[str, str]]:
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [catalog, schema, table],
    ).fetchall()
    assert columns, f"{catalog}.{schema}.{table} has no columns (missing table?)"
    return [(str(name), str(kind)) for name, kind in columns]


def _close(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return left == right


def table_differences(left: Path, right: Path, schema: str, table: str) -> list[str]:
    """Rows that differ between two builds of a table, in both directions.

    Every column but the doubles must match exactly (as multisets); rows paired in the
    order of those columns must then agree on the doubles within TOLERANCE.
    """
    con = duckdb.connect()
    try:
        con.execute(f"attach '{left}' as lhs (read_only)")
        con.execute(f"attach '{right}' as rhs (read_only)")
        columns = _columns(con, "lhs", schema, table)
        assert columns == _columns(con, "rhs", schema, table), f"{table}: other columns"
        exact = [f'"{name}"' for name, kind in columns if kind not in ("DOUBLE", "FLOAT")]
        listed = ", ".join(f'"{name}"' for name, _ in columns)
        key = ", ".join(exact)
        lhs = f"select {key} from lhs.{schema}.{table}"
        rhs = f"select {key} from rhs.{schema}.{table}"
        only_left = con.execute(f"{lhs} except all {rhs}").fetchall()
        only_right = con.execute(f"{rhs} except all {lhs}").fetchall()
        order = ", ".join(f"{name} nulls first" for name in exact)
        left_rows = con.execute(f"select {listed} from lhs.{schema}.{table} order by {order}")
        left_all = left_rows.fetchall()
        right_rows = con.execute(f"select {listed} from rhs.{schema}.{table} order by {order}")
        right_all = right_rows.fetchall()
    finally:
        con.close()
    assert left_all, f"{schema}.{table} is empty: nothing was compared"
    problems = [f"only in the first build: {row}" for row in only_left[:3]]
    problems += [f"only in the second build: {row}" for row in only_right[:3]]
    if not only_left and not only_right:
        for a, b in zip(left_all, right_all, strict=True):
            if not all(_close(x, y) for x, y in zip(a, b, strict=True)):
                problems.append(f"doubles differ: {a} != {b}")
                if len(problems) >= 3:
                    break
    return problems


def assert_same_tables(incremental: Path, full: Path) -> None:
    problems = []
    for schema, table in COMPARED:
        found = table_differences(incremental, full, schema, table)
        problems += [f"{table}: {issue}" for issue in found]
    assert not problems, "\n".join(problems)


@dataclass(frozen=True)
class Deliveries:
    """Batch files in delivery order, and the event ids that arrived beyond the lookback."""

    batches: list[Path]
    read_late: list[str]
    beyond_lookback: list[str]


def plan_deliveries(events_glob: str, out_dir: Path) -> Deliveries:
    """Cut the log into BATCHES by loaded_at and hold some rows back.

    Rows from the last two hours of batch k arrive with batch k+1 (inside the lookback);
    rows from the first half of batch k arrive with batch k+2 (days older than the
    watermark then: beyond the lookback).
    """
    out_dir.mkdir(parents=True)
    con = duckdb.connect()
    try:
        con.execute(
            "create table events as select *, row_number() over () as row_no "
            f"from read_parquet('{events_glob}')"
        )
        con.execute(
            f"""
            create table cut as
            select
                *,
                ntile({BATCHES}) over (order by loaded_at nulls first, row_no) - 1 as batch
            from events
            """
        )
        con.execute(
            """
            create table bounds as
            select batch, min(loaded_at) as first_loaded, max(loaded_at) as last_loaded
            from cut group by batch
            """
        )
        # inside the lookback: loaded within the last 2 hours of a batch, delivered next batch
        con.execute(
            """
            create table delivered as
            select cut.*, cut.batch as delivery from cut
            """
        )
        con.execute(
            f"""
            update delivered set delivery = delivered.batch + 1
            from (
                select row_no from cut join bounds using (batch)
                where cut.batch < {BATCHES - 1}
                    and cut.loaded_at > bounds.last_loaded - interval 2 hour
                order by row_no limit {HELD_BACK * (BATCHES - 1)}
            ) as held
            where delivered.row_no = held.row_no
            """
        )
        con.execute(
            f"""
            update delivered set delivery = delivered.batch + 2
            from (
                select cut.row_no from cut join bounds using (batch)
                where cut.batch < {BATCHES - 2}
                    and cut.loaded_at
                        < bounds.first_loaded + (bounds.last_loaded - bounds.first_loaded) / 2
                    and cut.event_id is not null
                    and cut.event_id not in (
                        select event_id from events where event_id is not null
                        group by event_id having count(*) > 1
                    )
                    and cut.row_no % 97 = 0
                order by cut.row_no limit {HELD_BACK * (BATCHES - 2)}
            ) as held
            where delivered.row_no = held.row_no
            """
        )
        batches = []
        for number in range(BATCHES):
            path = out_dir / f"batch-{number:02d}.parquet"
            con.execute(
                f"copy (select * exclude (row_no, batch, delivery) from delivered "
                f"where delivery = {number} "
                f"order by row_no) to '{path}' (format parquet)"
            )
            batches.append(path)
        read_late = [
            row[0]
            for row in con.execute(
                "select event_id from delivered where delivery = batch + 1"
            ).fetchall()
        ]
        beyond = [
            row[0]
            for row in con.execute(
                "select event_id from delivered where delivery = batch + 2"
            ).fetchall()
        ]
        con.execute(
            "copy (select * exclude (row_no, batch, delivery) from delivered "
            "where delivery != batch + 2) "
            f"to '{out_dir.parent / 'read.parquet'}' (format parquet)"
        )
    finally:
        con.close()
    assert read_late and beyond, "the plan must hold rows back both inside and beyond the lookback"
    return Deliveries(batches=batches, read_late=read_late, beyond_lookback=beyond)


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
    yield root, plan_deliveries(str(root / "events" / "*.parquet"), root / "batches")


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
