"""Deterministic synthetic raw event log of a product's AI features.

The log imitates what a product team exports from its tracker: one row per
event, with the columns of the package's input contract (README, "Point it at your own events").
Each feature is simulated with its own behaviour profile (see
:mod:`ai_adoption.profiles`, which lists the features and the failure shape
planted in each), so that the warehouse has a different shape to find in each
of them. Each feature carries exactly one failure shape; every other usage
signal of the diagnosis is present as noise below its threshold, so that no
rule wins by accident. pytests/test_diagnosis.py checks that the diagnosis
finds exactly what is planted.

Client-side events may be lost in delivery (``loss_rate``): each one is dropped
independently, while the server-side events (generations and failures) always
arrive. On top of the delivered log, bad rows of known kinds are injected
(unless ``clean``). Everything is counted in a ``truth`` dictionary describing
the rows actually written, so tests and the dbt project can check that every
source row is accounted for.

Everything is driven by one ``random.Random(seed)``, except the model that
produced each output (the ``model`` and ``provider`` columns, for the features
whose profile names models), which is drawn from a stream of its own
(``random.Random(f"{seed}:models")``): adding or changing models leaves every
other value of every row as it was. The same seed and arguments always give the
same rows, and nothing depends on the wall clock.

With ``activity`` the same run also gives the product activity of the log's users and of as
many users without AI (:mod:`ai_adoption.activity`), drawn from a stream of its own, so the
event log is the same with or without it.
"""

from __future__ import annotations

import json
import logging
import math
from bisect import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ai_adoption.activity import (
    DAYS_PER_WEEK,
    DEFAULT_ACTIVITY_EFFECT,
    AiUse,
    generate_activity,
)
from ai_adoption.profiles import FEATURE_PROFILES as FEATURE_PROFILES
from ai_adoption.profiles import TEAM_EVENT_NAMES as TEAM_EVENT_NAMES
from ai_adoption.profiles import BurstShape, Range
from ai_adoption.profiles import FeatureProfile as FeatureProfile
from ai_adoption.project import read_seed

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# Contract: columns, event names, injected kinds
# --------------------------------------------------------------------------------------------

SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string()),
        pa.field("occurred_at", pa.string()),
        pa.field("loaded_at", pa.timestamp("us")),
        pa.field("user_id", pa.string()),
        pa.field("feature", pa.string()),
        pa.field("event_name", pa.string()),
        pa.field("session_id", pa.string()),
        pa.field("account_id", pa.string()),
        pa.field("output_id", pa.string()),
        pa.field("job_key", pa.string()),
        pa.field("entry_point", pa.string()),
        pa.field("context_source", pa.string()),
        pa.field("prompt_chars", pa.int64()),
        pa.field("context_chars", pa.int64()),
        pa.field("output_chars", pa.int64()),
        pa.field("edit_distance", pa.float64()),
        pa.field("correction_type", pa.string()),
        pa.field("destination", pa.string()),
        pa.field("rating", pa.int64()),
        pa.field("latency_ms", pa.int64()),
        pa.field("input_tokens", pa.int64()),
        pa.field("output_tokens", pa.int64()),
        pa.field("cost_usd", pa.float64()),
        pa.field("error_code", pa.string()),
        pa.field("model", pa.string()),
        pa.field("provider", pa.string()),
        pa.field("properties", pa.string()),
    ]
)
COLUMNS: tuple[str, ...] = tuple(SCHEMA.names)

OCCURRED_AT_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
DEFAULT_END_DATE = date(2026, 11, 1)

#: The actions seed: every canonical action, in the chain's order, and what it means.
_ACTIONS_SEED: tuple[Mapping[str, str], ...] = tuple(read_seed("ai_adoption_actions"))
CANONICAL_ACTIONS: tuple[str, ...] = tuple(row["action"] for row in _ACTIONS_SEED)
#: Actions that accept an output (the seed's is_acceptance).
ACCEPT_ACTIONS: tuple[str, ...] = tuple(
    row["action"] for row in _ACTIONS_SEED if row["is_acceptance"] == "true"
)
#: Canonical actions that are about one output and so must carry its output_id.
OUTPUT_ACTIONS: frozenset[str] = frozenset(
    row["action"] for row in _ACTIONS_SEED if row["requires_output_id"] == "true"
)
#: Actions logged by the product's servers: delivery loss never drops them.
SERVER_SIDE_ACTIONS: frozenset[str] = frozenset(
    {"output_generated", "output_regenerated", "output_failed"}
)
#: Actions that count as acceptance for a feature of a kind, on top of ACCEPT_ACTIONS: a chat
#: answer reaches the user's work by being copied into it.
KIND_ACCEPT_ACTIONS: Mapping[str, tuple[str, ...]] = {"chat": ("output_copied",)}
#: Every event name the generator writes for a mapped action (canonical or team name).
KNOWN_EVENT_NAMES: frozenset[str] = frozenset(CANONICAL_ACTIONS) | frozenset(TEAM_EVENT_NAMES)
#: Names nobody maps to an action; rows carrying them are valid and must be kept as unmapped.
UNMAPPED_EVENT_NAMES: tuple[str, ...] = (
    "ai_debug_ping",
    "assistant_tooltip_shown",
    "ai_panel_resized",
    "copilot_nudge_dismissed",
)
CORRECTION_TYPES: tuple[str, ...] = (
    "tone",
    "format",
    "terminology",
    "length",
    "facts",
    "policy",
    "other",
)

#: Injected kinds the warehouse must reject (each row has exactly one defect).
REJECTED_KINDS: tuple[str, ...] = (
    "missing_event_id",
    "missing_user_id",
    "missing_feature",
    "missing_event_name",
    "missing_occurred_at",
    "unparseable_occurred_at",
    "future_occurred_at",
    "edit_distance_out_of_range",
    "rating_out_of_range",
    "missing_output_id",
)
#: Injected kinds that are valid rows: the warehouse keeps them (and flags them).
KEPT_KINDS: tuple[str, ...] = ("orphan_output_id", "unmapped")
INJECTED_KINDS: tuple[str, ...] = REJECTED_KINDS + KEPT_KINDS

UNPARSEABLE_TIMESTAMPS: tuple[str, ...] = (
    "not a date",
    "2026-13-45 25:61:00",
    "31/02/2026",
    "yesterday afternoon",
    "2026-02-30T99:99:99",
    "NaN",
)

BAD_ROW_RATE = 0.002  # per rejected kind and for orphan_output_id, share of good events
UNMAPPED_RATE = 0.001
DUPLICATE_RATE = 0.005
LATE_ARRIVAL_RATE = 0.003
SESSION_ID_SHARE = 0.7  # sessions whose events carry a client session_id
CLIENT_PROPERTIES_SHARE = 0.35  # sessions whose events carry client info in properties

