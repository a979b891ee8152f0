"""Each tracker adapter gives the marts the contract gives for the same events.

A clean generated log is built twice: once as it is (the input contract), once rewritten
in a tracker's export format (adapter_fixtures.py) with var ai_adoption_source_format set
to that tracker. Every mart, the quality mart and the staged events must hold the same rows.
Hand-written vendor rows with bad values are rejected with the reason the contract gives.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from adapter_fixtures import WRITERS, clean_log, write_vendor_log
from conftest import QUICK_BUILD_EXCLUDES, DbtRunner
from incremental_checks import COMPARED, MART_SCHEMA, STAGING_SCHEMA, table_differences

EVENTS = 15_000
SEED = 23
#: The tables compared: the marts, the staged and intermediate tables and the quality mart
#: (the log is clean, so the rejected rows are tested apart, on hand-written vendor rows).
TABLES: tuple[tuple[str, str], ...] = (
    *(entry for entry in COMPARED if entry[1] != "stg_ai_events__rejected_events"),
    (MART_SCHEMA, "fct_ai_event_quality_daily"),
)
#: The staged events keep the name an event arrived with, and a tracker names its own LLM
#: events (PostHog's $ai_generation, Segment's AI Copilot spec's Message Received): that name
#: is the one column allowed to differ.
LEFT_OUT: tuple[str, ...] = ("event_name",)


@pytest.fixture(scope="module")
def contract_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clean_log(tmp_path_factory.mktemp("adapters") / "contract", EVENTS, SEED)


@pytest.fixture(scope="module")
def contract_build(contract_log: Path, dbt_runner: DbtRunner) -> Path:
    return dbt_runner(
        contract_log.parent / "contract-build",
        contract_log / "*.parquet",
        extra_args=QUICK_BUILD_EXCLUDES,
    ).db


@pytest.fixture(scope="module", params=sorted(WRITERS))
def adapter_build(
    request: pytest.FixtureRequest, contract_log: Path, dbt_runner: DbtRunner
) -> tuple[str, Path]:
    """The same log in the tracker's shape, built with the tracker's adapter."""
    format_name: str = request.param
    vendor = write_vendor_log(contract_log, format_name, contract_log.parent / format_name)
    run = dbt_runner(
        contract_log.parent / f"{format_name}-build",
        vendor,
        extra_args=QUICK_BUILD_EXCLUDES,
        extra_vars={"ai_adoption_source_format": format_name},
    )
    return format_name, run.db


@pytest.mark.parametrize(("schema", "table"), TABLES)
def test_adapter_gives_the_contract_tables(
    adapter_build: tuple[str, Path], contract_build: Path, schema: str, table: str
) -> None:
    format_name, db = adapter_build
    problems = table_differences(contract_build, db, schema, table, LEFT_OUT)
    assert not problems, f"{format_name}: " + "\n".join(problems)


def test_adapter_keeps_every_row(adapter_build: tuple[str, Path], contract_log: Path) -> None:
    """One ledger row per vendor row: nothing is filtered on the way in."""
    _, db = adapter_build
    expected = pq.read_table(sorted(contract_log.glob("*.parquet"))).num_rows
    with duckdb.connect(str(db), read_only=True) as con:
        (got,) = con.execute(
            f"select count(*) from {STAGING_SCHEMA}.base_ai_events__events_checked"
        ).fetchone() or (None,)
    assert got == expected


def built_vendor_rows(
    tmp_path: Path,
    dbt_runner: DbtRunner,
    format_name: str,
    rows: list[dict[str, object]],
    columns: str,
    extra_vars: dict[str, object] | None = None,
) -> tuple[dict[str, str], dict[str, tuple[object, ...]]]:
    """Hand-written rows of a tracker built through its adapter: the rejection reason of
    each rejected event_id, and ``columns`` of each staged event by event_id."""
    files = tmp_path / format_name
    files.mkdir()
    pq.write_table(pa.Table.from_pylist(rows), files / "events.parquet")
    db = dbt_runner(
        tmp_path / "build",
        files / "events.parquet",
        extra_args=QUICK_BUILD_EXCLUDES,
        extra_vars={"ai_adoption_source_format": format_name, **(extra_vars or {})},
    ).db
    with duckdb.connect(str(db), read_only=True) as con:
        rejected = con.execute(
            "select event_id, rejection_reason "
            f"from {STAGING_SCHEMA}.stg_ai_events__rejected_events"
        ).fetchall()
        staged = con.execute(
            f"select event_id, {columns} from {STAGING_SCHEMA}.stg_ai_events__events"
        ).fetchall()
    # a retried delivery is a duplicate: each event is staged once
    assert len({row[0] for row in staged}) == len(staged), "an event staged twice"
    return dict(rejected), {row[0]: row[1:] for row in staged}


def _posthog_row(uuid: str, event: str, **props: object) -> dict[str, object]:
    distinct_id = props.pop("distinct_id", "u1")
    return {
        "uuid": uuid,
        "event": event,
        "timestamp": datetime(2026, 10, 1, 9, 0, tzinfo=UTC),
        "distinct_id": distinct_id,
        "properties": json.dumps({"feature": "email_draft", **props}),
        "_inserted_at": datetime(2026, 10, 1, 9, 5, tzinfo=UTC),
    }


def test_posthog_bad_values_are_rejected_with_their_reason(
    tmp_path: Path, dbt_runner: DbtRunner
) -> None:
    """A PostHog value the contract cannot read is rejected for the contract's reason;
    a failed generation keeps its HTTP status as its code; a span stays, unmapped."""
    rows = [
        _posthog_row("g-tokens", "$ai_generation", **{"$ai_input_tokens": "many"}),
        _posthog_row("g-latency", "$ai_generation", **{"$ai_latency": "slow"}),
        _posthog_row("g-no-user", "$ai_generation", distinct_id=None),
        _posthog_row("g-failed", "$ai_generation", **{"$ai_is_error": True,
                                                      "$ai_http_status": 429}),
        _posthog_row("g-ok", "$ai_generation", **{"$ai_latency": 1.2345, "$ai_trace_id": "t1"}),
        _posthog_row("span", "$ai_span", **{"$ai_trace_id": "t1", "$ai_span_id": "s1"}),
        # a product event links to the generation through the trace id it carries
        _posthog_row("insert", "output_inserted", **{"$ai_trace_id": "t1"}),
        {**_posthog_row("no-feature", "draft_inserted"), "properties": "{}"},
        {**_posthog_row("not-json", "draft_inserted"), "properties": "{feature: email_draft"},
    ]  # fmt: skip
    rejected, kept = built_vendor_rows(
        tmp_path, dbt_runner, "posthog", rows, "action, output_id, error_code, latency_ms"
    )
    assert rejected == {
        "g-tokens": "unparseable_input_tokens",
        "g-latency": "unparseable_latency_ms",
        "g-no-user": "missing_user_id",
        "no-feature": "missing_feature",
        # the feature cannot be read out of text that is not JSON
        "not-json": "missing_feature",
    }
    assert kept == {
        "g-failed": ("output_failed", None, "429", None),
        "g-ok": ("output_generated", "t1", None, 1235),  # 1.2345 s, to the millisecond
        "span": (None, "t1", None, None),
        "insert": ("output_inserted", "t1", None, None),
    }


def _segment_row(call_id: str, event: str, /, **props: object) -> dict[str, object]:
    """A Segment track call as a row: the snake-cased raw call (message_id, no uuid_ts)."""
    user_id = props.pop("user_id", "u1")
    anonymous_id = props.pop("anonymous_id", "ajs-1")
    group_id = props.pop("context_group_id", None)
    return {
        "message_id": call_id,
        "event": event,
        "user_id": user_id,
        "anonymous_id": anonymous_id,
        "timestamp": datetime(2026, 10, 1, 9, 0, tzinfo=UTC),
        "original_timestamp": datetime(2026, 10, 1, 8, 59, 58, tzinfo=UTC),
        "sent_at": datetime(2026, 10, 1, 8, 59, 59, tzinfo=UTC),
        "received_at": datetime(2026, 10, 1, 9, 0, 1, tzinfo=UTC),
        "context_group_id": group_id,
        "properties": json.dumps({"feature": "chat_assist", **props}),
    }


def test_segment_bad_values_are_rejected_with_their_reason(
    tmp_path: Path, dbt_runner: DbtRunner
) -> None:
    """A Segment value the contract cannot read is rejected for the contract's reason; the
    AI Copilot spec's events take their actions and their messageId as the output, in the
    call's spelling and the warehouse's; an anonymous call is its anonymous id's."""
    rows = [
        _segment_row("tokens", "Message Received", messageId="m1", input_tokens="many"),
        _segment_row("no-user", "Message Received", messageId="m2", user_id=None,
                     anonymous_id=None),
        # an empty user id is no user id: the anonymous id is taken
        _segment_row("blank-user", "Message Received", messageId="m3", user_id=" ",
                     anonymous_id="ajs-7"),
        {**_segment_row("no-feature", "draft_inserted"), "properties": "{}"},
        # the feature cannot be read from properties that are not JSON
        {**_segment_row("bad-json", "Message Received"), "properties": '{"feature": '},
        # the contract's rating is -1, 0 or 1; the spec's has no fixed scale
        _segment_row("rating-5", "Feedback Submitted", messageId="m1", rating=5),
        # a rating of a whole conversation names no output
        _segment_row("rating-chat", "Feedback Submitted", conversationId="c1", rating=1),
        _segment_row("reply", "Message Received", messageId="m1", conversationId="c1",
                     model="gpt-4.1-mini", input_tokens=812, user_id=None,
                     anonymous_id="ajs-9", context_group_id="acct-9"),
        _segment_row("reply-no-id", "message_received", account_id="acct-own",
                     context_group_id="acct-9"),
        _segment_row("image", "Media Generated", messageId="m4", type="image"),
        _segment_row("prompt", "Message Sent", messageId="user-msg-1", conversationId="c1"),
        _segment_row("rating-ok", "feedback_submitted", message_id="m1", rating=1),
        # a product event links to the copilot's message through the warehouse's message_id
        _segment_row("insert", "draft_inserted", message_id="m1"),
        _segment_row("tool", "Tool Invoked", messageId="m1", type="search"),
    ]  # fmt: skip
    rejected, kept = built_vendor_rows(
        tmp_path,
        dbt_runner,
        "segment",
        rows,
        "action, output_id, user_id, account_id, input_tokens, loaded_at",
        {"ai_adoption_event_map": {"draft_inserted": "output_inserted"}},
    )
    loaded = {row[-1] for row in kept.values()}
    kept = {event_id: row[:-1] for event_id, row in kept.items()}
    assert rejected == {
        "tokens": "unparseable_input_tokens",
        "no-user": "missing_user_id",
        "no-feature": "missing_feature",
        "bad-json": "missing_feature",
        "rating-5": "rating_out_of_range",
        "rating-chat": "missing_output_id",
    }
    assert kept == {
        "reply": ("output_generated", "m1", "ajs-9", "acct-9", 812),
        "reply-no-id": ("output_generated", "reply-no-id", "u1", "acct-own", None),
        "blank-user": ("output_generated", "m3", "ajs-7", None, None),
        "image": ("output_generated", "m4", "u1", None, None),
        "prompt": ("prompt_submitted", None, "u1", None, None),
        "rating-ok": ("feedback_given", "m1", "u1", None, None),
        "insert": ("output_inserted", "m1", "u1", None, None),
        "tool": (None, "m1", "u1", None, None),
    }
    # without uuid_ts, the load time is when Segment received the call
    assert loaded == {datetime(2026, 10, 1, 9, 0, 1)}


