"""Benchmark of the dbt pipeline on DuckDB or Spark: ``ai-adoption bench``.

For each scale (number of events) the benchmark

1. prepares the events: 1,000,000 generated events (cached under ``OUT/base-1m``) are
   replicated in DuckDB -- copy ``k`` gets every identifier suffixed with ``~k`` (copy 0 keeps
   the original values, nulls and blanks stay as they are), timestamps are kept -- or, below
   1M, cut to a prefix by ``loaded_at``. The rows are split by ``loaded_at``: the last 1 %
   (above the 99th percentile) go to ``new/part.parquet``, the rest to ``base/part-*.parquet``;
2. on DuckDB, times a one-pass floor: one hand-written DuckDB query that reads every event
   once and aggregates it per output and per session (the lower bound no pipeline can beat);
3. on DuckDB, right after the floor and on the same files (100 %), times the lean reference
   (:mod:`ai_adoption.bench_lean`): a few plain DuckDB statements on one connection that do
   each kind of work the package does once -- type and check every row, quarantine the
   rejected ones with their reason, keep the first loaded copy of each event, map event names
   to actions, cut sessions, roll up outputs and sessions, write them and checkpoint. The
   floor and the lean reference use the same memory_limit and threads;
4. times ``dbt parse`` (a full parse: the saved partial-parse state is removed first), then,
   in a fresh warehouse, ``dbt seed``, ``dbt run --full-refresh`` on the base files only
   (99 %), then adds the new file to the source folder and times a plain ``dbt run`` (the
   incremental step), then ``dbt run --full-refresh`` on everything (the full build),
   ``dbt ls --resource-type model`` (start-up, partial parse and exit, no warehouse work) and,
   on DuckDB, ``dbt test`` (data tests), each with the peak resident memory of dbt.

After each dbt command its ``run_results.json`` is kept as ``OUT/logs/<step>-run_results.json``;
the full build's and the incremental step's give a per-model profile (dbt's execution time of
each model, its materialization from the manifest, the rows of its table).

On DuckDB the source glob given to dbt is the same for every command of a scale
(``OUT/scale-N/source/*.parquet``): the folder holds hard links to the base parts, and the
incremental step links the new part into it, the way new files arrive in an export folder.

On Spark (``--engine spark``, scales up to 1M) every scale runs in a fresh folder
``OUT/spark-N`` (warehouse, Derby metastore, scratch files and dbt's target path; Spark runs
inside each dbt process, one at a time). The source table ``main.ai_events`` is linked once
to ``OUT/spark-N/source`` (``dbt run-operation ai_adoption_load_events``, timed as its own
row); the new part is then linked into that folder. Every dbt command starts a new Spark
session, which lists the folder's files afresh, so no ``refresh table`` is needed. There is
no floor query, no lean reference and no ``dbt test`` on Spark. Row counts of the tables Spark
wrote are read from their Parquet files under ``OUT/spark-N/warehouse`` with DuckDB.

The results are printed as one table (a column per scale, each goal marked met or missed),
then one per-model table per scale, and written to ``OUT/results.md`` and
``OUT/results.json``.

Goals (a cell is marked met or missed only at the scales its goal is judged at):

- the full build takes at most 15 times the one-pass floor, and at most 1.5 times the lean
  reference, at 10M events;
- the incremental run after 1 % new events takes at most 10 % of the full build at 1M events
  and at most 5 % at 10M (below 1M dbt's fixed start-up dominates both runs);
- the incremental run leaves every table with the row count of the full build, at every
  scale;
- dbt's peak resident memory stays at most 2.5 GiB (set for 10M), judged at the largest
  scale of the run;
- on Spark, the incremental run takes at most 25 % of the full build, at every scale.

The time of the full build at the largest scale over that at the smallest is shown without a
verdict, for sizing.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ai_adoption import bench_lean, project
from ai_adoption.generator import SCHEMA

if TYPE_CHECKING:
    import duckdb

logger = logging.getLogger(__name__)

#: Events generated once and replicated for the larger scales.
BASE_EVENTS = 1_000_000
#: Identifier columns suffixed with ``~k`` in copy ``k`` of the replicated log.
ID_COLUMNS: tuple[str, ...] = ("event_id", "user_id", "account_id", "session_id", "output_id")
SUFFIX_SEPARATOR = "~"
#: Rows with loaded_at above this quantile are the "new" files of the incremental step.
NEW_QUANTILE = 0.99
#: Minimum number of base part files per scale (one per million events above that).
MIN_BASE_PARTS = 4
#: Layout version of the prepared data; a cached scale with another version is rebuilt.
DATA_LAYOUT = 1
MARKER = ".complete"
#: Rows per Parquet row group of the prepared files (pyarrow's default maximum).
ROW_GROUP_ROWS = 1024 * 1024
DBT_TAIL_LINES = 40
#: Log dbt's progress at most this often (seconds).
PROGRESS_SECONDS = 15.0
GIB = 1024**3

# ---- goals ----------------------------------------------------------------------------------

#: The scale the build-time goals are set for and judged at.
GOAL_SCALE = 10_000_000
#: Full build at most this many times the one-pass floor (at GOAL_SCALE).
GOAL_FLOOR_RATIO = 15.0
#: Full build at most this many times the lean reference (at GOAL_SCALE).
GOAL_LEAN_RATIO = 1.5
#: Incremental run (1 % new events) at most this share of the full build at 1M events ...
GOAL_INCREMENTAL_SHARE_1M = 0.10
#: ... and at 10M events, where dbt's fixed start-up weighs less.
GOAL_INCREMENTAL_SHARE_10M = 0.05
#: The incremental goals by the scale they are judged at (no verdict at other scales).
GOAL_INCREMENTAL_SHARES: Mapping[int, float] = {
    1_000_000: GOAL_INCREMENTAL_SHARE_1M,
    10_000_000: GOAL_INCREMENTAL_SHARE_10M,
}
#: Incremental run at most this share of the full build on Spark, where every dbt command
#: also starts a Spark session.
GOAL_SPARK_INCREMENTAL_SHARE = 0.25
#: Peak resident memory of a dbt process on DuckDB, judged at the largest scale (set for
#: 10M events).
GOAL_PEAK_GIB = 2.5

# ---- engines --------------------------------------------------------------------------------

DUCKDB = "duckdb"
SPARK = "spark"
ENGINES: tuple[str, ...] = (DUCKDB, SPARK)
#: Largest scale run on Spark (local Spark in one dbt process).
SPARK_MAX_SCALE = BASE_EVENTS


def check_engine_scales(engine: str, scales: Iterable[int]) -> None:
    """Refuse an unknown engine, and scales above SPARK_MAX_SCALE on Spark."""
    if engine not in ENGINES:
        raise BenchError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")
    too_large = sorted(s for s in scales if engine == SPARK and s > SPARK_MAX_SCALE)
    if too_large:
        listed = ", ".join(f"{s:,}" for s in too_large)
        raise BenchError(
            f"scales above {SPARK_MAX_SCALE:,} events are not run on Spark (asked: {listed}); "
            f"pass --scales {SPARK_MAX_SCALE} or smaller"
        )


# ---- prepared data --------------------------------------------------------------------------


def check_scale(scale: int) -> int:
    """A valid scale: positive, and a whole multiple of 1M from 1M on (copies of the base)."""
    if scale < 1:
        raise ValueError(f"a scale must be at least 1: {scale}")
    if scale > BASE_EVENTS and scale % BASE_EVENTS:
        raise ValueError(f"a scale above {BASE_EVENTS:,} must be a multiple of it: {scale:,}")
    return scale


def scale_label(scale: int) -> str:
    """``1000000`` -> ``1M``, ``250000`` -> ``250k``; other numbers with separators."""
    if scale % 1_000_000 == 0:
        return f"{scale // 1_000_000}M"
    if scale % 1_000 == 0:
        return f"{scale // 1_000}k"
    return f"{scale:,}"


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _read_parquet(glob: str) -> str:
    return (
        f"read_parquet({_sql_string(glob)}, union_by_name = true, "
        "filename = true, file_row_number = true)"
    )


def replicated_sql(source_glob: str, copies: int) -> str:
    """Every source row ``copies`` times; copy k > 0 has each identifier suffixed with ``~k``.

    Copy 0 keeps the original values; null and blank identifiers stay null and blank (so a
    row the warehouse rejects for a missing id is rejected in every copy). The extra
    columns ``_copy``, ``_file`` and ``_row`` give a stable order; :func:`split_events`
    drops them.
    """
    if copies < 1:
        raise ValueError(f"copies must be at least 1: {copies}")
    suffixed = ",\n        ".join(
        f"case when copies.k = 0 or trim(src.{c}) = '' then src.{c} "
        f"else src.{c} || '{SUFFIX_SEPARATOR}' || copies.k end as {c}"
        for c in ID_COLUMNS
    )
    return f"""
    select
        src.* exclude (filename, file_row_number) replace (
        {suffixed}
        ),
        copies.k as _copy,
        src.filename as _file,
        src.file_row_number as _row
    from {_read_parquet(source_glob)} as src
    cross join range({copies}) as copies(k)
    """


def prefix_sql(source_glob: str, rows: int) -> str:
    """The first ``rows`` source rows by loaded_at (for scales below the base log)."""
    return f"""
    select
        * exclude (filename, file_row_number),
        0 as _copy,
        filename as _file,
        file_row_number as _row
    from {_read_parquet(source_glob)}
    order by loaded_at nulls last, filename, file_row_number
    limit {rows}
    """


def scale_sql(source_glob: str, scale: int) -> str:
    """The events of one scale, built from the base log at ``source_glob``."""
    check_scale(scale)
    if scale >= BASE_EVENTS:
        return replicated_sql(source_glob, scale // BASE_EVENTS)
    return prefix_sql(source_glob, scale)


@dataclass(frozen=True)
class SplitResult:
    """Where :func:`split_events` wrote the rows."""

    base_files: tuple[Path, ...]
    new_file: Path
    base_rows: int
    new_rows: int
    threshold: datetime | None

    @property
    def rows(self) -> int:
        return self.base_rows + self.new_rows


def _write_parquet(
    connection: duckdb.DuckDBPyConnection, query: str, params: Sequence[Any], path: Path
) -> int:
    """Stream a query into ``path`` with the generator's exact Arrow schema; return the rows.

    Written with pyarrow (not DuckDB's COPY), so that types and nullability are those of the
    generated files; a batch that does not cast to the schema fails. Row groups hold up to
    ROW_GROUP_ROWS rows, like pyarrow's default for a whole table.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    reader = connection.sql(query, params=list(params)).to_arrow_reader(batch_size=128 * 1024)
    partial = path.with_name(path.name + ".partial")
    rows = 0
    pending: list[Any] = []
    pending_rows = 0
    with pq.ParquetWriter(partial, SCHEMA) as writer:
        for batch in reader:
            if batch.num_rows:
                pending.append(batch.cast(SCHEMA))
                pending_rows += batch.num_rows
            if pending_rows >= ROW_GROUP_ROWS:
                writer.write_table(pa.Table.from_batches(pending, SCHEMA), ROW_GROUP_ROWS)
                rows += pending_rows
                pending, pending_rows = [], 0
        if pending or not rows:
            writer.write_table(pa.Table.from_batches(pending, SCHEMA), ROW_GROUP_ROWS)
            rows += pending_rows
    partial.replace(path)
    return rows


def _scalar(connection: duckdb.DuckDBPyConnection, query: str, params: Sequence[Any] = ()) -> Any:
    """The first value of the first row of a query (None when there is no row)."""
    rows = connection.execute(query, list(params)).fetchall()
    return rows[0][0] if rows else None


def split_events(
    connection: duckdb.DuckDBPyConnection,
    events_sql: str,
    out_dir: Path,
    base_parts: int = MIN_BASE_PARTS,
) -> SplitResult:
    """Write the rows of ``events_sql`` as ``base/part-NNNN.parquet`` and ``new/part.parquet``.

    ``new`` holds the rows with loaded_at above its 99th percentile, ``base`` the rest,
    including rows without loaded_at. Loads come in batches sharing one loaded_at, so ``new``
    is whole batches, usually a little under 1 %; when the percentile falls in the last
    batch, that batch is ``new``. Base parts are consecutive loaded_at ranges, each in
    loaded_at order (like the generator's parts).
    """
    if base_parts < 1:
        raise ValueError(f"base_parts must be at least 1: {base_parts}")
    base_dir, new_dir = out_dir / "base", out_dir / "new"
    for folder in (base_dir, new_dir):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    connection.execute(f"create or replace temp view bench_events as {events_sql}")
    threshold: datetime | None = _scalar(
        connection, f"select quantile_disc(loaded_at, {NEW_QUANTILE}) from bench_events"
    )
    latest = _scalar(connection, "select max(loaded_at) from bench_events")
    if threshold is not None and threshold == latest:
        # the percentile falls in the last load batch (ties): that batch becomes the new part
        threshold = _scalar(
            connection, "select max(loaded_at) from bench_events where loaded_at < ?", [latest]
        )
    fractions = [i / base_parts for i in range(1, base_parts)]
    bounds: list[datetime] = []
    if threshold is not None and fractions:
        found = _scalar(
            connection,
            f"select quantile_disc(loaded_at, {fractions}) from bench_events where loaded_at <= ?",
            [threshold],
        )
        bounds = list(found) if found is not None else []

    # one (condition, params) per base part: part i holds loaded_at in (edges[i], edges[i+1]],
    # the first part also the rows without loaded_at
    conditions: list[tuple[str, list[Any]]] = [("true", [])]
    if threshold is not None:
        edges = [*bounds, threshold]
        conditions = [("loaded_at is null or loaded_at <= ?", [edges[0]])]
        conditions += [
            ("loaded_at > ? and loaded_at <= ?", [lo, hi])
            for lo, hi in zip(edges, edges[1:], strict=False)
        ]

    ordered = "order by loaded_at nulls first, _copy, _file, _row"
    select = "select * exclude (_copy, _file, _row) from bench_events"
    base_files: list[Path] = []
    base_rows = 0
    for i, (condition, params) in enumerate(conditions):
        path = base_dir / f"part-{i:04d}.parquet"
        rows = _write_parquet(connection, f"{select} where {condition} {ordered}", params, path)
        logger.info("wrote %s (%d rows)", path, rows)
        base_files.append(path)
        base_rows += rows
    new_file = new_dir / "part.parquet"
    if threshold is None:
        new_rows = _write_parquet(connection, f"{select} where false", [], new_file)
    else:
        new_rows = _write_parquet(
            connection, f"{select} where loaded_at > ? {ordered}", [threshold], new_file
        )
    logger.info("wrote %s (%d rows)", new_file, new_rows)
    connection.execute("drop view bench_events")
    return SplitResult(tuple(base_files), new_file, base_rows, new_rows, threshold)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _connect(
    database: Path | str, memory_limit: str, threads: int, temp_dir: Path
) -> duckdb.DuckDBPyConnection:
    import duckdb

    temp_dir.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(
        str(database),
        config={
            "memory_limit": memory_limit,
            "threads": threads,
            "temp_directory": str(temp_dir),
        },
    )


def ensure_base(out: Path, seed: int) -> Path:
    """``OUT/base-1m``: 1M generated events, made once per seed and reused afterwards."""
    base = out / "base-1m"
    marker = base / MARKER
    wanted = {"events": BASE_EVENTS, "seed": seed}
    if _read_json(marker) == wanted:
        logger.info("reusing the generated base log in %s", base)
        return base
    if base.exists():
        shutil.rmtree(base)
    logger.info(
        "generating %d events (seed %d) into %s (about half a minute)", BASE_EVENTS, seed, base
    )
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "ai_adoption.cli",
            "generate",
            "--out",
            str(base),
            "--events",
            str(BASE_EVENTS),
            "--seed",
            str(seed),
        ],
        check=False,
    )
    if completed.returncode != 0:
        raise BenchError(f"ai-adoption generate failed (exit {completed.returncode})")
    marker.write_text(json.dumps(wanted) + "\n", encoding="utf-8")
    return base