US = 1_000_000
MINUTE_US = 60 * US
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US
#: The warehouse's inactivity gap: events without a session_id further apart start a new session.
SESSION_GAP_US = 30 * MINUTE_US
#: Longest pause between two events of one session (the warehouse splits at 30 minutes).
MAX_STEP_S = 25 * 60.0
#: Shortest pause between two sessions of the same user and feature.
MIN_SESSION_GAP_US = 35 * MINUTE_US
#: A picky user's edits: how many are heavy rewrites and how many fix their pet issue.
PICKY_HEAVY_EDIT_SHARE = 0.7
PICKY_DOMINANT_SHARE = 0.9
#: Later prompts of a session that get fresh context too (the first one always may).
CONTEXT_AGAIN_RATE = 0.25
#: Users who give up on a session after a failed generation.
GIVE_UP_AFTER_FAILURE_RATE = 0.4
#: A verification check that inspects the sources (the others compare alternatives).
SOURCE_CHECK_SHARE = 0.6
#: Rage prompting: at least this many prompts, a few seconds apart, on quick outputs.
RAGE_MIN_CYCLES = 3
RAGE_PROMPT_S = (2.0, 8.0)
RAGE_LATENCY_SPAN_S = 5.0  # the quick outputs' latency stays within this of the fastest
#: From an output's arrival to the user seeing it, and from a view to asking for a new one.
VIEW_S = (0.3, 2.5)
REGENERATE_S = (5.0, 40.0)
#: Shortest step between the events of a suggestion burst.
BURST_MIN_STEP_S = 0.3

_EPOCH = datetime(1970, 1, 1)
_WEEKDAY_WEIGHT = 1.0
_WEEKEND_WEIGHT = 0.12
_HOUR_WEIGHTS: tuple[float, ...] = (
    0.02, 0.01, 0.01, 0.01, 0.02, 0.04, 0.10, 0.30,  # 00-07
    0.80, 1.00, 1.00, 1.00, 0.70, 0.90, 1.00, 1.00,  # 08-15
    0.95, 0.80, 0.50, 0.30, 0.15, 0.08, 0.05, 0.03,  # 16-23
)  # fmt: skip
_CLIENTS: Mapping[str, float] = {"web": 0.7, "desktop": 0.2, "mobile": 0.1}
_APP_VERSIONS: Mapping[str, float] = {"4.12.0": 0.5, "4.11.2": 0.35, "4.10.1": 0.15}
_ERROR_CODES: Mapping[str, float] = {
    "timeout": 0.5,
    "rate_limited": 0.25,
    "content_filter": 0.15,
    "context_too_long": 0.10,
}

# --------------------------------------------------------------------------------------------
# Configuration and results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate. ``end_date`` is the last day of activity (inclusive)."""

    events: int = 200_000
    seed: int = 42
    days: int = 90
    end_date: date = DEFAULT_END_DATE
    clean: bool = False
    profiles: Mapping[str, FeatureProfile] = field(default_factory=lambda: FEATURE_PROFILES)
    #: chance that a client-side event is lost in delivery (server-side events always arrive);
    #: ``events`` counts the events before the loss
    loss_rate: float = 0.0
    #: also generate the product activity of the log's users (and of users without AI)
    activity: bool = False
    #: active days a week that adopting a feature adds from the week after its first session;
    #: features not listed add none
    activity_effect: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_ACTIVITY_EFFECT)
    )

    def __post_init__(self) -> None:
        if self.events < 1:
            raise ValueError("events must be at least 1")
        if self.days < 1:
            raise ValueError("days must be at least 1")
        if not 0.0 <= self.loss_rate < 1.0:
            raise ValueError(f"loss_rate must be at least 0 and below 1: {self.loss_rate}")
        if not self.profiles:
            raise ValueError("at least one feature profile is needed")
        for feature, days in self.activity_effect.items():
            if not -DAYS_PER_WEEK <= days <= DAYS_PER_WEEK:
                raise ValueError(f"the activity effect of {feature} is not a number of days a week")
            if self.activity and feature not in self.profiles:
                raise ValueError(f"the activity effect names an unknown feature: {feature}")

    @property
    def start_date(self) -> date:
        return self.end_date - timedelta(days=self.days - 1)


@dataclass(frozen=True)
class GeneratedLog:
    """A generated log: the rows (sorted by loaded_at) and the truth about them.

    ``activity`` holds the product activity rows (sorted by loaded_at) when they were asked
    for; their truth is ``truth["activity"]``.
    """

    table: pa.Table
    truth: dict[str, Any]
    activity: pa.Table | None = None


# --------------------------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------------------------


class _Choice:
    """Weighted choice with precomputed cumulative weights."""

    __slots__ = ("values", "cum", "total")

    def __init__(self, weights: Mapping[Any, float]) -> None:
        items = [(k, float(w)) for k, w in weights.items() if w > 0]
        if not items:
            raise ValueError("a weighted choice needs at least one positive weight")
        self.values = [k for k, _ in items]
        cum: list[float] = []
        running = 0.0
        for _, w in items:
            running += w
            cum.append(running)
        self.cum = cum
        self.total = running

    def pick(self, rng: Random) -> Any:
        i = bisect(self.cum, rng.random() * self.total)
        return self.values[min(i, len(self.values) - 1)]


def _weights(choice: _Choice) -> list[float]:
    """The weights a choice was built from, back from its cumulative sums."""
    return [hi - lo for lo, hi in zip([0.0, *choice.cum[:-1]], choice.cum, strict=True)]


class _Compiled:
    """A profile's weighted choices, built once."""

    def __init__(self, p: FeatureProfile) -> None:
        self.entry = _Choice(p.entry_points)
        self.cycles = _Choice(p.cycles)
        self.regens = _Choice(p.regenerations)
        self.outcomes = _Choice(p.outcomes)
        # outcomes by a user's session number (index 0 = first session; the last one holds on)
        self.outcomes_by_session = [self.outcomes]
        first, later = p.outcomes, p.experienced_outcomes
        if later is not None:
            steps = max(1, p.experience_sessions)
            keys = list(dict.fromkeys([*first, *later]))
            for k in range(1, steps + 1):
                t = k / steps
                weights = {
                    key: (1 - t) * first.get(key, 0.0) + t * later.get(key, 0.0) for key in keys
                }
                self.outcomes_by_session.append(_Choice(weights))
        self.accept = _Choice(p.accept_actions)
        self.destinations = _Choice(p.destinations)
        self.corrections = _Choice(p.correction_types)
        self.ratings = _Choice(p.ratings)
        self.errors = _Choice(_ERROR_CODES)
        # (provider, model) pairs; None when the feature logs no model
        self.models = _Choice(p.models) if p.models else None


