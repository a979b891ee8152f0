"""Tests of the pure parts of ``ai-adoption bench``: no dbt run.

The data preparation runs on a small generated log (replication, the 99 % / 1 % split, the
prefix of small scales); the lean reference on a hand-made log whose results are worked out
by hand; the dbt runner is checked with a stand-in executable; the table with its goals is
checked on made-up figures.
"""

from __future__ import annotations

import json
import re
import stat
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ai_adoption import bench, bench_lean, cli, project
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


# ---- the lean reference --------------------------------------------------------------------

FIRST_LOAD = datetime(2026, 10, 1, 12)


def _event(
    event_id: str,
    occurred_at: str,
    event_name: str,
    *,
    user_id: str = "u1",
    loaded_at: datetime = FIRST_LOAD,
    **columns: Any,
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "occurred_at": occurred_at,
        "event_name": event_name,
        "user_id": user_id,
        "feature": "draft",
        "loaded_at": loaded_at,
        **columns,
    }


#: 14 source rows: u1 uses "draft" in two sessions 37 minutes apart on Oct 1 (an accepted
#: output in the first, a regenerated one in the second) and once more on Oct 20; u2 has one
#: session with a session_id. e2 arrives twice, its later load first in the file; e8 and e9
#: are rejected; e10's event name is no action.
LEAN_EVENTS: list[dict[str, Any]] = [
    _event(
        "e2",
        "2026-10-01 10:01:00",
        "output_generated",
        loaded_at=datetime(2026, 10, 2, 12),
        output_id="o1",
        input_tokens=999,
        output_tokens=999,
        cost_usd=9.0,
    ),
    _event("e1", "2026-10-01 10:00:00", "feature_opened"),
    _event(
        "e2",
        "2026-10-01 10:01:00",
        "output_generated",
        output_id="o1",
        input_tokens=100,
        output_tokens=20,
        cost_usd=0.5,
    ),
    _event("e3", "2026-10-01 10:02:00", "output_viewed", output_id="o1"),
    _event("e4", "2026-10-01 10:03:00", "output_accepted", output_id="o1"),
    # not an action: left out, so it does not bridge the 37 minutes between the sessions
    _event("e10", "2026-10-01 10:20:00", "page_scrolled"),
    _event("e5", "2026-10-01 10:40:00", "feature_opened"),
    _event(
        "e6",
        "2026-10-01 10:45:00",
        "output_generated",
        output_id="o2",
        input_tokens=50,
        output_tokens=10,
        cost_usd=0.25,
    ),
    _event(
        "e7",
        "2026-10-01 10:50:00",
        "output_regenerated",
        output_id="o2",
        input_tokens=60,
        output_tokens=12,
        cost_usd=0.3,
    ),
    _event("e8", "yesterday at noon", "feature_opened"),
    _event("e9", "2026-10-01 11:00:00", "feature_opened", user_id="  "),
    # one session: the given session_id holds events 50 minutes apart
    _event("e11", "2026-10-05 09:00:00", "feature_opened", user_id="u2", session_id="s9"),
    _event("e12", "2026-10-05 09:50:00", "prompt_submitted", user_id="u2", session_id="s9"),
    _event("e13", "2026-10-20 09:00:00", "feature_opened", loaded_at=datetime(2026, 10, 20, 12)),
]
LEAN_SETTINGS = bench_lean.LeanSettings(session_gap_minutes=30, return_window_days=14)


@pytest.fixture
def lean_log(tmp_path: Path) -> Path:
    path = tmp_path / "events" / "part-0000.parquet"
    path.parent.mkdir()
    pq.write_table(pa.Table.from_pylist(LEAN_EVENTS, schema=SCHEMA), path)
    return path


