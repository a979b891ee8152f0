"""An independent, pure-Python reading of the ai_adoption spec (README, DECISIONS.md, docs).

It recomputes, from the raw event rows (Parquet via pyarrow, or the contract CSV) and the
seed CSVs, what the warehouse must hold: where every source row goes (clean, duplicate or
rejected with its first reason), the canonical action of each event, sessions, outputs,
acceptance and return. Nothing here imports or calls the project's code or SQL; the rules
are written from the spec so that the dbt models and this file are two separate witnesses.

Rules, in short:

* Blank (empty or whitespace) strings count as missing.
* A row gets the first reason that applies, in ``REJECTION_REASONS`` order.
* Blank ids and ids that are a placeholder word (``undefined``, ``null``, ...) are missing.
* ``future_occurred_at``: occurred_at more than 24 h after loaded_at or after the clock of
  the run; ``future_loaded_at``: loaded_at more than 24 h after the clock of the run.
* Counts, lengths, latency and cost above their largest real value are implausible.
* Good rows sharing an event_id are delivery duplicates; the copy loaded first is kept.
* ``event_name`` maps through the team's action map seed, else to itself when it is a
  canonical action, else to nothing (unmapped: kept, but left out of sessions).
* Sessions: one per (user, feature, session_id); events without a session_id are split
  per (user, feature) where the gap to the previous such event exceeds 30 minutes.
* Outputs: one per output_id with an ``output_generated`` event; accepted when any
  acceptance action happened to it (a copy-out is not acceptance).
* Return: a session is returned when the same (user, feature, job_key) starts another
  session within 14 days of its start; it is settled (return-eligible) when its start
  plus 14 days is at or before the last event time in the data.
"""

from __future__ import annotations

import bisect
import csv
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

REQUIRED_COLUMNS: tuple[str, ...] = ("event_id", "occurred_at", "user_id", "feature", "event_name")

#: Optional contract columns and their logical types, in contract order.
OPTIONAL_COLUMNS: dict[str, str] = {
    "loaded_at": "timestamp",
    "session_id": "string",
    "account_id": "string",
    "output_id": "string",
    "job_key": "string",
    "entry_point": "string",
    "context_source": "string",
    "prompt_chars": "integer",
    "context_chars": "integer",
    "output_chars": "integer",
    "edit_distance": "double",
    "correction_type": "string",
    "destination": "string",
    "rating": "integer",
    "latency_ms": "integer",
    "input_tokens": "integer",
    "output_tokens": "integer",
    "cost_usd": "double",
    "error_code": "string",
    "model": "string",
    "provider": "string",
}
NUMERIC_COLUMNS: tuple[str, ...] = tuple(
    name for name, kind in OPTIONAL_COLUMNS.items() if kind in ("integer", "double")
)

#: Counts, lengths, latency and cost: never negative.
NON_NEGATIVE_COLUMNS: tuple[str, ...] = (
    "prompt_chars",
    "context_chars",
    "output_chars",
    "latency_ms",
    "input_tokens",
    "output_tokens",
    "cost_usd",
)
#: Events before this are implausible (a clock or export default).
MIN_OCCURRED_AT = datetime(2000, 1, 1)
#: Largest real value of each counted column; a larger one is implausible.
MAX_VALUES: dict[str, float] = {
    "prompt_chars": 100_000_000,
    "context_chars": 100_000_000,
    "output_chars": 100_000_000,
    "latency_ms": 604_800_000,
    "input_tokens": 100_000_000,
    "output_tokens": 100_000_000,
    "cost_usd": 1_000_000,
}
#: Words a tracker writes into an id it does not have: such an id is missing.
PLACEHOLDER_IDS: frozenset[str] = frozenset({"undefined", "null", "none", "nil", "nan"})
ID_COLUMNS: tuple[str, ...] = ("event_id", "user_id", "session_id", "account_id", "output_id")

#: Every rejection reason, in the order a row is checked (the first that applies wins).
REJECTION_REASONS: tuple[str, ...] = (
    *(f"missing_{name}" for name in REQUIRED_COLUMNS),
    "malformed_properties",
    "miscased_properties_key",
    "repeated_properties_key",
    "unparseable_occurred_at",
    "unparseable_loaded_at",
    *(f"unparseable_{name}" for name in NUMERIC_COLUMNS),
    "future_occurred_at",
    "future_loaded_at",
    "implausible_occurred_at",
    *(f"negative_{name}" for name in NON_NEGATIVE_COLUMNS),
    *(f"implausible_{name}" for name in NON_NEGATIVE_COLUMNS),
    "edit_distance_out_of_range",
    "rating_out_of_range",
    "missing_output_id",
)

