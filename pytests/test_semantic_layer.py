"""The MetricFlow semantic layer gives the numbers the marts give.

On the session's warehouse (30k events, full `dbt build`): `mf validate-configs` passes; the
four headline metrics (acceptance rate, edit depth, handoff rate, return rate) from
`mf query` over everything, and every saved query (by feature, by feature and week, by cohort
week), equal the same metrics computed here with plain SQL over the rows of fct_ai_outputs
and fct_ai_sessions as the metric doc blocks of _marts__docs.md define them: a share or a
mean over the rows of the group asked for, never an average of daily ratios.

mf reads the semantic manifest from ``<project>/target/semantic_manifest.json``, so it runs
in a scratch project folder: the repo's dbt_project.yml (linked), the semantic manifest the
warehouse build wrote, and a copy of the warehouse file (mf opens it for writing; DuckDB
names its catalog after the file, and the manifest's relations carry that name, so the copy
keeps the file name). Each mf call starts dbt and takes seconds: the calls are few.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from conftest import REPO, VENV_BIN, Warehouse, run_dbt

MF = VENV_BIN / "mf"
MARTS = "main_ai_adoption"
TOLERANCE = 1e-9
OUTPUT_TAIL_CHARS = 4000

HEADLINE_METRICS: tuple[str, ...] = ("acceptance_rate", "edit_depth", "handoff_rate", "return_rate")

#: The metric definitions read straight off the rows, per group of ``{keys}`` (SQL select
#: items ending in a comma, or nothing for one group over everything). Each ratio is a share
#: or a mean over the rows of the group, written differently from the semantic layer's
#: sum / sum.
OUTPUT_SQL = """
    select
        {keys}
        count(*) as outputs_generated,
        count(*) filter (where is_accepted) as outputs_accepted,
        cast(count(*) filter (where is_accepted) as double) / count(*) as acceptance_rate,
        avg(coalesce(edit_distance, 0)) filter (where is_accepted) as edit_depth,
        avg(cast(is_verified as double)) filter (where is_viewed) as verification_rate,
        cast(count(*) + sum(regeneration_count) as double)
            / nullif(count(*) filter (where is_accepted), 0) as generations_per_accepted_output,
        sum(cost_usd) / nullif(count(*) filter (where is_accepted), 0) as cost_per_accepted_output
    from {marts}.fct_ai_outputs
    {group_by}
"""
SESSION_SQL = """
    select
        {keys}
        count(*) as sessions,
        count(distinct sessions.user_id) as users,
        avg(cast(accepted_output_count > 0 as double)) filter (where output_count > 0)
            as handoff_rate,
        count(*) filter (where is_return_window_elapsed and is_return_passed)
            as returned_sessions,
        count(*) filter (where is_return_window_elapsed) as return_eligible_sessions,
        avg(cast(is_return_passed as double)) filter (where is_return_window_elapsed)
            as return_rate,
        avg(cast(has_second_session_in_window as double))
            filter (where is_first_use and is_return_window_elapsed) as second_use_rate,
        avg(cast(is_trigger_passed as double)) as trigger_pass_rate,
        avg(cast(is_context_passed as double)) as context_pass_rate,
        avg(cast(is_output_passed as double)) as output_pass_rate,
        avg(cast(is_verification_passed as double)) as verification_pass_rate,
        avg(cast(is_handoff_passed as double)) as handoff_pass_rate,
        avg(cast(is_return_passed as double)) as return_pass_rate
    from {marts}.fct_ai_sessions as sessions
    left join {marts}.dim_ai_users as users
        on sessions.user_id = users.user_id
    {group_by}
