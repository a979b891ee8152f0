"""The effect's method against a simulated product whose truth is known, seed after seed.

The simulation is written here, apart from the project's generator: users with a daily chance
of coming to the product, busy stretches of two weeks that anyone may have, and two features.

- ``busy_week`` changes nothing, and people take it up in the second week of a busy stretch:
  the week before the adoption week is busy too (a run-up). With that week in the weeks
  before, adopters look as if they lost activity after adopting.
- ``real_gain`` adds ``GAIN_DAYS_PER_WEEK`` active days a week from the week after adoption and
  is used on ``GAIN_USE_SHARE`` of the adopter's active days, always on days with other
  actions too: its gain is not made of its own use. Heavier users adopt it more often.

A third feature lives in a product of its own, so as to leave the first two as they are:

- ``rising`` changes nothing either, and is taken up mostly by users whose activity had been
  rising for a month before (a new project growing) and stays at its new level: the weeks after
  are busier than the weeks before whatever the feature does, and the placebo on the weeks
  before must see it.

Three checks:

- over many seeds, the method as the README states it (``effect_reference``) puts the truth
  inside its 90 % interval in at least ``MIN_COVERAGE`` of them for both features, and calls
  ``real_gain`` more active in most; the run-up window and the strict floor, shown beside,
  do not;
- the rising feature's verdict is inconclusive for its pre-trend in most seeds, where the
  estimate alone would call a gain;
- on one seed, the mart built by dbt equals that reading of the method.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import QUICK_BUILD_EXCLUDES, RecordProperty, run_dbt
from effect_reference import expected_verdict, reference_effects
from incremental_checks import MART_SCHEMA

#: A Monday: the simulated weeks start there.
START = date(2026, 1, 5)
WEEKS_SIMULATED = 16
USERS = 1200
#: A user's daily chance of being active, drawn once per user.
ACTIVE_CHANCE_RANGE: tuple[float, float] = (0.15, 0.55)
#: A user's weekly chance of a busy stretch starting, its length and the daily chance it adds.
BUSY_START_CHANCE = 0.06
BUSY_WEEKS = 2
BUSY_LIFT = 0.3
#: busy_week: the weekly chance of taking it up, and the chance added in a busy stretch's
#: second week (its first week is the run-up).
BUSY_FEATURE = "busy_week"
BUSY_BASE_HAZARD = 0.01
BUSY_HAZARD_LIFT = 0.3
#: real_gain: the weekly chance of taking it up for a user of the mid active chance (heavier
#: users more, lighter less), its gain and how often it is used after.
GAIN_FEATURE = "real_gain"
GAIN_HAZARD = 0.03
GAIN_HAZARD_CHANCE = 0.35
GAIN_DAYS_PER_WEEK = 0.8
GAIN_USE_SHARE = 0.4
#: busy_week is used on this share of active days after adoption.
BUSY_USE_SHARE = 0.3
TRUTH: dict[str, float] = {BUSY_FEATURE: 0.0, GAIN_FEATURE: GAIN_DAYS_PER_WEEK}
#: rising: the share of users whose daily chance rises before they take it up, over how many
#: weeks and by how much in all; the others take it up at a steady weekly chance.
RISING_FEATURE = "rising"
RISING_USER_SHARE = 0.3
RISING_WEEKS = 4
RISING_LIFT = 0.3
STEADY_HAZARD = 0.01
RISING_SEEDS = range(10)
#: The share of seeds in which rising must be left inconclusive for its pre-trend.
MIN_PRE_TREND_CAUGHT = 0.8
#: Events of one session and other actions on an active day.
SESSION_EVENTS: tuple[int, int] = (2, 6)
OTHER_ACTIONS: tuple[int, int] = (1, 12)
DAYS_PER_WEEK = 7

#: The package's defaults, read as they must be.
WEEKS = 3
CONFIDENCE = 0.9
MIN_ADOPTERS = 30
NEGLIGIBLE_DAYS = 0.5
PRE_TREND_DAYS = 0.25

SEEDS = range(30)
#: The share of seeds whose 90 % interval must hold the truth.
MIN_COVERAGE = 0.8
#: The share of seeds in which real_gain must be called more active.
MIN_MORE_ACTIVE = 0.8
BUILD_SEED = 1


@dataclass
class Product:
    """What the simulation produced: the activity rows and the sessions."""

    #: (user, day, action count)
    activity: list[tuple[str, date, int | None]] = field(default_factory=list)
    #: (user, feature, start, events)
    sessions: list[tuple[str, str, datetime, int]] = field(default_factory=list)


def _busy_weeks(rng: Random) -> list[int]:
    """Per week, 0 when not busy, else the week's place in its busy stretch (1, 2, ...)."""
    place = [0] * WEEKS_SIMULATED
    week = 0
    while week < WEEKS_SIMULATED:
        if rng.random() < BUSY_START_CHANCE:
            for step in range(BUSY_WEEKS):
                if week + step < WEEKS_SIMULATED:
                    place[week + step] = step + 1
            week += BUSY_WEEKS
        else:
            week += 1
    return place


