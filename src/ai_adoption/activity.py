"""Deterministic synthetic product activity to go with the AI event log.

Product activity is the second, optional input of the warehouse: one row per user and day on
which the user did anything in the product, AI or not. With it the warehouse can tell how many
of the product's active users reach an AI feature, and whether adopting a feature changes how
often people come back to the product.

The population is every user of the AI events plus about as many users who never touch an AI
feature. Each user has a chance of being active on a day; users of AI features are somewhat
more active to begin with, so that comparing adopters with everyone else overstates what a
feature does, and only a comparison of each user with their own earlier weeks finds the effect
that is planted. Per calendar week (Monday to Sunday) a user aims for a number of active days
drawn from that chance; every day with an AI event is active, and other days of the week are
added only when the aim is above the AI days. Using AI therefore raises activity only for users
who use it on more days than they would be active anyway. The AI days beyond a week's aim (the
latest ones of the week) saw nothing but AI use: their ``action_count`` counts that use alone (one
action per AI session of the day, never more than its events), while every other day draws a count
of its own.

One effect is planted (``GeneratorConfig.activity_effect``, by default ``report_builder``):
from the week after a user's first session of the feature, the daily chance goes up by the
effect divided by seven, which is the effect in active days per week. Every other feature
changes nothing; ``action_count`` carries no effect at all. Because AI days are active days,
a feature used on days the user would not have come anyway still adds active days;
``truth["activity"]["expected_effect"]`` gives, per adopter and week after adoption, the
expected active days that adopting adds, both parts together, so that an estimate can be held
against what it should find.

Unless the log is ``clean``, a few bad rows of known kinds are added: rows without a user,
dates that do not parse, action counts that are negative or fractional, exact copies loaded
later, and later copies of a user's day with another action count. Each is an extra row next
to the good ones; no good row is changed. ``truth["activity"]`` counts them.

Everything is drawn from a stream of its own (``random.Random(f"{seed}:activity")``), so that
asking for activity leaves every row of the event log as it was.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from random import Random
from typing import TYPE_CHECKING, Any, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from ai_adoption.generator import GeneratorConfig

# --------------------------------------------------------------------------------------------
# Contract and knobs
# --------------------------------------------------------------------------------------------

ACTIVITY_SCHEMA = pa.schema(
    [
        pa.field("user_id", pa.string()),
        pa.field("activity_date", pa.string()),
        pa.field("account_id", pa.string()),
        pa.field("action_count", pa.string()),
        pa.field("loaded_at", pa.timestamp("us")),
    ]
)
ACTIVITY_COLUMNS: tuple[str, ...] = tuple(ACTIVITY_SCHEMA.names)

#: The planted effect unless told otherwise: adopting report_builder adds an active day a week.
DEFAULT_ACTIVITY_EFFECT: Mapping[str, float] = {"report_builder": 1.0}

#: Injected kinds the warehouse must reject: each row has exactly one defect.
ACTIVITY_REJECTED_KINDS: tuple[str, ...] = (
    "missing_user_id",
    "unparseable_activity_date",
    "negative_action_count",
    "fractional_action_count",
)
#: Injected copies of a good row, loaded later: the same row again (only loaded_at differs),
#: or the same user and day with another action count.
ACTIVITY_COPY_KINDS: tuple[str, ...] = ("duplicate", "conflicting_copy")
ACTIVITY_INJECTED_KINDS: tuple[str, ...] = ACTIVITY_REJECTED_KINDS + ACTIVITY_COPY_KINDS

#: Bad rows of all kinds together, as a share of the good rows (each kind gets an equal part).
ACTIVITY_BAD_ROW_SHARE = 0.005
#: Users who never use an AI feature, per user of the AI events.
NON_AI_USERS_PER_AI_USER = 1.0
#: A user's chance of being active on a day, drawn once per user.
ACTIVE_CHANCE_RANGE: tuple[float, float] = (0.25, 0.75)
#: How much more likely a user of AI features is to be active on a day, before any adoption.
AI_USER_ACTIVE_CHANCE_LIFT = 0.1
#: A user's mean actions on an active day, drawn once per user; counts are geometric around it.
ACTION_MEAN_RANGE: tuple[float, float] = (5.0, 30.0)
#: Active days whose action count is not recorded.
MISSING_ACTION_COUNT_SHARE = 0.05
#: A day's rows are loaded in one nightly batch the next day, between these hours.
LOAD_HOUR_RANGE: tuple[int, int] = (1, 6)
#: Rows of one batch land within this many seconds of its start.
LOAD_SPREAD_S = 600
#: Copies loaded later arrive this many hours after the row they copy.
LATE_COPY_HOURS: tuple[int, int] = (1, 72)
#: Rows without a user carry one of these.
MISSING_USER_IDS: tuple[str | None, ...] = ("", None)
UNPARSEABLE_DATES: tuple[str, ...] = (
    "2026-02-30",
    "yesterday",
    "2026-13-01",
    "31/10/2026",
    "2026-10-32",
    "not a date",
)
#: Negative counts are minus a number in this range.
NEGATIVE_ACTION_COUNT_RANGE: tuple[int, int] = (1, 20)
#: Fractional counts are a whole number in this range with one of these decimals.
FRACTIONAL_ACTION_COUNT_RANGE: tuple[int, int] = (1, 30)
ACTION_COUNT_FRACTIONS: tuple[str, ...] = ("5", "25", "75")
#: A conflicting copy counts this many actions more than the row it copies.
CONFLICTING_COUNT_SHIFT: tuple[int, int] = (1, 5)

DAYS_PER_WEEK = 7
US = 1_000_000
HOUR_US = 3600 * US
_EPOCH = datetime(1970, 1, 1)


class AiUse(NamedTuple):
    """A delivered AI event reduced to what activity needs: who, where, which feature, when.

    ``day`` is the day of the event's true time, counted from the first day of the period.
    """

    user_id: str
    account_id: str
    feature: str
    day: int


@dataclass(frozen=True)
class GeneratedActivity:
    """The activity rows (sorted by loaded_at) and the truth about them."""

    table: pa.Table
    truth: dict[str, Any]


@dataclass(slots=True)
class _User:
    user_id: str
    account_id: str
    ai_days: set[int] = field(default_factory=set)
    #: feature -> day of the user's first event of it
    first_day: dict[str, int] = field(default_factory=dict)
    #: feature -> the days with an event of it
    feature_days: dict[str, set[int]] = field(default_factory=dict)
    #: day -> AI uses that day (one per session and day), every feature
    ai_uses: dict[int, int] = field(default_factory=dict)


#: One row: user_id, activity_date, account_id, action_count and loaded_at in microseconds
#: since the epoch.
_Row = tuple[str | None, str, str, str | None, int]


@dataclass(slots=True)
class _Columns:
    """Rows kept column by column until they become a table (no object per row)."""

    user_id: list[str | None] = field(default_factory=list)
    activity_date: list[str] = field(default_factory=list)
    account_id: list[str] = field(default_factory=list)
    action_count: list[str | None] = field(default_factory=list)
    loaded_at: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.user_id)

    def append(self, row: _Row) -> None:
        user_id, activity_date, account_id, action_count, loaded_at = row
        self.user_id.append(user_id)
        self.activity_date.append(activity_date)
        self.account_id.append(account_id)
        self.action_count.append(action_count)
        self.loaded_at.append(loaded_at)

    def row(self, i: int) -> _Row:
        return (
            self.user_id[i],
            self.activity_date[i],
            self.account_id[i],
            self.action_count[i],
            self.loaded_at[i],
        )

    def to_table(self) -> pa.Table:
        """The rows as a table in loaded_at order (rows loaded at the same time keep theirs)."""
        values = (
            self.user_id,
            self.activity_date,
            self.account_id,
            self.action_count,
            self.loaded_at,
        )
        arrays = [pa.array(v, type=f.type) for v, f in zip(values, ACTIVITY_SCHEMA, strict=True)]
        table = pa.Table.from_arrays(arrays, schema=ACTIVITY_SCHEMA)
        return table.take(pc.sort_indices(table, sort_keys=[("loaded_at", "ascending")]))


# --------------------------------------------------------------------------------------------
# Population and days
# --------------------------------------------------------------------------------------------


def _ai_users(uses: Iterable[AiUse]) -> list[_User]:
    """The users of the AI events, by id, with their AI days and first day per feature."""
    users: dict[str, _User] = {}
    for use in uses:
        user = users.get(use.user_id)
        if user is None:
            user = users[use.user_id] = _User(use.user_id, use.account_id)
        user.ai_days.add(use.day)
        user.ai_uses[use.day] = user.ai_uses.get(use.day, 0) + 1
        user.feature_days.setdefault(use.feature, set()).add(use.day)
        first = user.first_day.get(use.feature)
        if first is None or use.day < first:
            user.first_day[use.feature] = use.day
    return [users[k] for k in sorted(users)]


def _non_ai_users(rng: Random, ai_users: Sequence[_User], first_number: int) -> list[_User]:
    """Users who never use an AI feature: new ids after the AI users', in existing accounts."""
    accounts = sorted({u.account_id for u in ai_users})
    if not accounts:
        return []
    count = round(len(ai_users) * NON_AI_USERS_PER_AI_USER)
    return [_User(f"u_{first_number + i:06d}", rng.choice(accounts)) for i in range(count)]


