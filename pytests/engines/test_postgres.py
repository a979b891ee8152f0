"""The package on PostgreSQL 15, against a real throwaway server.

`make test-postgres` (pytest -m postgres pytests/engines); the default `make pytest` leaves
these out. Needs dbt-postgres (psycopg2) and PostgreSQL server binaries, which
scripts/postgres.sh installs from Debian's packages when they are missing. The script
starts a cluster under /tmp/pg-server-* for the session, bound to 127.0.0.1 on a free port;
the session fixture stops it and deletes it at the end, also when a test fails. The
server's default time zone is not UTC on purpose: the models must not lean on it.

Events are generated as Parquet and copied into table main.ai_events with COPY FROM STDIN
(CSV written by DuckDB), keeping the Parquet column types (text, timestamp, bigint, double
precision). dbt reads the declared source there (ai_adoption_source_path is not set).

- a full `dbt build` (models, data tests, unit tests) on the 30k events (seed 7) of the
  DuckDB warehouse fixture and their product activity passes, and its source rows
  reconcile; its reach and effect marts equal a DuckDB build of the same activity;
- every mart equals the DuckDB build of the same events (doubles within 1e-9); the marts
  exported from PostgreSQL are left as Parquet in target/engines/postgres/ (or
  $AI_ADOPTION_ENGINES_DIR/postgres/) for comparisons with other engines;
- incremental runs over a log delivered in batches (one run killed half-way) give the
  tables of a full refresh on the rows that were read, and rows beyond the lookback are
  counted, as on DuckDB;
- examples/events_sample.csv, loaded as a table of text columns (offsets, words where
  timestamps and numbers belong, values inside `properties`), gets the hand-worked
  rejection reasons and gives the same tables as the DuckDB build of the file.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shlex
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
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
    QUICK_BUILD_EXCLUDES,
    REPO,
    WAREHOUSE_EVENTS,
    WAREHOUSE_SEED,
    ActivityWarehouse,
    DbtRun,
    DbtRunner,
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
    MART_SCHEMA,
    MARTS,
    STAGING_SCHEMA,
    History,
    HistoryChecks,
    plan_deliveries,
    table_differences,
)

pytestmark = pytest.mark.postgres

SCRIPT = REPO / "scripts" / "postgres.sh"
#: Not UTC on purpose (and not a whole hour away from it).
SERVER_TIMEZONE = "Asia/Kolkata"
SOURCE = "main.ai_events"
SAMPLE = REPO / "examples" / "events_sample.csv"
INCREMENTAL_EVENTS = 40_000
INCREMENTAL_SEED = 11
INCREMENTAL_BATCHES = 6
#: The incremental run after this batch is preceded by a run killed half-way.
KILLED_BATCH = 3
LOOKBACK_HOURS = 6
#: Held-back rows per batch, of each kind.
HELD_BACK = 40
#: Resource types a build without tests leaves out.
NO_TESTS = ("--exclude-resource-type", "test", "unit_test")
QUALITY = (MART_SCHEMA, "fct_ai_event_quality_daily")
LEDGER = (STAGING_SCHEMA, "base_ai_events__events_checked")
#: Every mart: the comparison tables and the quality mart.
ALL_MARTS: tuple[str, ...] = (*MARTS, QUALITY[1])
EXPORT_DIR = (
    Path(os.environ.get("AI_ADOPTION_ENGINES_DIR", str(REPO / "target" / "engines"))) / "postgres"
)

#: DuckDB types of the generated Parquet, and the PostgreSQL type each source column gets.
SOURCE_TYPES = {
    "VARCHAR": "text",
    "TIMESTAMP": "timestamp",
    "BIGINT": "bigint",
    "DOUBLE": "double precision",
    "INTEGER": "integer",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}
#: PostgreSQL types of exported columns and the Arrow (hence DuckDB) type each becomes.
#: Any other type (numeric, say) fails the export: the marts must not hold one.
EXPORT_TYPES = {
    "text": pa.string(),
    "character varying": pa.string(),
    "bigint": pa.int64(),
    "integer": pa.int32(),
    "double precision": pa.float64(),
    "timestamp without time zone": pa.timestamp("us"),
    "date": pa.date32(),
    "boolean": pa.bool_(),
}


# ---- the server ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PgServer:
    """A running throwaway server, as scripts/postgres.sh started it."""

    root: Path
    host: str
    port: int
    user: str
    password: str
    database: str

    def dbt_env(self, database: str) -> dict[str, str]:
        """Environment for the bundled profile's target `pg` on ``database``."""
        return {
            "AI_ADOPTION_TARGET": "pg",
            "AI_ADOPTION_PG_HOST": self.host,
            "AI_ADOPTION_PG_PORT": str(self.port),
            "AI_ADOPTION_PG_USER": self.user,
            "AI_ADOPTION_PG_PASSWORD": self.password,
            "AI_ADOPTION_PG_DATABASE": database,
            "AI_ADOPTION_PG_SCHEMA": "main",
        }

    def connect(self, database: str) -> Any:
        import psycopg2

        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=database,
        )

    def create_database(self, name: str) -> str:
        """A new, empty database owned by the server's role."""
        conn = self.connect(self.database)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(f'drop database if exists "{name}"')
                cur.execute(f'create database "{name}"')
        finally:
            conn.close()
        return name


