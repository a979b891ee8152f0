"""Tests of the pure parts of ``ai-adoption bench``: no dbt run.

The data preparation runs on a small generated log (replication, the 99 % / 1 % split, the
prefix of small scales); the dbt runner is checked with a stand-in executable; the table
with its goals is checked on made-up figures.
"""

from __future__ import annotations

import json
import re
import stat
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ai_adoption import bench, cli
from ai_adoption.bench import (
    ID_COLUMNS,
    DbtError,
    DbtInvocation,
    Machine,
    ScaleResult,
    StepResult,
    format_markdown,
    format_text,
    replicated_sql,
    results_json,
    results_rows,
    split_events,
)
from ai_adoption.generator import SCHEMA, GeneratorConfig, generate, write_log

EVENTS = 3_000
SEED = 11
NULL_LOADED_AT_ROWS = 25
COPIES = 3
GIB = 1024**3


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated log, with some rows' loaded_at set to null."""
    log = generate(GeneratorConfig(events=EVENTS, seed=SEED))
    table = log.table
    mask = pa.array([i % 97 == 5 for i in range(table.num_rows)][: table.num_rows])
    assert pc.sum(mask).as_py() >= NULL_LOADED_AT_ROWS
    loaded_at = pc.if_else(mask, pa.scalar(None, pa.timestamp("us")), table["loaded_at"])
    table = table.set_column(table.schema.get_field_index("loaded_at"), "loaded_at", loaded_at)
    out = tmp_path_factory.mktemp("source")
    write_log(type(log)(table=table, truth=log.truth), out, parts=2)
    return out


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with bench._connect(":memory:", "1GB", 2, tmp_path / "duckdb-tmp") as con:
        yield con


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple[Any, ...]]:
    return con.execute(query).fetchall()


def _one(con: duckdb.DuckDBPyConnection, query: str) -> Any:
    return _rows(con, query)[0][0]


def _glob(folder: Path) -> str:
    return str(folder / "*.parquet")


def _assert_parts_in_loaded_at_order(split: bench.SplitResult) -> None:
    """Base parts are consecutive loaded_at ranges, each file in loaded_at order."""
    previous_max: datetime | None = None
    for path in [*split.base_files, split.new_file]:
        times = pq.read_table(path, columns=["loaded_at"])["loaded_at"].to_pylist()
        present = [t for t in times if t is not None]
        assert present == sorted(present), path
        if previous_max is not None and present:
            assert present[0] >= previous_max, path
        previous_max = present[-1] if present else previous_max


# ---- replication ----------------------------------------------------------------------------


@pytest.fixture
def replicated(
    source: Path, tmp_path: Path, connection: duckdb.DuckDBPyConnection
) -> bench.SplitResult:
    return split_events(connection, replicated_sql(_glob(source), COPIES), tmp_path / "out")


def _src(source: Path) -> str:
    return f"read_parquet('{_glob(source)}')"


def _out(split: bench.SplitResult) -> str:
    files = ", ".join(f"'{p}'" for p in [*split.base_files, split.new_file])
    return f"read_parquet([{files}])"


def test_replication_multiplies_rows_and_identifiers(
    source: Path, replicated: bench.SplitResult, connection: duckdb.DuckDBPyConnection
) -> None:
    src, out = _src(source), _out(replicated)
    source_rows = _one(connection, f"select count(*) from {src}")
    assert _one(connection, f"select count(*) from {out}") == COPIES * source_rows
    assert replicated.rows == COPIES * source_rows
    for column in ID_COLUMNS:
        distinct = f"select count(distinct {column}) filter (where trim({column}) <> '') from "
        assert _one(connection, distinct + out) == COPIES * _one(connection, distinct + src), column
        # null and blank identifiers stay null and blank in every copy
        missing = f"select count(*) filter (where {column} is null or trim({column}) = '') from "
        assert _one(connection, missing + out) == COPIES * _one(connection, missing + src), column
    # copy 0 keeps the original identifiers
    assert (
        _one(
            connection,
            f"select count(*) from (select event_id from {src} except select event_id from {out})",
        )
        == 0
    )
    # apart from the identifiers, the rows are the source rows COPIES times over
    others = f"* exclude ({', '.join(ID_COLUMNS)})"
    tripled = f"select src.{others} from {src} as src cross join range({COPIES})"
    for a, b in (
        (f"select {others} from {out}", tripled),
        (tripled, f"select {others} from {out}"),
    ):
        assert _one(connection, f"select count(*) from ({a} except all {b})") == 0