def _weeks(start: date, days: int) -> list[list[int]]:
    """The period's days (0-based) grouped into calendar weeks starting on Monday."""
    weeks: list[list[int]] = []
    for day in range(days):
        if not weeks or (start + timedelta(days=day)).weekday() == 0:
            weeks.append([])
        weeks[-1].append(day)
    return weeks


def _week_of(weeks: Sequence[Sequence[int]]) -> list[int]:
    """Each day's week index."""
    return [w for w, week in enumerate(weeks) for _ in week]


def _active_chance(rng: Random, user: _User) -> float:
    """A user's daily chance of being active before any planted effect."""
    chance = rng.uniform(*ACTIVE_CHANCE_RANGE)
    if user.ai_days:
        chance += AI_USER_ACTIVE_CHANCE_LIFT
    return chance


def _weekly_lift(
    user: _User, effect: Mapping[str, float], week_of: Sequence[int]
) -> dict[str, tuple[int, float]]:
    """Effect feature the user adopted -> (first week of the lift, daily chance added).

    The lift starts in the week after the week of the user's first session of the feature.
    """
    lifts = {}
    for feature, days_per_week in effect.items():
        first = user.first_day.get(feature)
        if first is not None and days_per_week:
            lifts[feature] = (week_of[first] + 1, days_per_week / DAYS_PER_WEEK)
    return lifts