ACCEPTANCE_ACTIONS: frozenset[str] = frozenset(
    {
        "output_accepted",
        "output_inserted",
        "output_shared",
        "output_sent",
        "output_saved",
        "output_approved",
        "output_cited",
    }
)

MAX_FUTURE_SKEW = timedelta(hours=24)
SESSION_GAP = timedelta(minutes=30)
#: The return window of a feature the catalogue does not list.
RETURN_WINDOW = timedelta(days=14)

SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"

# ---- reading ----------------------------------------------------------------------------------


def read_parquet_rows(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Every row of the given Parquet files, as dicts of Python values."""
    tables = [pq.read_table(path) for path in sorted(paths)]
    if not tables:
        return []
    table = pa.concat_tables(tables, promote_options="default")
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def read_csv_rows(path: Path) -> list[dict[str, Any]]:
    """Every row of a contract CSV (header row); an empty field is a null."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            {key: (value if value != "" else None) for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


@dataclass(frozen=True)
class ActionInfo:
    action: str
    stage: str | None
    requires_output_id: bool


def read_actions(seeds_dir: Path = SEEDS_DIR) -> dict[str, ActionInfo]:
    """The canonical actions seed: action -> stage and whether it needs an output_id."""
    with (seeds_dir / "ai_adoption_actions.csv").open(newline="", encoding="utf-8") as handle:
        return {
            row["action"]: ActionInfo(
                action=row["action"],
                stage=row["stage"] or None,
                requires_output_id=row["requires_output_id"].strip().lower() == "true",
            )
            for row in csv.DictReader(handle)
        }


@dataclass(frozen=True)
class FeatureEntry:
    handoff_actions: frozenset[str]
    return_window: timedelta


DEFAULT_FEATURE = FeatureEntry(ACCEPTANCE_ACTIONS, RETURN_WINDOW)


def read_feature_catalogue(seeds_dir: Path = SEEDS_DIR) -> dict[str, FeatureEntry]:
    """The feature catalogue seed: feature -> its handoff actions and return window (an
    empty cell takes the default)."""
    with (seeds_dir / "ai_adoption_features.csv").open(newline="", encoding="utf-8") as handle:
        return {
            row["feature"]: FeatureEntry(
                handoff_actions=(
                    frozenset(row["handoff_actions"].split("|"))
                    if row["handoff_actions"]
                    else ACCEPTANCE_ACTIONS
                ),
                return_window=(
                    timedelta(days=int(row["return_window_days"]))
                    if row["return_window_days"]
                    else RETURN_WINDOW
                ),
            )
            for row in csv.DictReader(handle)
        }


def read_action_map(seeds_dir: Path = SEEDS_DIR) -> dict[str, str]:
    """The team's own event names seed: event_name -> canonical action."""
    with (seeds_dir / "ai_adoption_action_map.csv").open(newline="", encoding="utf-8") as handle:
        return {row["event_name"]: row["action"] for row in csv.DictReader(handle)}


# ---- values -----------------------------------------------------------------------------------

_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_INTEGER = re.compile(r"^[+-]?\d+(\.0*)?$")
_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def as_text(value: Any) -> str | None:
    """A value as text, None for null or blank (blank strings count as missing)."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, datetime):
        text = value.isoformat(" ")
    else:
        text = str(value)
    text = text.strip()
    return text or None


def parse_timestamp(value: Any) -> datetime | None:
    """A UTC naive datetime, or None when the value is missing or does not parse."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value
    text = as_text(value)
    if text is None:
        return None
    match = _TIMESTAMP.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        parsed = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micros,
        )
    except ValueError:
        return None
    if offset and offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        shift = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        parsed -= sign * shift
    return parsed


