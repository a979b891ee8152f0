"""Event logs in the contract's shape rewritten in a tracker's own export format.

Each function takes the rows of a generated log (the input contract, as a pyarrow table)
and writes the same events as the tracker would export them, following the vendor's public
description of its format. The adapter tests build both and expect the same marts: the
writer here and the adapter model in the project are two readings of one mapping, so a
mistake in either shows up as a difference.
"""

from __future__ import annotations

import csv
import json
import subprocess
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


#: Each tracker's writer, by the value of var ai_adoption_source_format that reads it.
WRITERS: dict[str, Callable[[pa.Table], pa.Table]] = {
    "posthog": to_posthog,
    "segment": to_segment,
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
    # Spark partitions the table by a bucket of its (user, feature) pairs; DuckDB has none
    return table_differences(built, reference, *ENGINE_TABLE, ("pair_bucket",))
