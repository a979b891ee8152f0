"""Deterministic synthetic raw event log of a product's AI features.

The log imitates what a product team exports from its tracker: one row per
event, with the columns of the package's input contract (DESIGN.md section 2).
Each feature is simulated with its own behaviour profile, so that the
warehouse has a different failure shape to find in each of them:

* ``email_draft``     -- healthy: in-context starts, light-edit acceptance that grows as users
  learn the feature, habitual reuse.
* ``report_builder``  -- prompt paralysis: blank starts, empty opens, hand-typed context,
  prompt help, power users doing most of the work (those who stay learn to prompt).
* ``account_summary`` -- trust decay: regenerations, long pauses, copy-out before a decision,
  acceptance that collapses over a user's first sessions (rejections take its place); logged
  with the team's own event names and with part of its metrics only inside ``properties``.
* ``meeting_notes``   -- output abandonment: most outputs are viewed and left; new users copy
  them out and vanish, the others still come back for the next meeting.
* ``ticket_reply``    -- correction loop: quick, heavy edits fixing the same thing per user.
* ``data_insights``   -- one-time usefulness: a good first session, hardly any second one.
* ``slide_outline``   -- a tiny, healthy feature (three users).

Each feature carries exactly one failure shape; every other usage signal of the diagnosis is
present as noise below its threshold (a few empty opens, regenerations, heavy edits, picky
users, copy-outs, slow decisions, returns...), so that no rule wins by accident.
pytests/test_diagnosis.py checks that the diagnosis finds exactly what is planted.

On top of the good log, bad rows of known kinds are injected (unless ``clean``)
and counted in a ``truth`` dictionary, so tests and the dbt project can check
that every source row is accounted for.

Everything is driven by one ``random.Random(seed)``: the same seed and
arguments always give the same rows, and nothing depends on the wall clock.
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
        pa.field("properties", pa.string()),
    ]
)
COLUMNS: tuple[str, ...] = tuple(SCHEMA.names)

OCCURRED_AT_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
DEFAULT_END_DATE = date(2026, 11, 1)

ACCEPT_ACTIONS: tuple[str, ...] = (
    "output_accepted",
    "output_inserted",
    "output_shared",
    "output_sent",
    "output_saved",
    "output_approved",
    "output_cited",
)
CANONICAL_ACTIONS: tuple[str, ...] = (
    "feature_opened",
    "prompt_submitted",
    "context_added",
    "prompt_help_requested",
    "output_generated",
    "output_failed",
    "output_regenerated",
    "output_viewed",
    "source_inspected",
    "output_compared",
    "output_edited",
    *ACCEPT_ACTIONS,
    "output_copied",
    "output_rejected",
    "feedback_given",
)
#: Canonical actions that are about one output and so must carry its output_id.
OUTPUT_ACTIONS: frozenset[str] = frozenset(
    {
        "output_generated",
        "output_regenerated",
        "output_viewed",
        "source_inspected",
        "output_compared",
        "output_edited",
        *ACCEPT_ACTIONS,
        "output_copied",
        "output_rejected",
        "feedback_given",
    }
)
#: The account_summary team's own event names and the canonical action each one means.
TEAM_EVENT_NAMES: Mapping[str, str] = {
    "summary_requested": "prompt_submitted",
    "summary_ready": "output_generated",
    "summary_retry": "output_regenerated",
    "summary_pasted": "output_inserted",
}
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
#: Longest pause between two events of one session (the warehouse splits at 30 minutes).
MAX_STEP_S = 25 * 60.0
#: Shortest pause between two sessions of the same user and feature.
MIN_SESSION_GAP_US = 35 * MINUTE_US
#: A picky user's edits: how many are heavy rewrites and how many fix their pet issue.
PICKY_HEAVY_EDIT_SHARE = 0.7
PICKY_DOMINANT_SHARE = 0.9

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
# Feature profiles (one per feature; tune behaviour here)
# --------------------------------------------------------------------------------------------

Range = tuple[float, float]
IntRange = tuple[int, int]


@dataclass(frozen=True)
class FeatureProfile:
    """How one AI feature is used. Every knob of the simulation for a feature lives here.

    Weights (``Mapping[..., float]``) need not sum to 1. Ranges are inclusive ``(low, high)``
    and drawn uniformly. Times are seconds.
    """

    name: str
    job_keys: tuple[str, ...]
    # -- population and return behaviour
    session_weight: float = 1.0  # share of sessions relative to the other rotating features
    fixed_users: int | None = None  # a fixed tiny population, independent of the event target
    light_sessions_mean: float = 4.0  # planned sessions of an ordinary user (geometric)
    power_user_share: float = 0.05
    power_sessions: IntRange = (15, 30)
    job_reuse: float = 0.8  # chance a session is for the user's usual job_key
    churn_per_session: float = 0.03  # chance of never coming back after any session
    churn_after_first: float = 0.0  # extra chance of never coming back after the first session
    churn_after_copy: float = 0.0  # ... after a session that ended in a copy-out, no acceptance
    churn_after_idle: float = 0.0  # ... after a session whose last output was viewed and left
    follow_up_rate: float = 0.0  # chance the second session comes within a week of the first
    adoption_delay_share: float = 0.5  # users who adopt the feature some days after their first day
    adoption_delay_days: float = 10.0  # mean of that delay (exponential)
    # -- trigger and context
    entry_points: Mapping[str, float] = field(
        default_factory=lambda: {"in_context": 0.7, "suggested": 0.2, "blank": 0.1}
    )
    empty_open_rate: float = 0.05
    prompt_help_rate: float = 0.02
    context_rate: float = 0.9
    manual_context_share: float = 0.1
    manual_context_chars: IntRange = (50, 400)
    auto_context_chars: IntRange = (500, 4000)  # model input supplied by the product
    prompt_chars: IntRange = (10, 120)
    prompt_seconds: Range = (4.0, 45.0)
    cycles: Mapping[int, float] = field(default_factory=lambda: {1: 0.75, 2: 0.2, 3: 0.05})
    rage_rate: float = 0.02  # sessions opening with a burst of quick re-prompts
    # -- output
    fail_rate: float = 0.03
    latency_s: Range = (1.0, 15.0)
    output_chars: IntRange = (300, 2000)
    regenerations: Mapping[int, float] = field(default_factory=lambda: {0: 0.8, 1: 0.15, 2: 0.05})
    price_in_per_token: float = 3e-6
    price_out_per_token: float = 15e-6
    # -- verification
    inspect_rate: float = 0.1
    copy_before_decide_rate: float = 0.02
    read_seconds: Range = (5.0, 120.0)
    decide_seconds: Range = (2.0, 30.0)
    hesitate_rate: float = 0.0  # outputs the user leaves a while before deciding (a slow decision)
    hesitate_seconds: Range = (330.0, 1200.0)  # that extra pause, past the 5-minute window
    # -- handoff
    outcomes: Mapping[str, float] = field(
        default_factory=lambda: {
            "accept": 0.45,
            "edit_accept": 0.2,
            "edit_only": 0.03,
            "copy": 0.05,
            "reject": 0.07,
            "none": 0.2,
        }
    )
    accept_actions: Mapping[str, float] = field(default_factory=lambda: {"output_accepted": 1.0})
    destinations: Mapping[str, float] = field(default_factory=lambda: {"doc": 1.0})
    second_handoff_rate: float = 0.0  # an accepted output also gets a second handoff action
    edit_distance: Range = (0.05, 0.25)
    edit_seconds: Range = (20.0, 240.0)
    heavy_edit_share: float = 0.0  # edits that rewrite much of the output instead of touching it up
    heavy_edit_distance: Range = (0.4, 0.75)
    copy_after_accept_rate: float = 0.0  # an accepted output is also copied to the clipboard
    correction_types: Mapping[str, float] = field(
        default_factory=lambda: {
            "tone": 0.25,
            "format": 0.2,
            "length": 0.2,
            "terminology": 0.15,
            "facts": 0.1,
            "other": 0.1,
        }
    )
    dominant_correction_share: float = 0.0  # share of a user's edits fixing their own pet issue
    picky_user_share: float = 0.0  # users who keep heavily rewriting their pet issue in every edit
    accept_decay_per_day: float = 0.0  # acceptance multiplier lost per day of user tenure
    accept_floor: float = 1.0  # lowest acceptance multiplier reached by the decay
    # what a user does with outputs once experienced: ``outcomes`` hold for a user's first
    # session and move linearly to these by session 1 + ``experience_sessions`` (None: no change)
    experienced_outcomes: Mapping[str, float] | None = None
    experience_sessions: int = 3
    feedback_rate: float = 0.08
    ratings: Mapping[int, float] = field(default_factory=lambda: {1: 0.6, 0: 0.25, -1: 0.15})
    # -- instrumentation quirks
    event_names: Mapping[str, str] = field(default_factory=dict)  # canonical -> team's name
    json_metric_share: float = 0.0  # latency/tokens only inside properties for this share
    json_edit_share: float = 0.0  # edit_distance/correction_type only inside properties

    def event_name(self, action: str) -> str:
        """The name this feature logs for a canonical action."""
        return self.event_names.get(action, action)


FEATURE_PROFILES: Mapping[str, FeatureProfile] = {
    p.name: p
    for p in (
        FeatureProfile(
            name="email_draft",
            job_keys=(
                "email_draft:follow_up",
                "email_draft:intro",
                "email_draft:meeting_request",
                "email_draft:thank_you",
            ),
            light_sessions_mean=7.0,
            power_user_share=0.07,
            power_sessions=(15, 30),
            job_reuse=0.85,
            churn_per_session=0.02,
            follow_up_rate=0.7,
            entry_points={"in_context": 0.8, "suggested": 0.15, "blank": 0.05},
            empty_open_rate=0.03,
            prompt_help_rate=0.01,
            context_rate=0.92,
            manual_context_share=0.08,
            manual_context_chars=(50, 900),
            prompt_chars=(10, 120),
            prompt_seconds=(4.0, 40.0),
            cycles={1: 0.72, 2: 0.2, 3: 0.08},
            rage_rate=0.01,
            fail_rate=0.02,
            latency_s=(1.0, 5.0),
            output_chars=(350, 1500),
            regenerations={0: 0.82, 1: 0.15, 2: 0.03},
            inspect_rate=0.1,
            copy_before_decide_rate=0.01,
            read_seconds=(5.0, 45.0),
            decide_seconds=(2.0, 20.0),
            hesitate_rate=0.05,
            outcomes={
                "accept": 0.24,
                "edit_accept": 0.14,
                "edit_only": 0.03,
                "copy": 0.05,
                "reject": 0.32,
                "none": 0.22,
            },
            experienced_outcomes={
                "accept": 0.52,
                "edit_accept": 0.29,
                "edit_only": 0.02,
                "copy": 0.03,
                "reject": 0.04,
                "none": 0.1,
            },
            experience_sessions=2,
            accept_actions={"output_inserted": 0.55, "output_sent": 0.35, "output_accepted": 0.1},
            destinations={"email": 1.0},
            second_handoff_rate=0.2,
            edit_distance=(0.05, 0.2),
            heavy_edit_share=0.1,
            heavy_edit_distance=(0.4, 0.6),
            copy_after_accept_rate=0.05,
            correction_types={
                "tone": 0.35,
                "length": 0.25,
                "format": 0.15,
                "terminology": 0.1,
                "other": 0.15,
            },
            dominant_correction_share=0.3,
            picky_user_share=0.05,
            feedback_rate=0.12,
            ratings={1: 0.75, 0: 0.15, -1: 0.1},
        ),
        FeatureProfile(
            name="report_builder",
            job_keys=(
                "report_builder:weekly_kpis",
                "report_builder:quarterly_review",
                "report_builder:pipeline_report",
                "report_builder:board_pack",
            ),
            light_sessions_mean=3.5,
            power_user_share=0.15,
            power_sessions=(40, 80),
            job_reuse=0.75,
            churn_per_session=0.02,
            follow_up_rate=0.75,
            entry_points={"blank": 0.75, "suggested": 0.15, "in_context": 0.1},
            empty_open_rate=0.4,
            prompt_help_rate=0.3,
            context_rate=0.85,
            manual_context_share=0.9,
            manual_context_chars=(600, 3000),
            prompt_chars=(120, 900),
            prompt_seconds=(20.0, 240.0),
            cycles={1: 0.55, 2: 0.3, 3: 0.15},
            rage_rate=0.02,
            fail_rate=0.05,
            latency_s=(4.0, 15.0),
            output_chars=(1500, 6000),
            regenerations={0: 0.65, 1: 0.25, 2: 0.08, 3: 0.02},
            price_in_per_token=5e-6,
            price_out_per_token=25e-6,
            inspect_rate=0.15,
            copy_before_decide_rate=0.05,
            read_seconds=(20.0, 100.0),
            decide_seconds=(10.0, 60.0),
            outcomes={
                "accept": 0.25,
                "edit_accept": 0.15,
                "edit_only": 0.05,
                "copy": 0.1,
                "reject": 0.3,
                "none": 0.15,
            },
            experienced_outcomes={
                "accept": 0.5,
                "edit_accept": 0.3,
                "edit_only": 0.03,
                "copy": 0.04,
                "reject": 0.05,
                "none": 0.08,
            },
            experience_sessions=2,
            accept_actions={"output_saved": 0.4, "output_inserted": 0.3, "output_shared": 0.3},
            destinations={"report": 0.6, "doc": 0.4},
            edit_distance=(0.1, 0.35),
            heavy_edit_share=0.12,
            picky_user_share=0.05,
            copy_after_accept_rate=0.05,
            feedback_rate=0.08,
            ratings={1: 0.4, 0: 0.3, -1: 0.3},
        ),
        FeatureProfile(
            name="account_summary",
            job_keys=(
                "account_summary:renewal_prep",
                "account_summary:qbr_prep",
                "account_summary:handover",
            ),
            light_sessions_mean=9.0,
            power_user_share=0.05,
            power_sessions=(15, 30),
            job_reuse=0.85,
            churn_per_session=0.03,
            follow_up_rate=0.5,
            entry_points={"in_context": 0.6, "suggested": 0.3, "blank": 0.1},
            empty_open_rate=0.05,
            prompt_help_rate=0.025,
            context_rate=0.9,
            manual_context_share=0.1,
            manual_context_chars=(50, 900),
            prompt_chars=(10, 80),
            prompt_seconds=(3.0, 30.0),
            cycles={1: 0.6, 2: 0.25, 3: 0.15},
            rage_rate=0.1,
            fail_rate=0.06,
            latency_s=(3.0, 15.0),
            output_chars=(800, 3000),
            regenerations={0: 0.15, 1: 0.2, 2: 0.3, 3: 0.2, 4: 0.15},
            inspect_rate=0.05,
            copy_before_decide_rate=0.2,
            read_seconds=(30.0, 120.0),
            decide_seconds=(120.0, 720.0),
            outcomes={
                "accept": 0.38,
                "edit_accept": 0.12,
                "edit_only": 0.03,
                "copy": 0.04,
                "reject": 0.35,
                "none": 0.08,
            },
            experienced_outcomes={
                "accept": 0.08,
                "edit_accept": 0.04,
                "edit_only": 0.03,
                "copy": 0.04,
                "reject": 0.75,
                "none": 0.06,
            },
            experience_sessions=4,
            accept_actions={"output_inserted": 0.6, "output_saved": 0.2, "output_shared": 0.2},
            destinations={"crm": 0.6, "email": 0.4},
            edit_distance=(0.1, 0.35),
            heavy_edit_share=0.1,
            picky_user_share=0.05,
            copy_after_accept_rate=0.2,
            feedback_rate=0.15,
            ratings={1: 0.2, 0: 0.3, -1: 0.5},
            event_names={canonical: team for team, canonical in TEAM_EVENT_NAMES.items()},
            json_metric_share=0.5,
        ),
        FeatureProfile(
            name="meeting_notes",
            job_keys=(
                "meeting_notes:standup",
                "meeting_notes:client_call",
                "meeting_notes:one_on_one",
            ),
            session_weight=1.3,
            light_sessions_mean=8.0,
            power_user_share=0.03,
            power_sessions=(10, 20),
            job_reuse=0.9,
            churn_per_session=0.03,
            follow_up_rate=0.7,
            adoption_delay_share=0.8,
            adoption_delay_days=30.0,
            churn_after_copy=0.85,
            churn_after_idle=0.05,
            entry_points={"in_context": 0.75, "suggested": 0.2, "blank": 0.05},
            empty_open_rate=0.06,
            prompt_help_rate=0.02,
            context_rate=0.95,
            manual_context_share=0.05,
            manual_context_chars=(50, 900),
            prompt_chars=(5, 60),
            prompt_seconds=(10.0, 60.0),
            cycles={1: 0.25, 2: 0.4, 3: 0.35},
            rage_rate=0.01,
            fail_rate=0.03,
            latency_s=(3.0, 12.0),
            output_chars=(1000, 4000),
            regenerations={0: 0.93, 1: 0.06, 2: 0.01},
            inspect_rate=0.03,
            copy_before_decide_rate=0.0,
            read_seconds=(10.0, 90.0),
            decide_seconds=(5.0, 60.0),
            hesitate_rate=0.04,
            outcomes={
                "accept": 0.23,
                "edit_accept": 0.05,
                "edit_only": 0.01,
                "copy": 0.12,
                "reject": 0.01,
                "none": 0.58,
            },
            experienced_outcomes={
                "accept": 0.38,
                "edit_accept": 0.07,
                "edit_only": 0.005,
                "copy": 0.02,
                "reject": 0.005,
                "none": 0.52,
            },
            experience_sessions=2,
            accept_actions={"output_saved": 0.5, "output_shared": 0.5},
            destinations={"doc": 0.7, "crm": 0.3},
            edit_distance=(0.05, 0.3),
            heavy_edit_share=0.1,
            picky_user_share=0.05,
            copy_after_accept_rate=0.02,
            feedback_rate=0.05,
            ratings={1: 0.35, 0: 0.4, -1: 0.25},
        ),
        FeatureProfile(
            name="ticket_reply",
            job_keys=(
                "ticket_reply:billing",
                "ticket_reply:bug_report",
                "ticket_reply:how_to",
                "ticket_reply:refund",
            ),
            light_sessions_mean=10.0,
            power_user_share=0.08,
            power_sessions=(18, 36),
            job_reuse=0.7,
            churn_per_session=0.02,
            follow_up_rate=0.5,
            entry_points={"in_context": 0.9, "suggested": 0.05, "blank": 0.05},
            empty_open_rate=0.03,
            prompt_help_rate=0.01,
            context_rate=0.95,
            manual_context_share=0.05,
            manual_context_chars=(50, 900),
            prompt_chars=(10, 100),
            cycles={1: 0.4, 2: 0.35, 3: 0.25},
            fail_rate=0.02,
            latency_s=(1.5, 6.0),
            output_chars=(300, 1200),
            regenerations={0: 0.8, 1: 0.15, 2: 0.05},
            inspect_rate=0.1,
            copy_before_decide_rate=0.01,
            read_seconds=(10.0, 45.0),
            decide_seconds=(3.0, 25.0),
            hesitate_rate=0.06,
            outcomes={
                "accept": 0.06,
                "edit_accept": 0.56,
                "edit_only": 0.08,
                "copy": 0.04,
                "reject": 0.12,
                "none": 0.14,
            },
            experienced_outcomes={
                "accept": 0.08,
                "edit_accept": 0.87,
                "edit_only": 0.01,
                "copy": 0.02,
                "reject": 0.01,
                "none": 0.01,
            },
            experience_sessions=2,
            accept_actions={"output_sent": 0.9, "output_approved": 0.1},
            destinations={"ticket": 1.0},
            copy_after_accept_rate=0.05,
            edit_distance=(0.4, 0.8),
            edit_seconds=(15.0, 200.0),
            correction_types={
                "tone": 0.25,
                "policy": 0.2,
                "terminology": 0.2,
                "format": 0.15,
                "facts": 0.1,
                "length": 0.05,
                "other": 0.05,
            },
            dominant_correction_share=0.78,
            feedback_rate=0.1,
            ratings={1: 0.3, 0: 0.45, -1: 0.25},
            json_edit_share=0.3,
        ),
        FeatureProfile(
            name="data_insights",
            job_keys=(
                "data_insights:churn_drivers",
                "data_insights:funnel_dropoff",
                "data_insights:cohort_trends",
            ),
            light_sessions_mean=3.0,
            power_user_share=0.0,
            job_reuse=0.5,
            churn_per_session=0.35,
            churn_after_first=0.88,
            entry_points={"suggested": 0.6, "in_context": 0.2, "blank": 0.2},
            empty_open_rate=0.05,
            prompt_help_rate=0.03,
            context_rate=0.6,
            manual_context_share=0.5,
            manual_context_chars=(100, 700),
            prompt_chars=(30, 300),
            prompt_seconds=(8.0, 90.0),
            cycles={1: 0.7, 2: 0.3},
            rage_rate=0.01,
            fail_rate=0.04,
            latency_s=(4.0, 15.0),
            output_chars=(500, 2500),
            regenerations={0: 0.75, 1: 0.2, 2: 0.05},
            inspect_rate=0.35,
            copy_before_decide_rate=0.01,
            read_seconds=(20.0, 120.0),
            decide_seconds=(10.0, 60.0),
            hesitate_rate=0.02,
            outcomes={
                "accept": 0.55,
                "edit_accept": 0.15,
                "edit_only": 0.02,
                "copy": 0.01,
                "reject": 0.12,
                "none": 0.15,
            },
            experienced_outcomes={
                "accept": 0.75,
                "edit_accept": 0.2,
                "edit_only": 0.005,
                "copy": 0.005,
                "reject": 0.01,
                "none": 0.03,
            },
            accept_actions={"output_cited": 0.5, "output_saved": 0.3, "output_shared": 0.2},
            destinations={"report": 0.6, "doc": 0.4},
            edit_distance=(0.05, 0.2),
            heavy_edit_share=0.1,
            picky_user_share=0.05,
            heavy_edit_distance=(0.4, 0.65),
            copy_after_accept_rate=0.08,
            feedback_rate=0.1,
            ratings={1: 0.7, 0: 0.2, -1: 0.1},
        ),
        FeatureProfile(
            name="slide_outline",
            job_keys=("slide_outline:pitch", "slide_outline:training"),
            fixed_users=3,
            light_sessions_mean=3.0,
            power_user_share=0.0,
            churn_per_session=0.05,
            entry_points={"in_context": 0.5, "blank": 0.3, "suggested": 0.2},
            cycles={1: 0.8, 2: 0.2},
            latency_s=(2.0, 10.0),
            output_chars=(600, 2000),
            outcomes={
                "accept": 0.55,
                "edit_accept": 0.2,
                "edit_only": 0.02,
                "copy": 0.03,
                "reject": 0.05,
                "none": 0.15,
            },
            accept_actions={"output_inserted": 0.7, "output_accepted": 0.3},
            destinations={"doc": 1.0},
        ),
    )
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

    def __post_init__(self) -> None:
        if self.events < 1:
            raise ValueError("events must be at least 1")
        if self.days < 1:
            raise ValueError("days must be at least 1")
        if not self.profiles:
            raise ValueError("at least one feature profile is needed")

    @property
    def start_date(self) -> date:
        return self.end_date - timedelta(days=self.days - 1)


@dataclass(frozen=True)
class GeneratedLog:
    """A generated log: the rows (sorted by loaded_at) and the truth about them."""

    table: pa.Table
    truth: dict[str, Any]


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
        self.people: list[_Person] = []
        self.accounts: list[str] = []
        self.session_counts: dict[str, int] = dict.fromkeys(cfg.profiles, 0)
        self.n_sessions = 0
        self.ids: set[str] = set()
        self.events: list[dict[str, Any]] = []
        self._logged_progress = 0

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

    def _outcome(self, fu: _FeatureUser, tenure_days: float) -> str:
        p = fu.profile
        by_session = fu.compiled.outcomes_by_session
        choice = by_session[min(max(fu.sessions_run, 1), len(by_session)) - 1]
        if p.accept_decay_per_day <= 0:
            return str(choice.pick(self.rng))
        factor = max(p.accept_floor, 1.0 - p.accept_decay_per_day * tenure_days)
        weights = [
            w * factor if k in ("accept", "edit_accept") else w
            for k, w in zip(choice.values, _weights(choice), strict=True)
        ]
        return str(self.rng.choices(choice.values, weights=weights)[0])

    def _generation_fields(
        self, b: _SessionBuilder, latency_s: float, prompt_chars: int, model_ctx: int
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Columns of a generation event; latency/tokens may move into properties."""
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
        if p.json_metric_share > 0 and rng.random() < p.json_metric_share:
            return fields, metrics
        fields.update(metrics)
        return fields, None

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

    def _run_session(self, fu: _FeatureUser, start_us: int) -> _SessionBuilder:
        rng = self.rng
        p = fu.profile
        c = fu.compiled
        if fu.first_start_us < 0:
            fu.first_start_us = start_us
        tenure_days = (start_us - fu.first_start_us) / DAY_US
        fu.sessions_run += 1
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
        b = _SessionBuilder(self, session, p, start_us)
        b.emit("feature_opened", 0.0, entry_point=c.entry.pick(rng))
        if rng.random() < p.prompt_help_rate:
            b.emit("prompt_help_requested", rng.uniform(5.0, 45.0))
        if rng.random() < p.empty_open_rate:
            return b  # opened and left without a prompt

        n_cycles = int(c.cycles.pick(rng))
        rage = rng.random() < p.rage_rate
        if rage:
            n_cycles = max(n_cycles, 3)
        model_ctx = 0
        for i in range(n_cycles):
            quick = rage and i < n_cycles - 1  # rapid re-prompting, no real look at the output
            if not quick and (i == 0 or rng.random() < 0.25) and rng.random() < p.context_rate:
                if rng.random() < p.manual_context_share:
                    chars = rng.randint(*p.manual_context_chars)
                    b.emit(
                        "context_added",
                        rng.uniform(15.0, 30.0 + chars / 8),
                        context_source="manual",
                        context_chars=chars,
                    )
                    model_ctx = chars
                else:
                    b.emit(
                        "context_added",
                        rng.uniform(0.5, 4.0),
                        context_source="auto",
                        context_chars=0,
                    )
                    model_ctx = rng.randint(*p.auto_context_chars)
            prompt_chars = rng.randint(*p.prompt_chars)
            if rage and i > 0:
                prompt_delay = rng.uniform(2.0, 8.0)
            else:
                prompt_delay = rng.uniform(*p.prompt_seconds)
            b.emit("prompt_submitted", prompt_delay, prompt_chars=prompt_chars)
            lo, hi = p.latency_s
            latency = rng.uniform(lo, min(hi, lo + 5.0) if quick else hi)
            if rng.random() < p.fail_rate:
                failed = {"latency_ms": int(latency * 1000)}
                error = c.errors.pick(rng)
                if p.json_metric_share > 0 and rng.random() < p.json_metric_share:
                    b.emit("output_failed", latency, failed, error_code=error)
                else:
                    b.emit("output_failed", latency, error_code=error, **failed)
                if rng.random() < 0.4:
                    break  # gave up
                continue
            oid = self.new_id("o_")
            fields, json_fields = self._generation_fields(b, latency, prompt_chars, model_ctx)
            b.emit("output_generated", latency, json_fields, output_id=oid, **fields)
            b.emit("output_viewed", rng.uniform(0.3, 2.5), output_id=oid)
            if quick:
                continue
            for _ in range(int(c.regens.pick(rng))):
                latency = rng.uniform(*p.latency_s)
                fields, json_fields = self._generation_fields(b, latency, prompt_chars, model_ctx)
                b.emit(
                    "output_regenerated",
                    rng.uniform(5.0, 40.0) + latency,
                    json_fields,
                    output_id=oid,
                    **fields,
                )
                b.emit("output_viewed", rng.uniform(0.3, 2.5), output_id=oid)
            if rng.random() < p.inspect_rate:
                check = "source_inspected" if rng.random() < 0.6 else "output_compared"
                b.emit(check, rng.uniform(8.0, 90.0), output_id=oid)
            copied = False
            if rng.random() < p.copy_before_decide_rate:
                b.emit(
                    "output_copied", rng.uniform(5.0, 60.0), output_id=oid, destination="clipboard"
                )
                copied = b.copied = True
            outcome = self._outcome(fu, tenure_days)
            think = rng.uniform(*p.read_seconds) + rng.uniform(*p.decide_seconds)
            if p.hesitate_rate > 0 and rng.random() < p.hesitate_rate:
                think += rng.uniform(*p.hesitate_seconds)
            b.idle = False
            if outcome == "accept":
                self._handoff(b, c, oid, think)
            elif outcome in ("edit_accept", "edit_only"):
                heavy_share = PICKY_HEAVY_EDIT_SHARE if fu.picky else p.heavy_edit_share
                heavy = heavy_share > 0 and rng.random() < heavy_share
                distance = rng.uniform(*(p.heavy_edit_distance if heavy else p.edit_distance))
                dominant_share = PICKY_DOMINANT_SHARE if fu.picky else p.dominant_correction_share
                edit = {
                    "edit_distance": round(distance, 4),
                    "correction_type": (
                        fu.dominant_correction
                        if rng.random() < dominant_share
                        else c.corrections.pick(rng)
                    ),
                }
                edit_delay = think + rng.uniform(*p.edit_seconds)
                if p.json_edit_share > 0 and rng.random() < p.json_edit_share:
                    b.emit("output_edited", edit_delay, edit, output_id=oid)
                else:
                    b.emit("output_edited", edit_delay, output_id=oid, **edit)
                if outcome == "edit_accept":
                    self._handoff(b, c, oid, rng.uniform(2.0, 20.0))
            elif outcome == "copy":
                if not copied:
                    b.emit("output_copied", think, output_id=oid, destination="clipboard")
                    b.copied = True
            elif outcome == "reject":
                b.emit("output_rejected", think, output_id=oid)
            else:
                b.idle = not copied  # viewed and left alone
            if rng.random() < p.feedback_rate:
                b.emit(
                    "feedback_given",
                    rng.uniform(2.0, 15.0),
                    output_id=oid,
                    rating=c.ratings.pick(rng),
                )
        return b

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