def test_replication_keeps_schema_and_time_range(
    source: Path, replicated: bench.SplitResult, connection: duckdb.DuckDBPyConnection
) -> None:
    for path in [*replicated.base_files, replicated.new_file]:
        assert pq.read_schema(path).remove_metadata().equals(SCHEMA), path
    ranges = (
        "select min(loaded_at), max(loaded_at), min(try_cast(occurred_at as timestamp)), "
        "max(try_cast(occurred_at as timestamp)), count(*) filter (where occurred_at is not null "
        "and try_cast(occurred_at as timestamp) is null) from "
    )
    (src_range,) = _rows(connection, ranges + _src(source))
    (out_range,) = _rows(connection, ranges + _out(replicated))
    assert out_range[:4] == src_range[:4]
    assert src_range[4] > 0  # the malformed occurred_at texts are there ...
    assert out_range[4] == COPIES * src_range[4]  # ... and copied as text
    _assert_parts_in_loaded_at_order(replicated)


def test_replicated_sql_rejects_zero_copies() -> None:
    with pytest.raises(ValueError, match="copies"):
        replicated_sql("x/*.parquet", 0)


# ---- the 99 % / 1 % split -------------------------------------------------------------------


def test_split_puts_every_row_in_exactly_one_part(
    source: Path, tmp_path: Path, connection: duckdb.DuckDBPyConnection
) -> None:
    split = split_events(connection, replicated_sql(_glob(source), 1), tmp_path / "out", 4)
    src = f"select * from {_src(source)}"
    parts = [f"select * from read_parquet('{p}')" for p in [*split.base_files, split.new_file]]
    union = " union all ".join(parts)
    total = _one(connection, f"select count(*) from {_src(source)}")
    assert _one(connection, f"select count(*) from ({union})") == total
    assert split.base_rows + split.new_rows == total
    for a, b in ((src, union), (union, src)):
        assert _one(connection, f"select count(*) from ({a} except all ({b}))") == 0
    assert len(split.base_files) == 4


def test_split_new_part_is_the_latest_loads(
    source: Path, tmp_path: Path, connection: duckdb.DuckDBPyConnection
) -> None:
    split = split_events(connection, replicated_sql(_glob(source), 1), tmp_path / "out", 4)
    new = f"read_parquet('{split.new_file}')"
    base = "read_parquet([" + ", ".join(f"'{p}'" for p in split.base_files) + "])"
    new_rows = _one(connection, f"select count(*) from {new}")
    assert new_rows == split.new_rows
    assert 0 < new_rows <= 0.05 * (split.base_rows + new_rows)
    assert _one(connection, f"select count(*) from {new} where loaded_at is null") == 0
    assert (
        _one(connection, f"select count(*) from {base} where loaded_at is null")
        == _one(connection, f"select count(*) from {_src(source)} where loaded_at is null")
        >= NULL_LOADED_AT_ROWS
    )
    newest_base = _one(connection, f"select max(loaded_at) from {base}")
    oldest_new = _one(connection, f"select min(loaded_at) from {new}")
    assert isinstance(oldest_new, datetime)
    assert oldest_new >= newest_base
    _assert_parts_in_loaded_at_order(split)


def test_split_when_the_last_load_holds_the_percentile(
    source: Path, tmp_path: Path, connection: duckdb.DuckDBPyConnection
) -> None:
    """Three load batches of 100, 95 and 5 rows: the 99th percentile is in the last one."""
    table = pq.read_table(source / "part-0000.parquet").slice(0, 200)
    batches = [datetime(2026, 10, 1, h) for h in (1, 2, 3)]
    times = [batches[0]] * 100 + [batches[1]] * 95 + [batches[2]] * 5
    table = table.set_column(
        table.schema.get_field_index("loaded_at"), "loaded_at", pa.array(times, pa.timestamp("us"))
    )
    (tmp_path / "ties").mkdir()
    pq.write_table(table, tmp_path / "ties" / "part-0000.parquet")
    split = split_events(
        connection, replicated_sql(_glob(tmp_path / "ties"), 1), tmp_path / "out", 2
    )
    assert (split.base_rows, split.new_rows) == (195, 5)
    new_times = pq.read_table(split.new_file)["loaded_at"].to_pylist()
    assert set(new_times) == {batches[2]}