@dataclass(frozen=True)
class ScaleData:
    """The prepared files of one scale."""

    scale: int
    folder: Path
    base_files: tuple[Path, ...]
    new_file: Path
    base_rows: int
    new_rows: int

    @property
    def rows(self) -> int:
        return self.base_rows + self.new_rows

    @property
    def source_dir(self) -> Path:
        return self.folder / "source"

    @property
    def source_glob(self) -> str:
        """The one glob dbt reads for this scale, before and after the new part arrives."""
        return str(self.source_dir / "*.parquet")


def prepare_scale(
    out: Path, base: Path, scale: int, seed: int, memory_limit: str, threads: int
) -> ScaleData:
    """The split files of one scale under ``OUT/scale-N`` (reused when already complete)."""
    folder = out / f"scale-{scale}"
    marker = folder / MARKER
    wanted = {"scale": scale, "seed": seed, "layout": DATA_LAYOUT}
    meta = _read_json(marker)
    if (
        isinstance(meta, dict)
        and {k: meta.get(k) for k in wanted} == wanted
        and all((folder / name).is_file() for name in [*meta["base_files"], meta["new_file"]])
    ):
        logger.info("reusing the %s events in %s", scale_label(scale), folder)
        return ScaleData(
            scale=scale,
            folder=folder,
            base_files=tuple(folder / name for name in meta["base_files"]),
            new_file=folder / meta["new_file"],
            base_rows=int(meta["base_rows"]),
            new_rows=int(meta["new_rows"]),
        )
    marker.unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    logger.info("preparing %s events in %s", scale_label(scale), folder)
    with _connect(":memory:", memory_limit, threads, folder / "duckdb-tmp") as connection:
        split = split_events(
            connection,
            scale_sql(str(base / "part-*.parquet"), scale),
            folder,
            max(MIN_BASE_PARTS, scale // BASE_EVENTS),
        )
    shutil.rmtree(folder / "duckdb-tmp", ignore_errors=True)
    meta = {
        **wanted,
        "base_files": [str(p.relative_to(folder)) for p in split.base_files],
        "new_file": str(split.new_file.relative_to(folder)),
        "base_rows": split.base_rows,
        "new_rows": split.new_rows,
        "threshold": split.threshold.isoformat() if split.threshold else None,
    }
    marker.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    logger.info(
        "prepared %s events: %d base rows, %d new rows (%.1f s)",
        scale_label(scale),
        split.base_rows,
        split.new_rows,
        time.perf_counter() - started,
    )
    return ScaleData(
        scale, folder, split.base_files, split.new_file, split.base_rows, split.new_rows
    )


def _link(target: Path, link: Path) -> None:
    try:
        os.link(target, link)
    except OSError:
        shutil.copyfile(target, link)


def stage_source(data: ScaleData, *, with_new: bool, folder: Path | None = None) -> None:
    """Fill the source folder dbt reads (``folder``, by default the scale's): the base parts,
    and the new part when ``with_new``."""
    source = data.source_dir if folder is None else folder
    if source.exists():
        shutil.rmtree(source)
    source.mkdir(parents=True)
    for path in data.base_files:
        _link(path, source / path.name)
    if with_new:
        deliver_new_part(data, folder=source)


def deliver_new_part(data: ScaleData, folder: Path | None = None) -> None:
    """Link the new part into the source folder (``folder``, by default the scale's), beside
    the base parts already there, the way a new file arrives in an export folder."""
    source = data.source_dir if folder is None else folder
    _link(data.new_file, source / f"new-{data.new_file.name}")


# ---- measuring ------------------------------------------------------------------------------


class BenchError(RuntimeError):
    """The benchmark cannot go on (a failed step)."""


class DbtError(BenchError):
    """A dbt command failed; carries the tail of its output."""

    def __init__(self, step: str, returncode: int, tail: Sequence[str], log_file: Path) -> None:
        super().__init__(f"{step} failed (exit {returncode}); full output in {log_file}")
        self.step = step
        self.returncode = returncode
        self.tail = tuple(tail)
        self.log_file = log_file


@dataclass(frozen=True)
class StepResult:
    """One timed step: wall time and the peak resident memory of its process (0 if in-process)."""

    seconds: float
    peak_rss_bytes: int = 0
    #: dbt's own "Finished running ... (N s)" time: the wall time minus start-up, parse, exit.
    executed_seconds: float | None = None
    #: Peak resident memory of the largest process dbt left running when it exited (Spark's
    #: JVM, which outlives the dbt process it serves); 0 when there was none.
    left_running_peak_rss_bytes: int = 0

    @property
    def peak_rss_gib(self) -> float:
        """dbt's peak plus that of the process it left running (they run side by side)."""
        return (self.peak_rss_bytes + self.left_running_peak_rss_bytes) / GIB


FLOOR_SQL = """
create table bench_floor as
select
    output_id,
    user_id,
    feature,
    session_id,
    count(*) as events,
    min(try_cast(occurred_at as timestamp)) as first_occurred_at,
    max(try_cast(occurred_at as timestamp)) as last_occurred_at,
    count(*) filter (where event_name = 'output_generated') as generated,
    count(*) filter (where event_name = 'output_viewed') as viewed,
    count(*) filter (where event_name = 'output_edited') as edited,
    count(*) filter (where event_name in ('output_accepted', 'output_inserted')) as accepted
from read_parquet({files}, union_by_name = true)
group by grouping sets ((output_id), (user_id, feature, session_id))
"""


def _warm(files: Iterable[Path]) -> None:
    """Read the files once so that the floor and dbt both find them in the page cache."""
    for path in files:
        with path.open("rb") as handle:
            while handle.read(16 * 1024 * 1024):
                pass


def time_floor(
    files: Sequence[Path], database: Path, memory_limit: str, threads: int
) -> StepResult:
    """Wall time of one query that reads every event once and aggregates it twice."""
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    _warm(files)
    listed = "[" + ", ".join(_sql_string(str(p)) for p in files) + "]"
    with _connect(database, memory_limit, threads, database.with_name("floor-tmp")) as con:
        started = time.perf_counter()
        con.execute(FLOOR_SQL.format(files=listed))
        con.execute("checkpoint")
        seconds = time.perf_counter() - started
    database.unlink(missing_ok=True)
    shutil.rmtree(database.with_name("floor-tmp"), ignore_errors=True)
    logger.info("one-pass floor: %.1f s", seconds)
    return StepResult(seconds)


def lean_settings() -> bench_lean.LeanSettings:
    """The lean reference's session gap and return window, from the project's vars."""
    try:
        return bench_lean.project_settings()
    except (project.ProjectError, OSError) as exc:
        raise BenchError(f"the lean reference cannot read its settings: {exc}") from exc


def time_lean(files: Sequence[Path], database: Path, memory_limit: str, threads: int) -> StepResult:
    """Wall time of the lean reference (:mod:`ai_adoption.bench_lean`) on ``files``, in a
    fresh DuckDB file, from its first statement to its checkpoint."""
    settings = lean_settings()
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    temp = database.with_name("lean-tmp")
    with _connect(database, memory_limit, threads, temp) as connection:
        started = time.perf_counter()
        bench_lean.run_lean_reference(connection, files, settings)
        seconds = time.perf_counter() - started
    database.unlink(missing_ok=True)
    shutil.rmtree(temp, ignore_errors=True)
    logger.info("lean reference: %.1f s", seconds)
    return StepResult(seconds)


#: dbt commands that take no ``--threads`` option.
NO_THREADS_COMMANDS = ("ls", "list")
_PROGRESS = re.compile(r"\b(\d+) of (\d+) (OK|ERROR|PASS|FAIL|WARN|SKIP|SUCCESS)\b")
_FINISHED = re.compile(r"Finished running .*\(([\d.]+)s\)")


@dataclass(frozen=True)
class DbtInvocation:
    """How to run dbt for one scale.

    On DuckDB dbt reads the files of ``source_glob`` and writes ``database``; on Spark
    (``engine`` SPARK) it reads the source table and keeps warehouse, metastore and scratch
    files under ``spark_dir``, where it also runs (``source_glob`` and ``database`` unused).
    """

    dbt: Path
    repo: Path
    target_path: Path
    log_path: Path
    database: Path
    source_glob: str
    memory_limit: str
    threads: int
    engine: str = DUCKDB
    spark_dir: Path | None = None

    def command(self, args: Sequence[str]) -> list[str]:
        source_vars = (
            ["--vars", json.dumps({"ai_adoption_source_path": self.source_glob})]
            if self.engine == DUCKDB
            else []
        )
        # dbt ls runs no model: it takes no --threads
        threads = (
            [] if args and args[0] in NO_THREADS_COMMANDS else ["--threads", str(self.threads)]
        )
        return [
            str(self.dbt),
            "--no-use-colors",
            *args,
            "--profiles-dir",
            str(self.repo),
            "--project-dir",
            str(self.repo),
            "--target-path",
            str(self.target_path),
            "--log-path",
            str(self.log_path),
            *threads,
            *source_vars,
        ]

    @property
    def workdir(self) -> Path:
        """Where dbt runs: the repo, or on Spark the Spark folder (Derby writes its files
        beside the process)."""
        return self.spark_dir if self.engine == SPARK and self.spark_dir else self.repo

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("DBT_PROFILES_DIR", None)
        env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
        if self.engine == SPARK:
            if self.spark_dir is None:
                raise BenchError("a Spark invocation needs its Spark folder")
            env.update(
                {
                    "AI_ADOPTION_TARGET": "spark",
                    "AI_ADOPTION_SPARK_DIR": str(self.spark_dir),
                    "SPARK_LOCAL_IP": "127.0.0.1",
                    "TZ": "UTC",
                }
            )
        else:
            env.update(
                {
                    "AI_ADOPTION_DUCKDB_PATH": str(self.database),
                    "AI_ADOPTION_DUCKDB_MEMORY_LIMIT": self.memory_limit,
                    "AI_ADOPTION_TARGET": "dev",
                }
            )
        return env


def log_file(invocation: DbtInvocation, label: str) -> Path:
    """The file that holds the output of step ``label``."""
    return invocation.log_path / (re.sub(r"[^A-Za-z0-9_.-]+", "_", label) + ".txt")


def run_results_file(invocation: DbtInvocation, label: str) -> Path:
    """Where the ``run_results.json`` of step ``label`` is kept (the target path holds only
    the last command's)."""
    return invocation.log_path / (re.sub(r"[^A-Za-z0-9_.-]+", "_", label) + "-run_results.json")


# ---- how dbt is started, and its memory measured --------------------------------------------
#
# Peak resident memory comes from the kernel: the rusage that wait4 returns for a process
# (ru_maxrss). Two things make that figure tricky.
#
# 1. A process started by fork (or vfork) and exec gets the high-water mark of the memory
#    image it had before exec, that is of its parent. So dbt started straight from this
#    process would report at least this process's own peak (which holds the prepared events
#    in DuckDB and Arrow at times). dbt is therefore started by LAUNCHER, a fresh
#    interpreter of about 15 MB, which waits for dbt and reports dbt's rusage.
# 2. dbt-spark's session method runs Spark in a JVM that pyspark starts as a child of the
#    dbt process. dbt does not wait for it: the JVM stops once its stdin (a pipe from dbt) is
#    closed, after dbt has exited. The kernel then hands the orphan to the nearest "child
#    subreaper" ancestor, or to init; neither dbt's rusage (its own peak and that of the
#    children it waited for) nor getrusage(RUSAGE_CHILDREN) up the tree includes it. The
#    launcher marks itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER, Linux), so the
#    orphans become its children; it waits for them too and reports their ru_maxrss.
#
# By (1), a process dbt started reports max(dbt's resident memory when it was started, its
# own peak); only a figure above dbt's own peak is surely its own (the JVM's; not that of a
# small helper dbt forks, such as Python's multiprocessing resource tracker). Those figures
# are added to dbt's: the JVM and dbt run side by side for the whole command, so the sum is
# an upper bound of their joint peak, above it by at most the smaller of the two.

#: How long the launcher waits for a process dbt left running before terminating it (the
#: next dbt command could not open Spark's metastore beside it).
LEFT_RUNNING_EXIT_SECONDS = 120.0

#: Run as ``python -I -S -c LAUNCHER REPORT SECONDS COMMAND...``: runs COMMAND (its output
#: goes where the launcher's goes), waits for it and for the processes it left running, and
#: writes their rusage to the JSON file REPORT. Standard library only, to stay small.
LAUNCHER = r"""
import ctypes, json, os, signal, subprocess, sys, time

report, limit, command = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
adopted = False
if sys.platform.startswith("linux"):
    try:  # PR_SET_CHILD_SUBREAPER
        adopted = ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        pass
dbt = subprocess.Popen(command)
signal.signal(signal.SIGINT, signal.SIG_IGN)  # an interrupt reaches dbt, which stops itself
_, status, usage = os.wait4(dbt.pid, 0)
dbt.returncode = os.waitstatus_to_exitcode(status)


def children():
    me = str(os.getpid())
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as f:
                    fields = f.read().rsplit(")", 1)[-1].split()  # comm may hold spaces
            except OSError:
                continue
            if len(fields) > 1 and fields[1] == me:
                yield int(entry)


left = []
deadline = time.monotonic() + limit
while adopted:
    pids = list(children())
    if not pids:
        break
    for pid in pids:
        try:
            while True:
                done, _, used = os.wait4(pid, os.WNOHANG)
                if done:
                    break
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGTERM)
                    _, _, used = os.wait4(pid, 0)
                    break
                time.sleep(0.05)
        except ChildProcessError:
            continue
        left.append(used.ru_maxrss)
with open(report, "w", encoding="utf-8") as f:
    json.dump(
        {
            "returncode": dbt.returncode,
            "maxrss_kib": usage.ru_maxrss,
            "adopted": adopted,
            "left_running_maxrss_kib": left,
        },
        f,
    )
sys.exit(0)
"""


def left_running_peak(dbt_maxrss: int, left_running_maxrss: Iterable[int]) -> int:
    """The peak memory counted for the processes dbt left running (same unit as the inputs).

    Each figure is max(dbt's resident memory when the process was started, its own peak): only
    the ones above dbt's own peak are surely their own, and those are added up.
    """
    return sum(value for value in left_running_maxrss if value > dbt_maxrss)


def run_dbt(invocation: DbtInvocation, args: Sequence[str], label: str) -> StepResult:
    """Run one dbt command; its wall time and the peak RSS of the finished process.

    The output goes to ``<log path>/<label>.txt`` and the command's ``run_results.json`` (if
    it writes one) is kept as ``<log path>/<label>-run_results.json``; on failure
    :class:`DbtError` carries its last lines. The wall time runs until dbt's output closes:
    on Spark the JVM shares it, so the time includes the JVM's shutdown, which the next
    command has to wait for anyway (one process at a time opens the metastore).
    """
    invocation.log_path.mkdir(parents=True, exist_ok=True)
    output = log_file(invocation, label)
    run_results = invocation.target_path / "run_results.json"
    run_results.unlink(missing_ok=True)  # a command that writes none must not leave the last
    kept = run_results_file(invocation, label)
    kept.unlink(missing_ok=True)
    command = invocation.command(args)
    logger.info("%s: %s", label, " ".join(["dbt", *args]))
    tail: deque[str] = deque(maxlen=DBT_TAIL_LINES)
    executed: float | None = None
    report = invocation.log_path / f".{output.stem}-rusage.json"
    report.unlink(missing_ok=True)
    launcher = [sys.executable, "-I", "-S", "-c", LAUNCHER, str(report)]
    launcher += [str(LEFT_RUNNING_EXIT_SECONDS), *command]
    invocation.workdir.mkdir(parents=True, exist_ok=True)
    started = last_report = time.perf_counter()
    with (
        output.open("w", encoding="utf-8") as log,
        subprocess.Popen(
            launcher,
            cwd=invocation.workdir,
            env=invocation.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as process,
    ):
        log.write("$ " + " ".join(command) + "\n")
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            tail.append(line.rstrip("\n"))
            finished = _FINISHED.search(line)
            if finished:
                executed = float(finished[1])
            match = _PROGRESS.search(line)
            now = time.perf_counter()
            if match and (now - last_report >= PROGRESS_SECONDS or match[1] == match[2]):
                last_report = now
                logger.info("%s: %s of %s done (%.0f s)", label, match[1], match[2], now - started)
        process.stdout.close()
        process.wait()
        seconds = time.perf_counter() - started
    usage = _read_json(report)
    report.unlink(missing_ok=True)
    if not isinstance(usage, dict):
        raise BenchError(f"{label}: the launcher of dbt failed (exit {process.returncode})")
    if run_results.is_file():
        shutil.copyfile(run_results, kept)
    returncode = int(usage["returncode"])
    dbt_kib = int(usage["maxrss_kib"])
    left_running = left_running_peak(dbt_kib, usage["left_running_maxrss_kib"]) * 1024
    if returncode != 0:
        raise DbtError(label, returncode, tail, output)
    result = StepResult(seconds, dbt_kib * 1024, executed, left_running)
    logger.info(
        "%s: %.1f s (dbt's own timing %s s), peak RSS %.2f GiB%s",
        label,
        seconds,
        "?" if executed is None else f"{executed:.1f}",
        result.peak_rss_gib,
        f" (of which {left_running / GIB:.2f} GiB left running)" if left_running else "",
    )
    return result


def table_row_counts(database: Path) -> dict[str, int]:
    """Rows of every table the project built (seeds left out), by ``schema.table``."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        tables = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema not like '%seeds' order by 1, 2"
        ).fetchall()
        counts: dict[str, int] = {}
        for schema, table in tables:
            found = _scalar(connection, f'select count(*) from "{schema}"."{table}"')
            counts[f"{schema}.{table}"] = int(found or 0)
    return counts


def spark_table_row_counts(warehouse: Path) -> dict[str, int]:
    """Rows of every table Spark stored under ``warehouse`` (seeds left out), by
    ``schema.table``, read from their Parquet files with DuckDB (no Spark process).

    A table is the folder ``<schema>.db/<table>/``, with one level of folders per partition
    column; views have no folder. A table without a Parquet file has no rows.
    """
    import duckdb

    counts: dict[str, int] = {}
    if not warehouse.is_dir():
        return counts
    with duckdb.connect(":memory:") as connection:
        for schema_dir in sorted(warehouse.glob("*.db")):
            schema = schema_dir.name.removesuffix(".db")
            if schema.endswith("seeds"):
                continue
            for folder in sorted(p for p in schema_dir.iterdir() if p.is_dir()):
                if next(folder.rglob("*.parquet"), None) is None:
                    counts[f"{schema}.{folder.name}"] = 0
                    continue
                files = _sql_string(f"{folder}/**/*.parquet")
                found = _scalar(
                    connection,
                    f"select count(*) from read_parquet({files}, hive_partitioning = true)",
                )
                counts[f"{schema}.{folder.name}"] = int(found or 0)
    return counts


def count_mismatches(incremental: dict[str, int], full: dict[str, int]) -> tuple[str, ...]:
    """Tables whose row count after the incremental run differs from the full build's."""
    names = sorted(set(incremental) | set(full))
    return tuple(
        f"{name}: {incremental.get(name, 'missing')} vs {full.get(name, 'missing')}"
        for name in names
        if incremental.get(name) != full.get(name)
    )


# ---- per-model profile ----------------------------------------------------------------------

#: Materializations that store no rows of their own: the profile shows their name as rows.
NO_ROWS = ("view", "ephemeral")


@dataclass(frozen=True)
class ModelProfile:
    """One model in the full build and in the incremental step."""

    model: str
    materialized: str
    #: dbt's execution time of the model in the full build, and its share of the summed
    #: execution time of every model of that build (threads overlap: not of the wall time).
    full_seconds: float | None
    share: float | None
    #: Rows of its table after the full build; "view" for a view; None when not known.
    rows: int | str | None
    incremental_seconds: float | None
    #: Rows of its table after the incremental step.
    rows_after_incremental: int | str | None
    #: Rows the incremental step wrote: the whole table for a table model; for an incremental
    #: model the adapter's rows_affected when it reports one (DuckDB and Spark do not).
    rows_written_incremental: int | None


def _model_name(unique_id: str) -> str:
    """``model.ai_adoption.fct_ai_outputs`` -> ``fct_ai_outputs`` (a version suffix stays)."""
    parts = unique_id.split(".")
    return ".".join(parts[2:]) if len(parts) > 2 else unique_id


def _model_results(run_results: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    """The models' entries of a run_results.json, by unique_id."""
    if not run_results:
        return {}
    return {
        str(entry["unique_id"]): entry
        for entry in run_results.get("results", [])
        if str(entry.get("unique_id", "")).startswith("model.")
    }


def _seconds(entry: Mapping[str, Any] | None) -> float | None:
    value = None if entry is None else entry.get("execution_time")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _rows_affected(entry: Mapping[str, Any] | None) -> int | None:
    response = (entry or {}).get("adapter_response") or {}
    value = response.get("rows_affected") if isinstance(response, Mapping) else None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def model_profile(
    manifest: Mapping[str, Any],
    full_build: Mapping[str, Any] | None,
    incremental: Mapping[str, Any] | None,
    full_counts: Mapping[str, int],
    incremental_counts: Mapping[str, int],
) -> list[ModelProfile]:
    """The per-model profile from two run_results.json, the manifest and the row counts.

    ``full_build`` and ``incremental`` are the run_results of ``dbt run --full-refresh`` and
    of the incremental ``dbt run``; the manifest gives each model's materialization and table
    (``schema.alias``, the keys of the row counts, compared without case). Every model of
    either run is listed, by full-build seconds, the slowest first.
    """
    nodes: Mapping[str, Any] = manifest.get("nodes", {}) if manifest else {}
    full = _model_results(full_build)
    incr = _model_results(incremental)
    full_total = sum(s for s in (_seconds(e) for e in full.values()) if s is not None)
    full_lower = {k.lower(): v for k, v in full_counts.items()}
    incr_lower = {k.lower(): v for k, v in incremental_counts.items()}
    rows: list[ModelProfile] = []
    for unique_id in sorted(set(full) | set(incr)):
        node = nodes.get(unique_id, {})
        materialized = str((node.get("config") or {}).get("materialized") or "?")
        table = f"{node.get('schema')}.{node.get('alias') or node.get('name')}".lower()
        full_seconds = _seconds(full.get(unique_id))
        incremental_seconds = _seconds(incr.get(unique_id))
        stored = materialized not in NO_ROWS
        after_full: int | str | None = full_lower.get(table) if stored else materialized
        after_incr: int | str | None = None
        written: int | None = None
        if unique_id in incr:
            after_incr = incr_lower.get(table) if stored else materialized
            written = _rows_affected(incr.get(unique_id))
            if written is None and materialized == "table" and isinstance(after_incr, int):
                written = after_incr  # a table model is rebuilt whole
        rows.append(
            ModelProfile(
                model=_model_name(unique_id),
                materialized=materialized,
                full_seconds=full_seconds,
                share=_ratio(full_seconds, full_total) if full_seconds is not None else None,
                rows=after_full if unique_id in full else None,
                incremental_seconds=incremental_seconds,
                rows_after_incremental=after_incr,
                rows_written_incremental=written,
            )
        )
    rows.sort(key=lambda r: (r.full_seconds is None, -(r.full_seconds or 0.0), r.model))
    return rows


@dataclass(frozen=True)
class ScaleResult:
    """Every figure of one scale."""

    scale: int
    events: int
    new_events: int
    #: the one-pass floor (DuckDB only)
    floor: StepResult | None
    seed: StepResult
    base_build: StepResult
    incremental: StepResult
    full_build: StepResult
    #: dbt test, data tests (DuckDB only)
    test: StepResult | None
    count_mismatches: tuple[str, ...] = ()
    engine: str = DUCKDB
    #: dbt parse from scratch, and dbt ls --resource-type model (no warehouse work)
    parse: StepResult | None = None
    ls: StepResult | None = None
    #: Spark: linking the source table to the source folder (dbt run-operation)
    load: StepResult | None = None
    profile: tuple[ModelProfile, ...] = ()
    #: the lean reference (DuckDB only), timed right after the floor
    lean: StepResult | None = None


def _time_parse(invocation: DbtInvocation, label: str) -> StepResult:
    """``dbt parse`` from scratch: without the partial-parse state a former command saved."""
    (invocation.target_path / "partial_parse.msgpack").unlink(missing_ok=True)
    return run_dbt(invocation, ["parse"], f"{label}-parse")


def _time_ls(invocation: DbtInvocation, label: str) -> StepResult:
    """``dbt ls --resource-type model``: start-up, partial parse and exit, no warehouse work."""
    return run_dbt(invocation, ["ls", "--resource-type", "model"], f"{label}-ls")


def _profile(
    invocation: DbtInvocation,
    full_label: str,
    incremental_label: str,
    full_counts: Mapping[str, int],
    incremental_counts: Mapping[str, int],
) -> tuple[ModelProfile, ...]:
    """The per-model profile from the kept run_results and the manifest of the full build."""
    manifest = _read_json(invocation.target_path / "manifest.json")
    full = _read_json(run_results_file(invocation, full_label))
    incremental = _read_json(run_results_file(invocation, incremental_label))
    if not isinstance(manifest, dict) or not isinstance(full, dict):
        logger.warning("no manifest or run_results of the full build: no per-model profile")
        return ()
    rows = model_profile(
        manifest,
        full,
        incremental if isinstance(incremental, dict) else None,
        full_counts,
        incremental_counts,
    )
    return tuple(rows)


@dataclass(frozen=True)
class _Builds:
    """The dbt runs every engine's scale goes through, with the table row counts."""

    seed: StepResult
    base_build: StepResult
    incremental: StepResult
    full_build: StepResult
    count_mismatches: tuple[str, ...]
    profile: tuple[ModelProfile, ...]
    ls: StepResult

    def result(
        self,
        data: ScaleData,
        engine: str,
        parse: StepResult,
        floor: StepResult | None = None,
        test: StepResult | None = None,
        load: StepResult | None = None,
        lean: StepResult | None = None,
    ) -> ScaleResult:
        """Every figure of the scale: these runs and the engine's own steps."""
        return ScaleResult(
            scale=data.scale,
            events=data.rows,
            new_events=data.new_rows,
            floor=floor,
            seed=self.seed,
            base_build=self.base_build,
            incremental=self.incremental,
            full_build=self.full_build,
            test=test,
            count_mismatches=self.count_mismatches,
            engine=engine,
            parse=parse,
            ls=self.ls,
            load=load,
            profile=self.profile,
            lean=lean,
        )


def _run_builds(
    invocation: DbtInvocation,
    data: ScaleData,
    label: str,
    row_counts: Callable[[], dict[str, int]],
    source_folder: Path | None = None,
) -> _Builds:
    """Seed, build on the base parts, deliver the new part (into ``source_folder`` when the
    source reads a folder of its own), run incrementally, rebuild in full, then profile both
    builds and time ``dbt ls``. ``row_counts`` reads every table's rows from the warehouse."""
    seed = run_dbt(invocation, ["seed"], f"{label}-seed")
    base_build = run_dbt(invocation, ["run", "--full-refresh"], f"{label}-build-99pct")
    deliver_new_part(data, folder=source_folder)
    incremental = run_dbt(invocation, ["run"], f"{label}-incremental-1pct")
    after_incremental = row_counts()
    full_build = run_dbt(invocation, ["run", "--full-refresh"], f"{label}-full-build")
    after_full = row_counts()
    profile = _profile(
        invocation,
        f"{label}-full-build",
        f"{label}-incremental-1pct",
        after_full,
        after_incremental,
    )
    return _Builds(
        seed=seed,
        base_build=base_build,
        incremental=incremental,
        full_build=full_build,
        count_mismatches=count_mismatches(after_incremental, after_full),
        profile=profile,
        ls=_time_ls(invocation, label),
    )


def bench_scale(data: ScaleData, invocation: DbtInvocation) -> ScaleResult:
    """Floor and lean reference, then parse, seed, build on 99 %, incremental 1 %, full
    build, ls and tests in a fresh DuckDB file."""
    label = f"{scale_label(data.scale)}"
    files = [*data.base_files, data.new_file]
    floor = time_floor(
        files, data.folder / "floor.duckdb", invocation.memory_limit, invocation.threads
    )
    lean = time_lean(
        files, data.folder / "lean.duckdb", invocation.memory_limit, invocation.threads
    )
    database = invocation.database
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)

    stage_source(data, with_new=False)
    parse = _time_parse(invocation, label)
    builds = _run_builds(invocation, data, label, lambda: table_row_counts(database))
    test = run_dbt(
        invocation, ["test", "--exclude-resource-type", "unit_test"], f"{label}-dbt-test"
    )
    return builds.result(data, DUCKDB, parse, floor=floor, test=test, lean=lean)


_LOADED = re.compile(r"ai_adoption: \S+ holds (\d+) rows after loading")


def bench_spark_scale(data: ScaleData, invocation: DbtInvocation) -> ScaleResult:
    """In a fresh Spark folder: parse, link the source table to the base parts, seed, build
    on 99 %, link the new part, incremental run, full build and ls."""
    spark_dir = invocation.spark_dir
    if spark_dir is None:
        raise BenchError("a Spark run needs its Spark folder")
    label = f"spark-{scale_label(data.scale)}"
    if spark_dir.exists():
        shutil.rmtree(spark_dir)
    spark_dir.mkdir(parents=True)
    source = spark_dir / "source"
    warehouse = spark_dir / "warehouse"
    stage_source(data, with_new=False, folder=source)
    _warm([*data.base_files, data.new_file])

    parse = _time_parse(invocation, label)
    load = run_dbt(
        invocation,
        [
            "run-operation",
            "ai_adoption_load_events",
            "--args",
            json.dumps({"path": str(source), "link": True}),
        ],
        f"{label}-load-events",
    )
    loaded = _LOADED.findall(log_file(invocation, f"{label}-load-events").read_text("utf-8"))
    if not loaded or int(loaded[-1]) != data.base_rows:
        raise BenchError(
            f"the Spark source table holds {loaded[-1] if loaded else 'an unknown number of'} "
            f"rows after linking {source}, not the {data.base_rows} of the base parts"
        )
    # the linked table reads the folder: the next Spark session lists the new file with it
    builds = _run_builds(
        invocation, data, label, lambda: spark_table_row_counts(warehouse), source_folder=source
    )
    return builds.result(data, SPARK, parse, load=load)


# ---- the table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the results table: a cell per scale, the goal and each cell's verdict."""

    label: str
    cells: tuple[str, ...]
    goal: str = ""
    verdicts: tuple[bool | None, ...] = ()

    def cell(self, i: int) -> str:
        verdict = self.verdicts[i] if i < len(self.verdicts) else None
        if verdict is None or not self.cells[i]:
            return self.cells[i]
        return f"{self.cells[i]} {_verdict_word(verdict)}"


def _overhead(step: StepResult) -> float | None:
    if step.executed_seconds is None:
        return None
    return step.seconds - step.executed_seconds


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def _row(
    label: str,
    results: Sequence[ScaleResult],
    value: Callable[[ScaleResult], float | None],
    fmt: str,
    goal: str = "",
    passes: Callable[[float], bool] | None = None,
    judged: Callable[[ScaleResult], bool] | None = None,
) -> Row:
    """A row of ``value`` per scale; ``passes`` judges the cells of the scales ``judged``
    picks (every scale by default)."""
    values = [value(r) for r in results]
    cells = tuple("" if v is None else format(v, fmt) for v in values)
    verdicts = tuple(
        None if v is None or passes is None or (judged is not None and not judged(r)) else passes(v)
        for v, r in zip(values, results, strict=True)
    )
    return Row(label, cells, goal, verdicts if passes else ())


def _engine(results: Sequence[ScaleResult]) -> str:
    return results[0].engine if results else DUCKDB


def _seconds_of(
    step: Callable[[ScaleResult], StepResult | None],
) -> Callable[[ScaleResult], float | None]:
    def value(r: ScaleResult) -> float | None:
        found = step(r)
        return None if found is None else found.seconds

    return value


def _limit_row(
    label: str,
    results: Sequence[ScaleResult],
    value: Callable[[ScaleResult], float | None],
    fmt: str,
    goal: str,
    limits: Mapping[int, float],
) -> Row:
    """A row of ``value`` per scale, judged against ``limits`` (the largest value met, by the
    scale it is judged at); the cells of other scales get no verdict."""
    values = [value(r) for r in results]
    verdicts = tuple(
        None if v is None or r.scale not in limits else v <= limits[r.scale]
        for v, r in zip(values, results, strict=True)
    )
    return Row(label, _row(label, results, value, fmt).cells, goal, verdicts)


def _over(
    numerator: Callable[[ScaleResult], StepResult | None],
    denominator: Callable[[ScaleResult], StepResult | None],
) -> Callable[[ScaleResult], float | None]:
    """The time of one step over that of another, per scale (None when either is missing)."""

    def value(r: ScaleResult) -> float | None:
        top, bottom = numerator(r), denominator(r)
        return None if top is None or bottom is None else _ratio(top.seconds, bottom.seconds)

    return value


def results_rows(results: Sequence[ScaleResult]) -> list[Row]:
    """The rows of the table, one column per scale (in the order given).

    The engine of the first result picks the rows and goals: DuckDB has the floor, the lean
    reference and the data tests, its build-time goals are judged at the scales they are set
    for and its peak memory at the largest scale; Spark has the linking of the source table,
    peak memory of dbt and its JVM together, and its own incremental goal at every scale.
    """
    spark = _engine(results) == SPARK
    largest = max((r.scale for r in results), default=0)
    at_goal_scale = f"at {scale_label(GOAL_SCALE)}"
    rows = [
        _row("events", results, lambda r: r.events, ",d"),
        _row("  of which new (incremental step)", results, lambda r: r.new_events, ",d"),
    ]
    if not spark:
        rows += [
            _row("one-pass floor (s)", results, _seconds_of(lambda r: r.floor), ".1f"),
            _row("lean reference (s)", results, _seconds_of(lambda r: r.lean), ".1f"),
            _row(
                "  lean reference / floor",
                results,
                _over(lambda r: r.lean, lambda r: r.floor),
                ".1f",
            ),
        ]
    rows += [
        _row("dbt parse (s)", results, _seconds_of(lambda r: r.parse), ".1f"),
        _row("dbt ls, no-op (s)", results, _seconds_of(lambda r: r.ls), ".1f"),
    ]
    if spark:
        rows.append(
            _row("link the source table (s)", results, _seconds_of(lambda r: r.load), ".1f")
        )
    rows += [
        _row("dbt seed (s)", results, lambda r: r.seed.seconds, ".1f"),
        _row("build on 99 % (s)", results, lambda r: r.base_build.seconds, ".1f"),
        _row("full build (s)", results, lambda r: r.full_build.seconds, ".1f"),
    ]
    if not spark:
        rows += [
            _limit_row(
                "  full build / floor",
                results,
                _over(lambda r: r.full_build, lambda r: r.floor),
                ".1f",
                f"<= {GOAL_FLOOR_RATIO:g} {at_goal_scale}",
                {GOAL_SCALE: GOAL_FLOOR_RATIO},
            ),
            _limit_row(
                "  full build / lean reference",
                results,
                _over(lambda r: r.full_build, lambda r: r.lean),
                ".2f",
                f"<= {GOAL_LEAN_RATIO:g} {at_goal_scale}",
                {GOAL_SCALE: GOAL_LEAN_RATIO},
            ),
        ]
    incremental_share = _over(lambda r: r.incremental, lambda r: r.full_build)
    rows += [
        _row(
            "  full build: dbt start-up, parse, exit (s)",
            results,
            lambda r: _overhead(r.full_build),
            ".1f",
        ),
        _row("incremental 1 % (s)", results, lambda r: r.incremental.seconds, ".1f"),
        (
            _row(
                "  incremental / full build",
                results,
                incremental_share,
                ".0%",
                f"<= {GOAL_SPARK_INCREMENTAL_SHARE:.0%}",
                lambda v: v <= GOAL_SPARK_INCREMENTAL_SHARE,
            )
            if spark
            else _limit_row(
                "  incremental / full build",
                results,
                incremental_share,
                ".0%",
                ", ".join(
                    f"<= {limit:.0%} at {scale_label(scale)}"
                    for scale, limit in sorted(GOAL_INCREMENTAL_SHARES.items())
                ),
                GOAL_INCREMENTAL_SHARES,
            )
        ),
        Row(
            "  incremental rows = full build",
            tuple("no" if r.count_mismatches else "yes" for r in results),
            "equal row counts",
            tuple(not r.count_mismatches for r in results),
        ),
        _row(
            "  incremental: dbt start-up, parse, exit (s)",
            results,
            lambda r: _overhead(r.incremental),
            ".1f",
        ),
    ]
    if not spark:
        rows.append(_row("dbt test, data tests (s)", results, _seconds_of(lambda r: r.test), ".1f"))
    memory = ", dbt + JVM" if spark else ""
    rss_goal = "" if spark else f"<= {GOAL_PEAK_GIB:g} GiB (set at 10M)"
    rss_passes = None if spark else (lambda v: v <= GOAL_PEAK_GIB)
    rows += [
        _row(
            f"peak RSS full build{memory} (GiB)",
            results,
            lambda r: r.full_build.peak_rss_gib,
            ".2f",
            rss_goal,
            rss_passes,
            lambda r: r.scale == largest,
        ),
        _row(
            f"peak RSS incremental{memory} (GiB)",
            results,
            lambda r: r.incremental.peak_rss_gib,
            ".2f",
            rss_goal,
            rss_passes,
            lambda r: r.scale == largest,
        ),
        _row(
            "events per second (full build)",
            results,
            lambda r: _ratio(r.events, r.full_build.seconds),
            ",.0f",
        ),
    ]
    if len(results) >= 2:
        small = min(results, key=lambda r: r.scale)
        large = max(results, key=lambda r: r.scale)
        if large.scale > small.scale:
            # information for sizing: how the full build grows with the events
            ratio = _ratio(large.full_build.seconds, small.full_build.seconds)
            rows.append(
                Row(
                    f"full build time {scale_label(large.scale)} / {scale_label(small.scale)}",
                    tuple(
                        format(ratio, ".1f") if r is large and ratio is not None else ""
                        for r in results
                    ),
                )
            )
    return rows


# ---- the per-model table --------------------------------------------------------------------

PROFILE_HEADER: tuple[str, ...] = (
    "model",
    "materialized",
    "full build (s)",
    "share",
    "rows",
    "incremental (s)",
    "rows after incr.",
    "rows written (incr.)",
)
#: Columns of the per-model table aligned to the left (the others are numbers).
PROFILE_TEXT_COLUMNS = 2


def _count_cell(value: int | str | None) -> str:
    if value is None:
        return ""
    return format(value, ",d") if isinstance(value, int) else value


def profile_cells(profile: Sequence[ModelProfile]) -> list[tuple[str, ...]]:
    """The cells of the per-model table, one tuple per model, in PROFILE_HEADER's order."""
    return [
        (
            m.model,
            m.materialized,
            "" if m.full_seconds is None else f"{m.full_seconds:.2f}",
            "" if m.share is None else f"{m.share:.1%}",
            _count_cell(m.rows),
            "" if m.incremental_seconds is None else f"{m.incremental_seconds:.2f}",
            _count_cell(m.rows_after_incremental),
            _count_cell(m.rows_written_incremental),
        )
        for m in profile
    ]


def _profile_title(result: ScaleResult) -> str:
    return f"per model, {scale_label(result.scale)} events on {result.engine}"


#: What the per-model table shows, under its title.
PROFILE_NOTE = (
    "dbt's execution time of each model in the full build (dbt run --full-refresh) and in the "
    "incremental step (dbt run); share of the summed model time of the full build (threads "
    "overlap); rows of its table after each; rows written by the incremental step where known"
)


def format_profile_text(result: ScaleResult) -> str:
    """The per-model table of one scale as plain text ("" when there is no profile)."""
    if not result.profile:
        return ""
    rows = [PROFILE_HEADER, *profile_cells(result.profile)]
    widths = [max(len(row[c]) for row in rows) for c in range(len(PROFILE_HEADER))]

    def render(row: Sequence[str]) -> str:
        return "  ".join(
            text.ljust(widths[c]) if c < PROFILE_TEXT_COLUMNS else text.rjust(widths[c])
            for c, text in enumerate(row)
        ).rstrip()

    out = [_profile_title(result), PROFILE_NOTE, ""]
    out += [render(PROFILE_HEADER), "-" * len(render(PROFILE_HEADER))]
    out += [render(row) for row in rows[1:]]
    return "\n".join(out)


def format_profile_markdown(result: ScaleResult) -> str:
    """The per-model table of one scale as Markdown ("" when there is no profile)."""
    if not result.profile:
        return ""
    align = ["---"] * PROFILE_TEXT_COLUMNS + ["---:"] * (len(PROFILE_HEADER) - PROFILE_TEXT_COLUMNS)
    out = [
        f"## {_profile_title(result)}",
        "",
        PROFILE_NOTE + ".",
        "",
        "| " + " | ".join(PROFILE_HEADER) + " |",
        "|" + "|".join(align) + "|",
    ]
    out += ["| " + " | ".join(row) + " |" for row in profile_cells(result.profile)]
    return "\n".join(out)


@dataclass(frozen=True)
class Machine:
    """Where the benchmark ran."""

    cores: int
    ram_gib: float
    cpu: str
    date: str
    python: str = field(default_factory=platform.python_version)
    duckdb: str = ""
    dbt_core: str = ""
    #: the dbt adapter and engine libraries, e.g. "dbt-spark 1.11.0, pyspark 4.3.0"
    adapter: str = ""
    #: 1-minute load average when the benchmark started (other work on the machine skews it)
    load_at_start: float | None = None

    def describe(self) -> str:
        load = "" if self.load_at_start is None else f", load {self.load_at_start:.2f} at start"
        return (
            f"machine: {self.cores} cores, {self.ram_gib:.1f} GiB RAM, {self.cpu}; {self.date}; "
            f"Python {self.python}, DuckDB {self.duckdb}, dbt-core {self.dbt_core}"
            f"{', ' + self.adapter if self.adapter else ''}{load}"
        )


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def machine(engine: str = DUCKDB) -> Machine:
    """Cores, RAM (from /proc/meminfo), CPU model, versions and the date of this run."""
    ram_kib = 0
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                ram_kib = int(line.split()[1])
                break
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return Machine(
        cores=os.cpu_count() or 1,
        ram_gib=ram_kib / (1024 * 1024),
        cpu=cpu,
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        duckdb=_version("duckdb"),
        dbt_core=_version("dbt-core"),
        adapter=(
            f"dbt-spark {_version('dbt-spark')}, pyspark {_version('pyspark')}"
            if engine == SPARK
            else f"dbt-duckdb {_version('dbt-duckdb')}"
        ),
        load_at_start=os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    )


def _header(results: Sequence[ScaleResult]) -> list[str]:
    return ["metric", *(f"{scale_label(r.scale)} events" for r in results), "goal"]


def format_text(results: Sequence[ScaleResult], host: Machine, settings: str = "") -> str:
    """The plain-text table: a column per scale, numbers aligned, verdicts beside them; then
    the per-model table of each scale."""
    rows = results_rows(results)
    header = _header(results)
    columns: list[list[str]] = [[header[0], *(row.label for row in rows)]]
    for i in range(len(results)):
        value_width = max(len(header[i + 1]), *(len(row.cells[i]) for row in rows))
        judged = any(row.verdicts and row.verdicts[i] is not None for row in rows)
        pad = " " * (len(" missed") if judged else 0)
        column = [header[i + 1].rjust(value_width) + pad]
        for row in rows:
            text = row.cells[i].rjust(value_width)
            verdict = row.verdicts[i] if row.verdicts and row.cells[i] else None
            text += (" " + (_verdict_word(verdict) or "")).ljust(len(pad))
            column.append(text)
        columns.append(column)
    widths = [max(len(text) for text in column) for column in columns]

    def render(r: int, goal: str) -> str:
        cells = [columns[0][r].ljust(widths[0])]
        cells += [column[r].ljust(widths[c]) for c, column in enumerate(columns[1:], start=1)]
        return "  ".join([*cells, goal]).rstrip()

    out = [host.describe()]
    if settings:
        out.append(settings)
    goal_width = max(len(row.goal) for row in rows)
    out += ["", render(0, header[-1]), "-" * (sum(widths) + 2 * len(widths) + goal_width)]
    out += [render(r, row.goal) for r, row in enumerate(rows, start=1)]
    for result in results:
        profile = format_profile_text(result)
        if profile:
            out += ["", profile]
    return "\n".join(out)


def format_markdown(results: Sequence[ScaleResult], host: Machine, settings: str = "") -> str:
    """The same tables as Markdown."""
    rows = results_rows(results)
    header = _header(results)
    out = ["# ai_adoption benchmark", "", host.describe()]
    if settings:
        out += ["", settings]
    out += [
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" + "---:|" * len(results) + "---|",
    ]
    for row in rows:
        cells = [row.label.strip(), *(row.cell(i) for i in range(len(results))), row.goal]
        out.append("| " + " | ".join(cells) + " |")
    mismatched = [(r, m) for r in results for m in r.count_mismatches]
    if mismatched:
        out += ["", "Row counts after the incremental run that differ from the full build:", ""]
        out += [f"- {scale_label(r.scale)}: {m}" for r, m in mismatched]
    for result in results:
        profile = format_profile_markdown(result)
        if profile:
            out += ["", profile]
    return "\n".join(out) + "\n"


def goals(engine: str, scales: Sequence[int]) -> dict[str, Any]:
    """The goals the table judges on ``engine``."""
    if engine == SPARK:
        return {"incremental_share_of_full_build_max": GOAL_SPARK_INCREMENTAL_SHARE}
    return {
        "full_build_over_floor_max": GOAL_FLOOR_RATIO,
        "full_build_over_lean_reference_max": GOAL_LEAN_RATIO,
        "full_build_ratios_judged_at_scale": GOAL_SCALE,
        # the largest share met, by the scale it is judged at (as the table's columns)
        "incremental_share_of_full_build_max_by_scale": {
            scale_label(scale): limit for scale, limit in sorted(GOAL_INCREMENTAL_SHARES.items())
        },
        "peak_rss_gib_max": GOAL_PEAK_GIB,
        "peak_rss_judged_at_scale": max(scales, default=None),
    }


def results_json(
    results: Sequence[ScaleResult], host: Machine, settings: dict[str, Any]
) -> dict[str, Any]:
    """Everything measured (with the per-model profiles), the goals and the verdicts, as one
    JSON-able dict."""
    return {
        "machine": asdict(host),
        "settings": settings,
        "engine": _engine(results),
        "goals": goals(_engine(results), [r.scale for r in results]),
        "scales": [
            {
                **asdict(r),
                "count_mismatches": list(r.count_mismatches),
            }
            for r in results
        ],
        "table": [
            {
                "metric": row.label.strip(),
                "goal": row.goal,
                "cells": {
                    scale_label(r.scale): {
                        "value": row.cells[i],
                        "verdict": _verdict_word(row.verdicts[i] if row.verdicts else None),
                    }
                    for i, r in enumerate(results)
                },
            }
            for row in results_rows(results)
        ],
    }


def _verdict_word(verdict: bool | None) -> str | None:
    return None if verdict is None else ("met" if verdict else "missed")


# ---- the command ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchConfig:
    """Options of ``ai-adoption bench``."""

    scales: tuple[int, ...]
    out: Path
    seed: int = 42
    memory_limit: str = "4GB"
    threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    engine: str = DUCKDB


def find_repo() -> Path:
    """The dbt project the benchmark builds (see :func:`ai_adoption.project.find_repo`)."""
    try:
        return project.find_repo()
    except project.ProjectError as exc:
        raise BenchError(str(exc)) from exc


def run_bench(cfg: BenchConfig) -> list[ScaleResult]:
    """Prepare, measure and report every scale; returns the results."""
    for scale in cfg.scales:
        check_scale(scale)
    check_engine_scales(cfg.engine, cfg.scales)
    repo = find_repo()
    dbt = Path(sys.executable).parent / "dbt"
    if not dbt.exists():
        raise BenchError(f"dbt not found next to the Python interpreter: {dbt}")
    spark = cfg.engine == SPARK
    if not spark:
        lean_settings()  # a project without the lean reference's vars fails before any long work
    if spark and not sys.platform.startswith("linux"):
        logger.warning("the peak memory figures leave Spark's JVM out (measured on Linux only)")
    out = cfg.out.resolve()
    try:
        with _connect(":memory:", cfg.memory_limit, cfg.threads, out / "duckdb-tmp"):
            pass  # a bad memory limit or thread count fails here, before any long work
    finally:
        shutil.rmtree(out / "duckdb-tmp", ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("results.md", "results.json"):  # a failed run must not leave old figures
        (out / stale).unlink(missing_ok=True)
    host = machine(cfg.engine)
    if host.load_at_start is not None and host.load_at_start > 0.5:
        logger.warning(
            "1-minute load average is %.2f before the benchmark: other work on this machine "
            "(or a run that just ended) skews the timings",
            host.load_at_start,
        )
    settings = {
        "engine": cfg.engine,
        "scales": list(cfg.scales),
        "seed": cfg.seed,
        "memory_limit": cfg.memory_limit,
        "threads": cfg.threads,
        "out": str(out),
        "incremental_new_share": round(1 - NEW_QUANTILE, 4),
    }
    settings_line = (
        f"settings: DuckDB memory_limit {cfg.memory_limit}, threads {cfg.threads} "
        f"(floor query and lean reference; dbt --threads); seed {cfg.seed}; data in {out}"
    )
    if spark:
        driver_memory = os.environ.get("AI_ADOPTION_SPARK_DRIVER_MEMORY", "4g")
        settings["spark_driver_memory"] = driver_memory
        settings_line = (
            f"settings: engine spark (dbt-spark session, local Spark in each dbt process), "
            f"driver memory {driver_memory}, dbt --threads {cfg.threads}; no floor query, no "
            f"lean reference, no dbt test; seed {cfg.seed}; data prepared with DuckDB memory_limit "
            f"{cfg.memory_limit}; in {out}"
        )
    logger.info("%s", host.describe())
    base = ensure_base(out, cfg.seed)
    results: list[ScaleResult] = []
    for scale in cfg.scales:
        data = prepare_scale(out, base, scale, cfg.seed, cfg.memory_limit, cfg.threads)
        spark_dir = out / f"spark-{scale}"
        invocation = DbtInvocation(
            dbt=dbt,
            repo=repo,
            target_path=spark_dir / "target" if spark else out / "dbt-target",
            log_path=out / "logs",
            database=data.folder / "warehouse.duckdb",
            source_glob=data.source_glob,
            memory_limit=cfg.memory_limit,
            threads=cfg.threads,
            engine=cfg.engine,
            spark_dir=spark_dir if spark else None,
        )
        run = bench_spark_scale if spark else bench_scale
        results.append(run(data, invocation))
        # written after every scale, so that a later failure keeps the finished ones
        (out / "results.md").write_text(
            format_markdown(results, host, settings_line), encoding="utf-8"
        )
        (out / "results.json").write_text(
            json.dumps(results_json(results, host, settings), indent=2, default=str) + "\n",
            encoding="utf-8",
        )
    print(format_text(results, host, settings_line))
    print()
    print(f"wrote {out / 'results.md'} and {out / 'results.json'}")
    for r in results:
        for mismatch in r.count_mismatches:
            print(f"{scale_label(r.scale)}: incremental row count differs: {mismatch}")
    return results