def _amplitude_row(insert_id: str | None, event_type: str, **props: object) -> dict[str, object]:
    user_id = props.pop("user_id", "user_42")
    amplitude_id = props.pop("amplitude_id", 284_120_733_019)
    session_id = props.pop("amplitude_session_id", 1_790_845_200_000)
    return {
        "uuid": f"row-{insert_id or event_type}",
        "insert_id": insert_id,
        "event_id": 7,  # Amplitude's counter per device: the same on many events, never an id
        "event_type": event_type,
        "event_time": datetime(2026, 10, 1, 9, 0),
        "server_received_time": datetime(2026, 10, 1, 9, 4, 59),
        "server_upload_time": datetime(2026, 10, 1, 9, 5),
        "user_id": user_id,
        "amplitude_id": amplitude_id,
        "session_id": session_id,
        "event_properties": json.dumps({"feature": "email_draft", **props}),
    }


def test_amplitude_bad_values_are_rejected_with_their_reason(
    tmp_path: Path, dbt_runner: DbtRunner
) -> None:
    """An Amplitude value the contract cannot read is rejected for the contract's reason;
    Agent Analytics responses and thumbs scores become outputs and feedback, other [Agent]
    events stay unmapped, and Amplitude's ids and sessions map as the README says."""
    response = {"[Agent] Message ID": "msg-1", "[Agent] Is Error": False}
    thumbs = {
        "[Agent] Score Name": "user-feedback",
        "[Agent] Target ID": "msg-1",
        "[Agent] Target Type": "message",
        "[Agent] Evaluation Source": "user",
    }
    rows = [
        _amplitude_row("r-tokens", "[Agent] AI Response", **response,
                       **{"[Agent] Input Tokens": "many"}),
        _amplitude_row("r-latency", "[Agent] AI Response", **response,
                       **{"[Agent] Latency Ms": "slow"}),
        _amplitude_row("r-no-user", "[Agent] AI Response", **response,
                       user_id=None, amplitude_id=None),
        {**_amplitude_row("no-feature", "draft_inserted"), "event_properties": "{}"},
        # cut-off JSON: the build goes on, and the feature it held is missing
        {**_amplitude_row("bad-json", "draft_inserted"),
         "event_properties": '{"feature": "email_draft", '},
        _amplitude_row("thumbs-half", "[Agent] Score", **thumbs, **{"[Agent] Score Value": 0.5}),
        # kept
        _amplitude_row("r-ok", "[Agent] AI Response", **response,
                       **{"[Agent] Latency Ms": 1234.6, "[Agent] Model Name": "gpt-4o-mini",
                          "[Agent] Input Tokens": 1245, "[Agent] Customer Org ID": "org_7"}),
        # a retry Amplitude stored again: the same insert_id on a new row is a duplicate
        {**_amplitude_row("r-ok", "[Agent] AI Response", **response), "uuid": "row-retry",
         "server_upload_time": datetime(2026, 10, 1, 9, 30)},
        _amplitude_row("r-failed", "[Agent] AI Response", **{"[Agent] Message ID": "msg-2",
                       "[Agent] Is Error": True, "[Agent] Error Message": "Rate limit hit"}),
        _amplitude_row("thumbs-down", "[Agent] Score", **thumbs, **{"[Agent] Score Value": 0}),
        _amplitude_row("score-ai", "[Agent] Score", **{**thumbs, "[Agent] Evaluation Source": "ai",
                       "[Agent] Score Name": "task_completion", "[Agent] Score Value": 2}),
        _amplitude_row("tool", "[Agent] Tool Call", **{"[Agent] Tool Name": "search",
                       "[Agent] Latency Ms": 340}),
        # identified by Amplitude's id only; outside any session but for its own property
        _amplitude_row("anonymous", "output_inserted", output_id="msg-1", user_id=None,
                       amplitude_session_id=-1, session_id="s_9"),
        # no insert_id: the row's uuid is the event's id
        _amplitude_row(None, "output_viewed", output_id="msg-1"),
    ]  # fmt: skip
    rejected, kept = built_vendor_rows(
        tmp_path,
        dbt_runner,
        "amplitude",
        rows,
        "action, user_id, session_id, output_id, error_code, latency_ms, rating, model, "
        "input_tokens, account_id",
    )
    assert rejected == {
        "r-tokens": "unparseable_input_tokens",
        "r-latency": "unparseable_latency_ms",
        "r-no-user": "missing_user_id",
        "no-feature": "missing_feature",
        "bad-json": "missing_feature",
        "thumbs-half": "unparseable_rating",
    }
    session = "1790845200000"
    assert kept == {
        "r-ok": ("output_generated", "user_42", session, "msg-1", None, 1235, None,
                 "gpt-4o-mini", 1245, "org_7"),
        "r-failed": ("output_failed", "user_42", session, None, "error", None, None,
                     None, None, None),
        "thumbs-down": ("feedback_given", "user_42", session, "msg-1", None, None, -1,
                        None, None, None),
        "score-ai": (None, "user_42", session, None, None, None, None, None, None, None),
        "tool": (None, "user_42", session, None, None, 340, None, None, None, None),
        "anonymous": ("output_inserted", "284120733019", "s_9", "msg-1", None, None, None,
                      None, None, None),
        "row-output_viewed": ("output_viewed", "user_42", session, "msg-1", None, None, None,
                              None, None, None),
    }  # fmt: skip


