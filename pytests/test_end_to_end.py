"""End to end: a generated event log, a full `dbt build`, and the warehouse checked against
an independent Python reading of the spec (reference.py) and the generator's truth.json.

Expected values come from the raw Parquet files (via reference.py) and from truth.json,
never from the models under test.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import QUICK_BUILD_EXCLUDES, DbtRunner, Warehouse, generate_events
from reference import (
    REJECTION_REASONS,
    Reference,
    build_reference,
    read_parquet_rows,
)

STAGING = "main_ai_adoption_staging"
INTERMEDIATE = "main_ai_adoption_intermediate"
MARTS = "main_ai_adoption"

RATIO_TOLERANCE = 1e-9

#: Each ratio of fct_ai_feature_daily with its numerator and denominator (the metric doc
#: blocks of _marts__docs.md).
RATIOS: dict[str, tuple[str, str]] = {
    "acceptance_rate": ("outputs_accepted", "outputs_generated"),
    "acceptance_rate_chars": ("output_chars_accepted", "output_chars_generated"),
    "edit_depth": ("accepted_edit_distance_sum", "outputs_accepted"),
    "heavy_edit_rate": ("heavy_edit_outputs", "outputs_accepted"),
    "handoff_rate": ("sessions_handed_off", "sessions_with_output"),
    "verification_rate": ("outputs_verified", "outputs_viewed"),
    "view_without_action_rate": ("outputs_viewed_without_action", "outputs_viewed"),
    "copy_out_then_gone_rate": ("copy_out_then_gone_users", "copy_out_users"),
    "return_rate": ("returned_sessions", "return_eligible_sessions"),
    "second_use_rate": ("second_use_users", "second_use_eligible_users"),
    "regenerations_per_output": ("regenerations", "outputs_generated"),
    "prompt_help_requests_per_100_users": ("100 * prompt_help_requests", "users"),
    "empty_open_rate": ("empty_open_sessions", "sessions"),
    "rage_prompt_rate": ("rage_prompt_sessions", "sessions_with_prompt"),
    "top_decile_output_share": ("top_decile_user_outputs", "outputs_generated"),
    "cost_per_accepted_output": ("cost_usd", "outputs_accepted"),
    "tokens_per_accepted_output": ("tokens", "outputs_accepted"),
    "feedback_rate": ("outputs_with_feedback", "outputs_generated"),
    "net_rating": ("positive_ratings - negative_ratings", "outputs_with_feedback"),
    "generations_per_accepted_output": ("outputs_generated + regenerations", "outputs_accepted"),
    "manual_context_rate": ("manual_context_sessions", "sessions_with_prompt"),
    "slow_decision_rate": ("slow_decision_outputs", "decided_outputs"),
    "correction_loop_user_rate": ("correction_loop_users", "editing_users"),
    "output_handoff_rate": ("clean_handoff_outputs", "outputs_generated"),
    "unchecked_acceptance_rate": ("unchecked_accepted_outputs", "outputs_accepted"),
}

#: Per-feature counts: the reference's name -> (SQL over fct_ai_sessions / fct_ai_outputs,
#: SQL over fct_ai_feature_daily).
FEATURE_COUNTS: dict[str, tuple[str, str]] = {
    "sessions": ("select feature, count(*) from {marts}.fct_ai_sessions group by 1", "sessions"),
    "sessions_with_output": (
        "select feature, count(*) filter (where output_count > 0)"
        " from {marts}.fct_ai_sessions group by 1",
        "sessions_with_output",
    ),
    "sessions_handed_off": (
        "select feature, count(*) filter (where accepted_output_count > 0)"
        " from {marts}.fct_ai_sessions group by 1",
        "sessions_handed_off",
    ),
    "return_eligible_sessions": (
        "select feature, count(*) filter (where is_return_window_elapsed)"
        " from {marts}.fct_ai_sessions group by 1",
        "return_eligible_sessions",
    ),
    "returned_sessions": (
        "select feature, count(*) filter (where is_return_window_elapsed and is_return_passed)"
        " from {marts}.fct_ai_sessions group by 1",
        "returned_sessions",
    ),
    "outputs_generated": (
        "select feature, count(*) from {marts}.fct_ai_outputs group by 1",
        "outputs_generated",
    ),
    "outputs_accepted": (
        "select feature, count(*) filter (where is_accepted)"
        " from {marts}.fct_ai_outputs group by 1",
        "outputs_accepted",
    ),
}

#: Additive fct_ai_feature_daily columns and how to count them from the fact tables,
#: per (feature, day): sessions by the day they started, outputs by the day generated.
DAILY_FROM_FACTS: dict[str, str] = {
    "sessions": "count(*)",
    "sessions_with_output": "count(*) filter (where output_count > 0)",
    "sessions_handed_off": "count(*) filter (where accepted_output_count > 0)",
    "sessions_with_prompt": "count(*) filter (where prompt_count > 0)",
    "empty_open_sessions": "count(*) filter (where is_empty_open)",
    "rage_prompt_sessions": "count(*) filter (where is_rage_prompting)",
    "prompts": "sum(prompt_count)",
    "prompt_help_requests": "sum(prompt_help_count)",
    "return_eligible_sessions": "count(*) filter (where is_return_window_elapsed)",
    "returned_sessions": "count(*) filter (where is_return_window_elapsed and is_return_passed)",
    "outputs_generated": "count(*)",
    "outputs_accepted": "count(*) filter (where is_accepted)",
    "outputs_edited": "count(*) filter (where is_edited)",
    "outputs_viewed": "count(*) filter (where is_viewed)",
    "outputs_verified": "count(*) filter (where is_verified)",
    "outputs_viewed_without_action": "count(*) filter (where is_viewed_without_action)",
    "outputs_copied_out": "count(*) filter (where is_copied_out)",
    "outputs_rejected": "count(*) filter (where is_rejected)",
    "regenerations": "sum(regeneration_count)",
}
SESSION_DAILY_COLUMNS = frozenset(
    {
        "sessions",
        "sessions_with_output",
        "sessions_handed_off",
        "sessions_with_prompt",
        "empty_open_sessions",
        "rage_prompt_sessions",
        "prompts",
        "prompt_help_requests",
        "return_eligible_sessions",
        "returned_sessions",
    }
)


# ---- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def con(warehouse: Warehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(warehouse.db), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def ref(warehouse: Warehouse) -> Reference:
    return build_reference(read_parquet_rows(warehouse.data_dir.glob("part-*.parquet")))


@pytest.fixture(scope="module")
def truth(warehouse: Warehouse) -> dict[str, Any]:
    return warehouse.truth


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def by_feature(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, int]:
    return {feature: int(value or 0) for feature, value in con.execute(sql).fetchall()}


def quality_total(con: duckdb.DuckDBPyConnection, column: str) -> int:
    return int(
        scalar(con, f"select coalesce(sum({column}), 0) from {MARTS}.fct_ai_event_quality_daily")
    )


# ---- reconciliation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table",
    ["fct_ai_feature_reach", "fct_ai_account_reach", "dim_ai_user_adoption"],
)
def test_reach_is_empty_without_a_product_activity_source(
    con: duckdb.DuckDBPyConnection, table: str
) -> None:
    """Without var ai_adoption_activity_source the reach marts are built and hold no row,
    although the events have AI users: there are no active users to count them among."""
    assert scalar(con, "select count(*) from main_ai_adoption.fct_ai_sessions") > 0
    assert scalar(con, f"select count(*) from main_ai_adoption.{table}") == 0


def test_source_rows_reconcile(
    con: duckdb.DuckDBPyConnection, warehouse: Warehouse, ref: Reference, truth: dict[str, Any]
) -> None:
    """raw rows = clean + duplicates + rejected, counting the source files directly."""
    raw_rows = sum(
        pq.ParquetFile(path).metadata.num_rows for path in warehouse.data_dir.glob("part-*.parquet")
    )
    assert raw_rows == truth["rows_total"] == ref.rows_total

    clean = scalar(con, f"select count(*) from {STAGING}.stg_ai_events__events")
    rejected = scalar(con, f"select count(*) from {STAGING}.stg_ai_events__rejected_events")
    duplicates = quality_total(con, "duplicates")
    assert clean + duplicates + rejected == raw_rows
    assert quality_total(con, "rows_received") == raw_rows
    assert quality_total(con, "events_clean") == clean == len(ref.events)
    assert quality_total(con, "rows_rejected") == rejected == sum(ref.rejected.values())
    assert duplicates == ref.duplicates == truth["duplicates"]
    assert clean == truth["good_events"]


def test_quality_daily_rows_add_up(con: duckdb.DuckDBPyConnection) -> None:
    """On every load day: received = clean + duplicates + rejected = sum of the reasons."""
    reasons = " + ".join(f"rejected_{reason}" for reason in REJECTION_REASONS)
    bad = con.execute(
        f"""
        select load_date, rows_received, events_clean, duplicates, rows_rejected, {reasons}
        from {MARTS}.fct_ai_event_quality_daily
        where rows_received != events_clean + duplicates + rows_rejected
           or rows_rejected != {reasons}
        """
    ).fetchall()
    assert bad == []


def test_quality_daily_matches_reference_per_load_date(
    con: duckdb.DuckDBPyConnection, ref: Reference
) -> None:
    got = {
        row[0]: tuple(int(v) for v in row[1:])
        for row in con.execute(
            f"""
            select load_date, rows_received, events_clean, duplicates, rows_rejected
            from {MARTS}.fct_ai_event_quality_daily
            """
        ).fetchall()
    }
    expected: dict[date | None, tuple[int, ...]] = {
        day: (d.rows_received, d.events_clean, d.duplicates, d.rows_rejected)
        for day, d in ref.by_load_date.items()
    }
    assert got == expected


@pytest.mark.parametrize("reason", REJECTION_REASONS)
def test_rejections_per_reason(
    con: duckdb.DuckDBPyConnection, ref: Reference, truth: dict[str, Any], reason: str
) -> None:
    """Each rejected_<reason> total = the reference's count = what the generator injected."""
    injected = int(truth["injected"].get(reason, 0))
    in_quality = quality_total(con, f"rejected_{reason}")
    in_rejected = scalar(
        con,
        f"select count(*) from {STAGING}.stg_ai_events__rejected_events"
        f" where rejection_reason = '{reason}'",
    )
    assert (in_quality, in_rejected) == (ref.rejected[reason], ref.rejected[reason])
    assert ref.rejected[reason] == injected