def _chance_in_week(chance: float, lifts: Iterable[tuple[int, float]], week: int) -> float:
    """The daily chance in a week: the user's own plus the lifts begun by then, within 0..1."""
    return min(1.0, max(0.0, chance + sum(lift for start, lift in lifts if week >= start)))


def _expected_week(days: int, chance: float, ai_days: int) -> float:
    """Expected active days of a week of ``days`` days: the aim, drawn day by day at
    ``chance``, or the AI days when there are more of them (as :func:`_active_days` draws)."""
    return sum(
        math.comb(days, k) * chance**k * (1.0 - chance) ** (days - k) * max(k, ai_days)
        for k in range(days + 1)
    )


def _expected_effect(
    user: _User,
    chance: float,
    weeks: Sequence[Sequence[int]],
    week_of: Sequence[int],
    lifts: Mapping[str, tuple[int, float]],
) -> dict[str, dict[int, float]]:
    """Feature -> week -> what adopting it adds to the user's expected active days that week.

    For each week after the week of the user's first session of a feature: the expected active
    days as drawn, less those without the feature, that is without its AI days and its lift. It
    is the planted effect where there is one, plus the days the feature's own use makes active.
    """
    effects: dict[str, dict[int, float]] = {}
    for feature, first in user.first_day.items():
        other_days = set().union(*(d for f, d in user.feature_days.items() if f != feature))
        other_lifts = [lift for f, lift in lifts.items() if f != feature]
        per_week = {}
        for w in range(week_of[first] + 1, len(weeks)):
            week = weeks[w]
            with_it = _expected_week(
                len(week),
                _chance_in_week(chance, lifts.values(), w),
                sum(1 for d in week if d in user.ai_days),
            )
            without = _expected_week(
                len(week),
                _chance_in_week(chance, other_lifts, w),
                sum(1 for d in week if d in other_days),
            )
            per_week[w] = with_it - without
        effects[feature] = per_week
    return effects