@dataclass(slots=True)
class _Person:
    user_id: str
    account_id: str
    first_day: int
    features: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _FeatureUser:
    person: _Person
    profile: FeatureProfile
    compiled: _Compiled
    start_day: int
    job_key: str
    dominant_correction: str
    picky: bool = False
    first_start_us: int = -1
    sessions_run: int = 0  # sessions of this user and feature so far


@dataclass(frozen=True, slots=True)
class _Onset:
    """Where a feature's profile changes, and the profile (and choices) from then on."""

    day: int
    start_us: int
    profile: FeatureProfile
    compiled: _Compiled


@dataclass(slots=True)
class _Session:
    key: int
    user_id: str
    feature: str
    session_id: str | None
    account_id: str
    job_key: str
    properties: dict[str, Any] | None
    properties_json: str | None = None


def format_timestamp(us: int) -> str:
    """Format microseconds since the Unix epoch (UTC) as ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    return (_EPOCH + timedelta(microseconds=us)).isoformat(" ", "microseconds")


def _epoch_us(d: date) -> int:
    return (datetime(d.year, d.month, d.day) - _EPOCH) // timedelta(microseconds=1)


def _dump_json(obj: Mapping[str, Any]) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def _mix64(x: int) -> int:
    """splitmix64 finaliser: a stateless, deterministic hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


class _SessionBuilder:
    """Collects the events of one session, advancing its clock."""

    __slots__ = ("gen", "session", "profile", "t", "alive", "events", "accepted", "copied", "idle")

    def __init__(self, gen: _Generator, session: _Session, profile: FeatureProfile, t: int):
        self.gen = gen
        self.session = session
        self.profile = profile
        self.t = t
        self.alive = True
        self.events: list[dict[str, Any]] = []
        self.accepted = False
        self.copied = False
        self.idle = False

    def emit(
        self,
        action: str,
        delay_s: float,
        json_fields: Mapping[str, Any] | None = None,
        /,
        **fields: Any,
    ) -> None:
        """Log ``action`` ``delay_s`` seconds after the previous event of the session."""
        if not self.alive:
            return
        delay_s = min(max(delay_s, 0.001), MAX_STEP_S)
        t = self.t + int(delay_s * US)
        if t >= self.gen.period_end_us:  # the period ends: the rest of the session is not seen
            self.alive = False
            return
        self.t = t
        ev: dict[str, Any] = {
            "_s": self.session,
            "_a": action,
            "t": t,
            "event_name": self.profile.event_name(action),
        }
        ev.update(fields)
        if json_fields:
            props = dict(self.session.properties or {})
            props.update(json_fields)
            ev["properties"] = _dump_json(props)
        elif self.session.properties_json is not None:
            ev["properties"] = self.session.properties_json
        self.events.append(ev)


