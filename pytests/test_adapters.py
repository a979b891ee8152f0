"""Each tracker adapter gives the marts the contract gives for the same events.

A clean generated log is built twice: once as it is (the input contract), once rewritten
in a tracker's export format (adapter_fixtures.py) with var ai_adoption_source_format set
to that tracker. Every mart, the quality mart and the staged events must hold the same rows.
Hand-written vendor rows with bad values are rejected with the reason the contract gives.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from adapter_fixtures import to_posthog
from conftest import GENERATOR, QUICK_BUILD_EXCLUDES, DbtRunner
from incremental_checks import COMPARED, MART_SCHEMA, STAGING_SCHEMA, table_differences

EVENTS = 15_000
SEED = 23
#: The tables compared: the marts, the staged and intermediate tables and the quality mart
#: (the log is clean, so the rejected rows are tested apart, on hand-written vendor rows).
TABLES: tuple[tuple[str, str], ...] = (
    *(entry for entry in COMPARED if entry[1] != "stg_ai_events__rejected_events"),
    (MART_SCHEMA, "fct_ai_event_quality_daily"),
)
ADAPTERS: dict[str, Callable[[pa.Table], pa.Table]] = {"posthog": to_posthog}
#: The staged events keep the name an event arrived with, and a tracker names its own LLM
#: events (PostHog's $ai_generation): that name is the one column allowed to differ.
LEFT_OUT: tuple[str, ...] = ("event_name",)


@pytest.fixture(scope="module")
def contract_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean generated log (no malformed rows: each adapter's bad rows are tested apart)."""
    out = tmp_path_factory.mktemp("adapters") / "contract"
    subprocess.run(
        [str(GENERATOR), "generate", "--out", str(out), "--events", str(EVENTS),
         "--seed", str(SEED), "--clean"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def contract_build(contract_log: Path, dbt_runner: DbtRunner) -> Path:
    return dbt_runner(
        contract_log.parent / "contract-build",
        contract_log / "*.parquet",
        extra_args=QUICK_BUILD_EXCLUDES,
    ).db


@pytest.fixture(scope="module", params=sorted(ADAPTERS))
def adapter_build(
    request: pytest.FixtureRequest, contract_log: Path, dbt_runner: DbtRunner
) -> tuple[str, Path]:
    """The same log in the tracker's shape, built with the tracker's adapter."""
    format_name: str = request.param
    vendor = contract_log.parent / format_name
    vendor.mkdir()
    table = pq.read_table(sorted(contract_log.glob("*.parquet")))
    pq.write_table(ADAPTERS[format_name](table), vendor / "events.parquet")
    run = dbt_runner(
        contract_log.parent / f"{format_name}-build",
        vendor / "events.parquet",
        extra_args=QUICK_BUILD_EXCLUDES,
        extra_vars={"ai_adoption_source_format": format_name},
    )
    return format_name, run.db


@pytest.mark.parametrize(("schema", "table"), TABLES)
def test_adapter_gives_the_contract_tables(
    adapter_build: tuple[str, Path], contract_build: Path, schema: str, table: str
) -> None:
    format_name, db = adapter_build
    problems = table_differences(contract_build, db, schema, table, LEFT_OUT)
    assert not problems, f"{format_name}: " + "\n".join(problems)


def test_adapter_keeps_every_row(adapter_build: tuple[str, Path], contract_log: Path) -> None:
    """One ledger row per vendor row: nothing is filtered on the way in."""
    _, db = adapter_build
    expected = pq.read_table(sorted(contract_log.glob("*.parquet"))).num_rows
    with duckdb.connect(str(db), read_only=True) as con:
        (got,) = con.execute(
            f"select count(*) from {STAGING_SCHEMA}.base_ai_events__events_checked"
        ).fetchone() or (None,)
    assert got == expected
