"""Reach: AI users among the users the product activity sees, checked end to end.

A generated event log is built with a product activity source written here: one row per
user and day the events show, the days of a tenth of the AI users left out (a tracker that
misses them), users who never touch an AI feature, and bad rows and copies of each kind.
The rejected rows must carry the reasons planted, nothing may be lost, and the reach marts
must equal what plain Python counts from the activity rows and the built sessions, with
its own reading of the rules (weeks start on Monday, an AI user counts only in a period the
activity saw them, the first period with a feature is the first-time one).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import generate_events, run_dbt
from incremental_checks import INTERMEDIATE_SCHEMA, MART_SCHEMA, STAGING_SCHEMA

EVENTS = 8_000
SEED = 41
#: Share of the AI users whose days the activity source misses.
MISSED_SHARE = 0.1
#: Users active in the product who never use an AI feature.
NON_AI_USERS = 150
COLUMNS = ("user_id", "activity_date", "account_id", "action_count", "loaded_at")

#: Bad rows planted, by the reason they must be rejected for: (activity_date, action_count,
#: loaded_at) of the row, on a real user unless the user is missing.
BAD_ROWS: dict[str, list[tuple[str | None, str | None, str | None]]] = {
    "missing_user_id": [("2026-03-02", "4", None), ("2026-03-03", None, None)],
    "missing_activity_date": [(None, "4", None)],
    "unparseable_activity_date": [
        ("2026-02-30", "4", None),
        ("2026-03-01 10:00:00", "4", None),
        ("yesterday", None, None),
    ],
    "implausible_activity_date": [
        ("1999-12-31", "4", None),
        ("2026-03-10", "4", "2026-03-05 08:00:00"),
    ],
    "unparseable_action_count": [("2026-03-04", "2.5", None), ("2026-03-04", "many", None)],
    "negative_action_count": [("2026-03-05", "-3", None)],
    "unparseable_loaded_at": [("2026-03-06", "4", "soon")],
}
EXACT_COPIES = 3
CONFLICTING_COPIES = 2


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class ReachBuild:
    db: Path
    #: the good, distinct (user, day) rows written, with their account
    user_days: dict[tuple[str, date], str | None]


def _activity_rows(events: pa.Table, rng: random.Random) -> tuple[list[dict[str, Any]], dict]:
    """The activity source's rows and the good (user, day) -> account they hold."""
    days: dict[tuple[str, date], str | None] = {}
    accounts: dict[str, str] = {}
    for user, occurred, account in zip(
        events.column("user_id").to_pylist(),
        events.column("occurred_at").to_pylist(),
        events.column("account_id").to_pylist(),
        strict=True,
    ):
        if not user or not occurred:
            continue
        try:
            day = datetime.fromisoformat(str(occurred)).date()
        except ValueError:
            continue
        if account and user not in accounts:
            accounts[user] = account
        days[(user, day)] = None
    users = sorted({user for user, _ in days})
    missed = set(rng.sample(users, int(len(users) * MISSED_SHARE)))
    all_days = sorted({day for _, day in days})
    good = {(user, day): accounts.get(user) for user, day in days if user not in missed}
    account_pool = sorted(set(accounts.values()))
    for number in range(NON_AI_USERS):
        user = f"product-only-{number:04d}"
        account = rng.choice(account_pool) if number % 5 else None
        for day in rng.sample(all_days, min(len(all_days), rng.randint(1, 20))):
            good[(user, day)] = account
    rows = [
        {
            "user_id": user,
            "activity_date": day.isoformat(),
            "account_id": account,
            "action_count": None if rng.random() < 0.05 else str(rng.randint(1, 40)),
            "loaded_at": f"{(day + timedelta(days=1)).isoformat()} 02:00:00",
        }
        for (user, day), account in sorted(good.items())
    ]
    some_user = users[0]
    for reason, planted in BAD_ROWS.items():
        for activity_date, action_count, loaded_at in planted:
            rows.append(
                {
                    "user_id": None if reason == "missing_user_id" else some_user,
                    "activity_date": activity_date,
                    "account_id": None,
                    "action_count": action_count,
                    "loaded_at": loaded_at,
                }
            )
    # delivery copies, loaded a day later: the same row, or the same day with another count
    for row in rows[:EXACT_COPIES]:
        rows.append({**row, "loaded_at": "2026-12-01 00:00:00"})
    for row in rows[EXACT_COPIES : EXACT_COPIES + CONFLICTING_COPIES]:
        count = int(row["action_count"] or 0) + 100
        rows.append({**row, "action_count": str(count), "loaded_at": "2026-12-01 00:00:00"})
    rng.shuffle(rows)
    return rows, good


@pytest.fixture(scope="module")
def reach_build(tmp_path_factory: pytest.TempPathFactory) -> ReachBuild:
    root = tmp_path_factory.mktemp("reach")
    events_dir = root / "events"
    generate_events(events_dir, EVENTS, SEED)
    events = pq.read_table(sorted(events_dir.glob("*.parquet")))
    rows, good = _activity_rows(events, random.Random(SEED))
    activity = root / "activity.parquet"
    schema = pa.schema([(name, pa.string()) for name in COLUMNS])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), activity)
    run = run_dbt(
        root / "dbt",
        events_dir / "*.parquet",
        extra_vars={"ai_adoption_activity_source": {"path": str(activity)}},
    )
    return ReachBuild(db=run.db, user_days=good)


@pytest.fixture(scope="module")
def con(reach_build: ReachBuild) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(reach_build.db), read_only=True)
    yield connection
    connection.close()