def _active_days(
    rng: Random,
    user: _User,
    chance: float,
    weeks: Sequence[Sequence[int]],
    lifts: Mapping[str, tuple[int, float]],
) -> tuple[list[int], set[int]]:
    """A user's active days: each week's aim, the AI days first, other days to make up the aim;
    and the AI days beyond the aim (the latest of their week), active only for their AI use."""
    active: list[int] = []
    ai_only: set[int] = set()
    ai_days = user.ai_days
    for w, week in enumerate(weeks):
        p = _chance_in_week(chance, lifts.values(), w)
        aim = sum(1 for _ in week if rng.random() < p)
        ai = sum(1 for d in week if d in ai_days)
        if aim > ai:
            added = set(rng.sample([d for d in week if d not in ai_days], aim - ai))
            active.extend(d for d in week if d in ai_days or d in added)
        else:
            week_ai = [d for d in week if d in ai_days]
            active.extend(week_ai)
            ai_only.update(week_ai[aim:])
    return active, ai_only


def _action_count(rng: Random, mean: float) -> str | None:
    """A day's actions as text: at least one, geometric around the user's mean; or missing."""
    if rng.random() < MISSING_ACTION_COUNT_SHARE:
        return None
    # failures before the first success of chance 1/mean: mean - 1 of them on average
    extra = int(math.log(1.0 - rng.random()) / math.log(1.0 - 1.0 / mean))
    return str(1 + extra)


def _epoch_us(d: date) -> int:
    return (datetime(d.year, d.month, d.day) - _EPOCH) // timedelta(microseconds=1)


def _batch_starts(rng: Random, start: date, days: int) -> list[int]:
    """When the nightly batch of each day's rows starts: the next day, early in the morning."""
    lo, hi = LOAD_HOUR_RANGE
    return [
        _epoch_us(start + timedelta(days=day + 1)) + rng.randrange(lo * HOUR_US, hi * HOUR_US)
        for day in range(days)
    ]


#: feature -> user -> Monday of a week after the user's adoption week (ISO) -> expected effect
ExpectedEffect = dict[str, dict[str, dict[str, float]]]


def _good_rows(
    rng: Random, users: Sequence[_User], cfg: GeneratorConfig, effect: Mapping[str, float]
) -> tuple[_Columns, ExpectedEffect]:
    """One row per user and active day, user by user; and what each adoption adds to each week
    after it (:func:`_expected_effect`, which draws nothing)."""
    weeks = _weeks(cfg.start_date, cfg.days)
    week_of = _week_of(weeks)
    dates = [(cfg.start_date + timedelta(days=d)).isoformat() for d in range(cfg.days)]
    batches = _batch_starts(rng, cfg.start_date, cfg.days)
    spread_us = LOAD_SPREAD_S * US
    mondays = [(cfg.start_date + timedelta(days=week[0])).isoformat() for week in weeks]
    rows = _Columns()
    expected: ExpectedEffect = {}
    for user in users:
        chance = _active_chance(rng, user)
        mean = rng.uniform(*ACTION_MEAN_RANGE)
        lifts = _weekly_lift(user, effect, week_of)
        for feature, per_week in _expected_effect(user, chance, weeks, week_of, lifts).items():
            expected.setdefault(feature, {})[user.user_id] = {
                mondays[w]: value for w, value in per_week.items()
            }
        active, ai_only = _active_days(rng, user, chance, weeks, lifts)
        for day in active:
            loaded = batches[day] + int(rng.random() * spread_us)
            # drawn on every day, so that the stream of draws stays as it was
            count = _action_count(rng, mean)
            rows.user_id.append(user.user_id)
            rows.activity_date.append(dates[day])
            rows.account_id.append(user.account_id)
            rows.action_count.append(str(user.ai_uses[day]) if day in ai_only else count)
            rows.loaded_at.append(loaded)
    return rows, expected


# --------------------------------------------------------------------------------------------
# Bad rows
# --------------------------------------------------------------------------------------------


def _later(rng: Random, loaded_us: int) -> int:
    lo, hi = LATE_COPY_HOURS
    return loaded_us + rng.randint(lo * HOUR_US, hi * HOUR_US)


def _other_count(rng: Random, count: str) -> str:
    """A valid action count other than ``count``."""
    return str(int(count) + rng.randint(*CONFLICTING_COUNT_SHIFT))