def _feature_truth(
    rows: Iterable[dict[str, Any]], profiles: Iterable[str]
) -> dict[str, dict[str, int]]:
    accept_names = frozenset(ACCEPT_ACTIONS)
    events: dict[str, int] = {}
    sessions: dict[str, set[int]] = {}
    users: dict[str, set[str]] = {}
    generated: dict[str, set[str]] = {}
    accepted: dict[str, set[str]] = {}
    for r in rows:
        s: _Session = r["_s"]
        f = s.feature
        events[f] = events.get(f, 0) + 1
        sessions.setdefault(f, set()).add(s.key)
        users.setdefault(f, set()).add(s.user_id)
        action = r["_a"]
        if action == "output_generated":
            generated.setdefault(f, set()).add(r["output_id"])
        elif action in accept_names:
            accepted.setdefault(f, set()).add(r["output_id"])
    return {
        f: {
            "events": events.get(f, 0),
            "sessions": len(sessions.get(f, ())),
            "outputs_generated": len(generated.get(f, ())),
            "outputs_accepted": len(accepted.get(f, set()) & generated.get(f, set())),
            "users": len(users.get(f, ())),
        }
        for f in profiles
    }


def generate(cfg: GeneratorConfig) -> GeneratedLog:
    """Generate the log in memory: a table sorted by loaded_at, and its truth."""
    gen = _Generator(cfg)
    logger.info(
        "generating ~%d events, seed %d, %s..%s%s",
        cfg.events,
        cfg.seed,
        cfg.start_date.isoformat(),
        cfg.end_date.isoformat(),
        " (clean)" if cfg.clean else "",
    )
    good = gen.generate_good()
    for ev in good:
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
        "features": _feature_truth(good + kept, cfg.profiles),
        "start_date": cfg.start_date.isoformat(),
        "end_date": cfg.end_date.isoformat(),
    }
    return GeneratedLog(table=table, truth=truth)


def write_log(log: GeneratedLog, out_dir: str | Path, parts: int = 4) -> list[Path]:
    """Write ``part-NNNN.parquet`` files (split in loaded_at order) and ``truth.json``.

    Old part files in ``out_dir`` are removed first. Returns the paths written.
    """
    if parts < 1:
        raise ValueError("parts must be at least 1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in sorted(out.glob("part-*.parquet")):
        old.unlink()
    n = log.table.num_rows
    written: list[Path] = []
    for i in range(parts):
        lo, hi = n * i // parts, n * (i + 1) // parts
        path = out / f"part-{i:04d}.parquet"
        pq.write_table(log.table.slice(lo, hi - lo), path)
        logger.info("wrote %s (%d rows)", path, hi - lo)
        written.append(path)
    truth_path = out / "truth.json"
    truth_path.write_text(json.dumps(log.truth, indent=2) + "\n", encoding="utf-8")
    logger.info("wrote %s", truth_path)
    written.append(truth_path)
    return written