def _adoption_week(rng: Random, hazards: list[float]) -> int | None:
    for week, hazard in enumerate(hazards):
        if rng.random() < hazard:
            return week
    return None


def _simulate_user(rng: Random, user: str, product: Product) -> None:
    chance = rng.uniform(*ACTIVE_CHANCE_RANGE)
    busy = _busy_weeks(rng)
    busy_adopted = _adoption_week(
        rng, [BUSY_BASE_HAZARD + (BUSY_HAZARD_LIFT if b == 2 else 0.0) for b in busy]
    )
    gain_adopted = _adoption_week(
        rng, [GAIN_HAZARD * chance / GAIN_HAZARD_CHANCE] * WEEKS_SIMULATED
    )
    adopted = {BUSY_FEATURE: busy_adopted, GAIN_FEATURE: gain_adopted}
    use_share = {BUSY_FEATURE: BUSY_USE_SHARE, GAIN_FEATURE: GAIN_USE_SHARE}
    first_use_done = dict.fromkeys(adopted, False)
    for week in range(WEEKS_SIMULATED):
        p = chance + (BUSY_LIFT if busy[week] else 0.0)
        if gain_adopted is not None and week > gain_adopted:
            p += GAIN_DAYS_PER_WEEK / DAYS_PER_WEEK
        p = min(1.0, p)
        for weekday in range(DAYS_PER_WEEK):
            if rng.random() >= p:
                continue
            day = START + timedelta(days=week * DAYS_PER_WEEK + weekday)
            ai_events = 0
            for feature, adoption in adopted.items():
                if adoption is None or week < adoption:
                    continue
                # the first active day of the adoption week is the first use
                first = week == adoption and not first_use_done[feature]
                if first or (week > adoption and rng.random() < use_share[feature]):
                    first_use_done[feature] = True
                    events = rng.randint(*SESSION_EVENTS)
                    ai_events += events
                    started = datetime(day.year, day.month, day.day, 12)
                    product.sessions.append((user, feature, started, events))
            # every active day has actions of its own besides any AI events
            product.activity.append((user, day, ai_events + rng.randint(*OTHER_ACTIONS)))


def _simulate_rising_user(rng: Random, user: str, product: Product) -> None:
    """A user of the product of the rising feature: steady, or rising in the weeks before
    adoption; the feature is used on the first active day of the adoption week and changes
    nothing."""
    chance = rng.uniform(*ACTIVE_CHANCE_RANGE)
    rising = rng.random() < RISING_USER_SHARE
    if rising:
        adopted: int | None = rng.randrange(RISING_WEEKS, WEEKS_SIMULATED)
    else:
        adopted = _adoption_week(rng, [STEADY_HAZARD] * WEEKS_SIMULATED)
    for week in range(WEEKS_SIMULATED):
        p = chance
        if rising and adopted is not None:
            # up step by step in the weeks before adoption, then level
            p += RISING_LIFT * min(1.0, max(0, week - adopted + RISING_WEEKS) / RISING_WEEKS)
        p = min(1.0, p)
        first_use = adopted == week
        for weekday in range(DAYS_PER_WEEK):
            if rng.random() >= p:
                continue
            day = START + timedelta(days=week * DAYS_PER_WEEK + weekday)
            ai_events = 0
            if first_use:
                first_use = False
                ai_events = rng.randint(*SESSION_EVENTS)
                started = datetime(day.year, day.month, day.day, 12)
                product.sessions.append((user, RISING_FEATURE, started, ai_events))
            product.activity.append((user, day, ai_events + rng.randint(*OTHER_ACTIONS)))