class _Generator:
    def __init__(self, cfg: GeneratorConfig) -> None:
        self.cfg = cfg
        self.rng = Random(cfg.seed)
        # the models of outputs come from their own stream, so that they change nothing else
        self.model_rng = Random(f"{cfg.seed}:models")
        self.n_days = cfg.days
        self.period_start_us = _epoch_us(cfg.start_date)
        self.period_end_us = _epoch_us(cfg.end_date + timedelta(days=1))
        self.day_weights = [
            _WEEKEND_WEIGHT
            if (cfg.start_date + timedelta(days=d)).weekday() >= 5
            else _WEEKDAY_WEIGHT
            for d in range(self.n_days)
        ]
        self.hours = _Choice(dict(enumerate(_HOUR_WEIGHTS)))
        self.clients = _Choice(_CLIENTS)
        self.versions = _Choice(_APP_VERSIONS)
        self.compiled = {name: _Compiled(p) for name, p in cfg.profiles.items()}
        self.onsets = {
            name: onset for name, p in cfg.profiles.items() if (onset := self._onset(p)) is not None
        }
        self.people: list[_Person] = []
        self.accounts: list[str] = []
        self.session_counts: dict[str, int] = dict.fromkeys(cfg.profiles, 0)
        self.n_sessions = 0
        self.ids: set[str] = set()
        self.events: list[dict[str, Any]] = []
        self._logged_progress = 0

    def _onset(self, p: FeatureProfile) -> _Onset | None:
        day = p.onset_day(self.n_days)
        if day is None:
            return None
        late = p.after_onset_profile()
        return _Onset(day, self.period_start_us + day * DAY_US, late, _Compiled(late))

    # ---- ids -------------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        while True:
            candidate = f"{prefix}{self.rng.getrandbits(64):016x}"
            if candidate not in self.ids:
                self.ids.add(candidate)
                return candidate

    def new_event_id(self) -> str:
        while True:
            bits = self.rng.getrandbits(128)
            bits = (bits & ~(0xF << 76)) | (0x4 << 76)  # version 4
            bits = (bits & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
            h = f"{bits:032x}"
            candidate = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
            if candidate not in self.ids:
                self.ids.add(candidate)
                return candidate

    # ---- population --------------------------------------------------------------------------

    def _first_day(self) -> int:
        rng = self.rng
        # most users start in the first weeks, some start late
        day = int(rng.expovariate(1 / 12)) if rng.random() < 0.7 else rng.randrange(self.n_days)
        return self._mostly_weekday(min(day, self.n_days - 1))

    def _mostly_weekday(self, day: int) -> int:
        """Move a weekend day to the next weekday, most of the time (if still in the period)."""
        if self.day_weights[day] < _WEEKDAY_WEIGHT and self.rng.random() < 0.85:
            for nxt in (day + 1, day + 2):
                if nxt < self.n_days and self.day_weights[nxt] == _WEEKDAY_WEIGHT:
                    return nxt
        return day

    def _person_for(self, feature: str) -> _Person:
        rng = self.rng
        if self.people and rng.random() < 0.3:  # an existing user also adopts this feature
            for _ in range(4):
                person = rng.choice(self.people)
                if feature not in person.features:
                    person.features.add(feature)
                    return person
        if not self.accounts or rng.random() < 1 / 8:  # about one account per 8 users
            account = f"acct_{len(self.accounts) + 1:05d}"
            self.accounts.append(account)
        else:
            account = rng.choice(self.accounts)
        person = _Person(f"u_{len(self.people) + 1:06d}", account, self._first_day(), {feature})
        self.people.append(person)
        return person

    def _new_feature_user(self, p: FeatureProfile) -> _FeatureUser:
        rng = self.rng
        person = self._person_for(p.name)
        start_day = person.first_day
        if rng.random() < p.adoption_delay_share:  # adopts this feature some days after starting
            later = start_day + int(rng.expovariate(1 / p.adoption_delay_days))
            if later < self.n_days:
                start_day = self._mostly_weekday(later)
        compiled = self.compiled[p.name]
        return _FeatureUser(
            person=person,
            profile=p,
            compiled=compiled,
            start_day=start_day,
            job_key=rng.choice(p.job_keys),
            dominant_correction=str(compiled.corrections.pick(rng)),
            picky=p.picky_user_share > 0 and rng.random() < p.picky_user_share,
        )

    def _planned_starts(self, fu: _FeatureUser) -> list[int]:
        rng = self.rng
        p = fu.profile
        # session counts are for the whole period: a late starter keeps the pace and so has
        # fewer sessions left, instead of cramming them all into the last days
        left = (self.n_days - fu.start_day) / self.n_days
        if p.power_user_share > 0 and rng.random() < p.power_user_share:
            n = max(2, round(rng.randint(*p.power_sessions) * left))
        elif p.light_sessions_mean <= 1:
            n = 1
        else:
            q = 1 / p.light_sessions_mean
            n = 1 + round(int(math.log(1.0 - rng.random()) / math.log(1.0 - q)) * left)
        n = max(1, min(n, 3 * (self.n_days - fu.start_day)))
        days = [fu.start_day]
        if n > 1:
            days += rng.choices(
                range(fu.start_day, self.n_days), weights=self.day_weights[fu.start_day :], k=n - 1
            )
            if p.follow_up_rate > 0 and rng.random() < p.follow_up_rate:
                soon = min(fu.start_day + rng.randint(1, 7), self.n_days - 1)
                days[1] = self._mostly_weekday(soon)
        starts = [
            self.period_start_us + d * DAY_US + int(self.hours.pick(rng)) * HOUR_US for d in days
        ]
        starts = [s + rng.randrange(HOUR_US) for s in starts]
        starts.sort()
        return starts

    # ---- sessions ----------------------------------------------------------------------------

    def _profile_at(self, fu: _FeatureUser, start_us: int) -> tuple[FeatureProfile, _Compiled]:
        """The profile (and its choices) that holds for a session of ``fu`` starting then."""
        onset = self.onsets.get(fu.profile.name)
        if onset is not None and start_us >= onset.start_us:
            return onset.profile, onset.compiled
        return fu.profile, fu.compiled

    def _outcome(
        self, fu: _FeatureUser, p: FeatureProfile, c: _Compiled, tenure_days: float
    ) -> str:
        """What the user does with an output, by their experience of the feature."""
        by_session = c.outcomes_by_session
        choice = by_session[min(max(fu.sessions_run, 1), len(by_session)) - 1]
        if p.accept_decay_per_day <= 0:
            return str(choice.pick(self.rng))
        factor = max(p.accept_floor, 1.0 - p.accept_decay_per_day * tenure_days)
        weights = [
            w * factor if k in ("accept", "edit_accept") else w
            for k, w in zip(choice.values, _weights(choice), strict=True)
        ]
        return str(self.rng.choices(choice.values, weights=weights)[0])

    def _draw_model(self, c: _Compiled) -> tuple[str, str] | None:
        """The (provider, model) of a new output, from the models' own stream (None: no model)."""
        if c.models is None:
            return None
        provider, model = c.models.pick(self.model_rng)
        return str(provider), str(model)

    def _generation_fields(
        self,
        b: _SessionBuilder,
        latency_s: float,
        prompt_chars: int,
        model_ctx: int,
        model: tuple[str, str] | None,
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Columns of a generation event; latency/tokens (and the model) may move into properties.

        ``_m`` keeps the (provider, model) on the event for the truth, wherever it is logged.
        """
        rng = self.rng
        p = b.profile
        out_chars = rng.randint(*p.output_chars)
        in_tokens = (prompt_chars + model_ctx) // 4 + 150 + rng.randrange(60)
        out_tokens = out_chars // 4 + rng.randrange(25)
        cost = round(in_tokens * p.price_in_per_token + out_tokens * p.price_out_per_token, 6)
        metrics = {
            "latency_ms": int(latency_s * 1000),
            "input_tokens": in_tokens,
            "output_tokens": out_tokens,
        }
        fields: dict[str, Any] = {"output_chars": out_chars, "cost_usd": cost}
        json_fields: dict[str, Any] | None = None
        if p.json_metric_share > 0 and rng.random() < p.json_metric_share:
            json_fields = metrics
        else:
            fields.update(metrics)
        if model is not None:
            provider, name = model
            fields["_m"] = model
            if p.model_in_properties:
                json_fields = {**(json_fields or {}), "model": name, "provider": provider}
            else:
                fields.update(model=name, provider=provider)
        return fields, json_fields

    def _handoff(self, b: _SessionBuilder, c: _Compiled, oid: str, delay_s: float) -> None:
        rng = self.rng
        action = str(c.accept.pick(rng))
        b.emit(action, delay_s, output_id=oid, destination=c.destinations.pick(rng))
        b.accepted = True
        if b.profile.second_handoff_rate > 0 and rng.random() < b.profile.second_handoff_rate:
            second = str(c.accept.pick(rng))
            if second != action:
                b.emit(
                    second,
                    rng.uniform(3.0, 30.0),
                    output_id=oid,
                    destination=c.destinations.pick(rng),
                )
        if b.profile.copy_after_accept_rate > 0 and rng.random() < b.profile.copy_after_accept_rate:
            b.emit("output_copied", rng.uniform(2.0, 20.0), output_id=oid, destination="clipboard")
            b.copied = True

    def _open_session(self, fu: _FeatureUser, p: FeatureProfile, start_us: int) -> _SessionBuilder:
        """A new session of ``fu``: its job, ids and client properties, nothing logged yet."""
        rng = self.rng
        job_key = fu.job_key if rng.random() < p.job_reuse else rng.choice(p.job_keys)
        session_id = self.new_id("s_") if rng.random() < SESSION_ID_SHARE else None
        props: dict[str, Any] | None = None
        if rng.random() < CLIENT_PROPERTIES_SHARE:
            props = {"client": self.clients.pick(rng), "app_version": self.versions.pick(rng)}
        self.n_sessions += 1
        session = _Session(
            key=self.n_sessions,
            user_id=fu.person.user_id,
            feature=p.name,
            session_id=session_id,
            account_id=fu.person.account_id,
            job_key=job_key,
            properties=props,
            properties_json=_dump_json(props) if props is not None else None,
        )
        return _SessionBuilder(self, session, p, start_us)

    def _run_session(self, fu: _FeatureUser, start_us: int) -> _SessionBuilder:
        rng = self.rng
        p, c = self._profile_at(fu, start_us)
        if fu.first_start_us < 0:
            fu.first_start_us = start_us
        tenure_days = (start_us - fu.first_start_us) / DAY_US
        fu.sessions_run += 1
        b = self._open_session(fu, p, start_us)
        b.emit("feature_opened", 0.0, entry_point=c.entry.pick(rng))
        if rng.random() < p.prompt_help_rate:
            b.emit("prompt_help_requested", rng.uniform(5.0, 45.0))
        if rng.random() < p.empty_open_rate:
            return b  # opened and left without a prompt
        if p.burst is None:
            self._run_cycles(b, fu, c, tenure_days)
        else:
            self._run_burst(b, fu, c, p.burst, tenure_days)
        return b

    # ---- request/answer cycles ---------------------------------------------------------------

    def _run_cycles(
        self, b: _SessionBuilder, fu: _FeatureUser, c: _Compiled, tenure_days: float
    ) -> None:
        """Prompt, output, verification and handoff, once or a few times."""
        rng = self.rng
        p = b.profile
        n_cycles = int(c.cycles.pick(rng))
        rage = rng.random() < p.rage_rate
        if rage:
            n_cycles = max(n_cycles, RAGE_MIN_CYCLES)
        model_ctx = 0
        for i in range(n_cycles):
            quick = rage and i < n_cycles - 1  # rapid re-prompting, no real look at the output
            model_ctx = self._context(b, i == 0, quick, model_ctx)
            prompt_chars = rng.randint(*p.prompt_chars)
            if rage and i > 0:
                prompt_delay = rng.uniform(*RAGE_PROMPT_S)
            else:
                prompt_delay = rng.uniform(*p.prompt_seconds)
            b.emit("prompt_submitted", prompt_delay, prompt_chars=prompt_chars)
            lo, hi = p.latency_s
            latency = rng.uniform(lo, min(hi, lo + RAGE_LATENCY_SPAN_S) if quick else hi)
            if rng.random() < p.fail_rate:
                self._fail(b, c, latency)
                if rng.random() < GIVE_UP_AFTER_FAILURE_RATE:
                    break
                continue
            oid = self.new_id("o_")
            model = self._draw_model(c)
            fields, json_fields = self._generation_fields(
                b, latency, prompt_chars, model_ctx, model
            )
            b.emit("output_generated", latency, json_fields, output_id=oid, **fields)
            b.emit("output_viewed", rng.uniform(*VIEW_S), output_id=oid)
            if quick:
                continue
            self._regenerate(b, c, oid, model, prompt_chars, model_ctx, REGENERATE_S, VIEW_S)
            self._decide(b, fu, c, oid, tenure_days)

    def _context(self, b: _SessionBuilder, first: bool, quick: bool, model_ctx: int) -> int:
        """Maybe add context before a prompt; return the model input it gives."""
        rng = self.rng
        p = b.profile
        if quick or not (first or rng.random() < CONTEXT_AGAIN_RATE):
            return model_ctx
        if rng.random() >= p.context_rate:
            return model_ctx
        if rng.random() < p.manual_context_share:
            chars = rng.randint(*p.manual_context_chars)
            b.emit(
                "context_added",
                rng.uniform(15.0, 30.0 + chars / 8),
                context_source="manual",
                context_chars=chars,
            )
            return chars
        b.emit("context_added", rng.uniform(0.5, 4.0), context_source="auto", context_chars=0)
        return rng.randint(*p.auto_context_chars)

    def _fail(self, b: _SessionBuilder, c: _Compiled, latency_s: float) -> None:
        rng = self.rng
        failed = {"latency_ms": int(latency_s * 1000)}
        error = c.errors.pick(rng)
        if b.profile.json_metric_share > 0 and rng.random() < b.profile.json_metric_share:
            b.emit("output_failed", latency_s, failed, error_code=error)
        else:
            b.emit("output_failed", latency_s, error_code=error, **failed)

    def _regenerate(
        self,
        b: _SessionBuilder,
        c: _Compiled,
        oid: str,
        model: tuple[str, str] | None,
        prompt_chars: int,
        model_ctx: int,
        ask_s: Range,
        view_s: Range,
    ) -> None:
        """Regenerate an output in place (same output_id and model) as often as drawn."""
        rng = self.rng
        for _ in range(int(c.regens.pick(rng))):
            latency = rng.uniform(*b.profile.latency_s)
            fields, json_fields = self._generation_fields(
                b, latency, prompt_chars, model_ctx, model
            )
            b.emit(
                "output_regenerated",
                rng.uniform(*ask_s) + latency,
                json_fields,
                output_id=oid,
                **fields,
            )
            b.emit("output_viewed", rng.uniform(*view_s), output_id=oid)

    def _decide(
        self, b: _SessionBuilder, fu: _FeatureUser, c: _Compiled, oid: str, tenure_days: float
    ) -> None:
        """Verify an output, then hand it off, edit, copy, reject or leave it."""
        rng = self.rng
        p = b.profile
        if rng.random() < p.inspect_rate:
            check = "source_inspected" if rng.random() < SOURCE_CHECK_SHARE else "output_compared"
            b.emit(check, rng.uniform(8.0, 90.0), output_id=oid)
        copied = False
        if rng.random() < p.copy_before_decide_rate:
            b.emit("output_copied", rng.uniform(5.0, 60.0), output_id=oid, destination="clipboard")
            copied = b.copied = True
        outcome = self._outcome(fu, p, c, tenure_days)
        think = rng.uniform(*p.read_seconds) + rng.uniform(*p.decide_seconds)
        if p.hesitate_rate > 0 and rng.random() < p.hesitate_rate:
            think += rng.uniform(*p.hesitate_seconds)
        b.idle = False
        if outcome == "accept":
            self._handoff(b, c, oid, think)
        elif outcome in ("edit_accept", "edit_only"):
            self._edit(b, fu, c, oid, think)
            if outcome == "edit_accept":
                self._handoff(b, c, oid, rng.uniform(2.0, 20.0))
        elif outcome == "copy":
            if not copied:
                b.emit("output_copied", think, output_id=oid, destination=p.copy_destination)
                b.copied = True
        elif outcome == "reject":
            b.emit("output_rejected", think, output_id=oid)
        else:
            b.idle = not copied  # viewed and left alone
        self._maybe_feedback(b, c, oid)

    def _edit(
        self, b: _SessionBuilder, fu: _FeatureUser, c: _Compiled, oid: str, think_s: float
    ) -> None:
        rng = self.rng
        p = b.profile
        heavy_share = PICKY_HEAVY_EDIT_SHARE if fu.picky else p.heavy_edit_share
        heavy = heavy_share > 0 and rng.random() < heavy_share
        distance = rng.uniform(*(p.heavy_edit_distance if heavy else p.edit_distance))
        dominant_share = PICKY_DOMINANT_SHARE if fu.picky else p.dominant_correction_share
        edit = {
            "edit_distance": round(distance, 4),
            "correction_type": (
                fu.dominant_correction if rng.random() < dominant_share else c.corrections.pick(rng)
            ),
        }
        edit_delay = think_s + rng.uniform(*p.edit_seconds)
        if p.json_edit_share > 0 and rng.random() < p.json_edit_share:
            b.emit("output_edited", edit_delay, edit, output_id=oid)
        else:
            b.emit("output_edited", edit_delay, output_id=oid, **edit)

    def _maybe_feedback(self, b: _SessionBuilder, c: _Compiled, oid: str) -> None:
        rng = self.rng
        if rng.random() < b.profile.feedback_rate:
            b.emit(
                "feedback_given",
                rng.uniform(2.0, 15.0),
                output_id=oid,
                rating=c.ratings.pick(rng),
            )

    # ---- suggestion bursts -------------------------------------------------------------------

    def _run_burst(
        self,
        b: _SessionBuilder,
        fu: _FeatureUser,
        c: _Compiled,
        burst: BurstShape,
        tenure_days: float,
    ) -> None:
        """A writing burst: many quick suggestion requests, each taken, dismissed or ignored."""
        rng = self.rng
        lo, hi = burst.requests
        extra = int(rng.expovariate(1 / burst.extra_requests_mean))
        delay_s = rng.uniform(*b.profile.prompt_seconds)  # from opening to the first request
        for _ in range(lo + min(extra, hi - lo)):
            asked_us = self._suggest(b, fu, c, burst, delay_s, tenure_days)
            if not b.alive:
                return
            gap_s = rng.uniform(*burst.request_gap_s)
            if rng.random() < burst.pause_rate:
                gap_s += rng.uniform(*burst.pause_s)
            # the gap runs from one request to the next, whatever happened in between
            delay_s = max(BURST_MIN_STEP_S, gap_s - (b.t - asked_us) / US)

    def _suggest(
        self,
        b: _SessionBuilder,
        fu: _FeatureUser,
        c: _Compiled,
        burst: BurstShape,
        delay_s: float,
        tenure_days: float,
    ) -> int:
        """One suggestion request and what the writer does with it; return its time."""
        rng = self.rng
        p = b.profile
        prompt: dict[str, Any] = {}
        if rng.random() >= burst.silent_prompt_share:
            prompt["prompt_chars"] = rng.randint(*p.prompt_chars)
        b.emit("prompt_submitted", delay_s, **prompt)
        asked_us = b.t
        latency = rng.uniform(*p.latency_s)
        if rng.random() < p.fail_rate:
            self._fail(b, c, latency)
            return asked_us
        prompt_chars = int(prompt.get("prompt_chars", 0))
        model_ctx = rng.randint(*p.auto_context_chars)  # the text around the cursor
        oid = self.new_id("o_")
        model = self._draw_model(c)
        fields, json_fields = self._generation_fields(b, latency, prompt_chars, model_ctx, model)
        b.emit("output_generated", latency, json_fields, output_id=oid, **fields)
        b.emit("output_viewed", rng.uniform(*burst.view_s), output_id=oid)
        self._regenerate(
            b, c, oid, model, prompt_chars, model_ctx, burst.regenerate_s, burst.view_s
        )
        outcome = self._outcome(fu, p, c, tenure_days)
        decide_s = rng.uniform(*p.decide_seconds)
        if outcome == "accept":
            self._handoff(b, c, oid, decide_s)
        elif outcome == "reject":
            b.emit("output_rejected", decide_s, output_id=oid)
        b.idle = outcome not in ("accept", "reject")
        self._maybe_feedback(b, c, oid)
        return asked_us

    def _run_user(self, p: FeatureProfile, target: int | None) -> bool:
        """Generate every session of one new user of ``p``; True once the target is reached."""
        rng = self.rng
        fu = self._new_feature_user(p)
        prev_end: int | None = None
        for planned in self._planned_starts(fu):
            start = planned
            if prev_end is not None:
                start = max(start, prev_end + MIN_SESSION_GAP_US + rng.randrange(30 * MINUTE_US))
            if start >= self.period_end_us - 5 * MINUTE_US:
                break
            b = self._run_session(fu, start)
            self.events.extend(b.events)
            self.session_counts[p.name] += 1
            prev_end = b.t
            self._progress(target)
            if target is not None and len(self.events) >= target:
                return True
            churn = p.churn_per_session
            if fu.first_start_us == start:
                churn += (1 - churn) * p.churn_after_first
            if b.copied and not b.accepted:
                churn += (1 - churn) * p.churn_after_copy
            elif b.idle:
                churn += (1 - churn) * p.churn_after_idle
            if rng.random() < churn:
                break
        return False

    def _progress(self, target: int | None) -> None:
        if target is None:
            return
        step = max(1, target // 10)
        reached = min(len(self.events), target) // step * step  # last 10% mark passed
        if reached > self._logged_progress:
            self._logged_progress = reached
            logger.info(
                "generated %d events (%d%% of target), %d sessions",
                len(self.events),
                min(100, 100 * len(self.events) // target),
                self.n_sessions,
            )

    def generate_good(self) -> list[dict[str, Any]]:
        """The good log: sessions until the event target is reached."""
        profiles = list(self.cfg.profiles.values())
        fixed = [p for p in profiles if p.fixed_users is not None]
        rotating = [p for p in profiles if p.fixed_users is None]
        for p in fixed:
            for _ in range(p.fixed_users or 0):
                self._run_user(p, None)
        target = self.cfg.events
        if rotating:
            while len(self.events) < target:
                # the feature furthest behind its share of sessions gets the next user
                p = min(rotating, key=lambda q: self.session_counts[q.name] / q.session_weight)
                if self._run_user(p, target):
                    break
        self._progress(target)
        return self.events

    # ---- delivery --------------------------------------------------------------------------

    def deliver(self, good: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
        """The good events that survive delivery loss, and how many were lost.

        Each client-side event is lost independently with ``loss_rate``; server-side events
        always arrive. This runs before load times and injected rows are drawn, so those only
        ever concern delivered events; without loss nothing is drawn and the log is the same
        as one generated without the setting.
        """
        rate = self.cfg.loss_rate
        if rate <= 0:
            return good, 0
        rng = self.rng
        kept = [ev for ev in good if ev["_a"] in SERVER_SIDE_ACTIONS or rng.random() >= rate]
        return kept, len(good) - len(kept)

    # ---- load times --------------------------------------------------------------------------

    def loaded_at(self, t: int) -> int:
        """Batch loads: the next full hour plus a per-batch delay; a few arrive days late."""
        hour = t // HOUR_US + 1
        if self.rng.random() < LATE_ARRIVAL_RATE:
            hour += 24 * self.rng.randint(1, 5)
        offset_s = _mix64(self.cfg.seed * 1_000_003 + hour) % 601
        return hour * HOUR_US + offset_s * US

    # ---- bad rows ----------------------------------------------------------------------------

    def _sample(self, pool: Sequence[dict[str, Any]], k: int) -> list[dict[str, Any]]:
        return self.rng.sample(list(pool), min(k, len(pool)))

    def _shortly_after(self, row: dict[str, Any], src: dict[str, Any]) -> None:
        t = min(src["t"] + self.rng.randint(US // 5, 5 * US), self.period_end_us - 1)
        row["t"] = t
        row["lt"] = self.loaded_at(t)

    def _copy(self, ev: dict[str, Any], kind: str) -> dict[str, Any]:
        row = dict(ev)
        row["event_id"] = self.new_event_id()
        row["_kind"] = kind
        return row

    def inject(
        self, good: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """Return (kept injected rows, rejected rows, duplicate rows); ``good`` is untouched."""
        rng = self.rng
        n = len(good)
        per_kind = round(n * BAD_ROW_RATE)
        by_action: dict[str, list[dict[str, Any]]] = {}
        for ev in good:
            by_action.setdefault(ev["_a"], []).append(ev)
        viewed = by_action.get("output_viewed", [])
        edited = [e for e in by_action.get("output_edited", []) if "edit_distance" in e]
        edited = edited or by_action.get("output_edited", [])
        feedback = by_action.get("feedback_given", [])
        output_actions = viewed + [e for a in ACCEPT_ACTIONS for e in by_action.get(a, [])]

        rejected: list[dict[str, Any]] = []
        for kind in REJECTED_KINDS:
            pool: Sequence[dict[str, Any]] = good
            if kind == "edit_distance_out_of_range":
                pool = edited
            elif kind == "rating_out_of_range":
                pool = feedback
            elif kind == "missing_output_id":
                pool = output_actions
            for src in self._sample(pool, per_kind):
                row = self._copy(src, kind)
                if kind == "missing_event_id":
                    row["event_id"] = None
                elif kind == "missing_user_id":
                    row["user_id"] = ""
                elif kind == "missing_feature":
                    row["feature"] = None
                elif kind == "missing_event_name":
                    row["event_name"] = None
                elif kind == "missing_occurred_at":
                    row["occurred_at"] = None
                elif kind == "unparseable_occurred_at":
                    row["occurred_at"] = rng.choice(UNPARSEABLE_TIMESTAMPS)
                elif kind == "future_occurred_at":
                    ahead = int(rng.uniform(3.0, 30.0) * DAY_US)
                    row["occurred_at"] = format_timestamp(row["lt"] + ahead)
                elif kind == "edit_distance_out_of_range":
                    too_high = rng.random() < 0.6
                    value = rng.uniform(1.5, 3.0) if too_high else rng.uniform(-0.5, -0.01)
                    row["edit_distance"] = round(value, 4)
                elif kind == "rating_out_of_range":
                    row["rating"] = rng.choice((2, 3, 4, 5, -2, -3, -4, -5))
                elif kind == "missing_output_id":
                    row["output_id"] = None
                rejected.append(row)

        # valid extra events: logged a moment after a real event of the same session
        kept: list[dict[str, Any]] = []
        for src in self._sample(viewed, per_kind):
            row = self._copy(src, "orphan_output_id")
            row["output_id"] = self.new_id("o_")  # an output that was never generated
            self._shortly_after(row, src)
            kept.append(row)
        for src in self._sample(good, round(n * UNMAPPED_RATE)):
            row = {
                "_s": src["_s"],
                "_a": None,
                "_kind": "unmapped",
                "event_id": self.new_event_id(),
                "event_name": rng.choice(UNMAPPED_EVENT_NAMES),
            }
            self._shortly_after(row, src)
            kept.append(row)

        duplicates: list[dict[str, Any]] = []
        for src in self._sample(good, round(n * DUPLICATE_RATE)):
            row = dict(src)
            row["_kind"] = "duplicate"
            row["lt"] = src["lt"] + rng.randint(HOUR_US, 48 * HOUR_US)
            duplicates.append(row)
        return kept, rejected, duplicates


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _to_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    n = len(rows)
    columns: dict[str, list[Any]] = {c: [None] * n for c in COLUMNS}
    # a row is sparse: session columns come from its session, the rest from its own keys;
    # a key on the row (e.g. an injected defect) overrides the session's value
    by_key: dict[str, list[Any]] = {c: columns[c] for c in COLUMNS if c != "loaded_at"}
    by_key["lt"] = columns["loaded_at"]
    times: list[int] = [0] * n
    has_occurred: list[bool] = [False] * n
    user_id, feature, session_id = columns["user_id"], columns["feature"], columns["session_id"]
    account_id, job_key = columns["account_id"], columns["job_key"]
    for i, r in enumerate(rows):
        s: _Session = r["_s"]
        user_id[i] = s.user_id
        feature[i] = s.feature
        session_id[i] = s.session_id
        account_id[i] = s.account_id
        job_key[i] = s.job_key
        times[i] = r["t"]
        for k, v in r.items():
            col = by_key.get(k)
            if col is not None:
                col[i] = v
        has_occurred[i] = "occurred_at" in r
    # occurred_at: format the true times in Arrow, then put back any overridden values
    formatted = pc.strftime(pa.array(times, type=pa.timestamp("us")), format="%Y-%m-%d %H:%M:%S")
    if any(has_occurred):
        overrides = pa.array(
            [v for v, h in zip(columns["occurred_at"], has_occurred, strict=True) if h],
            type=pa.string(),
        )
        formatted = pc.replace_with_mask(formatted, pa.array(has_occurred), overrides)
    arrays = [
        formatted if f.name == "occurred_at" else pa.array(columns[f.name], type=f.type)
        for f in SCHEMA
    ]
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def _session_counts(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Sessions per feature as the warehouse finds them in ``rows``.

    A session with a client session_id stays one session; the events of one without it are
    cut wherever they are more than the inactivity gap apart (which only happens once events
    were lost in delivery). Unmapped rows take no part in sessions.
    """
    with_id: dict[str, set[int]] = {}
    gap_times: dict[int, list[int]] = {}
    feature_of: dict[int, str] = {}
    for r in rows:
        if r["_a"] is None:
            continue
        s: _Session = r["_s"]
        if s.session_id is not None:
            with_id.setdefault(s.feature, set()).add(s.key)
        else:
            gap_times.setdefault(s.key, []).append(r["t"])
            feature_of[s.key] = s.feature
    counts = {f: len(keys) for f, keys in with_id.items()}
    for key, times in gap_times.items():
        times.sort()
        gaps = sum(1 for a, b in zip(times, times[1:], strict=False) if b - a > SESSION_GAP_US)
        f = feature_of[key]
        counts[f] = counts.get(f, 0) + 1 + gaps
    return counts


def _onset_date(cfg: GeneratorConfig, p: FeatureProfile) -> str | None:
    """The ISO day from which a feature's profile changes, if it does."""
    day = p.onset_day(cfg.days)
    return None if day is None else (cfg.start_date + timedelta(days=day)).isoformat()


def _feature_truth(
    rows: Sequence[dict[str, Any]], cfg: GeneratorConfig
) -> dict[str, dict[str, Any]]:
    events: dict[str, int] = {}
    users: dict[str, set[str]] = {}
    generated: dict[str, set[str]] = {}
    accepted: dict[str, set[str]] = {}
    by_model: dict[str, dict[tuple[str, str], set[str]]] = {}
    accept_names = {
        name: frozenset(ACCEPT_ACTIONS) | frozenset(KIND_ACCEPT_ACTIONS.get(p.kind, ()))
        for name, p in cfg.profiles.items()
    }
    for r in rows:
        s: _Session = r["_s"]
        f = s.feature
        events[f] = events.get(f, 0) + 1
        users.setdefault(f, set()).add(s.user_id)
        action = r["_a"]
        if action == "output_generated":
            generated.setdefault(f, set()).add(r["output_id"])
            if "_m" in r:
                by_model.setdefault(f, {}).setdefault(r["_m"], set()).add(r["output_id"])
        elif action in accept_names[f]:
            accepted.setdefault(f, set()).add(r["output_id"])
    sessions = _session_counts(rows)
    return {
        f: {
            "events": events.get(f, 0),
            "sessions": sessions.get(f, 0),
            "outputs_generated": len(generated.get(f, ())),
            "outputs_accepted": len(accepted.get(f, set()) & generated.get(f, set())),
            "users": len(users.get(f, ())),
            "kind": p.kind,
            "onset_date": _onset_date(cfg, p),
            "outputs_by_model": _outputs_by_model(by_model.get(f, {})),
        }
        for f, p in cfg.profiles.items()
    }


def _outputs_by_model(outputs: Mapping[tuple[str, str], set[str]]) -> dict[str, dict[str, int]]:
    """provider -> model -> generated outputs, sorted by name (empty: no model logged)."""
    counts: dict[str, dict[str, int]] = {}
    for provider, model in sorted(outputs):
        counts.setdefault(provider, {})[model] = len(outputs[(provider, model)])
    return counts


def generate(cfg: GeneratorConfig) -> GeneratedLog:
    """Generate the log in memory: a table sorted by loaded_at, and its truth."""
    gen = _Generator(cfg)
    logger.info(
        "generating ~%d events, seed %d, %s..%s%s%s",
        cfg.events,
        cfg.seed,
        cfg.start_date.isoformat(),
        cfg.end_date.isoformat(),
        " (clean)" if cfg.clean else "",
        f", {cfg.loss_rate:.0%} client-side loss" if cfg.loss_rate else "",
    )
    good, lost = gen.deliver(gen.generate_good())
    for ev in good:  # only delivered events are loaded (some of them days late)
        ev["event_id"] = gen.new_event_id()
        ev["lt"] = gen.loaded_at(ev["t"])
    if cfg.clean:
        kept: list[dict[str, Any]] = []
        rejected: list[dict[str, Any]] = []
        duplicates: list[dict[str, Any]] = []
    else:
        kept, rejected, duplicates = gen.inject(good)

    injected = dict.fromkeys(INJECTED_KINDS, 0)
    for row in kept + rejected:
        injected[row["_kind"]] += 1

    rows = good + kept + rejected + duplicates
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["lt"], i))
    table = _to_table([rows[i] for i in order])
    truth: dict[str, Any] = {
        "seed": cfg.seed,
        "events_target": cfg.events,
        "rows_total": table.num_rows,
        "good_events": len(good) + len(kept),
        "duplicates": len(duplicates),
        "injected": injected,
        "features": _feature_truth(good + kept, cfg),
        "start_date": cfg.start_date.isoformat(),
        "end_date": cfg.end_date.isoformat(),
        "loss_rate": cfg.loss_rate,
        "lost_events": lost,
    }
    if not cfg.activity:
        return GeneratedLog(table=table, truth=truth)
    activity = generate_activity(
        cfg, _ai_uses(good + kept, gen.period_start_us), len(gen.people) + 1
    )
    truth["activity"] = activity.truth
    return GeneratedLog(table=table, truth=truth, activity=activity.table)