"""
WEEK_OF_OUTPUT = "cast(date_trunc('week', generated_date) as date) as metric_time__week,"
WEEK_OF_SESSION = "cast(date_trunc('week', started_date) as date) as metric_time__week,"
COHORT_WEEK = "cast(date_trunc('week', users.first_used_at) as date) as user__first_used_at__week,"
FEATURE = "feature,"
SESSION_FEATURE = "sessions.feature,"


@dataclass(frozen=True)
class Grain:
    """A group-by of mf and the same grouping in SQL over each fact table."""

    keys: tuple[str, ...]
    output_keys: str | None
    session_keys: str | None


TOTAL = Grain(keys=(), output_keys="", session_keys="")
BY_FEATURE_WEEK = Grain(
    keys=("metric_time__week", "feature"),
    output_keys=WEEK_OF_OUTPUT + FEATURE,
    session_keys=WEEK_OF_SESSION + SESSION_FEATURE,
)
BY_FEATURE = Grain(keys=("feature",), output_keys=FEATURE, session_keys=SESSION_FEATURE)
BY_FEATURE_MODEL = Grain(
    keys=("feature", "output__provider", "output__model"),
    output_keys="feature, provider as output__provider, model as output__model,",
    session_keys=None,
)
BY_COHORT_WEEK = Grain(
    keys=("user__first_used_at__week",), output_keys=None, session_keys=COHORT_WEEK
)

#: Every saved query of the project with its grain: each one runs and is checked against SQL.
SAVED_QUERY_GRAINS: dict[str, Grain] = {
    "weekly_acceptance_by_feature": BY_FEATURE_WEEK,
    "return_rate_by_cohort_week": BY_COHORT_WEEK,
    "weekly_chain_funnel_by_feature": BY_FEATURE_WEEK,
    "feature_scorecard": BY_FEATURE,
    "acceptance_by_model": BY_FEATURE_MODEL,
}

Key = tuple[str, ...]
Row = dict[str, str]
Values = dict[str, object]


@dataclass(frozen=True)
class SemanticLayer:
    """A scratch mf project pointed at a copy of the warehouse."""

    project: Path
    db: Path
    env: Mapping[str, str]


def _semantic_manifest(warehouse: Warehouse, scratch: Path) -> Path:
    """The semantic manifest of the warehouse build; a fresh `dbt parse` if it is not there.

    The parse uses a database file of the same name, so the relations it writes name the
    same catalog.
    """
    built = warehouse.db.parent / "target" / "semantic_manifest.json"
    if built.exists():
        return built
    parse_dir = scratch / "parse"
    run_dbt(parse_dir, warehouse.data_dir / "*.parquet", command="parse")
    parsed = parse_dir / "target" / "semantic_manifest.json"
    assert parsed.exists(), f"dbt parse wrote no semantic manifest under {parse_dir}"
    return parsed


@pytest.fixture(scope="module")
def layer(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> SemanticLayer:
    if not MF.exists():
        pytest.fail(
            f"MetricFlow's CLI is missing ({MF}): pip install dbt-metricflow[dbt-duckdb]",
            pytrace=False,
        )
    scratch = tmp_path_factory.mktemp("semantic_layer")
    project = scratch / "project"
    (project / "target").mkdir(parents=True)
    (project / "dbt_project.yml").symlink_to(REPO / "dbt_project.yml")
    shutil.copy(_semantic_manifest(warehouse, scratch), project / "target")
    db = scratch / "db" / warehouse.db.name
    db.parent.mkdir()
    shutil.copy(warehouse.db, db)
    env = dict(os.environ)
    env.update(
        {
            "DBT_PROJECT_DIR": str(project),
            "DBT_PROFILES_DIR": str(REPO),
            "AI_ADOPTION_DUCKDB_PATH": str(db),
            "AI_ADOPTION_TARGET": "dev",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    return SemanticLayer(project=project, db=db, env=env)


def run_mf(layer: SemanticLayer, *args: str) -> str:
    """Run mf in the scratch project; a non-zero exit fails the test with mf's output."""
    completed = subprocess.run(
        [str(MF), *args],
        cwd=layer.project,
        env=dict(layer.env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(
            f"mf {' '.join(args)} failed (exit {completed.returncode}):\n"
            f"{completed.stdout[-OUTPUT_TAIL_CHARS:]}",
            pytrace=False,
        )
    return completed.stdout


def query_mf(layer: SemanticLayer, name: str, *args: str) -> list[Row]:
    """`mf query ... --csv`, read back. mf reports a failed query on stdout and still exits
    0, so a missing CSV file is the failure signal."""
    out = layer.project / f"{name}.csv"
    out.unlink(missing_ok=True)
    output = run_mf(layer, "query", *args, "--csv", str(out), "--quiet")
    if not out.exists():
        pytest.fail(
            f"mf query {' '.join(args)} wrote no CSV:\n{output[-OUTPUT_TAIL_CHARS:]}",
            pytrace=False,
        )
    with out.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def key_text(value: object) -> str:
    """A group key as text: days as YYYY-MM-DD (mf writes week starts as timestamps), null
    as empty text (as mf writes it)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()[:10]
    text = str(value)
    return text[:10] if text[:4].isdigit() and text[4:5] == "-" else text


def as_number(value: object) -> float | None:
    """A number from SQL, or from a CSV cell of mf (empty for null)."""
    return None if value is None or value in ("", "None") else float(str(value))


def expected_by_sql(db: Path, grain: Grain) -> list[dict[Key, Values]]:
    """The metrics of OUTPUT_SQL and of SESSION_SQL per group of ``grain``: one mapping per
    fact table the grain applies to."""
    sources = []
    connection = duckdb.connect(str(db), read_only=True)
    try:
        for template, keys in ((OUTPUT_SQL, grain.output_keys), (SESSION_SQL, grain.session_keys)):
            if keys is None:
                continue
            group_by = ", ".join(str(i + 1) for i in range(len(grain.keys)))
            cursor = connection.execute(
                template.format(
                    keys=keys, marts=MARTS, group_by=f"group by {group_by}" if grain.keys else ""
                )
            )
            columns = [column[0] for column in cursor.description]
            assert tuple(columns[: len(grain.keys)]) == grain.keys, columns
            sources.append(
                {
                    tuple(key_text(value) for value in row[: len(grain.keys)]): dict(
                        zip(columns, row, strict=True)
                    )
                    for row in cursor.fetchall()
                }
            )
    finally:
        connection.close()
    return sources


def assert_matches_sql(rows: Sequence[Row], db: Path, grain: Grain) -> None:
    """Every metric mf returned equals the SQL's, group by group.

    The groups expected are those of the fact tables mf's metrics come from (mf joins the
    metrics of two tables with a full outer join, so a group of either one appears); a
    metric of a table without rows in a group is null there.
    """
    assert rows, "mf returned no rows"
    metrics = [name for name in rows[0] if name not in grain.keys]
    sources = [
        source
        for source in expected_by_sql(db, grain)
        if any(name in values for values in source.values() for name in metrics)
    ]
    expected: dict[Key, Values] = {}
    for source in sources:
        for key, values in source.items():
            expected.setdefault(key, {}).update(values)
    known = {name for values in expected.values() for name in values}
    assert set(metrics) <= known, f"no SQL for mf columns {sorted(set(metrics) - known)}"
    actual = {tuple(key_text(row[key]) for key in grain.keys): row for row in rows}
    assert len(actual) == len(rows), f"mf returned a group twice at {grain.keys}"
    assert sorted(actual) == sorted(expected), f"mf and SQL disagree on the groups of {grain.keys}"
    mismatches = []
    for key, row in sorted(actual.items()):
        for name in metrics:
            want, got = as_number(expected[key].get(name)), as_number(row[name])
            same = (want is None and got is None) or (
                want is not None and got is not None and abs(want - got) <= TOLERANCE
            )
            if not same:
                mismatches.append(f"{name} at {key}: mf {got}, SQL {want}")
    assert not mismatches, "\n".join(mismatches[:20])


def test_validate_configs_passes(layer: SemanticLayer) -> None:
    output = run_mf(layer, "validate-configs")
    assert "Successfully validated the semantics of built manifest" in output, output
    assert "Successfully validated metrics against data warehouse" in output, output


def test_headline_metrics_over_everything_match_sql(layer: SemanticLayer) -> None:
    rows = query_mf(layer, "headline_totals", "--metrics", ",".join(HEADLINE_METRICS))
    assert len(rows) == 1, rows
    assert all(as_number(rows[0][name]) is not None for name in HEADLINE_METRICS), rows
    assert_matches_sql(rows, layer.db, TOTAL)


@pytest.mark.parametrize("saved_query", sorted(SAVED_QUERY_GRAINS))
def test_saved_query_runs_and_matches_sql(layer: SemanticLayer, saved_query: str) -> None:
    rows = query_mf(layer, saved_query, "--saved-query", saved_query)
    assert rows, f"saved query {saved_query} returned no rows"
    assert_matches_sql(rows, layer.db, SAVED_QUERY_GRAINS[saved_query])


def test_every_saved_query_is_checked_against_sql(layer: SemanticLayer) -> None:
    manifest = json.loads(
        (layer.project / "target" / "semantic_manifest.json").read_text(encoding="utf-8")
    )
    names = [query["name"] for query in manifest["saved_queries"]]
    assert {"weekly_acceptance_by_feature", "return_rate_by_cohort_week"} <= set(names), names
    assert sorted(names) == sorted(SAVED_QUERY_GRAINS), "give each saved query its grain here"