def simulate_rising(seed: int, users: int = USERS) -> Product:
    rng = Random(f"effect-simulation-rising:{seed}")
    product = Product()
    for number in range(users):
        _simulate_rising_user(rng, f"r_{number:05d}", product)
    return product


def simulate(seed: int, users: int = USERS) -> Product:
    rng = Random(f"effect-simulation:{seed}")
    product = Product()
    for number in range(users):
        _simulate_user(rng, f"s_{number:05d}", product)
    return product


# --------------------------------------------------------------------------------------------
# The method over many seeds
# --------------------------------------------------------------------------------------------


@dataclass
class Seeded:
    rows: dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def seeded() -> Seeded:
    rows: dict[str, list[dict[str, Any]]] = {feature: [] for feature in TRUTH}
    for seed in SEEDS:
        product = simulate(seed)
        estimated = reference_effects(product.activity, product.sessions, WEEKS, CONFIDENCE)
        for feature in TRUTH:
            row = estimated.rows[feature]
            row["verdict"] = expected_verdict(row, MIN_ADOPTERS, NEGLIGIBLE_DAYS, PRE_TREND_DAYS)
            rows[feature].append(row)
    return Seeded(rows=rows)


def _covered(rows: list[dict[str, Any]], truth: float, name: str = "effect") -> float:
    return statistics.fmean(row[f"{name}_lower"] <= truth <= row[f"{name}_upper"] for row in rows)


def _summary(feature: str, rows: list[dict[str, Any]]) -> str:
    truth = TRUTH[feature]
    mean = statistics.fmean(row["effect_days_per_week"] for row in rows)
    with_run_up = statistics.fmean(row["effect_with_run_up_week"] for row in rows)
    verdicts = sorted({row["verdict"] for row in rows})
    return (
        f"{feature}: truth {truth:+.2f}, bias {mean - truth:+.3f} "
        f"(run-up week in: {with_run_up - truth:+.3f}), coverage {_covered(rows, truth):.2f}, "
        f"matched {min(r['adopters_matched'] for r in rows)}+, verdicts {verdicts}"
    )


def test_every_seed_has_enough_adopters(seeded: Seeded) -> None:
    for feature, rows in seeded.rows.items():
        assert min(row["adopters_matched"] for row in rows) >= MIN_ADOPTERS, feature


def test_a_busy_week_adoption_without_effect_is_not_called_a_loss(
    seeded: Seeded, record_property: RecordProperty
) -> None:
    rows = seeded.rows[BUSY_FEATURE]
    record_property("artifact", _summary(BUSY_FEATURE, rows))
    assert _covered(rows, 0.0) >= MIN_COVERAGE
    assert sum(row["verdict"] in {"less_active", "more_active"} for row in rows) <= len(rows) * (
        1 - MIN_COVERAGE
    )
    # the run-up week in the weeks before makes adopters look less active: what the gap is for
    with_run_up = statistics.fmean(row["effect_with_run_up_week"] for row in rows)
    guarded = statistics.fmean(row["effect_days_per_week"] for row in rows)
    assert with_run_up < guarded - 0.05


def test_a_real_gain_of_a_frequent_feature_is_called_more_active(
    seeded: Seeded, record_property: RecordProperty
) -> None:
    rows = seeded.rows[GAIN_FEATURE]
    record_property("artifact", _summary(GAIN_FEATURE, rows))
    assert _covered(rows, GAIN_DAYS_PER_WEEK) >= MIN_COVERAGE
    # its days all had other actions: the floor keeps them, and holds the gain too
    assert _covered(rows, GAIN_DAYS_PER_WEEK, "effect_beyond_own_use") >= MIN_COVERAGE
    assert all(row["is_own_use_counted"] for row in rows)
    more_active = statistics.fmean(row["verdict"] == "more_active" for row in rows)
    assert more_active >= MIN_MORE_ACTIVE
    # the strict floor, which takes out every day of use, would never call it a gain
    assert all(row["effect_without_feature_days_lower"] <= 0 for row in rows)