def test_rejected_rows_are_the_reference_rows(
    con: duckdb.DuckDBPyConnection, ref: Reference
) -> None:
    """Row for row: the same raw rows are rejected, each with the same first reason."""
    got = Counter(
        con.execute(
            f"""
            select trim(event_id), trim(event_name), trim(occurred_at), rejection_reason
            from {STAGING}.stg_ai_events__rejected_events
            """
        ).fetchall()
    )
    expected = Counter(
        (c.raw_event_id, c.raw_event_name, c.raw_occurred_at, c.reason)
        for c in ref.checked
        if c.reason is not None
    )
    assert got - expected == Counter(), "rejected by the warehouse but not by the spec"
    assert expected - got == Counter(), "rejected by the spec but not by the warehouse"


def test_clean_events_are_the_reference_events(
    con: duckdb.DuckDBPyConnection, ref: Reference
) -> None:
    """Same event ids kept, each with the earliest loaded_at among its good copies."""
    got = dict(
        con.execute(f"select event_id, loaded_at from {STAGING}.stg_ai_events__events").fetchall()
    )
    expected = {e.event_id: e.loaded_at for e in ref.events}
    assert got.keys() - expected.keys() == set()
    assert expected.keys() - got.keys() == set()
    assert {k for k in got if got[k] != expected[k]} == set()