def _exports(text: str) -> dict[str, str]:
    """The `export NAME=value` lines scripts/postgres.sh prints, as a dict."""
    values = {}
    for line in text.splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            values[name] = shlex.split(value)[0] if value else ""
    return values


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A throwaway PostgreSQL server for the session, stopped and deleted at the end."""
    root = Path(tempfile.mkdtemp(prefix="pg-server-", dir="/tmp"))
    env = dict(os.environ)
    for name in ("AI_ADOPTION_PG_USER", "AI_ADOPTION_PG_PASSWORD", "AI_ADOPTION_PG_DATABASE"):
        env.pop(name, None)
    env["AI_ADOPTION_PG_SERVER_TIMEZONE"] = SERVER_TIMEZONE
    try:
        started = subprocess.run(
            [str(SCRIPT), "start", str(root)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        if started.returncode != 0:
            pytest.fail(
                f"scripts/postgres.sh start failed:\n{started.stdout[-4000:]}", pytrace=False
            )
        values = _exports(started.stdout)
        yield PgServer(
            root=root,
            host=values["AI_ADOPTION_PG_HOST"],
            port=int(values["AI_ADOPTION_PG_PORT"]),
            user=values["AI_ADOPTION_PG_USER"],
            password=values["AI_ADOPTION_PG_PASSWORD"],
            database=values["AI_ADOPTION_PG_DATABASE"],
        )
    finally:
        subprocess.run(
            [str(SCRIPT), "stop", str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
        )


# ---- events in, dbt, tables out ------------------------------------------------------------


def load_events(
    server: PgServer, database: str, parquet: Path | str, *, replace: bool, table: str = SOURCE
) -> int:
    """Copy Parquet files (a file or a glob) into ``table``; return the table's rows.

    The table gets the Parquet's column types; with ``replace`` it is created anew,
    otherwise the rows are appended. DuckDB writes the CSV: NULL as an empty field, an
    empty string as "", timestamps to the microsecond, doubles in round-trip form.
    """
    with tempfile.TemporaryDirectory(prefix="pg-load-") as scratch:
        csv_path = Path(scratch) / "events.csv"
        con = duckdb.connect()
        try:
            scan = f"read_parquet('{parquet}', union_by_name = true)"
            kinds = con.execute(f"describe select * from {scan}").fetchall()
            con.execute(f"copy (select * from {scan}) to '{csv_path}' (header, delimiter ',')")
        finally:
            con.close()
        unknown = [f"{name} {kind}" for name, kind, *_ in kinds if str(kind) not in SOURCE_TYPES]
        assert not unknown, f"no PostgreSQL type for the Parquet columns {unknown}"
        columns = [(str(name), SOURCE_TYPES[str(kind)]) for name, kind, *_ in kinds]
        names = ", ".join(f'"{name}"' for name, _ in columns)
        conn = server.connect(database)
        try:
            with conn.cursor() as cur:
                cur.execute("create schema if not exists main")
                if replace:
                    cur.execute(f"drop table if exists {table}")
                definition = ", ".join(f'"{name}" {kind}' for name, kind in columns)
                cur.execute(f"create table if not exists {table} ({definition})")
                with csv_path.open(encoding="utf-8", newline="") as handle:
                    cur.copy_expert(
                        f"copy {table} ({names}) from stdin with (format csv, header true)",
                        handle,
                    )
                cur.execute(f"analyze {table}")
                cur.execute(f"select count(*) from {table}")
                rows = int(cur.fetchone()[0])
            conn.commit()
        finally:
            conn.close()
    return rows


def load_text_csv(server: PgServer, database: str, path: Path) -> int:
    """Copy a CSV file into main.ai_events with every column as text (as DuckDB reads a
    CSV source: an empty field is null)."""
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    definition = ", ".join(f'"{name}" text' for name in header)
    conn = server.connect(database)
    try:
        with conn.cursor() as cur, path.open(encoding="utf-8", newline="") as handle:
            cur.execute("create schema if not exists main")
            cur.execute(f"drop table if exists {SOURCE}")
            cur.execute(f"create table {SOURCE} ({definition})")
            cur.copy_expert(f"copy {SOURCE} from stdin with (format csv, header true)", handle)
            cur.execute(f"analyze {SOURCE}")
            cur.execute(f"select count(*) from {SOURCE}")
            rows = int(cur.fetchone()[0])
        conn.commit()
    finally:
        conn.close()
    return rows


def _dbt_invocation(
    server: PgServer,
    database: str,
    workdir: Path,
    command: str,
    extra_args: Sequence[str],
    extra_vars: Mapping[str, Any] | None,
) -> tuple[tuple[str, ...], dict[str, str]]:
    """Arguments and environment of a dbt command on target `pg`, state under ``workdir``."""
    dbt_vars: dict[str, Any] = {
        "ai_adoption_source_schema": "main",
        "ai_adoption_source_table": "ai_events",
    }
    dbt_vars.update(extra_vars or {})
    return dbt_invocation(
        workdir,
        command,
        env=server.dbt_env(database),
        extra_args=extra_args,
        dbt_vars=dbt_vars,
    )


def run_pg_dbt(
    server: PgServer,
    database: str,
    workdir: Path,
    command: str = "build",
    *,
    extra_args: Sequence[str] = (),
    extra_vars: Mapping[str, Any] | None = None,
    check: bool = True,
) -> DbtRun:
    """Run dbt on ``database`` of the server; with ``check`` a failure fails the test."""
    args, env = _dbt_invocation(server, database, workdir, command, extra_args, extra_vars)
    return execute_dbt(args, env, workdir, db=workdir, check=check)


def run_pg_killed_half_way(
    server: PgServer, database: str, workdir: Path, extra_vars: Mapping[str, Any]
) -> None:
    """Start an incremental `dbt run` and kill it once the first models are written."""
    args, env = _dbt_invocation(server, database, workdir, "run", ("--threads", "1"), extra_vars)
    run_killed_half_way(args, env, workdir)


def fetch_table(conn: Any, schema: str, table: str) -> pa.Table:
    """A relation of the server as an Arrow table, column types mapped by EXPORT_TYPES."""
    with conn.cursor() as cur:
        cur.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = %s and table_name = %s order by ordinal_position",
            (schema, table),
        )
        columns = [(str(name), str(kind)) for name, kind in cur.fetchall()]
        assert columns, f"{schema}.{table} does not exist on PostgreSQL"
        unknown = [f"{name} {kind}" for name, kind in columns if kind not in EXPORT_TYPES]
        assert not unknown, f"{schema}.{table} has columns of unexpected types: {unknown}"
        cur.execute(f'select * from "{schema}"."{table}"')
        rows = cur.fetchall()
    values = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    arrays = [
        pa.array(list(column), type=EXPORT_TYPES[kind])
        for column, (_, kind) in zip(values, columns, strict=True)
    ]
    return pa.Table.from_arrays(arrays, names=[name for name, _ in columns])


def export_tables(
    server: PgServer,
    database: str,
    tables: Sequence[tuple[str, str]],
    db: Path,
    parquet_dir: Path | None = None,
) -> Path:
    """Copy relations (schema, name) of ``database`` into the DuckDB file ``db``; with
    ``parquet_dir``, also write each as <parquet_dir>/<name>.parquet."""
    if parquet_dir is not None:
        parquet_dir.mkdir(parents=True, exist_ok=True)
        for stale in parquet_dir.glob("*.parquet"):
            stale.unlink()
    conn = server.connect(database)
    con = duckdb.connect(str(db))
    try:
        for schema, table in tables:
            exported = fetch_table(conn, schema, table)
            con.execute(f"create schema if not exists {schema}")
            con.register("exported", exported)
            con.execute(f"create or replace table {schema}.{table} as select * from exported")
            con.unregister("exported")
            if parquet_dir is not None:
                pq.write_table(exported, parquet_dir / f"{table}.parquet")
    finally:
        con.close()
        conn.close()
    return db


def query(server: PgServer, database: str, sql: str) -> tuple[Any, ...]:
    conn = server.connect(database)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            row = cur.fetchone()
    finally:
        conn.close()
    assert row is not None
    return tuple(row)


# ---- a full build on the warehouse fixture's events ---------------------------------------


@dataclass(frozen=True)
class PgBuild:
    server: PgServer
    database: str
    workdir: Path
    build: DbtRun
    source_rows: int
    seconds: float
    marts: Path


@pytest.fixture(scope="module")
def pg_build(
    tmp_path_factory: pytest.TempPathFactory,
    pg_server: PgServer,
    warehouse: Warehouse,
    activity_warehouse: ActivityWarehouse,
) -> PgBuild:
    """The warehouse fixture's events (30k, seed 7) and their product activity loaded into
    PostgreSQL, then `dbt build`; every mart exported (Parquet in EXPORT_DIR, and one
    DuckDB file to compare)."""
    root = tmp_path_factory.mktemp("pg-build")
    database = pg_server.database
    source_rows = load_events(pg_server, database, warehouse.data_dir / "*.parquet", replace=True)
    load_events(
        pg_server,
        database,
        activity_warehouse.activity_dir / "*.parquet",
        replace=True,
        table=f"main.{ACTIVITY_TABLE}",
    )
    started = time.monotonic()
    build = run_pg_dbt(
        pg_server, database, root / "dbt", "build", extra_vars=ACTIVITY_VARS, check=False
    )
    seconds = time.monotonic() - started
    print(f"\nPostgreSQL dbt build: {seconds:.0f} s")
    marts = root / "marts.duckdb"
    if build.returncode == 0:
        tables = [(MART_SCHEMA, table) for table in (*ALL_MARTS, *ACTIVITY_MARTS)]
        export_tables(pg_server, database, tables, marts, parquet_dir=EXPORT_DIR)
        (EXPORT_DIR / "events.json").write_text(
            json.dumps({"events": WAREHOUSE_EVENTS, "seed": WAREHOUSE_SEED, "rows": source_rows})
            + "\n",
            encoding="utf-8",
        )
    return PgBuild(
        server=pg_server,
        database=database,
        workdir=root / "dbt",
        build=build,
        source_rows=source_rows,
        seconds=seconds,
        marts=marts,
    )


def test_full_build_passes(pg_build: PgBuild) -> None:
    """Every seed, model, data test and unit test the project defines succeeds."""
    assert pg_build.build.returncode == 0, f"dbt build failed:\n{pg_build.build.tail()}"
    assert_build_ran_everything(pg_build.workdir)


def test_source_rows_reconcile(pg_build: PgBuild, warehouse: Warehouse) -> None:
    """source rows = clean + duplicates + rejected + late beyond the lookback."""
    assert pg_build.build.returncode == 0, "the build failed (see test_full_build_passes)"
    con = duckdb.connect()
    try:
        parquet = con.execute(
            f"select count(*) from read_parquet('{warehouse.data_dir / '*.parquet'}')"
        ).fetchone()
    finally:
        con.close()
    assert parquet == (pg_build.source_rows,), "every generated row must reach the source table"
    (source,) = query(pg_build.server, pg_build.database, f"select count(*) from {SOURCE}")
    accounted, rejected, duplicates = query(
        pg_build.server,
        pg_build.database,
        "select sum(events_clean + duplicates + rows_rejected + late_beyond_lookback), "
        f"sum(rows_rejected), sum(duplicates) from {QUALITY[0]}.{QUALITY[1]}",
    )
    assert source == pg_build.source_rows
    assert accounted == source
    assert rejected > 0 and duplicates > 0, "the sample must hold rejected and duplicate rows"


def test_every_mart_is_compared(pg_build: PgBuild, warehouse: Warehouse) -> None:
    """The marts compared below are all the tables the DuckDB build has in the mart schema."""
    con = duckdb.connect(str(warehouse.db), read_only=True)
    try:
        # the tables, and the views with a contract (outputs and sessions); the dimension
        # views read intermediate tables compared elsewhere
        tables = con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = ? and table_name not like 'dim_ai_%_dimensions'",
            [MART_SCHEMA],
        ).fetchall()
    finally:
        con.close()
    assert sorted(name for (name,) in tables) == sorted((*ALL_MARTS, *ACTIVITY_MARTS))


@pytest.mark.parametrize("table", ALL_MARTS)
def test_marts_equal_the_duckdb_build(pg_build: PgBuild, warehouse: Warehouse, table: str) -> None:
    """Each mart holds the same rows on PostgreSQL as on DuckDB, built from the same events:
    same column names and types, same rows both ways, doubles within 1e-9."""
    assert pg_build.build.returncode == 0, "the build failed (see test_full_build_passes)"
    problems = table_differences(pg_build.marts, warehouse.db, MART_SCHEMA, table)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("table", ACTIVITY_MARTS)
def test_activity_marts_equal_the_duckdb_build(
    pg_build: PgBuild, activity_warehouse: ActivityWarehouse, table: str
) -> None:
    """Reach and effect hold the same rows on PostgreSQL as on DuckDB, built from the same
    events and product activity."""
    assert pg_build.build.returncode == 0, "the build failed (see test_full_build_passes)"
    problems = table_differences(pg_build.marts, activity_warehouse.db, MART_SCHEMA, table)
    assert not problems, "\n".join(problems)


# ---- incremental runs equal a full refresh ------------------------------------------------


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, pg_server: PgServer) -> History:
    """Batches delivered into the source table, an incremental `dbt run` after each (one
    killed half-way first); and a full-refresh build on the rows those runs read. Both
    are exported into DuckDB files."""
    root = tmp_path_factory.mktemp("pg-incremental")
    generate_events(root / "events", INCREMENTAL_EVENTS, INCREMENTAL_SEED)
    plan = plan_deliveries(
        str(root / "events" / "*.parquet"), root / "batches", INCREMENTAL_BATCHES, HELD_BACK
    )
    lookback = {"ai_adoption_lookback_hours": LOOKBACK_HOURS}
    tables = [*COMPARED, QUALITY, LEDGER]

    database = pg_server.create_database("ai_adoption_incremental")
    workdir = root / "incremental"
    for number, batch in enumerate(plan.batches):
        load_events(pg_server, database, batch, replace=number == 0)
        if number == KILLED_BATCH:
            run_pg_killed_half_way(pg_server, database, workdir, lookback)
        if number == 0:
            # seeds and the first load of every model
            run_pg_dbt(
                pg_server, database, workdir, "build", extra_args=NO_TESTS, extra_vars=lookback
            )
            continue
        run = run_pg_dbt(pg_server, database, workdir, "run", extra_vars=lookback)
        assert "reprocessing rows loaded since" in run.output, (
            "runs after the first must be incremental"
        )
    incremental = export_tables(pg_server, database, tables, root / "incremental.duckdb")

    full_database = pg_server.create_database("ai_adoption_full")
    full_dir = root / "full"
    load_events(pg_server, full_database, plan.read_rows, replace=True)
    run_pg_dbt(
        pg_server,
        full_database,
        full_dir,
        "build --full-refresh",
        extra_args=NO_TESTS,
        extra_vars=lookback,
    )
    full = export_tables(pg_server, full_database, tables, root / "full.duckdb")
    return History(plan=plan, incremental=incremental, full=full)


class TestIncrementalHistory(HistoryChecks):
    """The incremental history on PostgreSQL, checked as on every engine."""


# ---- the hand-written sample: every kind of bad row ---------------------------------------


@dataclass(frozen=True)
class SampleBuilds:
    postgres: Path
    duckdb: Path


@pytest.fixture(scope="module")
def sample_builds(
    tmp_path_factory: pytest.TempPathFactory, pg_server: PgServer, dbt_runner: DbtRunner
) -> SampleBuilds:
    """examples/events_sample.csv built on PostgreSQL (a text table) and on DuckDB (the file)."""
    root = tmp_path_factory.mktemp("pg-sample")
    database = pg_server.create_database("ai_adoption_sample")
    load_text_csv(pg_server, database, SAMPLE)
    run_pg_dbt(pg_server, database, root / "postgres", "build", extra_args=QUICK_BUILD_EXCLUDES)
    tables = [*COMPARED, QUALITY, LEDGER]
    postgres = export_tables(pg_server, database, tables, root / "postgres.duckdb")
    duck = dbt_runner(root / "duckdb", SAMPLE, extra_args=QUICK_BUILD_EXCLUDES).db
    return SampleBuilds(postgres=postgres, duckdb=duck)


def test_sample_rows_get_their_hand_worked_reasons(sample_builds: SampleBuilds) -> None:
    """Offsets, text that is not a timestamp or a number, values in `properties`: every bad
    row of the sample is rejected for the reason worked out by hand in its last column."""
    with SAMPLE.open(newline="", encoding="utf-8") as handle:
        expected = Counter(
            row["expected_rejection_reason"]
            for row in csv.DictReader(handle)
            if row["expected_rejection_reason"]
        )
    con = duckdb.connect(str(sample_builds.postgres), read_only=True)
    try:
        got = con.execute(
            "select rejection_reason, count(*) "
            f"from {STAGING_SCHEMA}.stg_ai_events__rejected_events group by 1"
        ).fetchall()
    finally:
        con.close()
    assert Counter(dict(got)) == expected


@pytest.mark.parametrize(("schema", "table"), [*COMPARED, QUALITY, LEDGER])
def test_sample_tables_equal_the_duckdb_build(
    sample_builds: SampleBuilds, schema: str, table: str
) -> None:
    """Every table built from the sample is the same on PostgreSQL as on DuckDB."""
    problems = table_differences(sample_builds.postgres, sample_builds.duckdb, schema, table)
    assert not problems, "\n".join(problems)


# ---- trackers' exports through their adapters ----------------------------------------------


@pytest.fixture(scope="module")
def adapter_reference(tmp_path_factory: pytest.TempPathFactory, dbt_runner: DbtRunner) -> Path:
    return engine_reference(tmp_path_factory.mktemp("pg-adapters"), dbt_runner)


@pytest.mark.parametrize("format_name", sorted(WRITERS))
def test_adapter_events_equal_the_duckdb_contract_build(
    tmp_path: Path, pg_server: PgServer, adapter_reference: Path, format_name: str
) -> None:
    """The log in a tracker's shape, loaded into PostgreSQL and read through the tracker's
    adapter, gives every event as the contract's DuckDB build does.

    Segment's log is loaded as two sources (var ai_adoption_sources), half of the rows
    each: their union gives the same events, and each row keeps the source it came from.
    """
    vendor = write_vendor_log(adapter_reference, format_name, tmp_path / format_name)
    database = pg_server.create_database(f"ai_adoption_{format_name}")
    dbt_vars: dict[str, Any] = {"ai_adoption_source_format": format_name}
    loaded: dict[str, int] = {}
    if format_name == TWO_SOURCES_FORMAT:
        for name, half in zip(TWO_SOURCES, split_log(vendor), strict=True):
            loaded[name] = load_events(
                pg_server, database, half, replace=True, table=f"main.{name}_tracks"
            )
        dbt_vars["ai_adoption_sources"] = [
            {"name": name, "table": f"{name}_tracks"} for name in TWO_SOURCES
        ]
    else:
        load_events(pg_server, database, vendor, replace=True)
    run_pg_dbt(
        pg_server,
        database,
        tmp_path / "dbt",
        "build",
        extra_args=(*NO_TESTS, *ENGINE_SELECT),
        extra_vars=dbt_vars,
    )
    built = export_tables(pg_server, database, [ENGINE_TABLE], tmp_path / "pg.duckdb")
    problems = engine_differences(adapter_reference, built)
    assert not problems, "\n".join(problems)
    for name, rows in loaded.items():
        ledger = f"{LEDGER[0]}.{LEDGER[1]}"
        sql = f"select count(*) from {ledger} where source_relation = '{name}'"
        assert query(pg_server, database, sql) == (rows,), name


# ---- the keyed id hash --------------------------------------------------------------------

HASH_INPUT = "a team's key|u1"


def test_id_hash_is_the_same_sha256_as_on_duckdb(tmp_path: Path, pg_server: PgServer) -> None:
    """ai_adoption_sha256 gives Python's SHA-256 hex here, as it does on DuckDB."""
    database = pg_server.create_database("ai_adoption_hash")
    run = run_pg_dbt(
        pg_server,
        database,
        tmp_path,
        "show",
        extra_args=(
            "--inline",
            f"select {{{{ ai_adoption_sha256(ai_adoption_literal({HASH_INPUT!r})) }}}} as h",
            "--output", "json", "--log-format", "json",
        ),
    )  # fmt: skip
    assert shown_rows(run.output)[0]["h"] == hashlib.sha256(HASH_INPUT.encode()).hexdigest()
