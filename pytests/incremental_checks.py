"""Shared by the incremental tests on every engine: the delivery plan and the table comparison.

``plan_deliveries`` cuts a generated log into batches by loaded_at and holds some rows
back; ``table_differences`` compares one table of two builds, each held in a DuckDB file
(a DuckDB build, or Parquet exports of another engine loaded into one). ``HistoryChecks``
holds the tests every engine's incremental history must pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

MART_SCHEMA = "main_ai_adoption"
STAGING_SCHEMA = "main_ai_adoption_staging"
INTERMEDIATE_SCHEMA = "main_ai_adoption_intermediate"

#: The marts, in schema MART_SCHEMA.
MARTS: tuple[str, ...] = (
    "fct_ai_outputs",
    "fct_ai_sessions",
    "fct_ai_feature_daily",
    "fct_ai_feature_model_daily",
    "dim_ai_features",
    "dim_ai_users",
    "fct_ai_usage_signals",
    "fct_ai_failure_shapes",
    "fct_ai_feature_diagnosis",
)

#: Marts that read the optional product activity: empty without it, so the builds that load
#: none do not compare them (pytests/test_reach.py checks their rows).
ACTIVITY_MARTS: tuple[str, ...] = (
    "fct_ai_feature_reach",
    "fct_ai_account_reach",
    "dim_ai_user_adoption",
    "fct_ai_feature_effect",
)

#: Every table whose rows must match after incremental runs (schema, table).
COMPARED: tuple[tuple[str, str], ...] = (
    *((MART_SCHEMA, table) for table in MARTS),
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


def table_differences(
    left: Path, right: Path, schema: str, table: str, left_out: tuple[str, ...] = ()
) -> list[str]:
    """Rows that differ between two builds of a table, in both directions.

    Every column but the doubles must match exactly (as multisets); rows paired in the
    order of those columns must then agree on the doubles within TOLERANCE. Columns named
    in ``left_out`` are not compared.
    """
    con = duckdb.connect()
    try:
        con.execute(f"attach '{left}' as lhs (read_only)")
        con.execute(f"attach '{right}' as rhs (read_only)")
        columns = [c for c in _columns(con, "lhs", schema, table) if c[0] not in left_out]
        others = [c for c in _columns(con, "rhs", schema, table) if c[0] not in left_out]
        assert columns == others, f"{table}: other columns"
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


def assert_same_tables(
    left: Path, right: Path, tables: tuple[tuple[str, str], ...] = COMPARED
) -> None:
    """Every table of ``tables`` holds the same rows in both builds."""
    problems = []
    for schema, table in tables:
        found = table_differences(left, right, schema, table)
        problems += [f"{table}: {issue}" for issue in found]
    assert not problems, "\n".join(problems)


@dataclass(frozen=True)
class Deliveries:
    """Batch files in delivery order, and the event ids that arrived beyond the lookback.

    ``read_rows`` is one Parquet file with every row an incremental history reads: all
    rows but those beyond the lookback.
    """

    batches: list[Path]
    read_late: list[str]
    beyond_lookback: list[str]
    read_rows: Path


def plan_deliveries(events_glob: str, out_dir: Path, batches: int, held_back: int) -> Deliveries:
    """Cut the log into ``batches`` by loaded_at and hold some rows back.

    Rows from the last two hours of batch k arrive with batch k+1 (inside the lookback);
    rows from the first half of batch k arrive with batch k+2 (days older than the
    watermark then: beyond the lookback). ``held_back`` rows of each kind per batch.
    """
    out_dir.mkdir(parents=True)
    read_rows = out_dir.parent / "read.parquet"
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
                ntile({batches}) over (order by loaded_at nulls first, row_no) - 1 as batch
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
                where cut.batch < {batches - 1}
                    and cut.loaded_at > bounds.last_loaded - interval 2 hour
                order by row_no limit {held_back * (batches - 1)}
            ) as held
            where delivered.row_no = held.row_no
            """
        )
        con.execute(
            f"""
            update delivered set delivery = delivered.batch + 2
            from (
                select cut.row_no from cut join bounds using (batch)
                where cut.batch < {batches - 2}
                    and cut.loaded_at
                        < bounds.first_loaded + (bounds.last_loaded - bounds.first_loaded) / 2
                    and cut.event_id is not null
                    and cut.event_id not in (
                        select event_id from events where event_id is not null
                        group by event_id having count(*) > 1
                    )
                    and cut.row_no % 97 = 0
                order by cut.row_no limit {held_back * (batches - 2)}
            ) as held
            where delivered.row_no = held.row_no
            """
        )
        paths = []
        for number in range(batches):
            path = out_dir / f"batch-{number:02d}.parquet"
            con.execute(
                f"copy (select * exclude (row_no, batch, delivery) from delivered "
                f"where delivery = {number} "
                f"order by row_no) to '{path}' (format parquet)"
            )
            paths.append(path)
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
            f"to '{read_rows}' (format parquet)"
        )
    finally:
        con.close()
    assert read_late and beyond, "the plan must hold rows back both inside and beyond the lookback"
    return Deliveries(
        batches=paths, read_late=read_late, beyond_lookback=beyond, read_rows=read_rows
    )


