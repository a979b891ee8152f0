"""Several sources at once give the tables one source gives, and reconcile per source.

A generated log, bad rows and delivery duplicates included, is split by user into two
sources of different shapes: `web`, Parquet files with `latency_ms` written as text and a
column of its own (`platform`), and `app`, a table of the warehouse. The `app` table also
receives again a few events the web source delivered, an hour later (a retry through the
other pipeline). Built with var ai_adoption_sources listing both, every mart and staged table
must hold the rows the same rows give as one source; the quality mart must split them by
source, each source's rows counted from the files and the table themselves, and the retried
copies must be duplicates of the app source. A badly listed source stops the build with a
message that says what is wrong.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import QUICK_BUILD_EXCLUDES, DbtRunner, generate_events, run_dbt
from incremental_checks import COMPARED, MART_SCHEMA, STAGING_SCHEMA, table_differences

EVENTS = 12_000
SEED = 37
#: Events the web source delivered that the app source delivers again.
RETRIED = 40
QUALITY = f"{MART_SCHEMA}.fct_ai_event_quality_daily"
#: The quality mart's counts, summed over sources, must equal the one-source build's.
COUNTS = (
    "rows_received",
    "events_clean",
    "duplicates",
    "conflicting_duplicates",
    "rows_rejected",
    "late_beyond_lookback",
    "unmapped_events",
    "orphan_output_events",
    "late_arrivals",
    "implied_views",
)


def _is_web(user_id: object) -> bool:
    if user_id is None:
        return True
    return int(hashlib.sha256(str(user_id).encode()).hexdigest(), 16) % 2 == 0


class Split:
    """The two sources' rows, as written."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.web = [row for row in rows if _is_web(row["user_id"])]
        self.app = [row for row in rows if not _is_web(row["user_id"])]
        counts: dict[object, int] = {}
        for row in rows:
            counts[row["event_id"]] = counts.get(row["event_id"], 0) + 1
        # events the web source sent once, with a load time, retried by the app source
        once = [
            row
            for row in self.web
            if row["event_id"] and counts[row["event_id"]] == 1 and row["loaded_at"] is not None
        ]
        self.retried = once[:: max(1, len(once) // RETRIED)][:RETRIED]
        for row in self.retried:
            self.app.append({**row, "loaded_at": row["loaded_at"] + timedelta(hours=1)})


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Split]:
    root = tmp_path_factory.mktemp("sources")
    generate_events(root / "log", EVENTS, SEED)
    table = pq.read_table(sorted((root / "log").glob("*.parquet")))
    return root, Split(table.to_pylist())


@pytest.fixture(scope="module")
def one_source(split: tuple[Path, Split], dbt_runner: DbtRunner) -> Path:
    """The same rows, both sources', as one Parquet file: the reference build."""
    root, rows = split
    files = root / "one"
    files.mkdir()
    schema = pq.read_schema(sorted((root / "log").glob("*.parquet"))[0])
    pq.write_table(pa.Table.from_pylist(rows.web + rows.app, schema=schema), files / "all.parquet")
    return dbt_runner(root / "one-build", files / "all.parquet", extra_args=QUICK_BUILD_EXCLUDES).db


@pytest.fixture(scope="module")
def two_sources(split: tuple[Path, Split], dbt_runner: DbtRunner) -> Path:
    """Web rows as Parquet files of their own shape, app rows as a warehouse table; the
    whole build, data tests included (the reconciliation per source among them)."""
    root, rows = split
    schema = pq.read_schema(sorted((root / "log").glob("*.parquet"))[0])
    web = root / "web"
    web.mkdir()
    web_schema = schema.set(
        schema.get_field_index("latency_ms"), pa.field("latency_ms", pa.string())
    ).append(pa.field("platform", pa.string()))
    web_rows = [
        {
            **row,
            "latency_ms": None if row["latency_ms"] is None else str(row["latency_ms"]),
            "platform": "web",
        }
        for row in rows.web
    ]
    half = len(web_rows) // 2
    for index, part in enumerate((web_rows[:half], web_rows[half:])):
        pq.write_table(pa.Table.from_pylist(part, schema=web_schema), web / f"part-{index}.parquet")
    workdir = root / "two-build"
    workdir.mkdir()
    app = pa.Table.from_pylist(rows.app, schema=schema)
    with duckdb.connect(str(workdir / "warehouse.duckdb")) as con:
        con.register("app_rows", app)
        con.execute("create table main.app_events as select * from app_rows")
    return dbt_runner(
        workdir,
        "",
        extra_vars={
            "ai_adoption_source_path": None,
            "ai_adoption_sources": [
                {"name": "web", "path": str(web / "*.parquet")},
                {"name": "app", "table": "app_events"},
            ],
        },
    ).db


@pytest.mark.parametrize(("schema", "table"), COMPARED)
def test_two_sources_give_the_one_source_tables(
    one_source: Path, two_sources: Path, schema: str, table: str
) -> None:
    problems = table_differences(one_source, two_sources, schema, table, ("source_relation",))
    assert not problems, "\n".join(problems)


def _quality(db: Path, by: str) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    sums = ", ".join(f"sum({column})" for column in COUNTS)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(f"select {by}, {sums} from {QUALITY} group by all").fetchall()
    width = len(by.split(","))
    return {tuple(row[:width]): tuple(row[width:]) for row in rows}


def test_the_quality_mart_adds_up_to_the_one_source_build(
    one_source: Path, two_sources: Path
) -> None:
    assert _quality(two_sources, "load_date") == _quality(one_source, "load_date")


def test_each_source_receives_the_rows_written_to_it(
    split: tuple[Path, Split], two_sources: Path
) -> None:
    _, rows = split
    received = {
        key[0]: counts[0] for key, counts in _quality(two_sources, "source_relation").items()
    }
    assert received == {"web": len(rows.web), "app": len(rows.app)}


def test_a_retried_event_is_a_duplicate_of_the_later_source(
    split: tuple[Path, Split], two_sources: Path
) -> None:
    """The web copy came first: where it is a kept event, the app copy is its duplicate;
    where it was rejected, the app copy is rejected with the same reason."""
    _, rows = split
    ids = [row["event_id"] for row in rows.retried]
    assert len(ids) == RETRIED
    listed = ", ".join(f"'{event_id}'" for event_id in ids)
    with duckdb.connect(str(two_sources), read_only=True) as con:
        ledger = con.execute(
            "select event_id, source_relation, rejection_reason, is_duplicate "
            f"from {STAGING_SCHEMA}.base_ai_events__events_checked where event_id in ({listed})"
        ).fetchall()
    by_source: dict[str, dict[str, tuple[Any, bool]]] = {"web": {}, "app": {}}
    for event_id, source, reason, is_duplicate in ledger:
        by_source[source][event_id] = (reason, is_duplicate)
    assert set(by_source["web"]) == set(by_source["app"]) == set(ids)
    kept = 0
    for event_id in ids:
        web_reason, web_duplicate = by_source["web"][event_id]
        app_reason, app_duplicate = by_source["app"][event_id]
        assert not web_duplicate, event_id
        assert app_reason == web_reason, event_id
        if web_reason is None:
            kept += 1
            assert app_duplicate, event_id
    assert kept >= RETRIED // 2, "too few retried events were good rows to test anything"


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        ("web_events", "must be a list of sources"),
        ([{"name": "web", "table": "a"}, {"name": "web", "table": "b"}], "is given twice"),
        ([{"name": "web"}], "must have either a table or a path"),
        ([{"name": "web", "table": "a", "tabel": "b"}], "unknown key(s) tabel"),
        ([{"name": " web", "table": "a"}], "without surrounding spaces"),
    ],
)
def test_a_badly_listed_source_stops_the_build(
    tmp_path: Path, sources: object, message: str
) -> None:
    run = run_dbt(
        tmp_path,
        "",
        command="parse",
        extra_vars={"ai_adoption_source_path": None, "ai_adoption_sources": sources},
        check=False,
    )
    assert run.returncode != 0
    assert message in run.output


def test_sources_and_a_source_path_are_not_both_set(tmp_path: Path) -> None:
    run = run_dbt(
        tmp_path,
        "events/*.parquet",
        command="parse",
        extra_vars={"ai_adoption_sources": [{"name": "web", "table": "a"}]},
        check=False,
    )
    assert run.returncode != 0
    assert "are both set" in run.output