def test_an_unknown_format_stops_the_build_naming_the_known_ones(
    tmp_path: Path, dbt_runner: DbtRunner
) -> None:
    run = dbt_runner(
        tmp_path,
        Path(__file__).resolve().parents[1] / "examples" / "events_sample.csv",
        command="compile",
        extra_args=("--select", "base_ai_events__events_checked"),
        extra_vars={"ai_adoption_source_format": "mixpanel"},
        check=False,
    )
    assert run.returncode != 0
    assert "var ai_adoption_source_format is 'mixpanel'; it must be one of contract," in run.output


#: 2026-10-01 09:00:00 UTC in OTLP's nanoseconds since the epoch.
_OTEL_NINE = 1_790_845_200 * 1_000_000_000
_MS = 1_000_000


def _otel_span(
    span_id: str, operation: str | None, duration_ns: int, /, **attrs: object
) -> dict[str, object]:
    """A span as OTLP's fields name it: times as whole nanoseconds, attributes as JSON."""
    status = attrs.pop("status_code", "STATUS_CODE_UNSET")
    if operation is not None:
        attrs["gen_ai.operation.name"] = operation
    attrs.setdefault("user.id", "u1")
    attrs.setdefault("feature", "email_draft")
    return {
        "record_type": "span",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "span_id": span_id,
        "name": f"{operation} gpt-4o-mini" if operation else "POST /v1/drafts",
        "start_time_unix_nano": _OTEL_NINE - duration_ns,
        "end_time_unix_nano": _OTEL_NINE,
        "time_unix_nano": None,
        "observed_time_unix_nano": _OTEL_NINE + 5 * _MS,
        "status_code": status,
        "attributes": json.dumps(attrs),
        "resource_attributes": json.dumps({"service.name": "drafts-api"}),
    }