def test_orphans_and_unmapped(
    con: duckdb.DuckDBPyConnection, ref: Reference, truth: dict[str, Any]
) -> None:
    injected = truth["injected"]
    assert quality_total(con, "orphan_output_events") == ref.orphan_output_events
    assert ref.orphan_output_events == injected["orphan_output_id"]
    assert quality_total(con, "unmapped_events") == ref.unmapped_events == injected["unmapped"]
    flagged = {
        row[0]
        for row in con.execute(
            f"select event_id from {STAGING}.stg_ai_events__events where is_orphan_output_event"
        ).fetchall()
    }
    assert flagged == ref.orphan_event_ids
    unmapped = scalar(
        con, f"select count(*) from {STAGING}.stg_ai_events__events where not is_mapped"
    )
    assert unmapped == ref.unmapped_events


def test_clean_events_per_feature_match_truth(
    con: duckdb.DuckDBPyConnection, truth: dict[str, Any]
) -> None:
    got = by_feature(
        con, f"select feature, count(*) from {STAGING}.stg_ai_events__events group by 1"
    )
    expected = {f: t["events"] for f, t in truth["features"].items() if t["events"]}
    assert got == expected


# ---- per feature ------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", list(FEATURE_COUNTS))
def test_feature_counts_match_reference(
    con: duckdb.DuckDBPyConnection, ref: Reference, metric: str
) -> None:
    """Per feature, from the fact tables and from summed fct_ai_feature_daily rows."""
    fact_sql, daily_column = FEATURE_COUNTS[metric]
    expected = {f: getattr(m, metric) for f, m in ref.features.items()}
    from_facts = by_feature(con, fact_sql.format(marts=MARTS))
    from_daily = by_feature(
        con,
        f"select feature, sum({daily_column}) from {MARTS}.fct_ai_feature_daily group by 1",
    )
    assert from_facts == expected, f"{metric} counted from the fact tables"
    assert from_daily == expected, f"{metric} summed over fct_ai_feature_daily"


