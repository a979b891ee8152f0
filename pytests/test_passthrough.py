"""A team's own dimensions travel from its events to each output and session.

A clean generated log gets two dimensions of its own: a source column `plan_tier` (a
function of the user, so every session of a user must carry the user's tier) and a
`properties` key `prompt_template` written on generations only (so each output must carry the
version of its own generation). Built with var ai_adoption_passthrough_columns listing both,
dim_ai_output_dimensions and dim_ai_session_dimensions must hold exactly those values; a
name the package already uses stops the build with a clear message.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from adapter_fixtures import clean_log, team_actions
from conftest import QUICK_BUILD_EXCLUDES, DbtRunner
from incremental_checks import MART_SCHEMA

EVENTS = 6_000
SEED = 31
DIMENSIONS = ["plan_tier", "prompt_template"]


def _pick(key: str, choices: tuple[str, ...]) -> str:
    return choices[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(choices)]


def plan_tier(user_id: str) -> str:
    return _pick(user_id, ("free", "pro", "enterprise"))


def prompt_template(output_id: str) -> str:
    return _pick(output_id, ("brief", "formal", "bullet"))


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory, dbt_runner: DbtRunner) -> Path:
    root = tmp_path_factory.mktemp("passthrough")
    log = clean_log(root / "log", EVENTS, SEED)
    table = pq.read_table(sorted(log.glob("*.parquet")))
    rows = table.to_pylist()
    actions = team_actions()
    for row in rows:
        # padded as trackers sometimes send it: the value is kept, trimmed
        row["plan_tier"] = f" {plan_tier(row['user_id'])} "
        if actions.get(row["event_name"], row["event_name"]) == "output_generated":
            props = json.loads(row["properties"]) if row["properties"] else {}
            props["prompt_template"] = prompt_template(row["output_id"])
            row["properties"] = json.dumps(props)
    events = root / "events"
    events.mkdir()
    schema = table.schema.append(pa.field("plan_tier", pa.string()))
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), events / "events.parquet")
    return dbt_runner(
        root / "build",
        events / "events.parquet",
        extra_args=QUICK_BUILD_EXCLUDES,
        extra_vars={"ai_adoption_passthrough_columns": DIMENSIONS},
    ).db


def test_each_output_carries_its_generations_dimensions(build: Path) -> None:
    with duckdb.connect(str(build), read_only=True) as con:
        rows = con.execute(
            f"""
            select outputs.output_id, outputs.user_id, dims.plan_tier, dims.prompt_template
            from {MART_SCHEMA}.fct_ai_outputs as outputs
            left join {MART_SCHEMA}.dim_ai_output_dimensions as dims
                on outputs.output_id = dims.output_id
            """
        ).fetchall()
    assert len(rows) > 100
    expected = {row[0]: (plan_tier(row[1]), prompt_template(row[0])) for row in rows}
    wrong = [row for row in rows if (row[2], row[3]) != expected[row[0]]]
    assert wrong == []


def test_each_session_carries_its_users_tier(build: Path) -> None:
    with duckdb.connect(str(build), read_only=True) as con:
        rows = con.execute(
            f"""
            select sessions.user_id, dims.plan_tier, dims.prompt_template, sessions.output_count
            from {MART_SCHEMA}.fct_ai_sessions as sessions
            left join {MART_SCHEMA}.dim_ai_session_dimensions as dims
                on sessions.session_key = dims.session_key
            """
        ).fetchall()
    assert len(rows) > 100
    assert [row for row in rows if row[1] != plan_tier(row[0])] == []
    # only generations carry a version: a session without an output has none
    assert [row for row in rows if (row[2] is None) != (row[3] == 0)] == []


@pytest.mark.parametrize("name", ["feature", "Plan Tier"])
def test_a_name_the_package_cannot_take_stops_the_build(
    tmp_path: Path, dbt_runner: DbtRunner, name: str
) -> None:
    run = dbt_runner(
        tmp_path,
        Path(__file__).resolve().parents[1] / "examples" / "events_sample.csv",
        command="compile",
        extra_args=("--select", "dim_ai_output_dimensions"),
        extra_vars={"ai_adoption_passthrough_columns": [name]},
        check=False,
    )
    assert run.returncode != 0
    assert f"var ai_adoption_passthrough_columns: '{name}'" in run.output