def _otel_record(uid: str | None, name: str, /, **attrs: object) -> dict[str, object]:
    """A log / event record: its time as text (a CSV-like load), its own id as
    log.record.uid."""
    span_id = attrs.pop("span_id", None)
    time = attrs.pop("time", str(_OTEL_NINE + 60_000 * _MS))
    if uid is not None:
        attrs["log.record.uid"] = uid
    attrs.setdefault("user.id", "u1")
    attrs.setdefault("feature", "email_draft")
    return {
        "record_type": "event",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736" if span_id else None,
        "span_id": span_id,
        "name": name,
        "start_time_unix_nano": None,
        "end_time_unix_nano": None,
        "time_unix_nano": time,
        "observed_time_unix_nano": _OTEL_NINE + 61_000 * _MS,
        "status_code": None,
        "attributes": json.dumps(attrs),
        "resource_attributes": json.dumps({"service.name": "web"}),
    }


def test_opentelemetry_bad_values_are_rejected_with_their_reason(
    tmp_path: Path, dbt_runner: DbtRunner
) -> None:
    """An OpenTelemetry value the contract cannot read is rejected for the contract's reason;
    inference spans are outputs (failures by status or error.type), their latency is end
    minus start to the millisecond, evaluations are feedback with a rating only for a score
    of exactly -1, 0 or 1, and other spans stay unmapped. Span times arrive as integer
    nanoseconds, record times as text nanoseconds."""
    chat = {
        "gen_ai.response.id": "chatcmpl-1",
        "session.id": "s1",
        "gen_ai.conversation.id": "conv-1",
    }
    product = {"draft_id": "d-7", "session.id": "s1"}
    rows = [
        _otel_span("g-tokens", "chat", 900 * _MS, **{"gen_ai.usage.input_tokens": "many"}),
        _otel_span("g-no-user", "chat", 900 * _MS, **{"user.id": None}),
        # ends 2 ms before it starts: a clock problem, rejected rather than hidden
        _otel_span("g-negative", "chat", -2 * _MS),
        {**_otel_span("not-json", "chat", 900 * _MS), "attributes": '{"user.id": "u1", '},
        _otel_span("no-feature", "chat", 900 * _MS, feature=None),
        # the team's own rating must be -1, 0 or 1
        _otel_record("eval-rating-3", "gen_ai.evaluation.result", rating=3,
                     **{"gen_ai.response.id": "chatcmpl-1", "gen_ai.evaluation.name": "thumbs"}),
        _otel_record("bad-time", "draft_inserted", time="soon", **product),
        # kept: 1234.5 ms to the millisecond, halves away from zero; the model that
        # answered, not the one asked for; the provider under its older name
        _otel_span("g-ok", "chat", 1_234_500_000, **chat, **{
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "gen_ai.system": "openai", "gen_ai.usage.input_tokens": 812,
            "gen_ai.usage.output_tokens": 240}),
        _otel_span("g-failed", "chat", 30_000 * _MS, status_code="STATUS_CODE_ERROR",
                   **{"error.type": "timeout", "gen_ai.response.id": "never"}),
        _otel_span("g-error-only", "generate_content", 100 * _MS, status_code="ERROR"),
        # no response id: the generation is its own output, and the evaluation parented
        # to it rates it
        _otel_span("g-own", "text_completion", 1_000_499, **{"gen_ai.provider.name": "openai"}),
        _otel_record("eval-ok", "gen_ai.evaluation.result", span_id="g-own",
                     **{"gen_ai.evaluation.name": "thumbs", "gen_ai.evaluation.score.value": 1.0}),
        # a score on another scale is no rating: kept as feedback, the score in properties
        _otel_record("eval-scale", "gen_ai.evaluation.result",
                     **{"gen_ai.response.id": "chatcmpl-1", "gen_ai.evaluation.name": "Relevance",
                        "gen_ai.evaluation.score.value": 4.0,
                        "gen_ai.evaluation.score.label": "relevant"}),
        _otel_span("tool", "execute_tool", 340 * _MS, **{"gen_ai.tool.name": "search"}),
        _otel_span("http", None, 20 * _MS, **{"http.response.status_code": 200}),
        _otel_record("insert", "draft_inserted", **product, **{"gen_ai.response.id": "chatcmpl-1"}),
        # the feature set once on the service's resource
        {**_otel_record("resource-feature", "draft_opened", feature=None),
         "resource_attributes": json.dumps({"service.name": "web", "feature": "email_draft"})},
        # no log.record.uid, exported twice: one id from the record's own fields
        _otel_record(None, "draft_copied", **product, output_id="chatcmpl-1"),
        _otel_record(None, "draft_copied", **product, output_id="chatcmpl-1"),
    ]  # fmt: skip
    files = tmp_path / "otel"
    files.mkdir()
    schema = pa.schema(
        [
            ("record_type", pa.string()),
            ("trace_id", pa.string()),
            ("span_id", pa.string()),
            ("name", pa.string()),
            ("start_time_unix_nano", pa.int64()),
            ("end_time_unix_nano", pa.int64()),
            ("time_unix_nano", pa.string()),
            ("observed_time_unix_nano", pa.int64()),
            ("status_code", pa.string()),
            ("attributes", pa.string()),
            ("resource_attributes", pa.string()),
        ]
    )
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), files / "telemetry.parquet")
    db = dbt_runner(
        tmp_path / "build",
        files / "telemetry.parquet",
        extra_args=QUICK_BUILD_EXCLUDES,
        extra_vars={
            "ai_adoption_source_format": "opentelemetry",
            "ai_adoption_event_map": {
                "draft_inserted": "output_inserted",
                "draft_opened": "feature_opened",
                "draft_copied": "output_copied",
            },
        },
    ).db
    with duckdb.connect(str(db), read_only=True) as con:
        rejected = dict(
            con.execute(
                f"select event_id, rejection_reason from {STAGING_SCHEMA}."
                "stg_ai_events__rejected_events"
            ).fetchall()
        )
        staged = con.execute(
            f"select event_id, action, session_id, output_id, error_code, latency_ms, rating, "
            f"model, provider, input_tokens, occurred_at, loaded_at "
            f"from {STAGING_SCHEMA}.stg_ai_events__events"
        ).fetchall()
        (copies,) = con.execute(
            f"select count(*) from {STAGING_SCHEMA}.base_ai_events__events_checked "
            "where event_name = 'draft_copied'"
        ).fetchone() or (None,)
        (properties,) = con.execute(
            f"select properties from {STAGING_SCHEMA}.base_ai_events__from_opentelemetry "
            "where event_id = 'eval-scale'"
        ).fetchone() or (None,)
    nine = datetime(2026, 10, 1, 9, 0)
    minute = datetime(2026, 10, 1, 9, 1)
    kept = {row[0]: row[1:] for row in staged}
    # a record without its own id: md5 of what it holds (trace, span, time in µs, name, user)
    copied_id = hashlib.md5(f"otel-record|||{(_OTEL_NINE + 60_000 * _MS) // 1000}|draft_copied|u1"
                            .encode()).hexdigest()  # fmt: skip
    assert rejected == {
        "g-tokens": "unparseable_input_tokens",
        "g-no-user": "missing_user_id",
        "g-negative": "negative_latency_ms",
        # the user cannot be read out of attributes that are not JSON
        "not-json": "missing_user_id",
        "no-feature": "missing_feature",
        "eval-rating-3": "rating_out_of_range",
        "bad-time": "unparseable_occurred_at",
    }
    assert copies == 2 and copied_id in kept, "a record exported twice is one event"
    observed_nine = datetime(2026, 10, 1, 9, 0, 0, 5000)
    observed_minute = datetime(2026, 10, 1, 9, 1, 1)
    assert kept == {
        "g-ok": ("output_generated", "s1", "chatcmpl-1", None, 1235, None,
                 "gpt-4o-mini-2024-07-18", "openai", 812, nine, observed_nine),
        "g-failed": ("output_failed", None, None, "timeout", 30_000, None, None, None, None,
                     nine, observed_nine),
        "g-error-only": ("output_failed", None, None, "error", 100, None, None, None, None,
                         nine, observed_nine),
        "g-own": ("output_generated", None, "g-own", None, 1, None, None, "openai", None,
                  nine, observed_nine),
        "eval-ok": ("feedback_given", None, "g-own", None, None, 1, None, None, None,
                    minute, observed_minute),
        "eval-scale": ("feedback_given", None, "chatcmpl-1", None, None, None, None, None,
                       None, minute, observed_minute),
        "tool": (None, None, None, None, 340, None, None, None, None, nine, observed_nine),
        "http": (None, None, None, None, 20, None, None, None, None, nine, observed_nine),
        "insert": ("output_inserted", "s1", "chatcmpl-1", None, None, None, None, None, None,
                   minute, observed_minute),
        "resource-feature": ("feature_opened", None, None, None, None, None, None, None, None,
                             minute, observed_minute),
        copied_id: ("output_copied", "s1", "chatcmpl-1", None, None, None, None, None, None,
                    minute, observed_minute),
    }  # fmt: skip
    assert properties is not None and json.loads(properties)["gen_ai.evaluation.score.value"] == 4.0