def test_acceptance_rate_per_feature(con: duckdb.DuckDBPyConnection, ref: Reference) -> None:
    """acceptance_rate re-added from summed parts (never averaged) equals the reference."""
    rows = con.execute(
        f"""
        select feature, sum(outputs_accepted)::double / nullif(sum(outputs_generated), 0)
        from {MARTS}.fct_ai_feature_daily
        group by 1
        """
    ).fetchall()
    got = dict(rows)
    assert got.keys() == ref.features.keys()
    for feature, metrics in ref.features.items():
        expected = metrics.acceptance_rate
        if expected is None:
            assert got[feature] is None, feature
        else:
            assert got[feature] == pytest.approx(expected, abs=RATIO_TOLERANCE), feature


def test_users_per_feature(con: duckdb.DuckDBPyConnection, ref: Reference) -> None:
    got = by_feature(
        con, f"select feature, count(distinct user_id) from {MARTS}.fct_ai_sessions group by 1"
    )
    assert got == {f: m.users for f, m in ref.features.items()}


def test_sessions_match_reference(con: duckdb.DuckDBPyConnection, ref: Reference) -> None:
    """Session by session: who, which feature, when it started and ended, how many events."""
    got = Counter(
        con.execute(
            f"""
            select user_id, feature, session_id, started_at, ended_at, event_count, job_key
            from {MARTS}.fct_ai_sessions
            """
        ).fetchall()
    )
    expected = Counter(
        (s.user_id, s.feature, s.session_id, s.started_at, s.ended_at, len(s.events), s.job_key)
        for s in ref.sessions.values()
    )
    assert got - expected == Counter(), "sessions in the warehouse but not in the spec"
    assert expected - got == Counter(), "sessions in the spec but not in the warehouse"