def _ai_uses(rows: Iterable[dict[str, Any]], period_start_us: int) -> list[AiUse]:
    """Who used which feature on which day, from the rows the warehouse keeps (true times).

    One use per session and day, in the order the rows come.
    """
    sessions: dict[tuple[int, int], _Session] = {}
    for r in rows:
        s: _Session = r["_s"]
        sessions.setdefault((s.key, (r["t"] - period_start_us) // DAY_US), s)
    return [AiUse(s.user_id, s.account_id, s.feature, day) for (_, day), s in sessions.items()]


def _write_parts(table: pa.Table, out: Path, parts: int) -> list[Path]:
    """Write ``table`` as ``part-NNNN.parquet`` files in its row order, old parts removed first."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    out.mkdir(parents=True, exist_ok=True)
    for old in sorted(out.glob("part-*.parquet")):
        old.unlink()
    n = table.num_rows
    written: list[Path] = []
    for i in range(parts):
        lo, hi = n * i // parts, n * (i + 1) // parts
        path = out / f"part-{i:04d}.parquet"
        pq.write_table(table.slice(lo, hi - lo), path)
        logger.info("wrote %s (%d rows)", path, hi - lo)
        written.append(path)
    return written


def write_activity(log: GeneratedLog, out_dir: str | Path, parts: int = 4) -> list[Path]:
    """Write the log's product activity as ``part-NNNN.parquet`` files (in loaded_at order).

    Old part files in ``out_dir`` are removed first; the counts stay in the log's truth.json.
    Returns the paths written.
    """
    if log.activity is None:
        raise ValueError("the log was generated without activity")
    return _write_parts(log.activity, Path(out_dir), parts)


def write_log(
    log: GeneratedLog,
    out_dir: str | Path,
    parts: int = 4,
    activity_dir: str | Path | None = None,
) -> list[Path]:
    """Write ``part-NNNN.parquet`` files (split in loaded_at order) and ``truth.json``.

    Old part files in ``out_dir`` are removed first. With ``activity_dir`` the log's product
    activity goes there (see :func:`write_activity`). Returns the paths written.
    """
    out = Path(out_dir)
    if activity_dir is not None:
        if log.activity is None:
            raise ValueError("the log was generated without activity")
        if Path(activity_dir).resolve() == out.resolve():
            raise ValueError("the activity needs a directory of its own, apart from the events")
    written = _write_parts(log.table, out, parts)
    if activity_dir is not None:
        written += write_activity(log, activity_dir, parts)
    truth_path = out / "truth.json"
    truth_path.write_text(json.dumps(log.truth, indent=2) + "\n", encoding="utf-8")
    logger.info("wrote %s", truth_path)
    written.append(truth_path)
    return written