def parse_number(value: Any, kind: str) -> float | int | None:
    """A number of the given logical type, or None when missing or not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if kind == "integer" else float(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if kind == "integer":
            return int(value) if value.is_integer() else None
        return value
    text = as_text(value)
    if text is None:
        return None
    if kind == "integer":
        return int(text.split(".")[0]) if _INTEGER.match(text) else None
    if _DECIMAL.match(text):
        number = float(text)
        if number == 0 and text.lower().split("e")[0].strip("+-0."):
            return None  # a non-zero value below the smallest double (1e-400)
        return number if math.isfinite(number) else None
    return None


def _is_malformed_json(raw: Any) -> bool:
    """Text in `properties` that is not a JSON object (an array or scalar has no keys)."""
    if not isinstance(raw, str) or not raw.strip():
        return False
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        return True
    return not isinstance(parsed, dict)


def _has_miscased_key(raw: Any) -> bool:
    """A key of the `properties` object that is a contract column but for its case."""
    if not isinstance(raw, str) or not raw.strip():
        return False
    parsed = json.loads(raw)
    return any(key.lower() in OPTIONAL_COLUMNS and key not in OPTIONAL_COLUMNS for key in parsed)


def _has_repeated_key(raw: Any) -> bool:
    """A contract column given twice as a key of the `properties` object."""
    if not isinstance(raw, str) or not raw.strip():
        return False
    pairs = json.loads(raw, object_pairs_hook=lambda items: items)
    keys = Counter(key for key, _ in pairs if key in OPTIONAL_COLUMNS)
    return any(count > 1 for count in keys.values())


def _properties(row: Mapping[str, Any]) -> dict[str, Any]:
    raw = row.get("properties")
    if not isinstance(raw, str) or not raw.strip():
        return {}
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    if not isinstance(parsed, dict):
        return {}
    out: dict[str, Any] = {}
    for key, value in parsed.items():
        if value is None:
            continue
        out[key] = json.dumps(value) if isinstance(value, dict | list) else value
    return out


def contract_values(row: Mapping[str, Any]) -> dict[str, Any]:
    """Every contract column of a row: a real column wins, a `properties` key fills a null."""
    props = _properties(row)
    values: dict[str, Any] = {name: row.get(name) for name in REQUIRED_COLUMNS}
    for name in OPTIONAL_COLUMNS:
        value = row.get(name)
        values[name] = props.get(name) if value is None else value
    return values


# ---- checking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """A good source row, typed."""

    row_index: int
    event_id: str
    occurred_at: datetime
    loaded_at: datetime  # when it arrived: loaded_at, or occurred_at when absent
    user_id: str
    account_id: str | None
    feature: str
    event_name: str
    action: str | None
    session_id: str | None
    output_id: str | None
    job_key: str  # defaults to the feature
    model: str | None = None
    provider: str | None = None

    @property
    def is_mapped(self) -> bool:
        return self.action is not None


@dataclass(frozen=True)
class CheckedRow:
    """One source row: its reason (None when good), raw texts and arrival time."""

    row_index: int
    reason: str | None
    raw_event_id: str | None
    raw_event_name: str | None
    raw_occurred_at: str | None
    load_time: datetime | None
    event: Event | None
    has_loaded_at: bool = False


def map_action(
    event_name: str, actions: Mapping[str, ActionInfo], action_map: Mapping[str, str]
) -> str | None:
    """The canonical action of an event name: the team's map first, then canonical names."""
    if event_name in action_map:
        return action_map[event_name]
    if event_name in actions:
        return event_name
    return None