QUALITY = f"{MART_SCHEMA}.fct_ai_event_quality_daily"
LEDGER = f"{STAGING_SCHEMA}.base_ai_events__events_checked"


def assert_lookback_accounting(incremental: Path, full: Path, plan: Deliveries) -> None:
    """Rows that arrived beyond the lookback are counted as late_beyond_lookback and never
    read by incremental runs; rows that arrived late but inside it are read; a full refresh
    (``full``, on the rows that were read) counts none late."""
    con = duckdb.connect(str(incremental), read_only=True)
    try:
        late, received = con.execute(
            f"select sum(late_beyond_lookback), sum(rows_received) from {QUALITY}"
        ).fetchone() or (None, None)
        missing = con.execute(
            f"select count(*) from {LEDGER} where event_id in (select unnest(?::varchar[]))",
            [plan.beyond_lookback],
        ).fetchone()
        read_late = con.execute(
            f"select count(distinct event_id) from {LEDGER} "
            "where event_id in (select unnest(?::varchar[]))",
            [plan.read_late],
        ).fetchone()
    finally:
        con.close()
    assert late == len(plan.beyond_lookback)
    assert missing == (0,), "rows beyond the lookback must not be read by incremental runs"
    assert read_late == (len(set(plan.read_late)),), "rows inside the lookback must be read"
    con = duckdb.connect(str(full), read_only=True)
    try:
        full_received, full_late = con.execute(
            f"select sum(rows_received), sum(late_beyond_lookback) from {QUALITY}"
        ).fetchone() or (None, None)
    finally:
        con.close()
    assert full_late == 0
    assert received == full_received + len(plan.beyond_lookback)


def quality_differences_beside_late_rows(incremental: Path, full: Path) -> list[tuple[Any, ...]]:
    """Rows of fct_ai_event_quality_daily in one build and not the other, once rows never
    read (late beyond the lookback) are taken out of rows_received."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{incremental}' as inc (read_only)")
        con.execute(f"attach '{full}' as ful (read_only)")
        columns = [
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns where table_catalog = 'ful' "
                "and table_name = 'fct_ai_event_quality_daily' and column_name not in "
                "('rows_received', 'late_beyond_lookback') order by ordinal_position"
            ).fetchall()
        ]
        assert columns, "the quality mart must have columns"
        listed = ", ".join(f'"{name}"' for name in columns)
        read = "rows_received - late_beyond_lookback as rows_read"
        lhs = f"select {listed}, {read} from inc.{QUALITY}"
        rhs = f"select {listed}, {read} from ful.{QUALITY}"
        differences: list[tuple[Any, ...]] = con.execute(
            f"({lhs} except all {rhs}) union all ({rhs} except all {lhs})"
        ).fetchall()
    finally:
        con.close()
    return differences


@dataclass(frozen=True)
class History:
    """An incremental history and the full refresh it must equal, each in a DuckDB file."""

    plan: Deliveries
    incremental: Path
    full: Path


class HistoryChecks:
    """What every engine's incremental history must show.

    An engine's test module subclasses this class under a ``Test`` name (so pytest collects
    it) and gives a ``history`` fixture; ``compared`` narrows the tables compared where an
    engine stores fewer of them.
    """

    compared: tuple[tuple[str, str], ...] = COMPARED

    def test_incremental_runs_equal_a_full_refresh(self, history: History) -> None:
        assert_same_tables(history.incremental, history.full, self.compared)

    def test_rows_beyond_the_lookback_are_counted(self, history: History) -> None:
        assert_lookback_accounting(history.incremental, history.full, history.plan)

    def test_quality_counts_match_except_the_late_rows(self, history: History) -> None:
        """fct_ai_event_quality_daily agrees row for row once the late rows are set aside."""
        assert quality_differences_beside_late_rows(history.incremental, history.full) == []