def test_a_rise_that_began_before_adoption_is_not_called_a_gain(
    record_property: RecordProperty,
) -> None:
    rows = []
    for seed in RISING_SEEDS:
        product = simulate_rising(seed)
        row = reference_effects(product.activity, product.sessions, WEEKS, CONFIDENCE).rows[
            RISING_FEATURE
        ]
        row["verdict"] = expected_verdict(row, MIN_ADOPTERS, NEGLIGIBLE_DAYS, PRE_TREND_DAYS)
        rows.append(row)
    estimate = statistics.fmean(row["effect_days_per_week"] for row in rows)
    placebo = statistics.fmean(row["pre_trend_days_per_week"] for row in rows)
    caught = statistics.fmean(row["pre_trend_lower"] > PRE_TREND_DAYS for row in rows)
    record_property(
        "artifact",
        f"{RISING_FEATURE}: truth +0.00, mean estimate {estimate:+.3f}, placebo {placebo:+.3f}, "
        f"pre-trend caught in {caught:.2f} of seeds",
    )
    # the estimate alone would call it a gain: the rise goes on after adoption
    assert all(row["effect_lower"] > 0 for row in rows)
    assert caught >= MIN_PRE_TREND_CAUGHT
    assert statistics.fmean(row["verdict"] == "inconclusive" for row in rows) >= caught


# --------------------------------------------------------------------------------------------
# The mart on one seed
# --------------------------------------------------------------------------------------------


def _write_inputs(product: Product, events_dir: Path, activity_dir: Path) -> None:
    """The sessions as contract events (one session: its events a minute apart) and the
    activity as its contract's rows, both as Parquet."""
    events: dict[str, list[Any]] = {
        "event_id": [],
        "occurred_at": [],
        "user_id": [],
        "feature": [],
        "event_name": [],
    }
    for number, (user, feature, started, count) in enumerate(product.sessions):
        for i in range(count):
            events["event_id"].append(f"e{number}-{i}")
            events["occurred_at"].append(started + timedelta(minutes=i))
            events["user_id"].append(user)
            events["feature"].append(feature)
            events["event_name"].append("feature_opened")
    events_dir.mkdir(parents=True)
    pq.write_table(pa.table(events), events_dir / "events.parquet")
    activity_dir.mkdir(parents=True)
    pq.write_table(
        pa.table(
            {
                "user_id": [user for user, _, _ in product.activity],
                "activity_date": [day.isoformat() for _, day, _ in product.activity],
                "action_count": [count for _, _, count in product.activity],
            }
        ),
        activity_dir / "activity.parquet",
    )


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[duckdb.DuckDBPyConnection, Product]]:
    root = tmp_path_factory.mktemp("effect-simulation")
    product = simulate(BUILD_SEED)
    _write_inputs(product, root / "events", root / "activity")
    run = run_dbt(
        root / "dbt",
        root / "events" / "*.parquet",
        extra_args=("--select", "+fct_ai_feature_effect", *QUICK_BUILD_EXCLUDES),
        extra_vars={"ai_adoption_activity_source": {"path": str(root / "activity" / "*.parquet")}},
    )
    connection = duckdb.connect(str(run.db), read_only=True)
    yield connection, product
    connection.close()


def test_the_mart_equals_the_method_on_a_simulated_product(
    built: tuple[duckdb.DuckDBPyConnection, Product],
) -> None:
    connection, product = built
    cursor = connection.execute(f"select * from {MART_SCHEMA}.fct_ai_feature_effect")
    names = [d[0] for d in cursor.description]
    mart = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    expected = reference_effects(product.activity, product.sessions, WEEKS, CONFIDENCE).rows
    assert sorted(mart) == sorted(TRUTH)
    for feature, row in expected.items():
        for column, value in row.items():
            if isinstance(value, float):
                assert mart[feature][column] == pytest.approx(value, rel=1e-9, abs=1e-12), (
                    feature,
                    column,
                )
            else:
                assert mart[feature][column] == value, (feature, column)
        verdict = expected_verdict(row, MIN_ADOPTERS, NEGLIGIBLE_DAYS, PRE_TREND_DAYS)
        assert mart[feature]["verdict"] == verdict, feature