def check_row(
    index: int,
    row: Mapping[str, Any],
    actions: Mapping[str, ActionInfo],
    action_map: Mapping[str, str],
) -> CheckedRow:
    """Type one source row and find the first rejection reason that applies."""
    values = contract_values(row)
    texts = {name: as_text(values[name]) for name in values}
    for name in ID_COLUMNS:
        if (texts[name] or "").lower() in PLACEHOLDER_IDS:
            texts[name] = None
    occurred_at = parse_timestamp(values["occurred_at"])
    loaded_at = parse_timestamp(values["loaded_at"])
    numbers = {name: parse_number(values[name], OPTIONAL_COLUMNS[name]) for name in NUMERIC_COLUMNS}
    event_name = texts["event_name"]
    action = map_action(event_name, actions, action_map) if event_name else None
    info = actions.get(action) if action else None

    reason: str | None = None
    for name in REQUIRED_COLUMNS:
        if texts[name] is None:
            reason = f"missing_{name}"
            break
    if reason is None and _is_malformed_json(row.get("properties")):
        reason = "malformed_properties"
    if reason is None and _has_miscased_key(row.get("properties")):
        reason = "miscased_properties_key"
    if reason is None and _has_repeated_key(row.get("properties")):
        reason = "repeated_properties_key"
    if reason is None and occurred_at is None:
        reason = "unparseable_occurred_at"
    if reason is None and loaded_at is None and texts["loaded_at"] is not None:
        reason = "unparseable_loaded_at"
    if reason is None:
        for name in NUMERIC_COLUMNS:
            if numbers[name] is None and texts[name] is not None:
                reason = f"unparseable_{name}"
                break
    edit_distance = numbers["edit_distance"]
    rating = numbers["rating"]
    if reason is None:
        assert occurred_at is not None
        # the run's clock bounds every row; its own load time too, when it has one
        now = datetime.now(UTC).replace(tzinfo=None)
        bound = min(loaded_at, now) if loaded_at is not None else now
        negative = [
            name
            for name in NON_NEGATIVE_COLUMNS
            if (number := numbers[name]) is not None and number < 0
        ]
        too_large = [
            name
            for name in NON_NEGATIVE_COLUMNS
            if (number := numbers[name]) is not None and number > MAX_VALUES[name]
        ]
        if occurred_at > bound + MAX_FUTURE_SKEW:
            reason = "future_occurred_at"
        elif loaded_at is not None and loaded_at > now + MAX_FUTURE_SKEW:
            reason = "future_loaded_at"
        elif occurred_at < MIN_OCCURRED_AT:
            reason = "implausible_occurred_at"
        elif negative:
            reason = f"negative_{negative[0]}"
        elif too_large:
            reason = f"implausible_{too_large[0]}"
        elif edit_distance is not None and not 0 <= edit_distance <= 1:
            reason = "edit_distance_out_of_range"
        elif rating is not None and not -1 <= rating <= 1:
            reason = "rating_out_of_range"
        elif info is not None and info.requires_output_id and texts["output_id"] is None:
            reason = "missing_output_id"

    load_time = loaded_at if loaded_at is not None else occurred_at
    event: Event | None = None
    if reason is None:
        assert occurred_at is not None and load_time is not None
        event = Event(
            row_index=index,
            event_id=str(texts["event_id"]),
            occurred_at=occurred_at,
            loaded_at=load_time,
            user_id=str(texts["user_id"]),
            account_id=texts["account_id"],
            feature=str(texts["feature"]),
            event_name=str(event_name),
            action=action,
            session_id=texts["session_id"],
            output_id=texts["output_id"],
            job_key=texts["job_key"] or str(texts["feature"]),
            model=texts["model"],
            provider=texts["provider"],
        )
    raw = {name: as_text(row.get(name)) for name in ("event_id", "event_name", "occurred_at")}
    return CheckedRow(
        row_index=index,
        reason=reason,
        raw_event_id=raw["event_id"],
        raw_event_name=raw["event_name"],
        raw_occurred_at=raw["occurred_at"],
        load_time=load_time,
        event=event,
        has_loaded_at=loaded_at is not None,
    )


# ---- sessions, outputs, return ----------------------------------------------------------------


@dataclass
class Session:
    key: tuple[str, ...]
    user_id: str
    feature: str
    session_id: str | None
    events: list[Event] = field(default_factory=list)
    output_ids: list[str] = field(default_factory=list)
    accepted_output_ids: list[str] = field(default_factory=list)
    is_return_eligible: bool = False
    is_returned: bool = False

    @property
    def started_at(self) -> datetime:
        return self.events[0].occurred_at

    @property
    def ended_at(self) -> datetime:
        return max(event.occurred_at for event in self.events)

    @property
    def job_key(self) -> str:
        return self.events[0].job_key


@dataclass
class Output:
    output_id: str
    generation: Event
    session_key: tuple[str, ...]
    is_accepted: bool = False
    is_copied_out: bool = False
    #: the first model (and provider) any of the output's events names, in event order
    model: str | None = None
    provider: str | None = None

    @property
    def feature(self) -> str:
        return self.generation.feature

    @property
    def generated_at(self) -> datetime:
        return self.generation.occurred_at


@dataclass
class FeatureMetrics:
    users: int = 0
    sessions: int = 0
    sessions_with_output: int = 0
    sessions_handed_off: int = 0
    return_eligible_sessions: int = 0
    returned_sessions: int = 0
    outputs_generated: int = 0
    outputs_accepted: int = 0

    @property
    def acceptance_rate(self) -> float | None:
        if self.outputs_generated == 0:
            return None
        return self.outputs_accepted / self.outputs_generated


def _order(event: Event) -> tuple[datetime, str]:
    return (event.occurred_at, event.event_id)


