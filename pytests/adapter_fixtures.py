"""Event logs in the contract's shape rewritten in a tracker's own export format.

Each function takes the rows of a generated log (the input contract, as a pyarrow table)
and writes the same events as the tracker would export them, following the vendor's public
description of its format. The adapter tests build both and expect the same marts: the
writer here and the adapter model in the project are two readings of one mapping, so a
mistake in either shows up as a difference.
"""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import uuid
import zlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from conftest import GENERATOR
from incremental_checks import table_differences

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

#: Contract columns a PostHog event carries under a PostHog property of its own.
POSTHOG_PROPERTIES: Mapping[str, str] = {
    "model": "$ai_model",
    "provider": "$ai_provider",
    "input_tokens": "$ai_input_tokens",
    "output_tokens": "$ai_output_tokens",
    "cost_usd": "$ai_total_cost_usd",
}
#: Contract columns that become a column of the PostHog row, not a property.
POSTHOG_COLUMNS: Mapping[str, str] = {
    "event_id": "uuid",
    "occurred_at": "timestamp",
    "loaded_at": "_inserted_at",
    "user_id": "distinct_id",
}


def team_actions() -> dict[str, str]:
    """The action map seed: a team's event name -> the canonical action it means."""
    with (SEEDS / "ai_adoption_action_map.csv").open(newline="", encoding="utf-8") as handle:
        return {row["event_name"]: row["action"] for row in csv.DictReader(handle)}


def _utc(text: str | None) -> datetime | None:
    """A contract timestamp (text, UTC) as an aware datetime, as trackers export them."""
    if text is None:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _properties(row: Mapping[str, Any]) -> dict[str, Any]:
    raw = row.get("properties")
    return dict(json.loads(raw)) if raw else {}


