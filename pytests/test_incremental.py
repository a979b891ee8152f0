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

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from conftest import (
    DbtRunner,
    duckdb_invocation,
    generate_events,
    run_dbt,
    run_killed_half_way,
)
from incremental_checks import (
    MART_SCHEMA,
    Deliveries,
    History,
    HistoryChecks,
    assert_same_tables,
    plan_deliveries,
)

EVENTS = 40_000
SEED = 11
BATCHES = 6
LOOKBACK_HOURS = 6
#: Held-back rows per batch, of each kind.
HELD_BACK = 40


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
            args, env = duckdb_invocation(
                workdir, glob, "run", extra_args=("--threads", "1"), extra_vars=lookback
            )
            run_killed_half_way(args, env, workdir)
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


@pytest.fixture(scope="module")
def history(
    deliveries: tuple[Path, Deliveries], incremental_history: Path, full_refresh_on_read_rows: Path
) -> History:
    _, plan = deliveries
    return History(plan=plan, incremental=incremental_history, full=full_refresh_on_read_rows)


class TestIncrementalHistory(HistoryChecks):
    """The incremental history on DuckDB, checked as on every engine."""


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
