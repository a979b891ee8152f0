"""Source freshness: `dbt source freshness` warns and errors at the hours set by vars."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from conftest import DbtRunner


def freshness_status(workdir: Path, dbt_runner: DbtRunner, hours_old: int, **limits: int) -> str:
    """Load one event loaded `hours_old` hours ago into main.ai_events; return the status."""
    workdir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(workdir / "warehouse.duckdb"))
    try:
        con.execute(
            "create or replace table main.ai_events as select 'e1' as event_id, "
            "current_localtimestamp() - to_hours(?::bigint) as occurred_at, "
            "current_localtimestamp() - to_hours(?::bigint) as loaded_at, "
            "'u1' as user_id, 'email_draft' as feature, 'feature_opened' as event_name",
            [hours_old, hours_old],
        )
    finally:
        con.close()
    extra = {f"ai_adoption_freshness_{name}_hours": value for name, value in limits.items()}
    run = dbt_runner(workdir, "", command="source freshness", extra_vars=extra, check=False)
    results = json.loads((workdir / "target" / "sources.json").read_text(encoding="utf-8"))
    statuses = [result["status"] for result in results["results"]]
    assert len(statuses) == 1, run.tail()
    return str(statuses[0])


@pytest.mark.parametrize(
    ("hours_old", "expected"),
    [(20, "warn"), (50, "error")],
)
def test_default_thresholds(
    tmp_path: Path, dbt_runner: DbtRunner, hours_old: int, expected: str
) -> None:
    """Defaults: warn after 12 hours without new rows, error after 36."""
    assert freshness_status(tmp_path, dbt_runner, hours_old) == expected


def test_thresholds_come_from_vars(tmp_path: Path, dbt_runner: DbtRunner) -> None:
    """The same 50-hour-old data passes once the vars allow it."""
    assert freshness_status(tmp_path, dbt_runner, 50, warn_after=100, error_after=200) == "pass"