def _dicts(con: duckdb.DuckDBPyConnection, query: str) -> list[dict[str, Any]]:
    cursor = con.execute(query)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_lean_reference_on_a_hand_made_log(lean_log: Path, tmp_path: Path) -> None:
    database = tmp_path / "lean.duckdb"
    with bench._connect(database, "1GB", 2, tmp_path / "duckdb-tmp") as con:
        bench_lean.run_lean_reference(con, [lean_log], LEAN_SETTINGS)
    with duckdb.connect(str(database), read_only=True) as con:
        tables = _rows(con, "select table_name from information_schema.tables order by 1")
        assert tables == [("outputs",), ("quarantine",), ("sessions",)]

        quarantine = _dicts(con, "select * from quarantine order by event_id")
        assert [(r["event_id"], r["rejection_reason"]) for r in quarantine] == [
            ("e8", "unparseable_occurred_at"),
            ("e9", "missing_user_id"),
        ]
        assert quarantine[0]["occurred_at"] == "yesterday at noon"  # as it arrived
        assert quarantine[0]["source_row"] == 9

        outputs = {r["output_id"]: r for r in _dicts(con, "select * from outputs")}
        assert sorted(outputs) == ["o1", "o2"]
        first, second = outputs["o1"], outputs["o2"]
        assert first["generated_at"] == datetime(2026, 10, 1, 10, 1)
        assert (first["is_viewed"], first["is_edited"], first["is_accepted"]) == (True, False, True)
        assert first["accepted_at"] == datetime(2026, 10, 1, 10, 3)
        # the first loaded copy of e2 is kept: 100 input tokens, not 999
        assert (first["input_tokens"], first["output_tokens"]) == (100, 20)
        assert first["cost_usd"] == pytest.approx(0.5)
        assert first["regeneration_count"] == 0
        # generated and regenerated once: 50 + 60 input tokens, 10 + 12 output tokens
        assert (second["is_viewed"], second["is_accepted"], second["accepted_at"]) == (
            False,
            False,
            None,
        )
        assert second["regeneration_count"] == 1
        assert (second["input_tokens"], second["output_tokens"]) == (110, 22)
        assert second["cost_usd"] == pytest.approx(0.55)

        sessions = _dicts(con, "select * from sessions order by user_id, session_number")
        assert [
            (r["user_id"], r["session_number"], r["started_at"], r["ended_at"], r["event_count"])
            for r in sessions
        ] == [
            ("u1", 1, datetime(2026, 10, 1, 10, 0), datetime(2026, 10, 1, 10, 3), 4),
            ("u1", 2, datetime(2026, 10, 1, 10, 40), datetime(2026, 10, 1, 10, 50), 3),
            ("u1", 3, datetime(2026, 10, 20, 9, 0), datetime(2026, 10, 20, 9, 0), 1),
            ("u2", 1, datetime(2026, 10, 5, 9, 0), datetime(2026, 10, 5, 9, 50), 2),
        ]
        # back 37 minutes later; then not for 19 days; the last sessions have no next one
        assert [r["has_return_in_window"] for r in sessions] == [True, False, False, False]
        assert [(r["output_count"], r["accepted_count"]) for r in sessions] == [
            (1, 1),
            (1, 0),
            (0, 0),
            (0, 0),
        ]
        assert sessions[3]["prompt_count"] == 1
        # each output belongs to the session it was generated in
        keys = {(r["user_id"], r["session_number"]): r["session_key"] for r in sessions}
        assert first["session_key"] == keys[("u1", 1)]
        assert second["session_key"] == keys[("u1", 2)]


def test_lean_reference_is_timed_in_a_file_it_removes(lean_log: Path, tmp_path: Path) -> None:
    database = tmp_path / "scale" / "lean.duckdb"
    database.parent.mkdir()
    result = bench.time_lean([lean_log], database, "1GB", 2)
    assert result.seconds > 0 and result.peak_rss_bytes == 0
    assert list(database.parent.iterdir()) == []


def test_lean_reference_reads_its_durations_from_the_project() -> None:
    settings = bench_lean.project_settings()
    assert settings.session_gap_minutes > 0 and settings.return_window_days > 0
    with pytest.raises(project.ProjectError, match="ai_adoption_no_such_var"):
        bench_lean.project_var("ai_adoption_no_such_var")