def to_posthog(table: pa.Table) -> pa.Table:
    """The rows as PostHog's events table exports them: LLM calls as ``$ai_generation``
    (``$ai_is_error`` for a failure), feedback as ``$ai_feedback``, every other event
    under its own name, and the contract's other columns as event properties."""
    actions = team_actions()
    rows: list[dict[str, Any]] = []
    for row in table.to_pylist():
        action = actions.get(row["event_name"], row["event_name"])
        props = _properties(row)
        for column in table.column_names:
            value = row[column]
            if column in POSTHOG_COLUMNS or column in ("event_name", "properties") or value is None:
                continue
            if column in POSTHOG_PROPERTIES:
                props[POSTHOG_PROPERTIES[column]] = value
            elif column == "latency_ms":
                props["$ai_latency"] = value / 1000
            else:
                props[column] = value
        event = row["event_name"]
        if action in ("output_generated", "output_failed"):
            event = "$ai_generation"
            props["$ai_is_error"] = action == "output_failed"
        elif action == "feedback_given":
            event = "$ai_feedback"
        loaded = row["loaded_at"]
        rows.append(
            {
                "uuid": row["event_id"],
                "event": event,
                "timestamp": _utc(row["occurred_at"]),
                "distinct_id": row["user_id"],
                "properties": json.dumps(props, sort_keys=True),
                "_inserted_at": loaded.replace(tzinfo=UTC) if loaded is not None else None,
            }
        )
    schema = pa.schema(
        [
            ("uuid", pa.string()),
            ("event", pa.string()),
            ("timestamp", pa.timestamp("us", tz="UTC")),
            ("distinct_id", pa.string()),
            ("properties", pa.string()),
            ("_inserted_at", pa.timestamp("us", tz="UTC")),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


#: The events of Segment's AI Copilot spec (the name as sent) an action is written as.
SEGMENT_SPEC_EVENTS: Mapping[str, str] = {
    "prompt_submitted": "Message Sent",
    "output_generated": "Message Received",
    "feedback_given": "Feedback Submitted",
}
#: Contract columns that become a column of the Segment row, not a property.
SEGMENT_COLUMNS: frozenset[str] = frozenset(
    {"event_id", "occurred_at", "loaded_at", "user_id", "account_id", "output_id"}
)
#: The device clock of every call runs this far behind, and a call is sent and received
#: this long after it was made: Segment's timestamp corrects the skew.
_SKEW = timedelta(seconds=2)
_IN_FLIGHT = timedelta(milliseconds=500)


def _is_anonymous(user_id: str) -> bool:
    """About one user in five never identifies: their calls carry only an anonymous id."""
    return zlib.crc32(user_id.encode()) % 5 == 0


def _anonymous_id(user_id: str) -> str:
    """The anonymous id an identified user's device sends along with the user id."""
    return f"ajs-{zlib.crc32(user_id.encode()):08x}"


def to_segment(table: pa.Table) -> pa.Table:
    """The rows as Segment's warehouse tracks table holds them, the call's properties
    gathered into one JSON column: prompts, outputs and feedback as the AI Copilot spec's
    Message Sent, Message Received and Feedback Submitted (the event slugged, as the
    warehouse writes it; its name as sent in event_text), the output under the spec's
    ``messageId`` property, the account as ``context.groupId``, some users anonymous
    only, and the contract's other columns as properties."""
    actions = team_actions()
    rows: list[dict[str, Any]] = []
    for row in table.to_pylist():
        action = actions.get(row["event_name"], row["event_name"])
        name = SEGMENT_SPEC_EVENTS.get(action, row["event_name"])
        props = _properties(row)
        for column in table.column_names:
            value = row[column]
            if column in SEGMENT_COLUMNS or column in ("event_name", "properties") or value is None:
                continue
            props[column] = value
        if row["output_id"] is not None:
            # the user's own message is no output: the spec's messageId would not say it
            props["output_id" if name == "Message Sent" else "messageId"] = row["output_id"]
        occurred = _utc(row["occurred_at"])
        assert occurred is not None
        loaded = row["loaded_at"].replace(tzinfo=UTC) if row["loaded_at"] is not None else None
        received = occurred + _IN_FLIGHT if loaded is None else min(occurred + _IN_FLIGHT, loaded)
        anonymous = _is_anonymous(row["user_id"])
        rows.append(
            {
                "id": row["event_id"],
                "event": name.lower().replace(" ", "_"),
                "event_text": name,
                "user_id": None if anonymous else row["user_id"],
                "anonymous_id": row["user_id"] if anonymous else _anonymous_id(row["user_id"]),
                "timestamp": occurred,
                "original_timestamp": occurred - _SKEW,
                "sent_at": occurred - _SKEW + _IN_FLIGHT,
                "received_at": received,
                "uuid_ts": loaded,
                "context_group_id": row["account_id"],
                "context_library_name": "analytics-python",
                "context_library_version": "2.3.3",
                "properties": json.dumps(props, sort_keys=True),
            }
        )
    timestamp = pa.timestamp("us", tz="UTC")
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("event", pa.string()),
            ("event_text", pa.string()),
            ("user_id", pa.string()),
            ("anonymous_id", pa.string()),
            ("timestamp", timestamp),
            ("original_timestamp", timestamp),
            ("sent_at", timestamp),
            ("received_at", timestamp),
            ("uuid_ts", timestamp),
            ("context_group_id", pa.string()),
            ("context_library_name", pa.string()),
            ("context_library_version", pa.string()),
            ("properties", pa.string()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


#: Contract columns an Agent Analytics event ([Agent] AI Response, [Agent] Score) carries
#: under a property of Amplitude's own; a product event keeps them under the contract's names.
AMPLITUDE_AGENT_PROPERTIES: Mapping[str, str] = {
    "model": "[Agent] Model Name",
    "provider": "[Agent] Provider",
    "input_tokens": "[Agent] Input Tokens",
    "output_tokens": "[Agent] Output Tokens",
    "cost_usd": "[Agent] Cost USD",
    "latency_ms": "[Agent] Latency Ms",
    "account_id": "[Agent] Customer Org ID",
}
#: Contract columns that become a column of the Amplitude row, or a property set apart below.
AMPLITUDE_COLUMNS: tuple[str, ...] = (
    "event_id", "occurred_at", "loaded_at", "user_id", "event_name", "properties", "output_id",
)  # fmt: skip
#: Amplitude's thumbs score: 1 is up, 0 is down (the contract's rating 1 and -1).
AMPLITUDE_THUMBS: Mapping[int, int] = {1: 1, -1: 0}


def _naive_utc(text: str) -> datetime:
    """A contract timestamp (text) as the naive UTC time Amplitude's exports hold."""
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _amplitude_id(user_id: str) -> int:
    """A stable stand-in for the number Amplitude gives a person (eleven or twelve digits)."""
    digest = int(hashlib.sha256(user_id.encode()).hexdigest()[:12], 16)
    return 100_000_000_000 + digest % 900_000_000_000


def to_amplitude(table: pa.Table) -> pa.Table:
    """The rows as Amplitude's raw events export them (Export API, S3, warehouse sync).

    LLM calls become ``[Agent] AI Response`` (``[Agent] Is Error`` for a failure, the output
    as its ``[Agent] Message ID``), thumbs feedback an ``[Agent] Score`` named
    ``user-feedback`` on that message; every other event keeps its own name and the
    contract's other columns become event properties. The contract's event id is the
    event's ``$insert_id`` (the sender's id), ``uuid`` is Amplitude's own id of the row and
    ``event_id`` Amplitude's counter per device. The contract's session ids are not
    Amplitude's (the session's start in epoch milliseconds), so every event is sent outside
    an Amplitude session (``session_id`` -1) with the contract's session id as its
    ``session_id`` event property, which the ledger then reads."""
    actions = team_actions()
    rows: list[dict[str, Any]] = []
    per_device: dict[str, int] = {}
    for index, row in enumerate(table.to_pylist()):
        action = actions.get(row["event_name"], row["event_name"])
        is_response = action in ("output_generated", "output_failed")
        is_thumbs = action == "feedback_given" and row.get("rating") in AMPLITUDE_THUMBS
        props = _properties(row)
        for column in table.column_names:
            value = row[column]
            if column in AMPLITUDE_COLUMNS or value is None:
                continue
            if (is_response or is_thumbs) and column in AMPLITUDE_AGENT_PROPERTIES:
                if column == "latency_ms" and index % 2:
                    value += 0.25  # Amplitude's milliseconds need not be whole
                props[AMPLITUDE_AGENT_PROPERTIES[column]] = value
            elif not (is_thumbs and column == "rating"):
                props[column] = value
        row_id = uuid.uuid5(uuid.NAMESPACE_URL, f"amplitude-row:{index}")
        event_type = row["event_name"]
        if is_response:
            event_type = "[Agent] AI Response"
            failed = action == "output_failed"
            props["[Agent] Component Type"] = "llm"
            props["[Agent] Is Error"] = failed
            # the SDK gives every response a message id; a failed one is no output
            props["[Agent] Message ID"] = f"msg-{row_id}" if failed else row["output_id"]
            if failed:
                props["[Agent] Error Message"] = "The model provider did not answer."
        elif is_thumbs:
            event_type = "[Agent] Score"
            props["[Agent] Score Name"] = "user-feedback"
            props["[Agent] Score Value"] = AMPLITUDE_THUMBS[row["rating"]]
            props["[Agent] Target ID"] = row["output_id"]
            props["[Agent] Target Type"] = "message"
            props["[Agent] Evaluation Source"] = "user"
        elif row["output_id"] is not None:
            props["output_id"] = row["output_id"]
        user_id = row["user_id"]
        device = str(uuid.uuid5(uuid.NAMESPACE_URL, f"amplitude-device:{user_id}"))
        per_device[device] = per_device.get(device, 0) + 1
        occurred = _naive_utc(row["occurred_at"])
        loaded = row["loaded_at"]
        rows.append(
            {
                "uuid": str(row_id),
                "$insert_id": row["event_id"],
                "event_id": per_device[device],
                "event_type": event_type,
                "event_time": occurred,
                "client_event_time": occurred,
                "server_received_time": loaded - timedelta(milliseconds=250) if loaded else None,
                "server_upload_time": loaded,
                "user_id": user_id,
                "device_id": device,
                "amplitude_id": _amplitude_id(user_id) if user_id is not None else None,
                "session_id": -1,
                "event_properties": json.dumps(props, sort_keys=True),
                "user_properties": "{}",
                "groups": "{}",
                "platform": "Web",
                "os_name": "Chrome",
            }
        )
    schema = pa.schema(
        [
            ("uuid", pa.string()),
            ("$insert_id", pa.string()),
            ("event_id", pa.int64()),
            ("event_type", pa.string()),
            ("event_time", pa.timestamp("us")),
            ("client_event_time", pa.timestamp("us")),
            ("server_received_time", pa.timestamp("us")),
            ("server_upload_time", pa.timestamp("us")),
            ("user_id", pa.string()),
            ("device_id", pa.string()),
            ("amplitude_id", pa.int64()),
            ("session_id", pa.int64()),
            ("event_properties", pa.string()),
            ("user_properties", pa.string()),
            ("groups", pa.string()),
            ("platform", pa.string()),
            ("os_name", pa.string()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


#: Contract columns a GenAI span or evaluation event carries under a semantic-conventions
#: attribute; every row carries the user and the session under the conventions' names.
OTEL_GENAI_ATTRIBUTES: Mapping[str, str] = {
    "provider": "gen_ai.provider.name",
    "input_tokens": "gen_ai.usage.input_tokens",
    "output_tokens": "gen_ai.usage.output_tokens",
}
OTEL_COMMON_ATTRIBUTES: Mapping[str, str] = {"user_id": "user.id", "session_id": "session.id"}
#: Contract columns that become a column of the telemetry row (or its span, its time), not
#: an attribute.
OTEL_COLUMNS: tuple[str, ...] = (
    "event_id", "occurred_at", "loaded_at", "event_name", "properties",
)  # fmt: skip
#: The service whose spans the rows are: the resource, not the feature.
OTEL_RESOURCE = json.dumps({"service.name": "assistant-api", "telemetry.sdk.language": "python"})


def _otel_hex(text: str, digits: int) -> str:
    """A stable trace id (32 hex digits) or span id (16) derived from ``text``."""
    return hashlib.sha256(text.encode()).hexdigest()[:digits]


def to_opentelemetry(table: pa.Table) -> pa.Table:
    """The rows as exported OpenTelemetry telemetry, one row per span or log record, as a
    collector's warehouse exporter lands them (spans and records in one table, told apart
    by ``record_type``, attributes as JSON text).

    An LLM call with a latency becomes a GenAI inference span (``gen_ai.operation.name``
    chat) that ends when the output was generated and starts its latency earlier; a failure
    is the same span with status ERROR and the error code as ``error.type``. Its output is
    the span's ``gen_ai.response.id``, its model ``gen_ai.request.model`` and
    ``gen_ai.response.model``. Feedback becomes a ``gen_ai.evaluation.result`` event
    parented to the span of the generation it rates, the rating as its score value and the
    output as its ``gen_ai.response.id``. Every other event is a log record under its own
    name with a ``log.record.uid``, its output as an ``output_id`` attribute. The user and
    the session are ``user.id`` and ``session.id`` everywhere; the loader's time is the
    record's ``observed_time`` (the pipeline adds it to spans too).

    Where OpenTelemetry's shape cannot hold a contract value exactly, the value goes to an
    attribute of the contract's name, which the ledger reads: the conventions have nothing
    for the cost, the account, the job or the product's own measures (prompt_chars,
    edit_distance, ...), and a span always has a duration, so an LLM call logged without a
    latency (a team's own "summary_ready" event, or its latency only in the properties) is a
    log record under its own name, not a span. The contract's event id is the span id (or
    the record's uid): the test compares event ids, so it cannot be a fresh 16-digit id."""
    actions = team_actions()
    contract_rows = table.to_pylist()
    # the span of each generated output, for the evaluations that rate it
    spans_by_output: dict[str, str] = {}
    for row in contract_rows:
        action = actions.get(row["event_name"], row["event_name"])
        if action == "output_generated" and row["latency_ms"] is not None and row["output_id"]:
            spans_by_output.setdefault(row["output_id"], row["event_id"])
    rows: list[dict[str, Any]] = []
    for row in contract_rows:
        action = actions.get(row["event_name"], row["event_name"])
        is_span = action in ("output_generated", "output_failed") and row["latency_ms"] is not None
        is_evaluation = action == "feedback_given"
        attributes = _properties(row)
        # a span's latency is its duration: end_time minus start_time
        skipped = ("latency_ms",) if is_span else ()
        for column in table.column_names:
            value = row[column]
            if column in OTEL_COLUMNS or column in skipped or value is None:
                continue
            if column in OTEL_COMMON_ATTRIBUTES:
                attributes[OTEL_COMMON_ATTRIBUTES[column]] = value
            elif (is_span or is_evaluation) and column in OTEL_GENAI_ATTRIBUTES:
                attributes[OTEL_GENAI_ATTRIBUTES[column]] = value
            elif is_span and column == "model":
                attributes["gen_ai.request.model"] = value
                attributes["gen_ai.response.model"] = value
            elif is_span and column == "error_code":
                attributes["error.type"] = value
            elif (is_span or is_evaluation) and column == "output_id":
                attributes["gen_ai.response.id"] = value
            elif is_evaluation and column == "rating":
                attributes["gen_ai.evaluation.score.value"] = float(value)
            else:
                attributes[column] = value
        occurred = _utc(row["occurred_at"])
        assert occurred is not None
        loaded = row["loaded_at"].replace(tzinfo=UTC) if row["loaded_at"] is not None else None
        output_id = row["output_id"]
        trace_id = _otel_hex(f"trace:{output_id or row['event_id']}", 32)
        common = {
            "trace_id": trace_id,
            "parent_span_id": None,
            "resource_attributes": OTEL_RESOURCE,
            "observed_time": loaded,
        }
        if is_span:
            failed = action == "output_failed"
            attributes["gen_ai.operation.name"] = "chat"
            model = row["model"]
            rows.append(
                {
                    **common,
                    "record_type": "span",
                    "span_id": row["event_id"],
                    "name": f"chat {model}" if model else "chat",
                    "kind": "SPAN_KIND_CLIENT",
                    "start_time": occurred - timedelta(milliseconds=row["latency_ms"]),
                    "end_time": occurred,
                    "time": None,
                    "status_code": "STATUS_CODE_ERROR" if failed else "STATUS_CODE_UNSET",
                    "attributes": json.dumps(attributes, sort_keys=True),
                }
            )
            continue
        attributes["log.record.uid"] = row["event_id"]
        name = row["event_name"]
        span_id = None
        if is_evaluation:
            name = "gen_ai.evaluation.result"
            attributes["gen_ai.evaluation.name"] = "user_feedback"
            span_id = spans_by_output.get(output_id) if output_id else None
        rows.append(
            {
                **common,
                "trace_id": trace_id if span_id else None,
                "record_type": "event",
                "span_id": span_id,
                "name": name,
                "kind": None,
                "start_time": None,
                "end_time": None,
                "time": occurred,
                "status_code": None,
                "attributes": json.dumps(attributes, sort_keys=True),
            }
        )
    timestamp = pa.timestamp("us", tz="UTC")
    schema = pa.schema(
        [
            ("record_type", pa.string()),
            ("trace_id", pa.string()),
            ("span_id", pa.string()),
            ("parent_span_id", pa.string()),
            ("name", pa.string()),
            ("kind", pa.string()),
            ("start_time", timestamp),
            ("end_time", timestamp),
            ("time", timestamp),
            ("observed_time", timestamp),
            ("status_code", pa.string()),
            ("attributes", pa.string()),
            ("resource_attributes", pa.string()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


#: Each tracker's writer, by the value of var ai_adoption_source_format that reads it.
WRITERS: dict[str, Callable[[pa.Table], pa.Table]] = {
    "posthog": to_posthog,
    "segment": to_segment,
    "amplitude": to_amplitude,
    "opentelemetry": to_opentelemetry,
}


def clean_log(out: Path, events: int, seed: int) -> Path:
    """A generated log without malformed rows (each adapter's bad rows are tested apart)."""
    subprocess.run(
        [str(GENERATOR), "generate", "--out", str(out), "--events", str(events),
         "--seed", str(seed), "--clean"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return out


def write_vendor_log(contract: Path, format_name: str, out: Path) -> Path:
    """The contract log of folder ``contract`` in the tracker's shape, as one Parquet file."""
    out.mkdir(parents=True)
    table = pq.read_table(sorted(contract.glob("*.parquet")))
    path = out / "events.parquet"
    pq.write_table(WRITERS[format_name](table), path)
    return path


def split_log(path: Path) -> tuple[Path, Path]:
    """The rows of one Parquet file in two files beside it, alternately, so that most
    sessions have events in both: as a team's web and app tables hold one user's day."""
    table = pq.read_table(path)
    halves = []
    for half in (0, 1):
        out = path.with_name(f"{path.stem}_{half}.parquet")
        pq.write_table(table.take(list(range(half, table.num_rows, 2))), out)
        halves.append(out)
    return halves[0], halves[1]


#: The tracker whose log the engine suites load as two sources (Segment writes one tracks
#: table per source), named as var ai_adoption_sources names them.
TWO_SOURCES_FORMAT = "segment"
TWO_SOURCES: tuple[str, str] = ("web", "app")


#: The engine suites build a small clean log through every adapter as far as the
#: sessionized events: every typed value of every event, after the ledger's checks.
ENGINE_EVENTS = 3_000
ENGINE_SEED = 29
ENGINE_SELECT: tuple[str, ...] = ("--select", "+int_ai_events_sessionized")
ENGINE_TABLE: tuple[str, str] = ("main_ai_adoption_intermediate", "int_ai_events_sessionized")


def engine_reference(root: Path, build: Callable[..., Any]) -> Path:
    """A clean log in the contract's shape under ``root``/contract, and its DuckDB build as
    far as the sessionized events under ``root``/duckdb (``build`` is the dbt_runner)."""
    contract = clean_log(root / "contract", ENGINE_EVENTS, ENGINE_SEED)
    build(
        root / "duckdb",
        contract / "*.parquet",
        extra_args=("--exclude-resource-type", "test", "unit_test", *ENGINE_SELECT),
    )
    return contract


def engine_differences(contract: Path, built: Path) -> list[str]:
    """How an engine's sessionized events differ from the DuckDB build next to ``contract``."""
    reference = contract.parent / "duckdb" / "warehouse.duckdb"
    return table_differences(built, reference, *ENGINE_TABLE)
