"""The package on Apache Spark: local pyspark through dbt-spark's `session` method.

`make test-spark` (pytest -m spark pytests/engines); the default `make pytest` leaves
these out. Needs dbt-spark[session], pyspark 4 and Java 17. Every dbt invocation starts
Spark inside the dbt process with the bundled profile's target `spark`: its warehouse,
Derby metastore and scratch files live under AI_ADOPTION_SPARK_DIR (a pytest tmp dir),
and the process runs there, so nothing is written into the repository. Derby lets one
process at a time open the metastore: events are loaded by a dbt run-operation
(ai_adoption_load_events) before a build, and the tables a build wrote are read back from
their Parquet files once it has ended.

- a full `dbt build` (models, data tests, unit tests) on the 30k events (seed 7) of the
  DuckDB warehouse fixture and their product activity passes, and its source rows
  reconcile; its reach and effect marts equal a DuckDB build of the same activity;
- every mart equals the DuckDB build of the same events (doubles within 1e-9);
- incremental runs over a log delivered in batches, one of them killed once its first
  pair model is written, give the tables of a full refresh on the rows that were read
  (the pair models overwrite only the partitions of changed pairs), and rows beyond the
  lookback are counted, as on DuckDB (3 batches of 20k events: on Spark every dbt run
  costs tens of seconds).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from adapter_fixtures import (
    ENGINE_SELECT,
    ENGINE_TABLE,
    TWO_SOURCES,
    TWO_SOURCES_FORMAT,
    WRITERS,
    engine_differences,
    engine_reference,
    split_log,
    write_vendor_log,
)
from conftest import (
    ACTIVITY_TABLE,
    ACTIVITY_VARS,
    ActivityWarehouse,
    DbtRun,
    Warehouse,
    assert_build_ran_everything,
    dbt_invocation,
    execute_dbt,
    generate_events,
    run_killed_half_way,
    shown_rows,
)
from incremental_checks import (
    ACTIVITY_MARTS,
    COMPARED,
    INTERMEDIATE_SCHEMA,
    MART_SCHEMA,
    MARTS,
    QUALITY,
    STAGING_SCHEMA,
    History,
    HistoryChecks,
    plan_deliveries,
    table_differences,
)

pytestmark = pytest.mark.spark

SOURCE = "main.ai_events"
INCREMENTAL_EVENTS = 20_000
INCREMENTAL_SEED = 11
INCREMENTAL_BATCHES = 3
LOOKBACK_HOURS = 6
#: Held-back rows per batch, of each kind.
HELD_BACK = 40
#: Resource types a build without tests leaves out.
NO_TESTS = ("--exclude-resource-type", "test", "unit_test")
#: Schemas whose tables the incremental test reads back.
STORED = (MART_SCHEMA, STAGING_SCHEMA, INTERMEDIATE_SCHEMA)
#: The tables compared after incremental runs: the shared list without its views, plus the
#: ledger.
COMPARED_TABLES = (
    *((schema, table) for schema, table in COMPARED if schema != STAGING_SCHEMA),
    (STAGING_SCHEMA, "base_ai_events__events_checked"),
)
#: Every table of the mart schema.
ALL_MARTS = (*MARTS, "fct_ai_event_quality_daily")


def spark_invocation(
    spark_dir: Path,
    command: str,
    *,
    extra_args: Sequence[str] = (),
    extra_vars: Mapping[str, Any] | None = None,
) -> tuple[tuple[str, ...], dict[str, str]]:
    """A dbt command on target `spark` with its warehouse and metastore under ``spark_dir``."""
    return dbt_invocation(
        spark_dir,
        command,
        env={
            "AI_ADOPTION_TARGET": "spark",
            "AI_ADOPTION_SPARK_DIR": str(spark_dir),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "TZ": "UTC",
        },
        extra_args=extra_args,
        dbt_vars=extra_vars,
    )


def run_spark_dbt(
    spark_dir: Path,
    command: str,
    *,
    extra_args: Sequence[str] = (),
    extra_vars: Mapping[str, Any] | None = None,
    check: bool = True,
) -> DbtRun:
    """Run dbt on target `spark` with its warehouse and metastore under ``spark_dir``."""
    args, env = spark_invocation(spark_dir, command, extra_args=extra_args, extra_vars=extra_vars)
    return execute_dbt(args, env, spark_dir, db=spark_dir, check=check)


def load_events(
    spark_dir: Path, path: Path | str, *, link: bool = False, table: str | None = None
) -> DbtRun:
    """Copy Parquet files into the source table (or ``table``), or link the table to a
    folder of them."""
    arguments = json.dumps({"path": str(path), "link": link})
    return run_spark_dbt(
        spark_dir,
        "run-operation ai_adoption_load_events",
        extra_args=("--args", arguments),
        extra_vars={"ai_adoption_source_table": table} if table else None,
    )


def read_spark_tables(spark_dir: Path, db: Path, *, schemas: Sequence[str] = ()) -> Path:
    """Copy every table Spark stored in ``schemas`` into one DuckDB file, without Spark.

    The tables are Parquet files under the warehouse folder (<schema>.db/<table>/, one
    level of folders per partition column); views have no files and are left out.
    Spark writes timestamps as instants; they are stored as UTC wall-clock timestamps,
    the type the DuckDB build has.
    """
    warehouse = spark_dir / "warehouse"
    con = duckdb.connect(str(db))
    try:
        con.execute("set TimeZone = 'UTC'")
        for schema in schemas:
            con.execute(f"create schema if not exists {schema}")
            for folder in sorted(path for path in (warehouse / f"{schema}.db").iterdir()):
                files = f"read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"
                kinds = con.execute(f"describe select * from {files}").fetchall()
                columns = ", ".join(
                    f'cast("{name}" as timestamp) as "{name}"'
                    if str(kind).startswith("TIMESTAMP")
                    else f'"{name}"'
                    for name, kind, *_ in kinds
                )
                con.execute(f"create table {schema}.{folder.name} as select {columns} from {files}")
        read_spark_views(spark_dir, con, schemas)
    finally:
        con.close()
    return db


def read_spark_views(
    spark_dir: Path, con: duckdb.DuckDBPyConnection, schemas: Sequence[str]
) -> None:
    """Create, in the DuckDB copy, the contracted views dbt built in ``schemas`` whose
    tables were copied too. Views have no files, so each is created from the SQL dbt
    compiled for Spark (a plain select and join over the copied tables, which DuckDB reads
    as written). The marts fct_ai_outputs and fct_ai_sessions are such views over the
    intermediate tables: Spark's stored rows are compared, through the view's own SQL."""
    manifest = json.loads((spark_dir / "target" / "manifest.json").read_text(encoding="utf-8"))
    stored = {
        (schema, table)
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
    }
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["config"]["materialized"] != "view":
            continue
        if not node["config"].get("contract", {}).get("enforced"):
            continue  # the dimension views follow a var; only the contracted marts are compared
        if node["schema"] not in schemas or not node.get("compiled_code"):
            continue
        parents = [manifest["nodes"][parent] for parent in node["depends_on"]["nodes"]]
        if all((parent["schema"], parent["alias"]) in stored for parent in parents):
            con.execute(f"create view {node['schema']}.{node['alias']} as {node['compiled_code']}")


# ---- a full build on the warehouse fixture's events ---------------------------------------


@dataclass(frozen=True)
class SparkBuild:
    build: DbtRun
    workdir: Path
    seconds: float
    tables: Path


@pytest.fixture(scope="module")
def spark_build(
    tmp_path_factory: pytest.TempPathFactory,
    warehouse: Warehouse,
    activity_warehouse: ActivityWarehouse,
) -> SparkBuild:
    """The warehouse fixture's events (30k, seed 7) and their product activity loaded into
    Spark, then `dbt build`."""
    root = tmp_path_factory.mktemp("spark-build")
    spark_dir = root / "spark"
    load_events(spark_dir, warehouse.data_dir / "*.parquet")
    load_events(spark_dir, activity_warehouse.activity_dir / "*.parquet", table=ACTIVITY_TABLE)
    started = time.monotonic()
    build = run_spark_dbt(spark_dir, "build", extra_vars=ACTIVITY_VARS, check=False)
    seconds = time.monotonic() - started
    print(f"\nSpark dbt build: {seconds:.0f} s")
    tables = root / "tables.duckdb"
    if build.returncode == 0:
        read_spark_tables(
            spark_dir, tables, schemas=[MART_SCHEMA, INTERMEDIATE_SCHEMA, SOURCE.split(".")[0]]
        )
    return SparkBuild(build=build, workdir=spark_dir, seconds=seconds, tables=tables)


def test_full_build_passes(spark_build: SparkBuild) -> None:
    """Every seed, model, data test and unit test the project defines succeeds on Spark."""
    assert spark_build.build.returncode == 0, f"dbt build failed:\n{spark_build.build.tail()}"
    assert_build_ran_everything(spark_build.workdir)


def test_source_rows_reconcile(spark_build: SparkBuild) -> None:
    """source rows = clean + duplicates + rejected + late beyond the lookback."""
    assert spark_build.build.returncode == 0, "the build failed (see test_full_build_passes)"
    con = duckdb.connect(str(spark_build.tables), read_only=True)
    try:
        source = con.execute(f"select count(*) from {SOURCE}").fetchone()
        accounted = con.execute(
            "select sum(events_clean + duplicates + rows_rejected + late_beyond_lookback), "
            f"sum(rows_rejected), sum(duplicates) from {QUALITY}"
        ).fetchone()
    finally:
        con.close()
    assert source is not None and accounted is not None
    assert source[0] == accounted[0]
    assert accounted[1] > 0 and accounted[2] > 0, "the sample must hold rejected and duplicate rows"


def test_every_mart_is_stored(spark_build: SparkBuild) -> None:
    assert spark_build.build.returncode == 0, "the build failed (see test_full_build_passes)"
    con = duckdb.connect(str(spark_build.tables), read_only=True)
    try:
        found = con.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            [MART_SCHEMA],
        ).fetchall()
    finally:
        con.close()
    assert sorted(name for (name,) in found) == sorted((*ALL_MARTS, *ACTIVITY_MARTS))


@pytest.mark.parametrize("table", ALL_MARTS)
def test_marts_equal_the_duckdb_build(
    spark_build: SparkBuild, warehouse: Warehouse, table: str
) -> None:
    """Each mart holds the same rows on Spark as on DuckDB, built from the same events."""
    assert spark_build.build.returncode == 0, "the build failed (see test_full_build_passes)"
    problems = table_differences(spark_build.tables, warehouse.db, MART_SCHEMA, table)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("table", ACTIVITY_MARTS)
def test_activity_marts_equal_the_duckdb_build(
    spark_build: SparkBuild, activity_warehouse: ActivityWarehouse, table: str
) -> None:
    """Reach and effect hold the same rows on Spark as on DuckDB, built from the same events
    and product activity."""
    assert spark_build.build.returncode == 0, "the build failed (see test_full_build_passes)"
    problems = table_differences(spark_build.tables, activity_warehouse.db, MART_SCHEMA, table)
    assert not problems, "\n".join(problems)


# ---- incremental runs equal a full refresh ------------------------------------------------


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    """Batches delivered into the source table, an incremental run after each; and a
    full-refresh build on the rows those runs read."""
    root = tmp_path_factory.mktemp("spark-incremental")
    generate_events(root / "events", INCREMENTAL_EVENTS, INCREMENTAL_SEED)
    plan = plan_deliveries(
        str(root / "events" / "*.parquet"), root / "batches", INCREMENTAL_BATCHES, HELD_BACK
    )
    lookback = {"ai_adoption_lookback_hours": LOOKBACK_HOURS}

    # the source table reads the files of an inbox folder; a batch is delivered as a file
    inbox = root / "inbox"
    inbox.mkdir()
    history = root / "history"
    for number, batch in enumerate(plan.batches):
        (inbox / batch.name).write_bytes(batch.read_bytes())
        if number == 0:
            load_events(history, inbox, link=True)
            run_spark_dbt(history, "build", extra_args=NO_TESTS, extra_vars=lookback)
        else:
            if number == len(plan.batches) - 1:
                # a run killed after its first pair model is written: the next run repairs
                # the tables the killed one left behind
                args, env = spark_invocation(
                    history, "run", extra_args=("--threads", "1"), extra_vars=lookback
                )
                run_killed_half_way(args, env, history)
            run = run_spark_dbt(history, "run", extra_vars=lookback)
            assert "reprocessing rows loaded since" in run.output, (
                "runs after the first must be incremental"
            )
    incremental = read_spark_tables(history, root / "history.duckdb", schemas=STORED)

    full_dir = root / "full"
    load_events(full_dir, plan.read_rows)
    run_spark_dbt(full_dir, "build --full-refresh", extra_args=NO_TESTS, extra_vars=lookback)
    full = read_spark_tables(full_dir, root / "full.duckdb", schemas=STORED)
    return History(plan=plan, incremental=incremental, full=full)


class TestIncrementalHistory(HistoryChecks):
    """The incremental history on Spark, checked as on every engine: the compared tables
    but the staging views, which read the ledger (compared here)."""

    compared = COMPARED_TABLES


# ---- the hand-worked sample: every rejection reason as on DuckDB ---------------------------

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "events_sample.csv"
LEDGER_TABLE = "base_ai_events__events_checked"


@pytest.fixture(scope="module")
def spark_sample(tmp_path_factory: pytest.TempPathFactory, dbt_runner: Any) -> tuple[Path, Path]:
    """examples/events_sample.csv (all text, as a file of strings) built on Spark and on
    DuckDB; the Spark ledger is read back into DuckDB."""
    root = tmp_path_factory.mktemp("spark-sample")
    table = pa_csv.read_csv(
        SAMPLE,
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in _sample_columns()},
            strings_can_be_null=True,
        ),
    )
    files = root / "sample"
    files.mkdir()
    pq.write_table(table, files / "events.parquet")
    spark_dir = root / "spark"
    load_events(spark_dir, files / "events.parquet")
    run_spark_dbt(spark_dir, "build", extra_args=(*NO_TESTS, "--select", f"+{LEDGER_TABLE}"))
    spark_db = read_spark_tables(spark_dir, root / "spark.duckdb", schemas=(STAGING_SCHEMA,))
    duck = dbt_runner(
        root / "duckdb", SAMPLE, extra_args=(*NO_TESTS, "--select", f"+{LEDGER_TABLE}")
    ).db
    return spark_db, duck


def _sample_columns() -> list[str]:
    with SAMPLE.open(encoding="utf-8") as handle:
        return handle.readline().strip().split(",")


#: The ledger columns compared: the row, its reason and the values typed from text.
SAMPLE_COLUMNS = (
    "event_id, session_id, rejection_reason, copy_rank, occurred_at, loaded_at, prompt_chars, "
    "output_chars, latency_ms, edit_distance, rating, cost_usd, raw_properties_chars"
)


def test_sample_ledger_equals_the_duckdb_build(spark_sample: tuple[Path, Path]) -> None:
    """Every row of the sample, its rejection reason and its typed values, the same on
    Spark as on DuckDB (each bad-input rule behaves the same on both)."""
    spark_db, duck = spark_sample
    rows = []
    for db in (spark_db, duck):
        with duckdb.connect(str(db), read_only=True) as con:
            rows.append(
                con.execute(
                    f"select {SAMPLE_COLUMNS} from {STAGING_SCHEMA}.{LEDGER_TABLE} order by all"
                ).fetchall()
            )
    with SAMPLE.open(encoding="utf-8") as handle:
        source_rows = sum(1 for _ in handle) - 1
    assert len(rows[0]) == source_rows
    assert rows[0] == rows[1]


# ---- trackers' exports through their adapters ----------------------------------------------


@pytest.fixture(scope="module")
def adapter_reference(tmp_path_factory: pytest.TempPathFactory, dbt_runner: Any) -> Path:
    return engine_reference(tmp_path_factory.mktemp("spark-adapters"), dbt_runner)


@pytest.mark.parametrize("format_name", sorted(WRITERS))
def test_adapter_events_equal_the_duckdb_contract_build(
    tmp_path: Path, adapter_reference: Path, format_name: str
) -> None:
    """The log in a tracker's shape, read on Spark through the tracker's adapter, gives
    every event as the contract's DuckDB build does.

    Segment's log is loaded as two sources (var ai_adoption_sources), half of the rows
    each: their union gives the same events, and each row keeps the source it came from.
    """
    vendor = write_vendor_log(adapter_reference, format_name, tmp_path / format_name)
    spark_dir = tmp_path / "spark"
    dbt_vars: dict[str, Any] = {"ai_adoption_source_format": format_name}
    loaded: dict[str, int] = {}
    if format_name == TWO_SOURCES_FORMAT:
        for name, half in zip(TWO_SOURCES, split_log(vendor), strict=True):
            load_events(spark_dir, half, table=f"{name}_tracks")
            loaded[name] = pq.read_metadata(half).num_rows
        dbt_vars["ai_adoption_sources"] = [
            {"name": name, "table": f"{name}_tracks"} for name in TWO_SOURCES
        ]
    else:
        load_events(spark_dir, vendor)
    run_spark_dbt(spark_dir, "build", extra_args=(*NO_TESTS, *ENGINE_SELECT), extra_vars=dbt_vars)
    schemas = (ENGINE_TABLE[0], STAGING_SCHEMA) if loaded else (ENGINE_TABLE[0],)
    built = read_spark_tables(spark_dir, tmp_path / "spark.duckdb", schemas=schemas)
    problems = engine_differences(adapter_reference, built)
    assert not problems, "\n".join(problems)
    if loaded:
        con = duckdb.connect(str(built), read_only=True)
        try:
            received = con.execute(
                f"select source_relation, count(*) from {STAGING_SCHEMA}.{LEDGER_TABLE} group by 1"
            ).fetchall()
        finally:
            con.close()
        assert dict(received) == loaded


# ---- the keyed id hash --------------------------------------------------------------------

HASH_INPUT = "a team's key|u1"


def test_id_hash_is_the_same_sha256_as_on_duckdb(tmp_path: Path) -> None:
    """ai_adoption_sha256 gives Python's SHA-256 hex here, as it does on DuckDB."""
    run = run_spark_dbt(
        tmp_path,
        "show",
        extra_args=(
            "--inline",
            f"select {{{{ ai_adoption_sha256(ai_adoption_literal({HASH_INPUT!r})) }}}} as h",
            "--output", "json", "--log-format", "json",
        ),
    )  # fmt: skip
    assert shown_rows(run.output)[0]["h"] == hashlib.sha256(HASH_INPUT.encode()).hexdigest()
