"""A source whose columns already have the contract's types is read as it is, with the same
result as the same values written as text.

The ledger uses a typed column (a timestamp, an integer, a double) without writing it out as
text and parsing it back. That shortcut must not change a value or a rejection reason: the
same rows are built twice, once from typed Parquet and once from a CSV file of the values as
text (every column text, so every value is parsed), and the two ledgers must be equal row for
row. Hand-written expectations pin what the typed rows must give, independently of either path.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from conftest import QUICK_BUILD_EXCLUDES, DbtRunner

STAGING = "main_ai_adoption_staging"
LOADED = datetime(2026, 10, 5, 9, 5)
ONLY_STAGING = ("--select", "+base_ai_events__events_checked")

#: (event_id, occurred_at, loaded_at, prompt_chars, latency_ms, edit_distance, cost_usd,
#:  properties, the rejection reason the row must get)
T = datetime(2026, 10, 5, 9, 0)
ROWS: list[tuple[object, ...]] = [
    ("t1", T, LOADED, 40, 900, 0.25, 0.002, None, None),
    # a null column is filled from properties, parsed as text
    (
        "t2",
        T.replace(minute=1),
        LOADED,
        None,
        800,
        None,
        None,
        '{"prompt_chars": "12"}',
        None,
    ),
    # ... and a properties value that is no integer rejects the row
    (
        "t3",
        T.replace(minute=2),
        LOADED,
        None,
        None,
        None,
        None,
        '{"prompt_chars": "1.5"}',
        "unparseable_prompt_chars",
    ),
    # a typed value wins over properties (as a column always does)
    ("t4", T.replace(minute=3), LOADED, 7, None, None, None, '{"prompt_chars": "x"}', None),
    # NaN and infinity are no finite numbers, typed or not
    (
        "t5",
        T.replace(minute=4),
        LOADED,
        None,
        None,
        math.nan,
        None,
        None,
        "unparseable_edit_distance",
    ),
    (
        "t6",
        T.replace(minute=5),
        LOADED,
        None,
        None,
        None,
        math.inf,
        None,
        "unparseable_cost_usd",
    ),
    # range rules apply to typed values as to parsed ones
    (
        "t7",
        T.replace(minute=6),
        LOADED,
        -3,
        None,
        None,
        None,
        None,
        "negative_prompt_chars",
    ),
    ("t8", T.replace(minute=7), LOADED, None, -1, None, None, None, "negative_latency_ms"),
    (
        "t9",
        T.replace(minute=8),
        LOADED,
        None,
        None,
        1.5,
        None,
        None,
        "edit_distance_out_of_range",
    ),
    ("t10", datetime(1, 1, 1), LOADED, None, None, None, None, None, "implausible_occurred_at"),
    # a load time that is not known, from a null typed column: the event time counts
    ("t11", T.replace(minute=9), None, 5, 100, 0.0, 0.0, None, None),
    (
        "t12",
        T.replace(minute=10),
        LOADED,
        2**30,
        2**33,
        1e-300,
        12345.678901234567,
        None,
        None,
    ),
]

COLUMNS = ("prompt_chars", "latency_ms", "edit_distance", "cost_usd")


def _typed_table() -> pa.Table:
    rows = list(zip(*ROWS, strict=True))
    return pa.table(
        {
            "event_id": pa.array(rows[0], pa.string()),
            "occurred_at": pa.array(rows[1], pa.timestamp("us")),
            "loaded_at": pa.array(rows[2], pa.timestamp("us")),
            "user_id": pa.array(["u1"] * len(ROWS), pa.string()),
            "feature": pa.array(["email_draft"] * len(ROWS), pa.string()),
            "event_name": pa.array(["prompt_submitted"] * len(ROWS), pa.string()),
            "prompt_chars": pa.array(rows[3], pa.int32()),
            "latency_ms": pa.array(rows[4], pa.int64()),
            "edit_distance": pa.array(rows[5], pa.float64()),
            "cost_usd": pa.array(rows[6], pa.float64()),
            "properties": pa.array(rows[7], pa.string()),
        }
    )


def _as_text(table: pa.Table, path: Path) -> None:
    """The same values as a CSV file, written out by DuckDB the way it renders them as text."""
    with duckdb.connect() as con:
        con.register("typed", table)
        casts = ", ".join(f"cast({name} as varchar) as {name}" for name in table.column_names)
        con.execute(f"copy (select {casts} from typed) to '{path}' (header)")


def _ledger(db: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select * exclude (raw_properties_chars) "
            f"from {STAGING}.base_ai_events__events_checked "
            "order by raw_event_id nulls first, event_id"
        ).fetchall()


def test_typed_columns_give_the_ledger_of_their_text(tmp_path: Path, dbt_runner: DbtRunner) -> None:
    table = _typed_table()
    typed_source = tmp_path / "typed" / "events.parquet"
    text_source = tmp_path / "text" / "events.csv"
    for folder in (typed_source.parent, text_source.parent):
        folder.mkdir()
    pq.write_table(table, typed_source)
    _as_text(table, text_source)

    # no largest plausible value: the large integers of t12 test exact typing, not the limits
    no_limits = {"ai_adoption_max_values": {}}
    typed = dbt_runner(
        typed_source.parent,
        typed_source,
        extra_args=(*QUICK_BUILD_EXCLUDES, *ONLY_STAGING),
        extra_vars=no_limits,
    )
    text = dbt_runner(
        text_source.parent,
        text_source,
        extra_args=(*QUICK_BUILD_EXCLUDES, *ONLY_STAGING),
        extra_vars=no_limits,
    )

    with duckdb.connect(str(typed.db), read_only=True) as con:
        found = dict(
            con.execute(
                f"select event_id, rejection_reason from {STAGING}.base_ai_events__events_checked"
            ).fetchall()
        )
        values = {
            row[0]: row[1:]
            for row in con.execute(
                f"select event_id, {', '.join(COLUMNS)}, loaded_at "
                f"from {STAGING}.base_ai_events__events_checked where rejection_reason is null"
            ).fetchall()
        }
    assert found == {row[0]: row[-1] for row in ROWS}
    assert values["t2"][0] == 12, "a null column is filled from properties"
    assert values["t4"][0] == 7, "the typed column wins over properties"
    assert values["t11"][-1] is None
    assert values["t12"] == (2**30, 2**33, 1e-300, 12345.678901234567, LOADED)

    assert _ledger(typed.db) == _ledger(text.db)