def test_session_returns_match_reference(con: duckdb.DuckDBPyConnection, ref: Reference) -> None:
    got = {
        (row[0], row[1], row[2]): (bool(row[3]), bool(row[3] and row[4]))
        for row in con.execute(
            f"""
            select user_id, feature, started_at, is_return_window_elapsed, is_return_passed
            from {MARTS}.fct_ai_sessions
            """
        ).fetchall()
    }
    expected = {
        (s.user_id, s.feature, s.started_at): (
            s.is_return_eligible,
            s.is_return_eligible and s.is_returned,
        )
        for s in ref.sessions.values()
    }
    wrong = {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
    assert wrong == {}, "(eligible, returned): (warehouse, spec)"


def test_outputs_match_reference(con: duckdb.DuckDBPyConnection, ref: Reference) -> None:
    """Output by output: feature, generation time, accepted, copied out."""
    got = {
        row[0]: tuple(row[1:])
        for row in con.execute(
            f"""
            select output_id, feature, user_id, generated_at, is_accepted, is_copied_out
            from {MARTS}.fct_ai_outputs
            """
        ).fetchall()
    }
    expected = {
        o.output_id: (
            o.feature,
            o.generation.user_id,
            o.generated_at,
            o.is_accepted,
            o.is_copied_out,
        )
        for o in ref.outputs.values()
    }
    assert got.keys() - expected.keys() == set(), "outputs that were never generated"
    assert expected.keys() - got.keys() == set(), "generated outputs missing"
    wrong = {k: (got[k], v) for k, v in expected.items() if got[k] != v}
    assert wrong == {}, "(warehouse, spec)"


@pytest.mark.parametrize(
    ("metric", "truth_key"),
    [
        ("sessions", "sessions"),
        ("outputs_generated", "outputs_generated"),
        ("outputs_accepted", "outputs_accepted"),
        ("users", "users"),
    ],
)
def test_feature_counts_match_truth(
    con: duckdb.DuckDBPyConnection, truth: dict[str, Any], metric: str, truth_key: str
) -> None:
    """The generator's own bookkeeping as a second witness."""
    queries = {
        "sessions": f"select feature, count(*) from {MARTS}.fct_ai_sessions group by 1",
        "users": f"select feature, count(distinct user_id) from {MARTS}.fct_ai_sessions group by 1",
        "outputs_generated": f"select feature, count(*) from {MARTS}.fct_ai_outputs group by 1",
        "outputs_accepted": (
            f"select feature, count(*) filter (where is_accepted) from {MARTS}.fct_ai_outputs"
            " group by 1"
        ),
    }
    got = by_feature(con, queries[metric])
    expected = {f: t[truth_key] for f, t in truth["features"].items() if t["sessions"]}
    assert got == expected


def test_output_models_match_reference(con: duckdb.DuckDBPyConnection, ref: Reference) -> None:
    """Output by output: the model and provider first named among its events (columns or
    `properties`), exactly as logged."""
    rows = con.execute(f"select output_id, provider, model from {MARTS}.fct_ai_outputs")
    got = {output_id: (provider, model) for output_id, provider, model in rows.fetchall()}
    expected = {o.output_id: (o.provider, o.model) for o in ref.outputs.values()}
    assert {model for _, model in expected.values()} - {None}, "the sample logs no model"
    wrong = {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
    assert wrong == {}, "(warehouse, spec)"


def test_model_breakdown_matches_reference(con: duckdb.DuckDBPyConnection, ref: Reference) -> None:
    """Per feature, provider, model and day of generation: outputs generated and accepted
    in fct_ai_feature_model_daily equal the reference's count of its outputs."""
    expected: Counter[tuple[Any, ...]] = Counter()
    for o in ref.outputs.values():
        key = (o.feature, o.provider, o.model, o.generated_at.date())
        expected[(*key, "generated")] += 1
        expected[(*key, "accepted")] += o.is_accepted
    got: Counter[tuple[Any, ...]] = Counter()
    for feature, provider, model, day, generated, accepted in con.execute(
        f"""
        select feature, provider, model, activity_date, outputs_generated, outputs_accepted
        from {MARTS}.fct_ai_feature_model_daily
        """
    ).fetchall():
        got[(feature, provider, model, day, "generated")] += generated
        got[(feature, provider, model, day, "accepted")] += accepted
    assert +got == +expected


def test_model_rows_add_up_to_the_feature_day(con: duckdb.DuckDBPyConnection) -> None:
    """Every additive output count of a feature's model rows sums to its daily row."""
    columns = ("outputs_generated", "outputs_accepted", "regenerations", "tokens", "cost_usd")
    sums = ", ".join(f"sum({column})" for column in columns)
    by_models = con.execute(
        f"select feature, activity_date, {sums} from {MARTS}.fct_ai_feature_model_daily"
        " group by 1, 2"
    ).fetchall()
    daily = {
        (row[0], row[1]): row[2:]
        for row in con.execute(
            f"select feature, activity_date, {', '.join(columns)} from {MARTS}.fct_ai_feature_daily"
        ).fetchall()
    }
    assert by_models
    wrong = [
        (feature, day, name, value, daily[(feature, day)][i])
        for feature, day, *values in by_models
        for i, (name, value) in enumerate(zip(columns, values, strict=True))
        if not math.isclose(value, daily[(feature, day)][i], rel_tol=1e-9, abs_tol=1e-9)
    ]
    assert wrong == []


# ---- fct_ai_feature_daily ---------------------------------------------------------------------


def test_every_rate_has_a_known_numerator_and_denominator(con: duckdb.DuckDBPyConnection) -> None:
    columns = {
        row[0]
        for row in con.execute(
            f"""
            select column_name from information_schema.columns
            where table_schema = '{MARTS}' and table_name = 'fct_ai_feature_daily'
            """
        ).fetchall()
    }
    assert RATIOS.keys() <= columns
    assert {c for c in columns if c.endswith("_rate")} <= RATIOS.keys()


@pytest.mark.parametrize("ratio", list(RATIOS))
def test_daily_ratio_is_numerator_over_denominator(
    con: duckdb.DuckDBPyConnection, ratio: str
) -> None:
    numerator, denominator = RATIOS[ratio]
    rows = con.execute(
        f"""
        select feature, activity_date, {ratio}, ({numerator})::double, ({denominator})::double
        from {MARTS}.fct_ai_feature_daily
        """
    ).fetchall()
    assert rows
    wrong = []
    for feature, day, value, num, den in rows:
        if not den:
            if value is not None:
                wrong.append((feature, day, value, num, den))
        elif value is None or not math.isclose(
            value, num / den, rel_tol=RATIO_TOLERANCE, abs_tol=RATIO_TOLERANCE
        ):
            wrong.append((feature, day, value, num, den))
    assert wrong == [], f"{ratio} != {numerator} / {denominator} (null when 0)"


@pytest.mark.parametrize("column", list(DAILY_FROM_FACTS))
def test_daily_counts_equal_fact_counts(con: duckdb.DuckDBPyConnection, column: str) -> None:
    """Per feature and day, the daily mart's counts re-count from the fact tables."""
    if column in SESSION_DAILY_COLUMNS:
        day, fact = "started_date", "fct_ai_sessions"
    else:
        day, fact = "generated_date", "fct_ai_outputs"
    facts = f"select feature, {day}, {DAILY_FROM_FACTS[column]} from {MARTS}.{fact} group by 1, 2"
    expected = {(f, d): int(v or 0) for f, d, v in con.execute(facts).fetchall()}
    got = {
        (f, d): int(v)
        for f, d, v in con.execute(
            f"select feature, activity_date, {column} from {MARTS}.fct_ai_feature_daily"
        ).fetchall()
    }
    # days without any session (or output) hold 0 in the daily mart
    expected_full = {key: expected.get(key, 0) for key in got}
    assert expected.keys() <= got.keys()
    assert got == expected_full


# ---- privacy ----------------------------------------------------------------------------------

PRIVACY_EVENTS = 2_000
PRIVACY_SEED = 11
HASH_KEY = "a team's own secret"


@pytest.fixture(scope="module")
def hashed_warehouse(
    tmp_path_factory: pytest.TempPathFactory, dbt_runner: DbtRunner
) -> tuple[Path, set[str]]:
    """A small log built with ai_adoption_hash_user_ids: true; returns the db and raw ids."""
    root = tmp_path_factory.mktemp("hashed")
    data_dir = root / "events"
    generate_events(data_dir, PRIVACY_EVENTS, PRIVACY_SEED)
    run = dbt_runner(
        root,
        data_dir / "*.parquet",
        extra_vars={"ai_adoption_hash_user_ids": True},
        extra_env={"AI_ADOPTION_HASH_KEY": HASH_KEY},
        extra_args=QUICK_BUILD_EXCLUDES,
    )
    raw_ids = {
        str(value).strip()
        for row in read_parquet_rows(data_dir.glob("part-*.parquet"))
        for value in (row.get("user_id"), row.get("account_id"))
        if value is not None and str(value).strip()
    }
    assert len(raw_ids) > 10
    return run.db, raw_ids


def _raw_id_hits(con: duckdb.DuckDBPyConnection, schema: str, raw_ids: set[str]) -> dict[str, int]:
    """Relation.column -> how many values equal a raw user or account id."""
    con.execute("create or replace temp table raw_ids (id varchar)")
    con.executemany("insert into raw_ids values (?)", [(i,) for i in sorted(raw_ids)])
    columns = con.execute(
        f"""
        select table_name, column_name from information_schema.columns
        where table_schema = '{schema}' and data_type = 'VARCHAR'
        order by 1, 2
        """
    ).fetchall()
    assert columns, f"no text columns found in {schema}"
    hits: dict[str, int] = {}
    for table, column in columns:
        n = scalar(
            con,
            f'select count(*) from "{schema}"."{table}" as t'
            f' where t."{column}" in (select id from raw_ids)',
        )
        if n:
            hits[f"{table}.{column}"] = n
    return hits


def test_hashed_ids_do_not_leave_staging(hashed_warehouse: tuple[Path, set[str]]) -> None:
    db, raw_ids = hashed_warehouse
    con = duckdb.connect(str(db))
    try:
        assert _raw_id_hits(con, INTERMEDIATE, raw_ids) == {}
        assert _raw_id_hits(con, MARTS, raw_ids) == {}
        staging = _raw_id_hits(con, STAGING, raw_ids)
        assert staging.get("stg_ai_events__events.user_id", 0) > 0
        assert staging.get("stg_ai_events__events.account_id", 0) > 0
        users = scalar(con, f"select count(distinct user_id) from {MARTS}.fct_ai_sessions")
        assert users > 0, "hashing must keep the users, only disguised"
    finally:
        con.close()


def test_hashed_ids_are_keyed_sha256(hashed_warehouse: tuple[Path, set[str]]) -> None:
    """Each hashed id is SHA-256 of the key, '|' and the id: recomputable with the key only."""
    db, raw_ids = hashed_warehouse
    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = {
            row[0] for row in con.execute(f"select user_id from {MARTS}.fct_ai_sessions").fetchall()
        }
    finally:
        con.close()
    keyed = {hashlib.sha256(f"{HASH_KEY}|{raw}".encode()).hexdigest() for raw in raw_ids}
    unkeyed = {hashlib.md5(raw.encode()).hexdigest() for raw in raw_ids}  # noqa: S324
    assert stored and stored <= keyed
    assert not stored & unkeyed


def test_hashing_without_a_key_fails_clearly(tmp_path: Path, dbt_runner: DbtRunner) -> None:
    data_dir = tmp_path / "events"
    generate_events(data_dir, 200, PRIVACY_SEED)
    run = dbt_runner(
        tmp_path,
        data_dir / "*.parquet",
        command="run",
        extra_vars={"ai_adoption_hash_user_ids": True},
        extra_env={"AI_ADOPTION_HASH_KEY": ""},
        extra_args=("--select", "int_ai_events_sessionized"),
        check=False,
    )
    assert run.returncode != 0
    assert "AI_ADOPTION_HASH_KEY is empty or not set" in run.output