def test_prefix_takes_the_earliest_loads(
    source: Path, tmp_path: Path, connection: duckdb.DuckDBPyConnection
) -> None:
    rows = 1_000
    split = split_events(connection, bench.scale_sql(_glob(source), rows), tmp_path / "out")
    assert split.rows == rows
    out = _out(split)
    newest = _one(connection, f"select max(loaded_at) from {out}")
    older_left = _one(
        connection,
        f"select count(*) from {_src(source)} where loaded_at < '{newest}' "
        f"and event_id not in (select event_id from {out})",
    )
    assert older_left == 0


@pytest.mark.parametrize("scale", [0, 1_500_000, 10_000_001])
def test_invalid_scales(scale: int) -> None:
    with pytest.raises(ValueError):
        bench.check_scale(scale)


def test_cli_parses_bench_options() -> None:
    args = cli.build_parser().parse_args(
        ["bench", "--scales", "1000000", "10000000", "--out", "x", "--threads", "3"]
    )
    assert args.scales == [1_000_000, 10_000_000]
    assert args.threads == 3
    assert args.memory_limit == "4GB"
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["bench", "--scales", "1500000"])


# ---- running dbt ----------------------------------------------------------------------------


def _fake_dbt(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "fake-dbt"
    script.write_text(f"#!{sys.executable}\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def _invocation(tmp_path: Path, dbt: Path) -> DbtInvocation:
    return DbtInvocation(
        dbt=dbt,
        repo=tmp_path,
        target_path=tmp_path / "target",
        log_path=tmp_path / "logs",
        database=tmp_path / "w.duckdb",
        source_glob=str(tmp_path / "source" / "*.parquet"),
        memory_limit="1GB",
        threads=2,
    )


def test_run_dbt_measures_peak_memory_of_the_child(tmp_path: Path) -> None:
    dbt = _fake_dbt(
        tmp_path,
        "import os, sys\n"
        "block = bytearray(300 * 1024 * 1024)\n"
        "print('Finished running 1 table model in 0 hours 0 minutes and 1.25 seconds (1.25s).')\n"
        "print('1 of 1 OK', sys.argv[1:], os.environ['AI_ADOPTION_DUCKDB_MEMORY_LIMIT'])",
    )
    result = bench.run_dbt(_invocation(tmp_path, dbt), ["run", "--full-refresh"], "1M-run")
    assert result.peak_rss_bytes >= 300 * 1024 * 1024
    assert result.seconds > 0
    assert result.executed_seconds == 1.25
    log = (tmp_path / "logs" / "1M-run.txt").read_text(encoding="utf-8")
    assert "'run', '--full-refresh'" in log and log.endswith("] 1GB\n")
    assert json.dumps({"ai_adoption_source_path": str(tmp_path / "source" / "*.parquet")}) in log


def test_run_dbt_failure_carries_the_last_lines(tmp_path: Path) -> None:
    dbt = _fake_dbt(tmp_path, "import sys\nfor i in range(100):\n    print('line', i)\nsys.exit(2)")
    with pytest.raises(DbtError) as raised:
        bench.run_dbt(_invocation(tmp_path, dbt), ["run"], "1M-incremental")
    assert raised.value.returncode == 2
    assert raised.value.tail == tuple(f"line {i}" for i in range(60, 100))


def test_cli_prints_dbt_failure_and_exits_non_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def failing(cfg: bench.BenchConfig) -> list[ScaleResult]:
        raise DbtError("1M-full-build", 1, ["Compilation Error in model x", "Done."], tmp_path)

    monkeypatch.setattr(cli, "run_bench", failing)
    code = cli.main(["bench", "--scales", "1000000", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "1M-full-build failed (exit 1)" in err
    assert "Compilation Error in model x" in err


# ---- the table ------------------------------------------------------------------------------

HOST = Machine(cores=2, ram_gib=23.5, cpu="Test CPU", date="2026-11-27 08:00 UTC")


def _result(
    scale: int,
    floor: float,
    full: float,
    incremental: float,
    rss_gib: float,
    mismatches: tuple[str, ...] = (),
) -> ScaleResult:
    return ScaleResult(
        scale=scale,
        events=int(scale * 1.028),
        new_events=int(scale * 0.009),
        floor=StepResult(floor),
        seed=StepResult(3.0, GIB // 4),
        base_build=StepResult(full * 0.99, int(rss_gib * GIB)),
        incremental=StepResult(incremental, int(rss_gib * 0.5 * GIB)),
        full_build=StepResult(full, int(rss_gib * GIB)),
        test=StepResult(7.0, GIB // 2),
        count_mismatches=mismatches,
    )


def _line(text: str, label: str) -> str:
    """The one line of the table whose label is ``label`` (followed by the column gap)."""
    (line,) = [ln for ln in text.splitlines() if re.match(rf"\s*{re.escape(label)}\s\s", ln)]
    return line


def test_table_marks_met_and_missed_goals() -> None:
    results = [
        _result(1_000_000, floor=2.0, full=6.0, incremental=0.5, rss_gib=1.0),
        _result(10_000_000, floor=10.0, full=100.0, incremental=30.0, rss_gib=5.0),
    ]
    text = format_text(results, HOST)
    assert "2 cores, 23.5 GiB RAM, Test CPU; 2026-11-27 08:00 UTC" in text
    floor_line = _line(text, "full build / floor")
    assert "3.0 met" in floor_line and "10.0 missed" in floor_line and "<= 4" in floor_line
    share_line = _line(text, "incremental / full build")
    assert "8% met" in share_line and "30% missed" in share_line
    rss_line = _line(text, "peak RSS full build (GiB)")
    assert "1.00 met" in rss_line and "5.00 missed" in rss_line
    assert "2.50 met" in _line(text, "peak RSS incremental (GiB)")
    scaling = _line(text, "full build time 10M / 1M")
    assert "16.7 missed" in scaling and "<= 12" in scaling
    assert "1,028,000" in _line(text, "events") and "10,280,000" in _line(text, "events")
    per_second = _line(text, "events per second (full build)")
    assert "171,333" in per_second and "102,800" in per_second
    # numbers line up under their scale, goals in one column
    header = _line(text, "metric")
    end = header.index("10M events") + len("10M events")
    assert floor_line.index("10.0 missed") + len("10.0") == end
    assert _line(text, "full build (s)").index("100.0") + len("100.0") == end
    assert floor_line.index("<= 4") == header.index("goal") == share_line.index("<= 15%")

    markdown = format_markdown(results, HOST)
    (md_row,) = [ln for ln in markdown.splitlines() if ln.startswith("| full build / floor")]
    assert md_row == "| full build / floor | 3.0 met | 10.0 missed | <= 4 |"

    data = results_json(results, HOST, {"threads": 2})
    by_metric = {row["metric"]: row for row in data["table"]}
    assert by_metric["full build / floor"]["cells"]["10M"] == {
        "value": "10.0",
        "verdict": "missed",
    }
    assert by_metric["full build time 10M / 1M"]["cells"]["1M"]["verdict"] is None
    assert data["scales"][1]["full_build"]["seconds"] == 100.0
    json.dumps(data)


def test_table_without_missed_goals() -> None:
    results = [
        _result(1_000_000, floor=2.0, full=8.0, incremental=1.2, rss_gib=1.0),
        _result(10_000_000, floor=20.0, full=80.0, incremental=12.0, rss_gib=3.9),
    ]
    text = format_text(results, HOST)
    assert "missed" not in text
    assert "10.0 met" in _line(text, "full build time 10M / 1M")
    assert [row.label for row in results_rows(results[:1])][-1] == (
        "events per second (full build)"
    )


def test_incremental_row_count_mismatch_is_a_missed_goal() -> None:
    results = [
        _result(
            1_000_000,
            floor=2.0,
            full=8.0,
            incremental=1.0,
            rss_gib=1.0,
            mismatches=("main_ai_adoption.fct_ai_outputs: 10 vs 12",),
        )
    ]
    text = format_text(results, HOST)
    assert "no missed" in _line(text, "incremental rows = full build")
    assert "fct_ai_outputs: 10 vs 12" in format_markdown(results, HOST)


def test_count_mismatches() -> None:
    assert bench.count_mismatches({"a": 1, "b": 2}, {"a": 1, "b": 2}) == ()
    assert bench.count_mismatches({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == (
        "b: 2 vs 3",
        "c: missing vs 4",
    )
