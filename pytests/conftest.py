"""Session fixtures for the end-to-end tests: dbt builds into throw-away DuckDB files.

Every build writes only under pytest's tmp dirs (its own DuckDB file, target and log
paths); the repo's target/ and warehouse file are never touched.
"""

from __future__ import annotations

import json
import os
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


def run_dbt(
    workdir: Path,
    source_path: str | Path,
    *,
    command: str = "build",
    extra_args: Sequence[str] = (),
    extra_vars: Mapping[str, Any] | None = None,
    check: bool = True,
) -> DbtRun:
    """Run dbt against the repo with its state under ``workdir``.

    With ``check`` a non-zero exit fails the calling test, showing the tail of dbt's output.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "warehouse.duckdb"
    dbt_vars: dict[str, Any] = {"ai_adoption_source_path": str(source_path)}
    dbt_vars.update(extra_vars or {})
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
        "--vars",
        json.dumps(dbt_vars),
        *extra_args,
    )
    env = dict(os.environ)
    env.update(
        {
            "AI_ADOPTION_DUCKDB_PATH": str(db),
            "AI_ADOPTION_TARGET": "dev",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    env.pop("DBT_PROFILES_DIR", None)
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
        pytest.fail(
            f"dbt {command} failed (exit {result.returncode}) on {source_path}:\n{result.tail()}",
            pytrace=False,
        )
    return result


def generate_events(out_dir: Path, events: int, seed: int) -> dict[str, Any]:
    """Write a synthetic event log with the generator's CLI; return its truth.json."""
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