def sessionize(events: Sequence[Event]) -> dict[tuple[str, ...], Session]:
    """Mapped events grouped into sessions (client session_id, else the 30-minute gap rule)."""
    sessions: dict[tuple[str, ...], Session] = {}
    without_id: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for event in sorted(events, key=_order):
        if not event.is_mapped:
            continue
        if event.session_id is not None:
            key = (event.user_id, event.feature, "id", event.session_id)
            session = sessions.setdefault(
                key, Session(key, event.user_id, event.feature, event.session_id)
            )
            session.events.append(event)
        else:
            without_id[(event.user_id, event.feature)].append(event)
    for (user_id, feature), stream in without_id.items():
        current: Session | None = None
        previous: datetime | None = None
        for event in stream:
            if current is None or previous is None or event.occurred_at - previous > SESSION_GAP:
                key = (user_id, feature, "gap", event.occurred_at.isoformat())
                current = sessions.setdefault(key, Session(key, user_id, feature, None))
            current.events.append(event)
            previous = event.occurred_at
    return sessions


def session_of(sessions: Mapping[tuple[str, ...], Session]) -> dict[int, tuple[str, ...]]:
    """Source row index of each sessionized event -> its session key."""
    return {event.row_index: key for key, s in sessions.items() for event in s.events}


def roll_up_outputs(
    events: Sequence[Event],
    sessions: Mapping[tuple[str, ...], Session],
    catalogue: Mapping[str, FeatureEntry],
) -> dict[str, Output]:
    """One output per output_id that was generated; acceptance (the feature's handoff
    actions) and copy-out flags (a copy that is not the feature's handoff)."""
    where = session_of(sessions)
    outputs: dict[str, Output] = {}
    for event in sorted(events, key=_order):
        generated = event.action == "output_generated" and event.output_id is not None
        if generated and event.output_id not in outputs:
            outputs[str(event.output_id)] = Output(
                str(event.output_id), event, where[event.row_index]
            )
    for event in sorted(events, key=_order):
        output = outputs.get(event.output_id) if event.output_id is not None else None
        if output is None:
            continue
        output.model = output.model or event.model
        output.provider = output.provider or event.provider
        handoff = catalogue.get(output.feature, DEFAULT_FEATURE).handoff_actions
        if event.action in handoff:
            output.is_accepted = True
        elif event.action == "output_copied":
            output.is_copied_out = True
    return outputs


def mark_returns(
    sessions: Iterable[Session], data_as_of: datetime, catalogue: Mapping[str, FeatureEntry]
) -> None:
    """Set is_return_eligible and is_returned on every session (the feature's window)."""
    by_job: dict[tuple[str, str, str], list[Session]] = defaultdict(list)
    for s in sessions:
        by_job[(s.user_id, s.feature, s.job_key)].append(s)
    for group in by_job.values():
        group.sort(key=lambda s: s.started_at)
        starts = [s.started_at for s in group]
        for i, s in enumerate(group):
            window_end = s.started_at + catalogue.get(s.feature, DEFAULT_FEATURE).return_window
            s.is_return_eligible = window_end <= data_as_of
            # another session of the same job starting in [start, start + window]
            lo = bisect.bisect_left(starts, s.started_at)
            hi = bisect.bisect_right(starts, window_end)
            s.is_returned = any(j != i for j in range(lo, hi))


# ---- everything -------------------------------------------------------------------------------


@dataclass
class LoadDay:
    rows_received: int = 0
    events_clean: int = 0
    duplicates: int = 0
    rows_rejected: int = 0


@dataclass
class Reference:
    rows_total: int
    checked: list[CheckedRow]
    rejected: Counter[str]
    duplicates: int
    #: source rows (by index) that are delivery duplicates, of good or of rejected rows
    duplicate_rows: frozenset[int]
    events: list[Event]
    sessions: dict[tuple[str, ...], Session]
    outputs: dict[str, Output]
    data_as_of: datetime | None
    by_load_date: dict[date | None, LoadDay]
    features: dict[str, FeatureMetrics]

    @property
    def unmapped_events(self) -> int:
        return sum(1 for event in self.events if not event.is_mapped)

    @property
    def orphan_output_events(self) -> int:
        generated = {e.output_id for e in self.events if e.action == "output_generated"}
        return sum(
            1 for e in self.events if e.output_id is not None and e.output_id not in generated
        )

    @property
    def orphan_event_ids(self) -> set[str]:
        generated = {e.output_id for e in self.events if e.action == "output_generated"}
        return {
            e.event_id
            for e in self.events
            if e.output_id is not None and e.output_id not in generated
        }