def _bad_row(rng: Random, kind: str, src: _Row) -> _Row:
    """A copy of a good row with the one defect of ``kind``."""
    user_id, day, account_id, count, loaded = src
    if kind == "missing_user_id":
        return (rng.choice(MISSING_USER_IDS), day, account_id, count, loaded)
    if kind == "unparseable_activity_date":
        return (user_id, rng.choice(UNPARSEABLE_DATES), account_id, count, loaded)
    if kind == "negative_action_count":
        negative = -rng.randint(*NEGATIVE_ACTION_COUNT_RANGE)
        return (user_id, day, account_id, str(negative), loaded)
    if kind == "fractional_action_count":
        whole = rng.randint(*FRACTIONAL_ACTION_COUNT_RANGE)
        return (user_id, day, account_id, f"{whole}.{rng.choice(ACTION_COUNT_FRACTIONS)}", loaded)
    if kind == "duplicate":
        return (user_id, day, account_id, count, _later(rng, loaded))
    if kind == "conflicting_copy" and count is not None:
        return (user_id, day, account_id, _other_count(rng, count), _later(rng, loaded))
    raise ValueError(f"cannot make a {kind!r} row from {src!r}")


def _inject(rng: Random, good: _Columns) -> tuple[list[_Row], dict[str, int]]:
    """Bad rows of every kind, each made from a good row picked at random; ``good`` is untouched.

    A conflicting copy is made only from a row with a count, so that its count differs.
    """
    n = len(good)
    per_kind = max(1, round(n * ACTIVITY_BAD_ROW_SHARE / len(ACTIVITY_INJECTED_KINDS)))
    everyone = range(n)
    counted = [i for i in everyone if good.action_count[i] is not None]
    bad: list[_Row] = []
    injected = dict.fromkeys(ACTIVITY_INJECTED_KINDS, 0)
    for kind in ACTIVITY_INJECTED_KINDS:
        pool: Sequence[int] = counted if kind == "conflicting_copy" else everyone
        for i in rng.sample(pool, min(per_kind, len(pool))):
            bad.append(_bad_row(rng, kind, good.row(i)))
            injected[kind] += 1
    return bad, injected


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _adopters(users: Iterable[_User], features: Iterable[str]) -> dict[str, int]:
    """Users whose first session of each feature is in the data."""
    counts = dict.fromkeys(features, 0)
    for user in users:
        for feature in user.first_day:
            if feature in counts:
                counts[feature] += 1
    return counts


def generate_activity(
    cfg: GeneratorConfig, uses: Iterable[AiUse], first_new_user: int
) -> GeneratedActivity:
    """Generate the activity of the users of ``uses`` and of as many users without AI.

    ``uses`` are the delivered events of the log (their true day); ``first_new_user`` is the
    number of the first id the users without AI may take (ids ``u_NNNNNN``, after the AI users).
    """
    rng = Random(f"{cfg.seed}:activity")
    effect = cfg.activity_effect
    ai_users = _ai_users(uses)
    non_ai_users = _non_ai_users(rng, ai_users, first_new_user)
    rows, expected = _good_rows(rng, [*ai_users, *non_ai_users], cfg, effect)
    good_truth = {
        "good_rows": len(rows),
        "good_rows_without_action_count": rows.action_count.count(None),
        "users_active": len(set(rows.user_id)),
    }
    if cfg.clean:
        injected = dict.fromkeys(ACTIVITY_INJECTED_KINDS, 0)
    else:
        bad, injected = _inject(rng, rows)
        for row in bad:  # after the good rows, which stay as they were
            rows.append(row)
    table = rows.to_table()
    truth: dict[str, Any] = {
        "rows_total": table.num_rows,
        **good_truth,
        "ai_users": len(ai_users),
        "non_ai_users": len(non_ai_users),
        "injected": injected,
        "planted_effect_days_per_week": {f: float(effect.get(f, 0.0)) for f in cfg.profiles},
        "adopters": _adopters(ai_users, cfg.profiles),
        # what adopting each feature adds to each adopter's expected active days, week by week
        # after the adoption week: the planted effect plus the days the feature's use makes active
        "expected_effect": {f: expected[f] for f in sorted(expected)},
    }
    return GeneratedActivity(table=table, truth=truth)