def test_bad_activity_rows_are_rejected_for_the_reason_planted(
    con: duckdb.DuckDBPyConnection,
) -> None:
    got = con.execute(
        f"select rejection_reason, count(*) from {STAGING_SCHEMA}.stg_ai_activity__rejected_days "
        "group by 1"
    ).fetchall()
    assert dict(got) == {reason: len(planted) for reason, planted in BAD_ROWS.items()}


def test_copies_of_a_day_are_duplicates_and_the_first_is_kept(
    con: duckdb.DuckDBPyConnection, reach_build: ReachBuild
) -> None:
    duplicates, conflicting = con.execute(
        "select count(*) filter (where is_duplicate), "
        "count(*) filter (where is_conflicting_duplicate) "
        f"from {STAGING_SCHEMA}.base_ai_activity__days_checked"
    ).fetchone()
    assert (duplicates, conflicting) == (EXACT_COPIES + CONFLICTING_COPIES, CONFLICTING_COPIES)
    kept = con.execute(
        f"select user_id, activity_date, loaded_at from {STAGING_SCHEMA}.stg_ai_activity__user_days"
    ).fetchall()
    assert {(user, day) for user, day, _ in kept} == set(reach_build.user_days)
    assert len(kept) == len(reach_build.user_days)
    # every copy was loaded later: none of them is the one kept
    assert all(loaded < datetime(2026, 12, 1) for _, _, loaded in kept)


def _sessions(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, datetime]]:
    return con.execute(
        f"select user_id, feature, started_at from {MART_SCHEMA}.fct_ai_sessions"
    ).fetchall()


def test_feature_reach_equals_a_count_of_the_rows(
    con: duckdb.DuckDBPyConnection, reach_build: ReachBuild
) -> None:
    active: dict[date, set[str]] = defaultdict(set)
    for user, day in reach_build.user_days:
        active[_monday(day)].add(user)
    used: dict[tuple[str, date], set[str]] = defaultdict(set)
    first: dict[tuple[str, str], date] = {}
    for user, feature, started in _sessions(con):
        week = _monday(started.date())
        used[(feature, week)].add(user)
        first[(user, feature)] = min(week, first.get((user, feature), week))
    features = {feature for feature, _ in used}
    expected = {}
    for week, users in active.items():
        for feature in features:
            ai = used.get((feature, week), set())
            counted = ai & users
            first_time = {user for user in counted if first[(user, feature)] == week}
            expected[(feature, week)] = (
                len(users),
                len(counted),
                len(first_time),
                len(counted) - len(first_time),
                len(ai - users),
            )
    got = {
        (feature, week): tuple(counts)
        for feature, week, *counts in con.execute(
            "select feature, period_start, active_users, ai_users, first_time_ai_users, "
            f"repeat_ai_users, ai_users_outside_activity from {MART_SCHEMA}.fct_ai_feature_reach"
        ).fetchall()
    }
    assert got == expected
    # the users the activity misses are counted apart, not lost
    assert sum(counts[4] for counts in got.values()) > 0


def test_account_reach_equals_a_count_of_the_rows(
    con: duckdb.DuckDBPyConnection, reach_build: ReachBuild
) -> None:
    active: dict[tuple[str, date], set[str]] = defaultdict(set)
    for (user, day), account in reach_build.user_days.items():
        if account is not None:
            active[(account, _monday(day))].add(user)
    used: dict[tuple[str, date], set[str]] = defaultdict(set)
    for user, feature, started in _sessions(con):
        used[(feature, _monday(started.date()))].add(user)
    features = {feature for feature, _ in used}
    expected = {
        (account, feature, week): (len(users), len(used.get((feature, week), set()) & users))
        for (account, week), users in active.items()
        for feature in features
    }
    got = {
        (account, feature, week): (active_users, ai_users)
        for account, feature, week, active_users, ai_users in con.execute(
            "select account_id, feature, period_start, active_users, ai_users "
            f"from {MART_SCHEMA}.fct_ai_account_reach"
        ).fetchall()
    }
    assert got == expected


def test_adoption_stages_follow_the_weeks_of_use(
    con: duckdb.DuckDBPyConnection, reach_build: ReachBuild
) -> None:
    (horizon,) = con.execute(
        f"select data_as_of from {INTERMEDIATE_SCHEMA}.int_ai_data_horizon"
    ).fetchone()
    segment_weeks, habitual_weeks = 12, 9  # the vars' defaults
    weeks: dict[tuple[str, str], set[int]] = defaultdict(set)
    for user, feature, started in _sessions(con):
        weeks[(user, feature)].add(int((horizon - started) / timedelta(weeks=1)))
    features = {feature for _, feature in weeks}
    expected = {}
    for user in {user for user, _ in reach_build.user_days}:
        for feature in features:
            used = weeks.get((user, feature), set())
            if len({week for week in used if week < segment_weeks}) >= habitual_weeks:
                stage = "habitual"
            elif len(used) >= 2:
                stage = "repeat"
            elif used:
                stage = "tried_once"
            else:
                stage = "never_tried"
            expected[(user, feature)] = stage
    got = dict(
        ((user, feature), stage)
        for user, feature, stage in con.execute(
            f"select user_id, feature, adoption_stage from {MART_SCHEMA}.dim_ai_user_adoption"
        ).fetchall()
    )
    assert got == expected
    assert Counter(got.values())["never_tried"] > 0 and Counter(got.values())["repeat"] > 0