def _copy_order(c: CheckedRow) -> tuple[datetime, datetime, bool, str, str, str, int]:
    """Copies of an event, the kept one first: earliest loaded (a copy without loaded_at
    counts as loaded when it occurred), then earliest occurred, then one whose load time is
    known, then by content, so that the order of the rows in the source plays no part."""
    assert c.event is not None
    e = c.event
    return (
        e.loaded_at,
        e.occurred_at,
        not c.has_loaded_at,
        e.event_name,
        e.user_id,
        e.output_id or "",
        c.row_index,
    )


def build_reference(rows: Sequence[Mapping[str, Any]], seeds_dir: Path = SEEDS_DIR) -> Reference:
    """Apply every spec rule to the source rows."""
    actions = read_actions(seeds_dir)
    action_map = read_action_map(seeds_dir)
    checked = [check_row(i, row, actions, action_map) for i, row in enumerate(rows)]

    # a rejected row delivered again (same event_id, same reason) is a duplicate of it: the
    # earliest loaded copy is the one rejected
    rejected_copies: dict[tuple[str, str], list[CheckedRow]] = defaultdict(list)
    rejected_alone: list[CheckedRow] = []
    for c in checked:
        if c.reason is None:
            continue
        event_id = as_text(c.raw_event_id)
        if event_id is None or event_id.lower() in PLACEHOLDER_IDS:
            rejected_alone.append(c)
        else:
            rejected_copies[(event_id, c.reason)].append(c)
    rejected_rows = list(rejected_alone)
    duplicate_rows: list[CheckedRow] = []
    for copies in rejected_copies.values():
        copies.sort(key=lambda c: (c.load_time is None, c.load_time or datetime.min))
        rejected_rows.append(copies[0])
        duplicate_rows.extend(copies[1:])
    rejected: Counter[str] = Counter(c.reason for c in rejected_rows if c.reason is not None)
    by_id: dict[str, list[CheckedRow]] = defaultdict(list)
    for c in checked:
        if c.event is not None:
            by_id[c.event.event_id].append(c)
    kept: list[Event] = []
    for copies in by_id.values():
        copies.sort(key=_copy_order)
        first = copies[0].event
        assert first is not None
        kept.append(first)
        duplicate_rows.extend(copies[1:])
    kept.sort(key=lambda e: e.row_index)

    by_load_date: dict[date | None, LoadDay] = defaultdict(LoadDay)
    kept_rows = {e.row_index for e in kept}
    rejected_indexes = {c.row_index for c in rejected_rows}
    for c in checked:
        day = by_load_date[c.load_time.date() if c.load_time is not None else None]
        day.rows_received += 1
        if c.row_index in rejected_indexes:
            day.rows_rejected += 1
        elif c.row_index in kept_rows:
            day.events_clean += 1
        else:
            day.duplicates += 1

    catalogue = read_feature_catalogue(seeds_dir)
    sessions = sessionize(kept)
    outputs = roll_up_outputs(kept, sessions, catalogue)
    data_as_of = max((e.occurred_at for e in kept), default=None)
    if data_as_of is not None:
        mark_returns(sessions.values(), data_as_of, catalogue)
    for output in outputs.values():
        session = sessions[output.session_key]
        session.output_ids.append(output.output_id)
        if output.is_accepted:
            session.accepted_output_ids.append(output.output_id)

    features: dict[str, FeatureMetrics] = defaultdict(FeatureMetrics)
    users: dict[str, set[str]] = defaultdict(set)
    for s in sessions.values():
        m = features[s.feature]
        users[s.feature].add(s.user_id)
        m.sessions += 1
        m.sessions_with_output += bool(s.output_ids)
        m.sessions_handed_off += bool(s.accepted_output_ids)
        m.return_eligible_sessions += s.is_return_eligible
        m.returned_sessions += s.is_return_eligible and s.is_returned
    for output in outputs.values():
        m = features[output.feature]
        m.outputs_generated += 1
        m.outputs_accepted += output.is_accepted
    for feature, members in users.items():
        features[feature].users = len(members)

    return Reference(
        rows_total=len(rows),
        checked=checked,
        rejected=rejected,
        duplicates=len(duplicate_rows),
        duplicate_rows=frozenset(c.row_index for c in duplicate_rows),
        events=kept,
        sessions=sessions,
        outputs=outputs,
        data_as_of=data_as_of,
        by_load_date=dict(by_load_date),
        features=dict(features),
    )
