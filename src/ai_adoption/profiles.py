"""Behaviour profiles of the simulated AI features: one :class:`FeatureProfile` per feature.

The generator (:mod:`ai_adoption.generator`) turns each profile into sessions; everything that
makes one feature behave differently from another lives here, as data. Each feature carries
one failure shape (or none), and every other usage signal is present as noise below its
threshold:

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
* ``inline_complete`` -- healthy inline writing suggestions: bursts of tiny requests a few
  seconds apart, most suggestions passed over, about a third taken; writers come back day
  after day, and a few of them make most of the volume.
* ``chat_assist``     -- a healthy chat assistant beside an editor: a few questions per
  session, answers copied into the editor (a chat feature's handoff), regular return.
* ``search_answers``  -- healthy like email_draft until an onset half-way through the period,
  then trust decay for everyone: regeneration loops, slow decisions, lower acceptance.
* ``contract_clause`` -- trust decay on a high-risk feature: clauses accepted within seconds
  with no check at all (no source inspected, no edit, no approval, hardly any rating), which
  verification on a high-risk feature does not pass; healthy everywhere else.

A feature's ``kind`` is the one its catalogue entry gives it (on_demand, inline_suggestion,
chat, agent). A profile may change part-way through the period: ``onset_fraction`` places the
onset day and ``after_onset`` lists the fields that hold for sessions starting on or after it.

Some features log the model that produced each output (``models``: the ``model`` and
``provider`` columns of its generation events), as LLM instrumentation does; the others log
none, as many products do:

* ``email_draft``     -- openai ``gpt-4.1-mini`` for 70% of outputs, anthropic
  ``claude-sonnet-4`` for the rest.
* ``chat_assist``     -- anthropic ``claude-sonnet-4``.
* ``inline_complete`` -- openai ``gpt-4.1-nano``.
* ``account_summary`` -- openai ``gpt-4.1``, logged only inside ``properties`` (keys ``model``
  and ``provider``), like the rest of that team's metrics.
* ``search_answers``  -- openai ``gpt-4.1`` until its onset, google ``gemini-2.5-flash`` from
  the onset day on: the model swap is what sets its trust decay off.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

Range = tuple[float, float]
IntRange = tuple[int, int]

#: Kinds of AI feature in the feature catalogue.
FEATURE_KINDS: tuple[str, ...] = ("on_demand", "inline_suggestion", "chat", "agent")

#: The account_summary team's own event names and the canonical action each one means.
TEAM_EVENT_NAMES: Mapping[str, str] = {
    "summary_requested": "prompt_submitted",
    "summary_ready": "output_generated",
    "summary_retry": "output_regenerated",
    "summary_pasted": "output_inserted",
}

#: Fields an onset cannot override: they say who the feature is and when it changes.
_ONSET_FIXED_FIELDS: frozenset[str] = frozenset({"name", "kind", "onset_fraction", "after_onset"})


@dataclass(frozen=True)
class BurstShape:
    """A session made of many quick requests, as with inline suggestions while writing.

    Each request logs a prompt, the suggestion and its view; the user then takes it, dismisses
    it or just keeps typing (the profile's ``outcomes``: ``accept``, ``reject``, ``none``),
    deciding within the profile's ``decide_seconds``. The product sends the text around the
    cursor as model input (``auto_context_chars``) without a context event. Times are seconds.
    """

    requests: IntRange = (5, 40)  # requests per session
    extra_requests_mean: float = 4.0  # mean requests above the minimum (exponential, capped)
    request_gap_s: Range = (2.0, 10.0)  # from one request to the next
    pause_rate: float = 0.0  # a request that comes after the writer stopped to think
    pause_s: Range = (15.0, 60.0)  # that extra pause
    view_s: Range = (0.05, 0.3)  # from the suggestion's arrival to it being shown
    regenerate_s: Range = (0.5, 2.0)  # asking for another suggestion in its place
    silent_prompt_share: float = 0.0  # requests logged without a prompt length

    def __post_init__(self) -> None:
        low, high = self.requests
        if not 1 <= low <= high:
            raise ValueError("a burst needs 1 <= requests[0] <= requests[1]")
        if self.extra_requests_mean <= 0:
            raise ValueError("extra_requests_mean must be positive")


@dataclass(frozen=True)
class FeatureProfile:
    """How one AI feature is used. Every knob of the simulation for a feature lives here.

    Weights (``Mapping[..., float]``) need not sum to 1. Ranges are inclusive ``(low, high)``
    and drawn uniformly. Times are seconds.

    ``models`` weighs the ``(provider, model)`` pairs that produce the feature's outputs: one
    pair is drawn per output and logged on its ``output_generated`` and ``output_regenerated``
    events (columns ``provider`` and ``model``); empty, the feature logs no model and both
    columns stay null. With ``model_in_properties`` the pair is logged only inside the
    event's ``properties`` JSON (keys ``provider`` and ``model``), never in the columns.
    """

    name: str
    job_keys: tuple[str, ...]
    kind: str = "on_demand"  # the feature's kind in the catalogue (FEATURE_KINDS)
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
    # (provider, model) -> share of outputs; empty: no model logged (model/provider null)
    models: Mapping[tuple[str, str], float] = field(default_factory=dict)
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
    copy_destination: str = "clipboard"  # where the ``copy`` outcome puts the output
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
    model_in_properties: bool = False  # model/provider only inside properties, not the columns
    # -- session shape: None for request/answer cycles, a BurstShape for suggestion bursts
    burst: BurstShape | None = None
    # -- a change part-way through the period: the onset day is this share of the period's
    # days; sessions starting on or after it use the profile with ``after_onset`` applied
    onset_fraction: float | None = None
    after_onset: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in FEATURE_KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")
        if self.onset_fraction is not None and not 0.0 < self.onset_fraction < 1.0:
            raise ValueError(f"{self.name}: onset_fraction must be between 0 and 1")
        if self.after_onset and self.onset_fraction is None:
            raise ValueError(f"{self.name}: after_onset needs an onset_fraction")
        for pair, share in self.models.items():
            if len(pair) != 2 or not all(isinstance(v, str) and v for v in pair):
                raise ValueError(f"{self.name}: models keys are (provider, model): {pair!r}")
            if not share > 0:
                raise ValueError(f"{self.name}: the share of {pair!r} must be positive")
        allowed = {f.name for f in fields(self)} - _ONSET_FIXED_FIELDS
        unknown = set(self.after_onset) - allowed
        if unknown:
            raise ValueError(f"{self.name}: after_onset cannot set {sorted(unknown)}")

    def event_name(self, action: str) -> str:
        """The name this feature logs for a canonical action."""
        return self.event_names.get(action, action)

    def onset_day(self, days: int) -> int | None:
        """The day (0-based, within a period of ``days``) the change sets in, if any."""
        if self.onset_fraction is None:
            return None
        return math.floor(days * self.onset_fraction)

    def after_onset_profile(self) -> FeatureProfile:
        """This profile as it is from the onset day on."""
        return replace(self, **self.after_onset)


#: search_answers changes half-way through the period: its answers move to a new model.
SEARCH_ANSWERS_ONSET_FRACTION = 0.5
#: What search_answers looks like from its onset day on: its answers come from another model
#: and trust decays for every user. Most answers are regenerated twice or more, most decisions
#: come after a long pause, more answers are copied out to be checked elsewhere, and
#: rejections take the place of acceptance.
SEARCH_ANSWERS_AFTER_ONSET: Mapping[str, Any] = {
    "models": {("google", "gemini-2.5-flash"): 1.0},
    "regenerations": {0: 0.1, 1: 0.15, 2: 0.35, 3: 0.25, 4: 0.15},
    "hesitate_rate": 0.7,
    "decide_seconds": (20.0, 180.0),
    "copy_before_decide_rate": 0.12,
    "outcomes": {
        "accept": 0.18,
        "edit_accept": 0.1,
        "edit_only": 0.03,
        "copy": 0.06,
        "reject": 0.45,
        "none": 0.18,
    },
    "experienced_outcomes": None,
    "feedback_rate": 0.18,
    "ratings": {1: 0.2, 0: 0.3, -1: 0.5},
}

#: contract_clause is high-risk (its catalogue entry), and its users accept clauses within
#: seconds without looking: few sources inspected, hardly any edit, no approval step and
#: little feedback, so that most accepted outputs were never checked.
UNCHECKED_INSPECT_RATE = 0.03
UNCHECKED_FEEDBACK_RATE = 0.03
UNCHECKED_OUTCOMES: Mapping[str, float] = {
    "accept": 0.8,
    "edit_accept": 0.03,
    "edit_only": 0.01,
    "copy": 0.02,
    "reject": 0.04,
    "none": 0.1,
}

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
            models={("openai", "gpt-4.1-mini"): 0.7, ("anthropic", "claude-sonnet-4"): 0.3},
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
            models={("openai", "gpt-4.1"): 1.0},
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
            model_in_properties=True,
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
        FeatureProfile(
            name="inline_complete",
            kind="inline_suggestion",
            job_keys=(
                "inline_complete:email_body",
                "inline_complete:doc_paragraph",
                "inline_complete:chat_message",
            ),
            light_sessions_mean=10.0,
            power_user_share=0.15,
            power_sessions=(50, 110),
            job_reuse=0.8,
            churn_per_session=0.01,
            follow_up_rate=0.9,
            adoption_delay_share=0.3,
            entry_points={"in_context": 1.0},
            empty_open_rate=0.02,
            prompt_help_rate=0.0,
            context_rate=0.0,
            manual_context_share=0.0,
            auto_context_chars=(200, 2000),
            prompt_chars=(0, 30),
            prompt_seconds=(1.0, 10.0),
            rage_rate=0.0,
            fail_rate=0.005,
            latency_s=(0.15, 1.4),
            output_chars=(20, 200),
            regenerations={0: 0.99, 1: 0.01},
            price_in_per_token=0.2e-6,
            price_out_per_token=0.8e-6,
            models={("openai", "gpt-4.1-nano"): 1.0},
            inspect_rate=0.0,
            copy_before_decide_rate=0.0,
            decide_seconds=(1.0, 3.0),
            outcomes={"accept": 0.3, "reject": 0.04, "none": 0.66},
            accept_actions={"output_accepted": 0.7, "output_inserted": 0.3},
            destinations={"doc": 0.6, "email": 0.3, "chat": 0.1},
            feedback_rate=0.002,
            ratings={1: 0.6, 0: 0.2, -1: 0.2},
            burst=BurstShape(
                requests=(5, 40),  # a mean of about 8.5: most bursts are short, a few long
                extra_requests_mean=4.0,
                request_gap_s=(2.0, 10.0),
                pause_rate=0.05,
                silent_prompt_share=0.3,
            ),
        ),
        FeatureProfile(
            name="chat_assist",
            kind="chat",
            job_keys=(
                "chat_assist:rewrite",
                "chat_assist:explain",
                "chat_assist:research",
                "chat_assist:brainstorm",
            ),
            light_sessions_mean=14.0,
            power_user_share=0.1,
            power_sessions=(30, 60),
            job_reuse=0.75,
            churn_per_session=0.015,
            follow_up_rate=0.85,
            entry_points={"in_context": 0.8, "suggested": 0.1, "blank": 0.1},
            empty_open_rate=0.04,
            prompt_help_rate=0.01,
            context_rate=0.85,
            manual_context_share=0.06,
            manual_context_chars=(50, 400),
            auto_context_chars=(800, 6000),
            prompt_chars=(15, 300),
            prompt_seconds=(6.0, 120.0),
            cycles={1: 0.3, 2: 0.3, 3: 0.2, 4: 0.12, 5: 0.08},
            rage_rate=0.01,
            fail_rate=0.02,
            latency_s=(1.5, 8.0),
            output_chars=(150, 1800),
            regenerations={0: 0.9, 1: 0.08, 2: 0.02},
            models={("anthropic", "claude-sonnet-4"): 1.0},
            inspect_rate=0.02,
            copy_before_decide_rate=0.0,
            read_seconds=(5.0, 60.0),
            decide_seconds=(1.0, 15.0),
            hesitate_rate=0.03,
            outcomes={"copy": 0.55, "accept": 0.06, "reject": 0.04, "none": 0.35},
            accept_actions={"output_inserted": 1.0},
            destinations={"editor": 1.0},
            copy_destination="editor",
            feedback_rate=0.06,
            ratings={1: 0.65, 0: 0.25, -1: 0.1},
        ),
        FeatureProfile(
            name="search_answers",
            job_keys=(
                "search_answers:policy_lookup",
                "search_answers:product_specs",
                "search_answers:customer_history",
            ),
            light_sessions_mean=7.0,
            power_user_share=0.07,
            power_sessions=(15, 30),
            job_reuse=0.85,
            churn_per_session=0.02,
            follow_up_rate=0.7,
            entry_points={"in_context": 0.7, "suggested": 0.2, "blank": 0.1},
            empty_open_rate=0.03,
            prompt_help_rate=0.01,
            context_rate=0.9,
            manual_context_share=0.06,
            manual_context_chars=(50, 600),
            prompt_chars=(15, 160),
            prompt_seconds=(4.0, 35.0),
            cycles={1: 0.7, 2: 0.22, 3: 0.08},
            rage_rate=0.01,
            fail_rate=0.02,
            latency_s=(1.5, 6.0),
            output_chars=(300, 1400),
            regenerations={0: 0.82, 1: 0.15, 2: 0.03},
            models={("openai", "gpt-4.1"): 1.0},  # until the onset (SEARCH_ANSWERS_AFTER_ONSET)
            inspect_rate=0.15,
            copy_before_decide_rate=0.01,
            read_seconds=(5.0, 45.0),
            decide_seconds=(2.0, 20.0),
            hesitate_rate=0.05,
            outcomes={
                "accept": 0.26,
                "edit_accept": 0.14,
                "edit_only": 0.03,
                "copy": 0.05,
                "reject": 0.3,
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
            accept_actions={"output_cited": 0.45, "output_inserted": 0.35, "output_shared": 0.2},
            destinations={"doc": 0.5, "ticket": 0.3, "email": 0.2},
            edit_distance=(0.05, 0.2),
            heavy_edit_share=0.08,
            heavy_edit_distance=(0.4, 0.6),
            copy_after_accept_rate=0.05,
            correction_types={
                "facts": 0.3,
                "length": 0.25,
                "format": 0.2,
                "terminology": 0.15,
                "other": 0.1,
            },
            dominant_correction_share=0.3,
            picky_user_share=0.05,
            feedback_rate=0.12,
            ratings={1: 0.75, 0: 0.15, -1: 0.1},
            onset_fraction=SEARCH_ANSWERS_ONSET_FRACTION,
            after_onset=SEARCH_ANSWERS_AFTER_ONSET,
        ),
        FeatureProfile(
            name="contract_clause",
            job_keys=(
                "contract_clause:renewal",
                "contract_clause:liability",
                "contract_clause:payment_terms",
            ),
            session_weight=0.7,
            light_sessions_mean=7.0,
            power_user_share=0.05,
            power_sessions=(15, 30),
            job_reuse=0.85,
            churn_per_session=0.02,
            follow_up_rate=0.7,
            entry_points={"in_context": 0.8, "suggested": 0.15, "blank": 0.05},
            empty_open_rate=0.03,
            prompt_help_rate=0.01,
            context_rate=0.92,
            manual_context_share=0.08,
            prompt_chars=(10, 120),
            prompt_seconds=(4.0, 40.0),
            cycles={1: 0.72, 2: 0.2, 3: 0.08},
            rage_rate=0.01,
            fail_rate=0.02,
            latency_s=(2.0, 8.0),
            output_chars=(400, 1800),
            regenerations={0: 0.85, 1: 0.12, 2: 0.03},
            inspect_rate=UNCHECKED_INSPECT_RATE,
            copy_before_decide_rate=0.01,
            read_seconds=(2.0, 15.0),
            decide_seconds=(1.0, 10.0),
            outcomes=UNCHECKED_OUTCOMES,
            accept_actions={"output_inserted": 0.6, "output_accepted": 0.4},
            destinations={"contract": 1.0},
            edit_distance=(0.05, 0.2),
            feedback_rate=UNCHECKED_FEEDBACK_RATE,
            ratings={1: 0.7, 0: 0.2, -1: 0.1},
        ),
    )
}