def test_lean_reference_without_its_vars_stops_the_bench(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(bench_lean, "SESSION_GAP_VAR", "ai_adoption_no_such_var")
    with pytest.raises(bench.BenchError, match="ai_adoption_no_such_var"):
        bench.time_lean([], tmp_path / "lean.duckdb", "1GB", 2)


# ---- the table ------------------------------------------------------------------------------

HOST = Machine(cores=2, ram_gib=23.5, cpu="Test CPU", date="2026-11-27 08:00 UTC")


def _result(
    scale: int,
    floor: float,
    full: float,
    incremental: float,
    rss_gib: float,
    mismatches: tuple[str, ...] = (),
    lean: float | None = None,
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
        lean=None if lean is None else StepResult(lean),
    )


def _line(text: str, label: str) -> str:
    """The one line of the table whose label is ``label`` (followed by the column gap)."""
    (line,) = [ln for ln in text.splitlines() if re.match(rf"\s*{re.escape(label)}\s\s", ln)]
    return line


def test_table_marks_met_and_missed_goals() -> None:
    """The build-time goals are judged at the scales they are set for; peak memory at the
    largest scale."""
    results = [
        _result(100_000, floor=0.5, lean=1.0, full=5.0, incremental=4.0, rss_gib=0.5),
        _result(1_000_000, floor=2.0, lean=4.0, full=40.0, incremental=3.6, rss_gib=1.0),
        _result(10_000_000, floor=10.0, lean=50.0, full=100.0, incremental=8.0, rss_gib=5.0),
    ]
    text = format_text(results, HOST)
    assert "2 cores, 23.5 GiB RAM, Test CPU; 2026-11-27 08:00 UTC" in text
    assert _line(text, "lean reference (s)").split()[-3:] == ["1.0", "4.0", "50.0"]
    # information: no goal, no verdict
    assert _line(text, "lean reference / floor").split()[-3:] == ["2.0", "2.0", "5.0"]
    # 15 times the floor and 1.5 times the lean reference, judged at 10M only
    floor_line = _line(text, "full build / floor")
    assert re.search(r"\s10\.0\s+20\.0\s+10\.0 met\s+<= 15 at 10M$", floor_line)
    lean_line = _line(text, "full build / lean reference")
    assert re.search(r"\s5\.00\s+10\.00\s+2\.00 missed\s+<= 1\.5 at 10M$", lean_line)
    # at most 10 % at 1M and 5 % at 10M; no verdict below 1M
    share_line = _line(text, "incremental / full build")
    assert re.search(r"\s80%\s+9% met\s+8% missed\s+<= 10% at 1M, <= 5% at 10M$", share_line)
    # peak memory is judged at the largest scale only, against 2.5 GiB
    rss_line = _line(text, "peak RSS full build (GiB)")
    assert re.search(r"\s1\.00\s+5\.00 missed\s+<= 2\.5 GiB \(set at 10M\)$", rss_line)
    assert "2.50 met" in _line(text, "peak RSS incremental (GiB)")
    # how the full build grows is shown for sizing, without a goal
    scaling = _line(text, "full build time 10M / 100k")
    assert scaling.split()[-1] == "20.0"
    assert "1,028,000" in _line(text, "events") and "10,280,000" in _line(text, "events")
    per_second = _line(text, "events per second (full build)")
    assert "25,700" in per_second and "102,800" in per_second
    # numbers line up under their scale, goals in one column
    header = _line(text, "metric")
    end = header.index("10M events") + len("10M events")
    assert floor_line.index("10.0 met") + len("10.0") == end
    assert _line(text, "full build (s)").index("100.0") + len("100.0") == end
    assert floor_line.index("<= 15") == header.index("goal") == share_line.index("<= 10%")

    markdown = format_markdown(results, HOST)
    (md_row,) = [ln for ln in markdown.splitlines() if ln.startswith("| full build / lean")]
    assert md_row == "| full build / lean reference | 5.00 | 10.00 | 2.00 missed | <= 1.5 at 10M |"

    data = results_json(results, HOST, {"threads": 2})
    by_metric = {row["metric"]: row for row in data["table"]}
    assert by_metric["full build / floor"]["cells"]["10M"] == {"value": "10.0", "verdict": "met"}
    assert by_metric["full build / floor"]["cells"]["1M"] == {"value": "20.0", "verdict": None}
    assert by_metric["full build / lean reference"]["cells"]["10M"]["verdict"] == "missed"
    assert by_metric["incremental / full build"]["cells"]["100k"]["verdict"] is None
    assert by_metric["full build time 10M / 100k"]["cells"]["10M"]["verdict"] is None
    assert data["scales"][2]["full_build"]["seconds"] == 100.0
    assert data["scales"][2]["lean"]["seconds"] == 50.0
    assert data["goals"] == {
        "full_build_over_floor_max": 15.0,
        "full_build_over_lean_reference_max": 1.5,
        "full_build_ratios_judged_at_scale": 10_000_000,
        "incremental_share_of_full_build_max_by_scale": {"1M": 0.10, "10M": 0.05},
        "peak_rss_gib_max": 2.5,
        "peak_rss_judged_at_scale": 10_000_000,
    }
    json.dumps(data)


def test_table_without_missed_goals() -> None:
    results = [
        # above the memory goal, but at a smaller scale than the one it is judged at
        _result(1_000_000, floor=2.0, lean=5.0, full=8.0, incremental=0.64, rss_gib=3.0),
        _result(10_000_000, floor=20.0, lean=70.0, full=100.0, incremental=4.0, rss_gib=2.4),
    ]
    text = format_text(results, HOST)
    assert "missed" not in text
    assert re.search(r"\s3\.00\s+2\.40 met\s", _line(text, "peak RSS full build (GiB)"))
    assert "5.0 met" in _line(text, "full build / floor")
    assert "1.43 met" in _line(text, "full build / lean reference")
    assert re.search(r"\s8% met\s+4% met\s", _line(text, "incremental / full build"))
    assert _line(text, "full build time 10M / 1M").split()[-1] == "12.5"
    assert [row.label for row in results_rows(results[:1])][-1] == (
        "events per second (full build)"
    )


def test_table_without_the_lean_reference() -> None:
    """A result without the lean reference (as one written before it was timed) leaves its
    cells empty, and gives no verdict on the ratio to it."""
    results = [_result(10_000_000, floor=20.0, full=100.0, incremental=4.0, rss_gib=2.0)]
    by_label = {row.label.strip(): row for row in results_rows(results)}
    assert by_label["lean reference (s)"].cells == ("",)
    assert by_label["lean reference / floor"].cells == ("",)
    text = format_text(results, HOST)
    assert _line(text, "full build / lean reference").split()[-4:] == ["<=", "1.5", "at", "10M"]
    assert "5.0 met" in _line(text, "full build / floor")


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


def test_peak_memory_goal_at_a_single_scale() -> None:
    """With one scale, that scale is the largest: its peak memory is judged."""
    text = format_text([_result(100_000, floor=1.0, full=3.0, incremental=0.3, rss_gib=2.6)], HOST)
    assert "2.60 missed" in _line(text, "peak RSS full build (GiB)")
    assert "1.30 met" in _line(text, "peak RSS incremental (GiB)")
    goals = results_json(
        [_result(100_000, floor=1.0, full=3.0, incremental=0.3, rss_gib=2.6)], HOST, {}
    )["goals"]
    assert goals["peak_rss_gib_max"] == 2.5
    assert goals["peak_rss_judged_at_scale"] == 100_000
    # the build-time goals are set for 1M and 10M: no verdict at 100k
    text = format_text(
        [_result(100_000, floor=1.0, lean=2.0, full=90.0, incremental=80.0, rss_gib=1.0)], HOST
    )
    for label in ("full build / floor", "full build / lean reference", "incremental / full build"):
        assert "met" not in _line(text, label) and "missed" not in _line(text, label), label


def test_dbt_overhead_rows() -> None:
    """Start-up, parse and exit of the full build and the incremental run (wall time minus
    dbt's own timing), and the wall times of dbt parse and dbt ls."""
    base = _result(1_000_000, floor=2.0, full=8.0, incremental=1.2, rss_gib=1.0)
    result = replace(
        base,
        full_build=StepResult(30.0, GIB, 24.5),
        incremental=StepResult(9.0, GIB, 5.75),
        parse=StepResult(12.25),
        ls=StepResult(4.5),
    )
    text = format_text([result], HOST)
    assert _line(text, "full build: dbt start-up, parse, exit (s)").split()[-1] == "5.5"
    assert _line(text, "incremental: dbt start-up, parse, exit (s)").split()[-1] == "3.2"
    assert _line(text, "dbt parse (s)").split()[-1] == "12.2"
    assert _line(text, "dbt ls, no-op (s)").split()[-1] == "4.5"
    # without dbt's own timing the overhead is unknown: an empty cell
    by_label = {row.label.strip(): row for row in results_rows([base])}
    assert by_label["full build: dbt start-up, parse, exit (s)"].cells == ("",)


def _spark_result(scale: int, full: float, incremental: float) -> ScaleResult:
    return ScaleResult(
        scale=scale,
        events=scale,
        new_events=scale // 100,
        floor=None,
        seed=StepResult(40.0, GIB // 4),
        base_build=StepResult(full * 0.99, GIB, full - 20.0, 3 * GIB),
        incremental=StepResult(incremental, GIB // 2, incremental - 20.0, 2 * GIB),
        full_build=StepResult(full, GIB, full - 20.0, 3 * GIB),
        test=None,
        engine=bench.SPARK,
        parse=StepResult(9.0),
        ls=StepResult(8.0),
        load=StepResult(25.0, GIB // 4, None, GIB),
    )


def test_spark_table_has_its_own_rows_and_goal() -> None:
    results = [_spark_result(100_000, 100.0, 20.0), _spark_result(1_000_000, 200.0, 60.0)]
    text = format_text(results, HOST)
    labels = [row.label.strip() for row in results_rows(results)]
    assert "one-pass floor (s)" not in labels and "full build / floor" not in labels
    assert "dbt test, data tests (s)" not in labels
    assert "25.0" in _line(text, "link the source table (s)")
    share = _line(text, "incremental / full build")
    assert "20% met" in share and "30% missed" in share and share.endswith("<= 25%")
    # dbt's peak plus that of the JVM it left running; no memory goal on Spark
    rss = _line(text, "peak RSS full build, dbt + JVM (GiB)")
    assert rss.split()[-2:] == ["4.00", "4.00"]
    assert _line(text, "peak RSS incremental, dbt + JVM (GiB)").split()[-1] == "2.50"
    assert (
        "2.0" in _line(text, "full build time 1M / 100k")
        and "<= " not in text.split("full build time")[1]
    )
    data = results_json(results, HOST, {})
    assert data["engine"] == "spark"
    assert data["goals"] == {"incremental_share_of_full_build_max": 0.25}


def test_peak_memory_adds_the_process_dbt_left_running() -> None:
    assert StepResult(1.0, GIB, None, GIB // 2).peak_rss_gib == 1.5
    assert StepResult(1.0, GIB).peak_rss_gib == 1.0


# ---- engines and scales ---------------------------------------------------------------------


def test_spark_refuses_scales_above_one_million() -> None:
    bench.check_engine_scales("spark", [100_000, 1_000_000])
    bench.check_engine_scales("duckdb", [1_000_000, 10_000_000])
    with pytest.raises(bench.BenchError, match=r"above 1,000,000 .*asked: 2,000,000, 10,000,000"):
        bench.check_engine_scales("spark", [1_000_000, 10_000_000, 2_000_000])
    with pytest.raises(bench.BenchError, match="unknown engine"):
        bench.check_engine_scales("postgres", [1_000_000])


def test_cli_refuses_spark_above_one_million_before_any_work(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out"
    code = cli.main(["bench", "--engine", "spark", "--scales", "10000000", "--out", str(out)])
    assert code == 1
    assert "not run on Spark" in caplog.text
    assert not out.exists()


def test_cli_parses_the_engine() -> None:
    parser = cli.build_parser()
    assert parser.parse_args(["bench"]).engine == "duckdb"
    assert parser.parse_args(["bench", "--engine", "spark"]).engine == "spark"
    with pytest.raises(SystemExit):
        parser.parse_args(["bench", "--engine", "postgres"])


def test_spark_invocation(tmp_path: Path) -> None:
    """On Spark dbt runs in the Spark folder with target spark, and gets no source path."""
    dbt = _fake_dbt(
        tmp_path,
        "import os, sys\n"
        "print('cwd', os.getcwd())\n"
        "print('env', os.environ['AI_ADOPTION_TARGET'], os.environ['AI_ADOPTION_SPARK_DIR'])\n"
        "print('args', sys.argv[1:])",
    )
    spark_dir = tmp_path / "spark-100000"
    invocation = replace(_invocation(tmp_path, dbt), engine=bench.SPARK, spark_dir=spark_dir)
    bench.run_dbt(invocation, ["run"], "spark-100k-run")
    log = (tmp_path / "logs" / "spark-100k-run.txt").read_text(encoding="utf-8")
    assert f"cwd {spark_dir}\n" in log
    assert f"env spark {spark_dir}\n" in log
    assert "--vars" not in log and "ai_adoption_source_path" not in log


# ---- run_results and the per-model profile --------------------------------------------------


def test_run_dbt_keeps_each_commands_run_results(tmp_path: Path) -> None:
    dbt = _fake_dbt(
        tmp_path,
        "import json, pathlib, sys\n"
        "target = pathlib.Path(sys.argv[sys.argv.index('--target-path') + 1])\n"
        "target.mkdir(parents=True, exist_ok=True)\n"
        "if sys.argv[2] == 'run':\n"
        "    (target / 'run_results.json').write_text(json.dumps({'results': [], 'n': 7}))\n",
    )
    invocation = _invocation(tmp_path, dbt)
    bench.run_dbt(invocation, ["run"], "1M-full-build")
    kept = tmp_path / "logs" / "1M-full-build-run_results.json"
    assert json.loads(kept.read_text(encoding="utf-8")) == {"results": [], "n": 7}
    # a command that writes no run_results does not get the former command's
    bench.run_dbt(invocation, ["ls"], "1M-ls")
    assert not (tmp_path / "logs" / "1M-ls-run_results.json").exists()
    assert kept.exists()


def _node(materialized: str, schema: str, alias: str) -> dict[str, Any]:
    return {"config": {"materialized": materialized}, "schema": schema, "alias": alias}


MANIFEST: dict[str, Any] = {
    "nodes": {
        "model.ai_adoption.fct_big": _node("incremental", "main_ai_adoption", "fct_big"),
        "model.ai_adoption.stg_view": _node("view", "main_ai_adoption_staging", "stg_view"),
        "model.ai_adoption.dim_small": _node("table", "main_ai_adoption", "dim_small_t"),
        "model.ai_adoption.int_chain": _node("incremental", "main_ai_adoption_int", "int_chain"),
        "seed.ai_adoption.ai_adoption_features": _node("seed", "main_seeds", "features"),
    }
}


def _entry(
    unique_id: str, seconds: float, response: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "unique_id": unique_id,
        "status": "success",
        "execution_time": seconds,
        "adapter_response": response or {"_message": "OK"},
    }


FULL_RUN_RESULTS: dict[str, Any] = {
    "results": [
        _entry("model.ai_adoption.stg_view", 1.0),
        _entry("model.ai_adoption.fct_big", 12.0),
        _entry("model.ai_adoption.dim_small", 2.0),
        _entry("model.ai_adoption.int_chain", 5.0),
        # not models: left out of the profile and of the summed time
        _entry("seed.ai_adoption.ai_adoption_features", 30.0),
        _entry("test.ai_adoption.not_null_fct_big_id.123", 40.0),
    ]
}
INCREMENTAL_RUN_RESULTS: dict[str, Any] = {
    "results": [
        _entry("model.ai_adoption.fct_big", 3.0, {"_message": "OK", "rows_affected": 42}),
        _entry("model.ai_adoption.stg_view", 0.25),
        _entry("model.ai_adoption.dim_small", 0.5),
        _entry("model.ai_adoption.int_chain", 1.5, {"_message": "OK", "rows_affected": -1}),
    ]
}
FULL_COUNTS = {
    "main_ai_adoption.fct_big": 1_000,
    "MAIN_AI_ADOPTION.dim_small_t": 7,
    "main_ai_adoption_int.int_chain": 300,
}
INCREMENTAL_COUNTS = {
    "main_ai_adoption.fct_big": 990,
    "main_ai_adoption.dim_small_t": 6,
    "main_ai_adoption_int.int_chain": 299,
}


def test_model_profile_from_run_results_and_manifest() -> None:
    rows = bench.model_profile(
        MANIFEST, FULL_RUN_RESULTS, INCREMENTAL_RUN_RESULTS, FULL_COUNTS, INCREMENTAL_COUNTS
    )
    assert [(r.model, r.materialized, r.full_seconds) for r in rows] == [
        ("fct_big", "incremental", 12.0),
        ("int_chain", "incremental", 5.0),
        ("dim_small", "table", 2.0),
        ("stg_view", "view", 1.0),
    ]
    # shares of 12 + 5 + 2 + 1 = 20 s of model time
    assert [r.share for r in rows] == pytest.approx([0.6, 0.25, 0.1, 0.05])
    assert [r.rows for r in rows] == [1_000, 300, 7, "view"]
    assert [r.incremental_seconds for r in rows] == [3.0, 1.5, 0.5, 0.25]
    assert [r.rows_after_incremental for r in rows] == [990, 299, 6, "view"]
    # rows_affected when the adapter reports a count; a table model rewrites its whole table;
    # an incremental model without a count (or with -1) has none
    assert [r.rows_written_incremental for r in rows] == [42, None, 6, None]


def test_model_profile_of_a_model_missing_from_a_run() -> None:
    incremental = {"results": [_entry("model.ai_adoption.fct_big", 3.0)]}
    full = {"results": [_entry("model.ai_adoption.fct_big", 4.0)]}
    rows = bench.model_profile(MANIFEST, full, incremental, FULL_COUNTS, INCREMENTAL_COUNTS)
    assert [(r.model, r.rows_written_incremental) for r in rows] == [("fct_big", None)]
    only_incremental = bench.model_profile(
        MANIFEST, {"results": []}, INCREMENTAL_RUN_RESULTS, {}, INCREMENTAL_COUNTS
    )
    by_name = {r.model: r for r in only_incremental}
    assert by_name["dim_small"].full_seconds is None and by_name["dim_small"].rows is None
    assert by_name["dim_small"].share is None
    assert by_name["dim_small"].rows_after_incremental == 6
    unknown = bench.model_profile({"nodes": {}}, full, None, {}, {})
    assert [(r.materialized, r.rows, r.incremental_seconds) for r in unknown] == [("?", None, None)]


def test_profile_tables_follow_the_main_table() -> None:
    profile = tuple(
        bench.model_profile(
            MANIFEST, FULL_RUN_RESULTS, INCREMENTAL_RUN_RESULTS, FULL_COUNTS, INCREMENTAL_COUNTS
        )
    )
    result = replace(
        _result(100_000, floor=1.0, full=3.0, incremental=0.3, rss_gib=1.0), profile=profile
    )
    text = format_text([result], HOST)
    main, per_model = text.split("per model, 100k events on duckdb", 1)
    assert "full build (s)" in main and "fct_big" not in main
    lines = per_model.splitlines()
    header = next(ln for ln in lines if ln.startswith("model "))
    assert header.split("  ")[0] == "model"
    first = next(ln for ln in lines if ln.startswith("fct_big"))
    assert first.split() == [
        "fct_big",
        "incremental",
        "12.00",
        "60.0%",
        "1,000",
        "3.00",
        "990",
        "42",
    ]
    view = next(ln for ln in lines if ln.startswith("stg_view"))
    assert view.split() == ["stg_view", "view", "1.00", "5.0%", "view", "0.25", "view"]
    # numbers end under the end of their header
    assert first.index("60.0%") + len("60.0%") == header.index("share") + len("share")

    markdown = format_markdown([result], HOST)
    assert (
        "| model | materialized | full build (s) | share | rows | incremental (s) "
        "| rows after incr. | rows written (incr.) |" in markdown
    )
    assert "| int_chain | incremental | 5.00 | 25.0% | 300 | 1.50 | 299 |  |" in markdown
    data = results_json([result], HOST, {})
    assert data["scales"][0]["profile"][0] == {
        "model": "fct_big",
        "materialized": "incremental",
        "full_seconds": 12.0,
        "share": 0.6,
        "rows": 1000,
        "incremental_seconds": 3.0,
        "rows_after_incremental": 990,
        "rows_written_incremental": 42,
    }
    json.dumps(data)


def test_spark_table_row_counts_read_the_parquet_folders(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    table = pa.table({"x": [1, 2, 3]})
    marts = warehouse / "main_ai_adoption.db"
    (marts / "fct_x").mkdir(parents=True)
    pq.write_table(table, marts / "fct_x" / "part-00000-a.c000.snappy.parquet")
    (marts / "fct_x" / "_SUCCESS").write_text("")
    (marts / "empty").mkdir()
    (marts / "empty" / "_SUCCESS").write_text("")
    checked = warehouse / "main_ai_adoption_staging.db" / "checked"
    for day, rows in (("2026-10-01", 2), ("2026-10-02", 1)):
        (checked / f"load_partition_date={day}").mkdir(parents=True)
        pq.write_table(table.slice(0, rows), checked / f"load_partition_date={day}" / "p.parquet")
    seeds = warehouse / "main_ai_adoption_seeds.db" / "features"
    seeds.mkdir(parents=True)
    pq.write_table(table, seeds / "p.parquet")
    assert bench.spark_table_row_counts(warehouse) == {
        "main_ai_adoption.fct_x": 3,
        "main_ai_adoption.empty": 0,
        "main_ai_adoption_staging.checked": 3,
    }
    assert bench.spark_table_row_counts(tmp_path / "missing") == {}


# ---- the memory of dbt and of the processes it leaves running -------------------------------

MIB = 1024 * 1024
#: Touches every page of a block of N MiB (so that it is resident), as Python source.
TOUCH = "block = bytearray({n} * 1024 * 1024); block[::4096] = b'x' * len(block[::4096])"


def test_dbt_memory_leaves_out_the_memory_of_this_process(tmp_path: Path) -> None:
    """A process started straight from this one would report this one's peak memory."""
    held = bytearray(600 * MIB)
    held[::4096] = b"x" * len(held[::4096])
    dbt = _fake_dbt(tmp_path, "print('1 of 1 OK')")
    result = bench.run_dbt(_invocation(tmp_path, dbt), ["run"], "1M-run")
    del held
    assert result.peak_rss_bytes < 100 * MIB
    assert result.left_running_peak_rss_bytes == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="child subreapers are Linux's")
def test_peak_memory_of_a_process_dbt_leaves_running(tmp_path: Path) -> None:
    """A stand-in dbt starts a process that outlives it (as Spark's JVM does) and exits."""
    child = TOUCH.format(n=300) + "; import time; time.sleep(0.5)"
    dbt = _fake_dbt(
        tmp_path,
        f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', {child!r}])\n",
    )
    result = bench.run_dbt(_invocation(tmp_path, dbt), ["run"], "spark-run")
    # dbt's own figure does not hold the process it left running ...
    assert result.peak_rss_bytes < 300 * MIB
    # ... which is counted once the launcher has adopted and waited for it
    assert result.left_running_peak_rss_bytes >= 300 * MIB
    assert result.peak_rss_gib * GIB >= 300 * MIB + result.peak_rss_bytes


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="child subreapers are Linux's")
def test_a_small_helper_left_running_is_not_counted(tmp_path: Path) -> None:
    """A small process started by a large dbt reports dbt's memory at its start: left out."""
    dbt = _fake_dbt(
        tmp_path,
        TOUCH.format(n=300) + "\nimport subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(0.5)'])\n",
    )
    result = bench.run_dbt(_invocation(tmp_path, dbt), ["run"], "1M-run")
    assert result.peak_rss_bytes >= 300 * MIB
    assert result.left_running_peak_rss_bytes == 0


def test_left_running_peak() -> None:
    assert bench.left_running_peak(500, [120, 500]) == 0
    assert bench.left_running_peak(500, [120, 2_000, 700]) == 2_700
    assert bench.left_running_peak(500, []) == 0


def test_the_new_part_arrives_beside_the_base_parts(tmp_path: Path) -> None:
    parts = []
    for name in ("base/part-0000.parquet", "base/part-0001.parquet", "new/part.parquet"):
        path = tmp_path / "scale" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(name.encode())
        parts.append(path)
    data = bench.ScaleData(100, tmp_path / "scale", tuple(parts[:2]), parts[2], 99, 1)
    folder = tmp_path / "spark" / "source"
    bench.stage_source(data, with_new=False, folder=folder)
    assert sorted(p.name for p in folder.iterdir()) == ["part-0000.parquet", "part-0001.parquet"]
    before = (folder / "part-0000.parquet").stat().st_ino
    bench.deliver_new_part(data, folder=folder)
    assert sorted(p.name for p in folder.iterdir()) == [
        "new-part.parquet",
        "part-0000.parquet",
        "part-0001.parquet",
    ]
    assert (folder / "new-part.parquet").read_bytes() == b"new/part.parquet"
    assert (folder / "part-0000.parquet").stat().st_ino == before  # the base parts stay
    assert not (tmp_path / "scale" / "source").exists()
