"""The effect of adopting a feature on product activity, checked end to end.

The sample log comes with its product activity (``ai-adoption generate --activity-out``): a
planted gain of one active day a week after adopting ``report_builder``, none for any other
feature. The generator also works out what each adoption should add to each week after it
(``truth["activity"]["expected_effect"]``: the planted gain plus the days the feature's own use
makes active), so an estimate can be held against what it should find.

Three kinds of check:

- the mart equals a computation in plain Python from the kept activity days and the built
  sessions, with its own reading of the rules (windows of whole calendar weeks, comparison
  users of the same week and stratum who have not used the feature by the window's end, a
  difference in differences with the interval of its parts);
- the planted gain lies in its interval, and so does the expected effect of a feature with
  none planted, whose interval holds zero;
- no feature without a planted effect is called more or less active.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from conftest import generate_events, run_dbt
from incremental_checks import INTERMEDIATE_SCHEMA, MART_SCHEMA, STAGING_SCHEMA

EVENTS = 200_000
SEED = 42
LOSS = 0.25
#: The package's defaults, which this test reads as it must.
WEEKS = 4
MIN_ADOPTERS = 30
NEGLIGIBLE_DAYS = 0.5
CONFIDENCE = 0.9
PLANTED = "report_builder"
NOT_PLANTED = "email_draft"
_MONDAY_ZERO = date(1970, 1, 5)


@dataclass
class EffectBuild:
    db: Path
    truth: dict[str, Any]


@pytest.fixture(scope="module")
def effect_build(tmp_path_factory: pytest.TempPathFactory) -> EffectBuild:
    root = tmp_path_factory.mktemp("effect")
    events_dir, activity_dir = root / "events", root / "activity"
    truth = generate_events(events_dir, EVENTS, SEED, LOSS, activity_dir=activity_dir)
    run = run_dbt(
        root / "dbt",
        events_dir / "*.parquet",
        extra_vars={"ai_adoption_activity_source": {"path": str(activity_dir / "*.parquet")}},
    )
    return EffectBuild(db=run.db, truth=truth)


@pytest.fixture(scope="module")
def con(effect_build: EffectBuild) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(effect_build.db), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def mart(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    cursor = con.execute(f"select * from {MART_SCHEMA}.fct_ai_feature_effect")
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


# --------------------------------------------------------------------------------------------
# The rules, read again in plain Python
# --------------------------------------------------------------------------------------------


def _week(day: date) -> int:
    return (day - _MONDAY_ZERO).days // 7


@dataclass
class Adopter:
    user: str
    feature: str
    week: int
    status: str
    change: int = 0
    stratum: int = 0
    feature_days_after: int = 0


@dataclass
class Oracle:
    adopters: dict[str, list[Adopter]]
    #: feature -> the matched adopters with their excess change and their comparison
    matched: dict[str, list[tuple[Adopter, float]]]
    rows: dict[str, dict[str, Any]]


def _oracle(con: duckdb.DuckDBPyConnection) -> Oracle:
    days: dict[str, set[date]] = defaultdict(set)
    for user, day in con.execute(
        f"select user_id, activity_date from {STAGING_SCHEMA}.stg_ai_activity__user_days"
    ).fetchall():
        days[user].add(day)
    every_day = [d for ds in days.values() for d in ds]
    first, last = min(every_day), max(every_day)
    first_full = _week(first) + (0 if first.weekday() == 0 else 1)
    last_full = _week(last) - (0 if last.weekday() == 6 else 1)

    per_week: dict[tuple[str, int], int] = defaultdict(int)
    for user, ds in days.items():
        for d in ds:
            per_week[(user, _week(d))] += 1

    def window(user: str, week: int) -> tuple[int, int, str]:
        before = sum(per_week.get((user, w), 0) for w in range(week - WEEKS, week))
        after = sum(per_week.get((user, w), 0) for w in range(week + 1, week + WEEKS + 1))
        if week - WEEKS < first_full or week + WEEKS > last_full:
            status = "window_incomplete"
        elif before == 0:
            status = "new_to_product"
        else:
            status = "comparable"
        return before, after, status

    sessions = con.execute(
        f"select user_id, feature, started_at from {INTERMEDIATE_SCHEMA}.int_ai_sessions_chained"
    ).fetchall()
    first_used: dict[tuple[str, str], datetime] = {}
    used_on: dict[tuple[str, str], set[date]] = defaultdict(set)
    for user, feature, started in sessions:
        key = (user, feature)
        first_used[key] = min(started, first_used.get(key, started))
        used_on[key].add(started.date())
    adoption_week = {key: _week(started.date()) for key, started in first_used.items()}

    adopters: dict[str, list[Adopter]] = defaultdict(list)
    for (user, feature), week in sorted(adoption_week.items()):
        if (user, week) not in per_week:
            adopters[feature].append(Adopter(user, feature, week, "outside_activity"))
            continue
        before, after, status = window(user, week)
        own = sum(
            1
            for d in used_on[(user, feature)]
            if week + 1 <= _week(d) <= week + WEEKS and d in days[user]
        )
        adopters[feature].append(
            Adopter(user, feature, week, status, after - before, per_week[(user, week)], own)
        )

    comparable_weeks: dict[tuple[int, int], list[tuple[str, int, int, int]]] = defaultdict(list)
    for (user, week), active in per_week.items():
        before, after, status = window(user, week)
        if status == "comparable":
            comparable_weeks[(week, active)].append((user, before, after, after - before))

    z = statistics.NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)
    matched: dict[str, list[tuple[Adopter, float]]] = {}
    rows: dict[str, dict[str, Any]] = {}
    for feature, people in adopters.items():
        pairs: list[tuple[Adopter, float, float, float, float]] = []
        strata: dict[tuple[int, int], tuple[int, float, int]] = {}
        for adopter in people:
            if adopter.status != "comparable":
                continue
            key = (adopter.week, adopter.stratum)
            controls = [
                (before, after, change)
                for user, before, after, change in comparable_weeks.get(key, [])
                if (user, feature) not in adoption_week
                or adoption_week[(user, feature)] > adopter.week + WEEKS
            ]
            if len(controls) < 2:
                continue
            changes = [c for _, _, c in controls]
            mean = statistics.fmean(changes)
            n_adopters, _, _ = strata.get(key, (0, 0.0, 0))
            strata[key] = (n_adopters + 1, statistics.variance(changes), len(controls))
            pairs.append(
                (
                    adopter,
                    adopter.change - mean,
                    adopter.change - adopter.feature_days_after - mean,
                    statistics.fmean(b for b, _, _ in controls),
                    statistics.fmean(a for _, a, _ in controls),
                )
            )
        matched[feature] = [(a, excess) for a, excess, *_ in pairs]
        n = len(pairs)
        row: dict[str, Any] = {
            "adopters": len(people),
            "adopters_outside_activity": sum(a.status == "outside_activity" for a in people),
            "adopters_window_incomplete": sum(a.status == "window_incomplete" for a in people),
            "adopters_new_to_product": sum(a.status == "new_to_product" for a in people),
            "adopters_matched": n,
            "control_user_weeks": sum(c for _, _, c in strata.values()),
        }
        row["adopters_unmatched"] = sum(a.status == "comparable" for a in people) - n
        if n:
            control_part = sum(k * k * v / c for k, v, c in strata.values()) / (n * n)
            row["effect_days_per_week"] = statistics.fmean(p[1] for p in pairs) / WEEKS
            row["effect_without_feature_days"] = statistics.fmean(p[2] for p in pairs) / WEEKS
            row["control_days_before"] = statistics.fmean(p[3] for p in pairs) / WEEKS
            row["control_days_after"] = statistics.fmean(p[4] for p in pairs) / WEEKS
            if n >= 2:
                excess = {
                    "effect": [p[1] for p in pairs],
                    "effect_without_feature_days": [p[2] for p in pairs],
                }
                for name, values in excess.items():
                    centre = statistics.fmean(values) / WEEKS
                    margin = z * math.sqrt(statistics.variance(values) / n + control_part) / WEEKS
                    row[f"{name}_lower"] = centre - margin
                    row[f"{name}_upper"] = centre + margin
        rows[feature] = row
    return Oracle(adopters=dict(adopters), matched=matched, rows=rows)


@pytest.fixture(scope="module")
def oracle(con: duckdb.DuckDBPyConnection) -> Oracle:
    return _oracle(con)


def _expected_verdict(row: dict[str, Any]) -> str:
    lower = row.get("effect_lower")
    if row["adopters_matched"] < MIN_ADOPTERS or lower is None:
        return "inconclusive"
    if row["effect_without_feature_days_lower"] > 0:
        return "more_active"
    if row["effect_upper"] < 0:
        return "less_active"
    if lower > 0:
        return "own_use_only"
    if lower >= -NEGLIGIBLE_DAYS and row["effect_upper"] <= NEGLIGIBLE_DAYS:
        return "no_change_detected"
    return "inconclusive"


def _expected_effect(truth: dict[str, Any], matched: list[tuple[Adopter, float]]) -> float:
    """The mean over matched adopters of what the generator says their adoption adds to each of
    the weeks the mart compares."""
    per_adopter = truth["activity"]["expected_effect"]
    values = []
    for adopter, _ in matched:
        weeks = per_adopter[adopter.feature][adopter.user]
        values.append(
            statistics.fmean(
                weeks[(_MONDAY_ZERO + timedelta(weeks=w)).isoformat()]
                for w in range(adopter.week + 1, adopter.week + WEEKS + 1)
            )
        )
    return statistics.fmean(values)


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


def test_every_feature_with_adopters_has_a_row(
    mart: dict[str, dict[str, Any]], oracle: Oracle
) -> None:
    assert sorted(mart) == sorted(oracle.rows)


def test_effect_equals_a_computation_in_python(
    mart: dict[str, dict[str, Any]], oracle: Oracle
) -> None:
    for feature, expected in oracle.rows.items():
        got = mart[feature]
        for column, value in expected.items():
            if isinstance(value, float):
                assert got[column] == pytest.approx(value, rel=1e-9, abs=1e-12), (feature, column)
            else:
                assert got[column] == value, (feature, column)
        for column in ("effect_lower", "effect_upper"):
            if column not in expected:
                assert got[column] is None, (feature, column)
        assert got["effect_weeks"] == WEEKS
        assert got["confidence_level"] == pytest.approx(CONFIDENCE)


def test_verdicts_follow_the_rules(mart: dict[str, dict[str, Any]], oracle: Oracle) -> None:
    for feature, expected in oracle.rows.items():
        assert mart[feature]["verdict"] == _expected_verdict(expected), feature


def test_the_planted_effect_is_found_within_its_interval(
    mart: dict[str, dict[str, Any]], oracle: Oracle, effect_build: EffectBuild
) -> None:
    row = mart[PLANTED]
    planted = effect_build.truth["activity"]["planted_effect_days_per_week"][PLANTED]
    expected = _expected_effect(effect_build.truth, oracle.matched[PLANTED])
    assert row["adopters_matched"] >= MIN_ADOPTERS
    # what the generator says adoption adds: the planted day, a little of it lost on weeks the
    # AI days already fill, plus a little of the feature's own days
    assert expected == pytest.approx(planted, abs=0.15)
    assert row["effect_lower"] <= expected <= row["effect_upper"]
    assert row["effect_lower"] > 0
    assert row["verdict"] in {"more_active", "own_use_only"}


def test_a_feature_without_a_planted_effect_holds_zero(
    mart: dict[str, dict[str, Any]], oracle: Oracle, effect_build: EffectBuild
) -> None:
    row = mart[NOT_PLANTED]
    assert effect_build.truth["activity"]["planted_effect_days_per_week"][NOT_PLANTED] == 0
    expected = _expected_effect(effect_build.truth, oracle.matched[NOT_PLANTED])
    assert row["adopters_matched"] >= MIN_ADOPTERS
    assert row["effect_lower"] <= 0 <= row["effect_upper"]
    assert row["effect_lower"] <= expected <= row["effect_upper"]
    assert row["verdict"] == "no_change_detected"


def test_no_feature_without_a_planted_effect_is_called_more_or_less_active(
    mart: dict[str, dict[str, Any]], effect_build: EffectBuild
) -> None:
    planted = effect_build.truth["activity"]["planted_effect_days_per_week"]
    wrong = {
        feature: row["verdict"]
        for feature, row in mart.items()
        if not planted.get(feature) and row["verdict"] in {"more_active", "less_active"}
    }
    assert not wrong
