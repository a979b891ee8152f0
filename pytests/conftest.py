"""Session fixtures for the end-to-end tests: dbt builds into throw-away DuckDB files.

Every build writes only under pytest's tmp dirs (its own DuckDB file, target and log
paths); the repo's target/ and warehouse file are never touched.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
DBT = VENV_BIN / "dbt"
GENERATOR = VENV_BIN / "ai-adoption"

WAREHOUSE_EVENTS = 30_000
WAREHOUSE_SEED = 7
OUTPUT_TAIL_LINES = 60

#: Resource types left out of the quick builds (the main warehouse build runs everything).
QUICK_BUILD_EXCLUDES: tuple[str, ...] = ("--exclude-resource-type", "test", "unit_test")


@dataclass(frozen=True)
class DbtRun:
    """One finished dbt invocation."""

    args: tuple[str, ...]
    returncode: int
    output: str
    db: Path

    def tail(self, lines: int = OUTPUT_TAIL_LINES) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


@dataclass(frozen=True)
class Warehouse:
    """A DuckDB warehouse built by `dbt build` on a generated event log."""

    db: Path
    data_dir: Path
    truth: dict[str, Any]


DbtRunner = Callable[..., DbtRun]
#: pytest's record_property fixture: tests record ("artifact", text) for the summary.
RecordProperty = Callable[[str, object], None]


def dbt_invocation(
    workdir: Path,
    command: str,
    *,
    env: Mapping[str, str],
    extra_args: Sequence[str] = (),
    dbt_vars: Mapping[str, Any] | None = None,
) -> tuple[tuple[str, ...], dict[str, str]]:
    """Arguments and environment of a dbt command on the repo, its state under ``workdir``.

    ``env`` holds the profile's variables (target, connection); the repo's profiles.yml is
    used whatever DBT_PROFILES_DIR says.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    args = (
        str(DBT),
        "--no-use-colors",
        *command.split(),
        "--profiles-dir",
        str(REPO),
        "--project-dir",
        str(REPO),
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
        *(("--vars", json.dumps(dict(dbt_vars))) if dbt_vars else ()),
        *extra_args,
    )
    full_env = dict(os.environ)
    full_env.update({"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **env})
    full_env.pop("DBT_PROFILES_DIR", None)
    return args, full_env


def execute_dbt(
    args: tuple[str, ...], env: Mapping[str, str], workdir: Path, *, db: Path, check: bool
) -> DbtRun:
    """Run a dbt invocation in ``workdir``; with ``check`` a non-zero exit fails the test,
    showing the tail of dbt's output."""
    completed = subprocess.run(
        args,
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    result = DbtRun(args=args, returncode=completed.returncode, output=completed.stdout, db=db)
    if check and result.returncode != 0:
        target = env.get("AI_ADOPTION_TARGET", "dev")
        pytest.fail(
            f"{' '.join(args[2:4])} failed on target {target} (exit {result.returncode}):\n"
            f"{result.tail()}",
            pytrace=False,
        )
    return result


def run_killed_half_way(args: tuple[str, ...], env: Mapping[str, str], workdir: Path) -> None:
    """Start a dbt run and kill it with SIGKILL once int_ai_events_sessionized is written."""
    process = subprocess.Popen(
        args,
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    seen = []
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if "OK created" in line and "int_ai_events_sessionized" in line:
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait()
    assert process.returncode == -signal.SIGKILL, (
        "dbt finished before it could be killed:\n" + "".join(seen[-20:])
    )


def duckdb_invocation(
    workdir: Path,
    source_path: str | Path,
    command: str,
    *,
    extra_args: Sequence[str] = (),
    extra_vars: Mapping[str, Any] | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> tuple[tuple[str, ...], dict[str, str]]:
    """A dbt command on the DuckDB file ``workdir``/warehouse.duckdb, reading ``source_path``."""
    dbt_vars: dict[str, Any] = {"ai_adoption_source_path": str(source_path)}
    dbt_vars.update(extra_vars or {})
    return dbt_invocation(
        workdir,
        command,
        env={
            "AI_ADOPTION_DUCKDB_PATH": str(workdir / "warehouse.duckdb"),
            "AI_ADOPTION_TARGET": "dev",
            **(extra_env or {}),
        },
        extra_args=extra_args,
        dbt_vars=dbt_vars,
    )


def run_dbt(
    workdir: Path,
    source_path: str | Path,
    *,
    command: str = "build",
    extra_args: Sequence[str] = (),
    extra_vars: Mapping[str, Any] | None = None,
    extra_env: Mapping[str, str] | None = None,
    check: bool = True,
) -> DbtRun:
    """Run dbt against the repo with its state under ``workdir``.

    With ``check`` a non-zero exit fails the calling test, showing the tail of dbt's output.
    """
    args, env = duckdb_invocation(
        workdir,
        source_path,
        command,
        extra_args=extra_args,
        extra_vars=extra_vars,
        extra_env=extra_env,
    )
    return execute_dbt(args, env, workdir, db=workdir / "warehouse.duckdb", check=check)


def shown_rows(output: str) -> list[dict[str, Any]]:
    """The rows of a `dbt show --output json --log-format json` run, from its output."""
    for line in output.splitlines():
        if '"ShowNode"' in line:
            rows: list[dict[str, Any]] = json.loads(json.loads(line)["data"]["preview"])
            return rows
    raise AssertionError(f"dbt show printed no rows:\n{output[-2000:]}")


#: Nodes `dbt build` lists with status no-op: it has nothing to run for them.
NOTHING_TO_RUN = ("saved_query", "exposure")


def assert_build_ran_everything(workdir: Path) -> None:
    """The `dbt build` whose state is under ``workdir`` ran every seed, model, data test and
    unit test the project defines (from its manifest), and each one succeeded."""
    target = workdir / "target"
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    defined: dict[str, int] = {"unit_test": len(manifest["unit_tests"])}
    for node in manifest["nodes"].values():
        if node["package_name"] == "ai_adoption" and node["resource_type"] != "analysis":
            defined[node["resource_type"]] = defined.get(node["resource_type"], 0) + 1
    ran: dict[str, int] = {}
    failed = []
    for result in results:
        kind = result["unique_id"].split(".")[0]
        if kind in NOTHING_TO_RUN and result["status"] == "no-op":
            continue
        ran[kind] = ran.get(kind, 0) + 1
        if result["status"] not in ("success", "pass"):
            failed.append(f"{result['unique_id']}: {result['status']}")
    assert failed == []
    assert ran == defined
    assert defined["test"] >= 300 and defined["unit_test"] >= 30 and defined["model"] >= 19
    assert any(r["unique_id"].endswith(".assert_source_rows_reconcile") for r in results)


def generate_events(
    out_dir: Path,
    events: int,
    seed: int,
    loss: float = 0.0,
    activity_dir: Path | None = None,
) -> dict[str, Any]:
    """Write a synthetic event log with the generator's CLI (``loss``: share of client events
    lost in delivery; ``activity_dir``: also write the product activity there); return its
    truth.json."""
    activity = ["--activity-out", str(activity_dir)] if activity_dir is not None else []
    completed = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--out",
            str(out_dir),
            "--events",
            str(events),
            "--seed",
            str(seed),
            "--loss",
            str(loss),
            *activity,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(f"ai-adoption generate failed:\n{completed.stdout[-4000:]}", pytrace=False)
    truth: dict[str, Any] = json.loads((out_dir / "truth.json").read_text(encoding="utf-8"))
    return truth


@pytest.fixture(scope="session")
def dbt_runner() -> DbtRunner:
    """``run_dbt`` as a fixture, for tests that need builds of their own."""
    return run_dbt


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """~30k generated events (seed 7) and a full `dbt build`: seeds, models, all tests."""
    root = tmp_path_factory.mktemp("warehouse")
    data_dir = root / "events"
    truth = generate_events(data_dir, WAREHOUSE_EVENTS, WAREHOUSE_SEED)
    run = run_dbt(root, data_dir / "*.parquet")
    yield Warehouse(db=run.db, data_dir=data_dir, truth=truth)


@dataclass(frozen=True)
class ActivityWarehouse:
    """The warehouse fixture's events with their product activity, built on DuckDB."""

    db: Path
    #: the activity's Parquet files, for other engines to load
    activity_dir: Path


#: The table the engine suites load the activity into, in the declared source's schema (main),
#: and the var that points the build at it.
ACTIVITY_TABLE = "product_activity"
ACTIVITY_VARS: Mapping[str, Any] = {"ai_adoption_activity_source": {"table": ACTIVITY_TABLE}}
#: The models that read the product activity, and so everything they need.
ACTIVITY_SELECT: tuple[str, ...] = (
    "--select",
    "+fct_ai_feature_reach +fct_ai_account_reach +dim_ai_user_adoption +fct_ai_feature_effect",
)


@pytest.fixture(scope="session")
def activity_warehouse(
    tmp_path_factory: pytest.TempPathFactory, warehouse: Warehouse
) -> ActivityWarehouse:
    """The reference of the other engines' reach and effect marts: the warehouse fixture's
    events (generated again with their activity, the same rows) and its activity, the
    activity models and what they read run on DuckDB."""
    root = tmp_path_factory.mktemp("activity-warehouse")
    activity_dir = root / "activity"
    generate_events(root / "events", WAREHOUSE_EVENTS, WAREHOUSE_SEED, activity_dir=activity_dir)
    run = run_dbt(
        root / "dbt",
        warehouse.data_dir / "*.parquet",
        extra_args=(*ACTIVITY_SELECT, *QUICK_BUILD_EXCLUDES),
        extra_vars={"ai_adoption_activity_source": {"path": str(activity_dir / "*.parquet")}},
    )
    return ActivityWarehouse(db=run.db, activity_dir=activity_dir)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List what tests wrote for people to look at (screenshots, the report, the docs site),
    recorded with ``record_property("artifact", text)``; works under pytest-xdist too."""
    lines = [
        f"{report.nodeid.split('::')[-1]}: {value}"
        for report in terminalreporter.stats.get("passed", [])
        if report.when == "call"
        for name, value in report.user_properties
        if name == "artifact"
    ]
    if lines:
        terminalreporter.section("files to look at")
        for line in lines:
            terminalreporter.write_line(line)
