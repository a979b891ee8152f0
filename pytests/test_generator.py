"""Tests of the synthetic event log generator and the ``ai-adoption generate`` command.

The checks recount everything from the written rows with their own rules (they do
not reuse the generator's bookkeeping), so a wrong count or a missing behaviour
in the generator makes them fail.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ai_adoption.cli import build_parser, main
from ai_adoption.generator import (
    FeatureProfile,
    GeneratedLog,
    GeneratorConfig,
    generate,
    write_log,
)

EVENTS = 20_000
SEED = 7
TS_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
GAP = timedelta(minutes=30)

EXPECTED_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("occurred_at", pa.string()),
        ("loaded_at", pa.timestamp("us")),
        ("user_id", pa.string()),
        ("feature", pa.string()),
        ("event_name", pa.string()),
        ("session_id", pa.string()),
        ("account_id", pa.string()),
        ("output_id", pa.string()),
        ("job_key", pa.string()),
        ("entry_point", pa.string()),
        ("context_source", pa.string()),
        ("prompt_chars", pa.int64()),
        ("context_chars", pa.int64()),
        ("output_chars", pa.int64()),
        ("edit_distance", pa.float64()),
        ("correction_type", pa.string()),
        ("destination", pa.string()),
        ("rating", pa.int64()),
        ("latency_ms", pa.int64()),
        ("input_tokens", pa.int64()),
        ("output_tokens", pa.int64()),
        ("cost_usd", pa.float64()),
        ("error_code", pa.string()),
        ("model", pa.string()),
        ("provider", pa.string()),
        ("properties", pa.string()),
    ]
)

# The test's own view of the event vocabulary (deliberately not imported from the generator).
TEAM_NAMES = {
    "summary_requested": "prompt_submitted",
    "summary_ready": "output_generated",
    "summary_retry": "output_regenerated",
    "summary_pasted": "output_inserted",
}
ACCEPT = {
    "output_accepted",
    "output_inserted",
    "output_shared",
    "output_sent",
    "output_saved",
    "output_approved",
    "output_cited",
}
OUTPUT_ACTIONS = ACCEPT | {
    "output_generated",
    "output_regenerated",
    "output_viewed",
    "source_inspected",
    "output_compared",
    "output_edited",
    "output_copied",
    "output_rejected",
    "feedback_given",
}
CANONICAL = OUTPUT_ACTIONS | {
    "feature_opened",
    "prompt_submitted",
    "context_added",
    "prompt_help_requested",
    "output_failed",
}
REJECTED = (
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
KEPT = ("orphan_output_id", "unmapped")
MAIN_FEATURES = (
    "email_draft",
    "report_builder",
    "account_summary",
    "meeting_notes",
    "ticket_reply",
    "data_insights",
)
NEW_FEATURES = ("inline_complete", "chat_assist", "search_answers", "contract_clause")
# slide_outline is tiny: too small to compare
FEATURES = (*MAIN_FEATURES, "slide_outline", *NEW_FEATURES)
#: Each feature's kind in the catalogue (features not listed are on_demand).
KINDS = {"inline_complete": "inline_suggestion", "chat_assist": "chat"}
#: Features whose outputs are handed off by being copied (chat features).
COPY_HANDOFF_FEATURES = frozenset({"chat_assist"})
#: Actions logged by the product's servers: never lost in delivery.
SERVER_SIDE = {"output_generated", "output_regenerated", "output_failed"}
#: The loss of client-side events asked for in the delivery-loss tests.
LOSS = 0.25
#: A decision taken more than this long after the first view of an output is a slow one.
SLOW_DECISION = timedelta(minutes=5)
#: The actions that decide on an output.
DECISIONS = ACCEPT | {"output_edited", "output_rejected"}
#: The events that carry the model of their output: the output's generations.
GENERATIONS = {"output_generated", "output_regenerated"}
#: The (provider, model) pairs each feature logs (features not listed log no model);
#: search_answers changes model at its onset.
MODELS = {
    "email_draft": {("openai", "gpt-4.1-mini"), ("anthropic", "claude-sonnet-4")},
    "chat_assist": {("anthropic", "claude-sonnet-4")},
    "inline_complete": {("openai", "gpt-4.1-nano")},
    "account_summary": {("openai", "gpt-4.1")},
    "search_answers": {("openai", "gpt-4.1"), ("google", "gemini-2.5-flash")},
}
#: Features that log the model only inside properties.
MODEL_IN_PROPERTIES = frozenset({"account_summary"})


def action(name: str | None) -> str | None:
    if name is None:
        return None
    return TEAM_NAMES.get(name, name)


def parse_ts(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, TS_FORMAT)
    except ValueError:
        return None


def prop(row: dict[str, Any], key: str) -> Any:
    """A column's value, falling back to the same key in the properties JSON."""
    if row[key] is not None:
        return row[key]
    if row["properties"]:
        return json.loads(row["properties"]).get(key)
    return None


def defects(row: dict[str, Any], generated: set[str]) -> list[str]:
    """Every defect kind a row shows (a good row shows none)."""
    found = []
    if row["event_id"] is None:
        found.append("missing_event_id")
    if row["user_id"] == "":
        found.append("missing_user_id")
    if row["feature"] is None:
        found.append("missing_feature")
    if row["event_name"] is None:
        found.append("missing_event_name")
    if row["occurred_at"] is None:
        found.append("missing_occurred_at")
    else:
        ts = parse_ts(row["occurred_at"])
        if ts is None:
            found.append("unparseable_occurred_at")
        elif ts > row["loaded_at"]:
            found.append("future_occurred_at")
    if row["edit_distance"] is not None and not 0.0 <= row["edit_distance"] <= 1.0:
        found.append("edit_distance_out_of_range")
    if row["rating"] is not None and row["rating"] not in (-1, 0, 1):
        found.append("rating_out_of_range")
    act = action(row["event_name"])
    if act in OUTPUT_ACTIONS and row["output_id"] is None:
        found.append("missing_output_id")
    if (
        act == "output_viewed"
        and row["output_id"] is not None
        and row["output_id"] not in generated
    ):
        found.append("orphan_output_id")
    if row["event_name"] is not None and act not in CANONICAL:
        found.append("unmapped")
    return found


def good_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows the warehouse keeps: no rejected defect, first delivery of each event_id."""
    generated = {r["output_id"] for r in rows if action(r["event_name"]) == "output_generated"} - {
        None
    }
    kept: list[dict[str, Any]] = []
    seen: set[str] = set()
    for r in sorted(rows, key=lambda r: r["loaded_at"]):
        if any(d in REJECTED for d in defects(r, generated)):
            continue
        if r["event_id"] in seen:
            continue
        seen.add(r["event_id"])
        r = dict(r)
        r["ts"] = parse_ts(r["occurred_at"])
        kept.append(r)
    return kept


def accepted_actions(feature: str) -> set[str]:
    """The actions that hand an output of ``feature`` off (a copy does so for a chat)."""
    return ACCEPT | {"output_copied"} if feature in COPY_HANDOFF_FEATURES else ACCEPT


def warehouse_sessions(rows: Iterable[dict[str, Any]]) -> dict[str, list[list[dict[str, Any]]]]:
    """Sessions as the warehouse cuts them: whole client sessions, the gap rule for the rest.

    Unmapped rows take no part in sessions.
    """
    by_id: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    without_id: list[dict[str, Any]] = []
    for r in rows:
        if action(r["event_name"]) not in CANONICAL:
            continue
        if r["session_id"] is None:
            without_id.append(r)
        else:
            by_id[(r["feature"], r["session_id"])].append(r)
    sessions = derive_sessions(without_id)
    for (feature, _), events in by_id.items():
        sessions[feature].append(sorted(events, key=lambda r: (r["ts"], r["event_id"])))
    return sessions


def derive_sessions(rows: Iterable[dict[str, Any]]) -> dict[str, list[list[dict[str, Any]]]]:
    """Split each user's events of a feature into sessions by the 30-minute gap rule."""
    timelines: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        timelines[(r["user_id"], r["feature"])].append(r)
    sessions: dict[str, list[list[dict[str, Any]]]] = defaultdict(list)
    for (_, feature), events in timelines.items():
        events.sort(key=lambda r: (r["ts"], r["event_id"]))
        current = [events[0]]
        for prev, ev in zip(events, events[1:], strict=False):
            if ev["ts"] - prev["ts"] > GAP:
                sessions[feature].append(current)
                current = []
            current.append(ev)
        sessions[feature].append(current)
    return sessions


# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def log() -> GeneratedLog:
    return generate(GeneratorConfig(events=EVENTS, seed=SEED))


@pytest.fixture(scope="module")
def rows(log: GeneratedLog) -> list[dict[str, Any]]:
    return log.table.to_pylist()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def good(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return good_rows(rows)


@pytest.fixture(scope="module")
def sessions(good: list[dict[str, Any]]) -> dict[str, list[list[dict[str, Any]]]]:
    return derive_sessions(good)


@pytest.fixture(scope="module")
def clean_log() -> GeneratedLog:
    return generate(GeneratorConfig(events=EVENTS, seed=SEED, clean=True))


@pytest.fixture(scope="module")
def lossy_log() -> GeneratedLog:
    return generate(GeneratorConfig(events=EVENTS, seed=SEED, loss_rate=LOSS))


@pytest.fixture(scope="module")
def lossy_good(lossy_log: GeneratedLog) -> list[dict[str, Any]]:
    return good_rows(lossy_log.table.to_pylist())


# ---------------------------------------------------------------------------------------------
# determinism and schema
# ---------------------------------------------------------------------------------------------


def test_same_seed_gives_identical_table_and_files(log: GeneratedLog, tmp_path: Path) -> None:
    again = generate(GeneratorConfig(events=EVENTS, seed=SEED))
    assert again.table.equals(log.table)
    assert again.truth == log.truth
    write_log(log, tmp_path / "a", parts=3)
    write_log(again, tmp_path / "b", parts=3)
    for name in ("part-0000.parquet", "part-0001.parquet", "part-0002.parquet", "truth.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_different_seed_gives_different_data(log: GeneratedLog) -> None:
    other = generate(GeneratorConfig(events=EVENTS, seed=SEED + 1))
    assert not other.table.equals(log.table)
    assert (
        other.table.column("event_id").to_pylist()[:50]
        != log.table.column("event_id").to_pylist()[:50]
    )


def test_end_date_and_days_shape_the_period() -> None:
    small = generate(GeneratorConfig(events=2000, seed=3, days=10, end_date=date(2025, 3, 9)))
    assert small.truth["start_date"] == "2025-02-28"
    assert small.truth["end_date"] == "2025-03-09"
    times = [parse_ts(t) for t in small.table.column("occurred_at").to_pylist() if t]
    valid = [t for t in times if t is not None and t.year == 2025]
    assert valid and min(valid) >= datetime(2025, 2, 28)


def test_schema_is_exact(log: GeneratedLog) -> None:
    assert log.table.schema.equals(EXPECTED_SCHEMA, check_metadata=False)
    assert log.table.schema.names == EXPECTED_SCHEMA.names


def test_event_target_is_reached_without_large_overshoot(log: GeneratedLog) -> None:
    truth = log.truth
    assert truth["events_target"] == EVENTS
    generated = truth["good_events"] - truth["injected"]["orphan_output_id"]
    generated -= truth["injected"]["unmapped"]
    assert EVENTS <= generated < EVENTS + 200


# ---------------------------------------------------------------------------------------------
# bad rows and truth.json
# ---------------------------------------------------------------------------------------------


def test_injected_counts_match_an_independent_recount(
    log: GeneratedLog, rows: list[dict[str, Any]]
) -> None:
    truth = log.truth
    generated = {r["output_id"] for r in rows if action(r["event_name"]) == "output_generated"}
    counts: Counter[str] = Counter()
    for r in rows:
        found = defects(r, generated - {None})
        assert len(found) <= 1, f"row with several defects: {found} {r}"
        counts.update(found)
    for kind in REJECTED + KEPT:
        assert counts[kind] == truth["injected"][kind], kind
        assert counts[kind] > 0, f"no {kind} rows injected"
    assert set(truth["injected"]) == set(REJECTED + KEPT)

    ids = [r["event_id"] for r in rows if r["event_id"] is not None]
    duplicates = len(ids) - len(set(ids))
    assert duplicates == truth["duplicates"] > 0
    assert truth["rows_total"] == len(rows) == log.table.num_rows
    rejected = sum(truth["injected"][k] for k in REJECTED)
    assert truth["good_events"] == len(rows) - duplicates - rejected
    # rough rates: each kind ~0.2%, unmapped ~0.1%, duplicates ~0.5% of the good events
    n = truth["good_events"]
    assert 0.001 * n < truth["injected"]["missing_feature"] < 0.004 * n
    assert 0.0004 * n < truth["injected"]["unmapped"] < 0.002 * n
    assert 0.003 * n < duplicates < 0.008 * n


def test_duplicates_are_exact_copies_loaded_later(rows: list[dict[str, Any]]) -> None:
    by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["event_id"] is not None:
            by_id[r["event_id"]].append(r)
    copies = [group for group in by_id.values() if len(group) > 1]
    assert copies
    for group in copies:
        assert len(group) == 2
        first, second = sorted(group, key=lambda r: r["loaded_at"])
        delay = second["loaded_at"] - first["loaded_at"]
        assert timedelta(hours=1) <= delay <= timedelta(hours=48)
        assert {k: v for k, v in first.items() if k != "loaded_at"} == {
            k: v for k, v in second.items() if k != "loaded_at"
        }


def assert_truth_features_match(
    log: GeneratedLog,
    good: list[dict[str, Any]],
    sessions: dict[str, list[list[dict[str, Any]]]],
) -> None:
    events: Counter[str] = Counter(r["feature"] for r in good)
    users: dict[str, set[str]] = defaultdict(set)
    generated: dict[str, set[str]] = defaultdict(set)
    accepted: dict[str, set[str]] = defaultdict(set)
    by_model: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for r in good:
        users[r["feature"]].add(r["user_id"])
        act = action(r["event_name"])
        if act == "output_generated":
            generated[r["feature"]].add(r["output_id"])
            if prop(r, "model") is not None:
                by_model[r["feature"]][prop(r, "provider")][prop(r, "model")] += 1
        elif act in accepted_actions(r["feature"]):
            accepted[r["feature"]].add(r["output_id"])
    assert list(log.truth["features"]) == list(FEATURES)
    assert sum(events.values()) == log.truth["good_events"]
    start = date.fromisoformat(log.truth["start_date"])
    days = (date.fromisoformat(log.truth["end_date"]) - start).days + 1
    for feature in FEATURES:
        t = log.truth["features"][feature]
        assert t["events"] == events[feature], feature
        assert t["users"] == len(users[feature]), feature
        assert t["sessions"] == len(sessions[feature]), feature
        assert t["outputs_generated"] == len(generated[feature]), feature
        assert t["outputs_accepted"] == len(accepted[feature] & generated[feature]), feature
        assert t["kind"] == KINDS.get(feature, "on_demand"), feature
        # search_answers changes in the middle of the period; nothing else changes
        onset = start + timedelta(days=days // 2) if feature == "search_answers" else None
        assert t["onset_date"] == (onset.isoformat() if onset else None), feature
        assert t["outputs_by_model"] == by_model.get(feature, {}), feature
        if feature in MODELS:
            assert sum(sum(m.values()) for m in t["outputs_by_model"].values()) == len(
                generated[feature]
            ), feature


def test_truth_features_match_a_recount(
    log: GeneratedLog,
    good: list[dict[str, Any]],
    sessions: dict[str, list[list[dict[str, Any]]]],
) -> None:
    assert_truth_features_match(log, good, sessions)
    assert log.truth["loss_rate"] == 0.0 and log.truth["lost_events"] == 0


def test_truth_of_a_lossy_log_describes_the_rows_written(
    lossy_log: GeneratedLog, lossy_good: list[dict[str, Any]]
) -> None:
    assert_truth_features_match(lossy_log, lossy_good, warehouse_sessions(lossy_good))
    truth = lossy_log.truth
    rows = lossy_log.table.to_pylist()
    ids = [r["event_id"] for r in rows if r["event_id"] is not None]
    duplicates = len(ids) - len(set(ids))
    assert duplicates == truth["duplicates"] > 0
    rejected = sum(truth["injected"][k] for k in REJECTED)
    assert truth["good_events"] == len(rows) - duplicates - rejected == len(lossy_good)


def test_clean_log_has_no_bad_rows(clean_log: GeneratedLog) -> None:
    truth = clean_log.truth
    assert truth["duplicates"] == 0
    assert all(v == 0 for v in truth["injected"].values())
    assert truth["rows_total"] == truth["good_events"] == clean_log.table.num_rows
    rows = clean_log.table.to_pylist()
    generated = {r["output_id"] for r in rows if action(r["event_name"]) == "output_generated"}
    for r in rows:
        assert defects(r, generated) == [], r
    ids = [r["event_id"] for r in rows]
    assert len(ids) == len(set(ids))


# ---------------------------------------------------------------------------------------------
# delivery loss
# ---------------------------------------------------------------------------------------------


def delivered_events(good: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The generated events among the good rows: without the injected valid extras."""
    generated = {r["output_id"] for r in good if action(r["event_name"]) == "output_generated"}
    return [r for r in good if not defects(r, generated)]


def test_no_loss_gives_the_log_without_the_setting(log: GeneratedLog) -> None:
    lossless = generate(GeneratorConfig(events=EVENTS, seed=SEED, loss_rate=0.0))
    assert lossless.table.equals(log.table)
    assert lossless.truth == log.truth
    assert lossless.truth["lost_events"] == 0


def test_loss_drops_the_asked_share_of_client_events_only(
    good: list[dict[str, Any]], lossy_log: GeneratedLog, lossy_good: list[dict[str, Any]]
) -> None:
    full = delivered_events(good)
    lossy = delivered_events(lossy_good)

    def server(events: list[dict[str, Any]]) -> Counter[tuple[str, str, str | None]]:
        return Counter(
            (r["feature"], str(action(r["event_name"])), r["output_id"])
            for r in events
            if action(r["event_name"]) in SERVER_SIDE
        )

    # the same sessions are generated either way: every server-side event is still there
    assert server(lossy) == server(full)
    assert sum(server(full).values()) > 1000

    def client(events: list[dict[str, Any]]) -> Counter[str]:
        return Counter(r["feature"] for r in events if action(r["event_name"]) not in SERVER_SIDE)

    full_client, lossy_client = client(full), client(lossy)
    lost = sum(full_client.values()) - sum(lossy_client.values())
    assert lost == lossy_log.truth["lost_events"]
    assert lossy_log.truth["loss_rate"] == LOSS
    assert abs(lost / sum(full_client.values()) - LOSS) < 0.02
    for feature, n in full_client.items():
        if n >= 500:
            assert abs(1 - lossy_client[feature] / n - LOSS) < 0.06, feature
    lost_by_action = Counter(action(r["event_name"]) for r in full) - Counter(
        action(r["event_name"]) for r in lossy
    )
    assert lost_by_action["feature_opened"] > 0 and lost_by_action["output_viewed"] > 0


def test_a_lossy_log_still_has_its_bad_rows(lossy_log: GeneratedLog) -> None:
    injected = lossy_log.truth["injected"]
    assert all(injected[kind] > 0 for kind in REJECTED + KEPT)
    assert lossy_log.truth["duplicates"] > 0


def test_sessions_cut_by_lost_events_are_counted_as_the_warehouse_cuts_them() -> None:
    # slow answers, each rejected after a long read: losing a rejection leaves a gap of more
    # than 30 minutes inside a session
    slow = FeatureProfile(
        name="slow_review",
        job_keys=("slow_review:audit",),
        empty_open_rate=0.0,
        fail_rate=0.0,
        cycles={3: 1.0},
        prompt_seconds=(1000.0, 1400.0),
        read_seconds=(1000.0, 1300.0),
        decide_seconds=(0.0, 1.0),
        outcomes={"reject": 1.0},
    )
    cfg = GeneratorConfig(events=3000, seed=SEED, profiles={slow.name: slow}, clean=True)
    lossless = generate(cfg)
    lossy = generate(replace(cfg, loss_rate=0.5))
    cut = warehouse_sessions(good_rows(lossy.table.to_pylist()))["slow_review"]
    whole = warehouse_sessions(good_rows(lossless.table.to_pylist()))["slow_review"]
    assert len(cut) > len(whole)  # some sessions without a session_id were cut in two
    assert lossy.truth["features"]["slow_review"]["sessions"] == len(cut)
    assert lossless.truth["features"]["slow_review"]["sessions"] == len(whole)


def test_the_onset_follows_the_length_of_the_period() -> None:
    short = generate(GeneratorConfig(events=3000, seed=SEED, days=30, end_date=date(2026, 3, 30)))
    features = short.truth["features"]
    assert features["search_answers"]["onset_date"] == "2026-03-16"  # day 15 of 30
    assert [f for f, t in features.items() if t["onset_date"]] == ["search_answers"]


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, math.nan])
def test_config_rejects_a_loss_rate_outside_0_to_1(bad: float) -> None:
    with pytest.raises(ValueError, match="loss_rate"):
        GeneratorConfig(loss_rate=bad)


# ---------------------------------------------------------------------------------------------
# sessions and time
# ---------------------------------------------------------------------------------------------


def test_session_gap_rule_reproduces_the_sessions(
    good: list[dict[str, Any]], sessions: dict[str, list[list[dict[str, Any]]]]
) -> None:
    with_id = {r["session_id"] for r in good if r["session_id"] is not None}
    seen_ids: set[str] = set()
    null_sessions = 0
    for feature_sessions in sessions.values():
        for events in feature_sessions:
            # one derived session = one client session (or none), never a mix
            ids = {r["session_id"] for r in events}
            assert len(ids) == 1, ids
            (sid,) = ids
            if sid is None:
                null_sessions += 1
            else:
                assert sid not in seen_ids, "a client session split by a 30-minute gap"
                seen_ids.add(sid)
            assert action(events[0]["event_name"]) == "feature_opened"
            gaps = [b["ts"] - a["ts"] for a, b in zip(events, events[1:], strict=False)]
            assert all(g < GAP for g in gaps)
    assert seen_ids == with_id
    total = null_sessions + len(with_id)
    assert 0.2 < null_sessions / total < 0.4  # ~30% of sessions carry no session_id


def test_sessions_without_id_are_far_apart(good: list[dict[str, Any]]) -> None:
    timelines: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for r in good:
        if r["session_id"] is None:
            timelines[(r["user_id"], r["feature"])].append(r["ts"])
    gaps = []
    for times in timelines.values():
        times.sort()
        gaps += [b - a for a, b in zip(times, times[1:], strict=False)]
    assert gaps
    assert not [g for g in gaps if timedelta(minutes=25) < g <= timedelta(minutes=35)]
    assert any(g > GAP for g in gaps)


def test_times_are_in_the_period_and_loaded_after(
    log: GeneratedLog, good: list[dict[str, Any]]
) -> None:
    start = datetime.fromisoformat(log.truth["start_date"])
    end = datetime.fromisoformat(log.truth["end_date"]) + timedelta(days=1)
    late = 0
    for r in good:
        assert start <= r["ts"] < end
        assert r["loaded_at"] > r["ts"]
        delay = r["loaded_at"] - r["ts"]
        if delay > timedelta(hours=2):
            late += 1
            assert delay < timedelta(days=6)
    assert 0.0005 < late / len(good) < 0.01
    opens = [r["ts"] for r in good if r["event_name"] == "feature_opened"]
    weekday = sum(1 for t in opens if t.weekday() < 5) / 5
    weekend = sum(1 for t in opens if t.weekday() >= 5) / 2
    assert weekday > 3 * weekend
    working = sum(1 for t in opens if 8 <= t.hour < 19)
    assert working / len(opens) > 0.75


def test_parts_are_split_in_loaded_at_order(log: GeneratedLog) -> None:
    loaded = log.table.column("loaded_at").to_pylist()
    assert loaded == sorted(loaded)


# ---------------------------------------------------------------------------------------------
# feature behaviour
# ---------------------------------------------------------------------------------------------


def output_facts(good: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """feature -> output_id -> facts about that generated output."""
    facts: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in good:
        if action(r["event_name"]) == "output_generated":
            facts[r["feature"]][r["output_id"]] = {
                "user": r["user_id"],
                "at": r["ts"],
                "accepted": False,
                "acted": False,
                "regens": 0,
                "edit": None,
            }
    for r in good:
        f = facts[r["feature"]].get(r["output_id"]) if r["output_id"] else None
        if f is None:
            continue
        act = action(r["event_name"])
        if act in ACCEPT:
            f["accepted"] = True
        if act in ACCEPT | {"output_edited", "output_copied", "output_rejected"}:
            f["acted"] = True
        if act == "output_regenerated":
            f["regens"] += 1
        if act == "output_edited":
            f["edit"] = prop(r, "edit_distance")
    return facts


def rate(values: Iterable[bool]) -> float:
    items = list(values)
    return sum(items) / len(items)


def test_feature_shapes(
    good: list[dict[str, Any]], sessions: dict[str, list[list[dict[str, Any]]]]
) -> None:
    facts = output_facts(good)
    acceptance = {f: rate(o["accepted"] for o in facts[f].values()) for f in MAIN_FEATURES}
    assert acceptance["email_draft"] > 0.6
    assert acceptance["email_draft"] > acceptance["account_summary"] + 0.3
    assert acceptance["account_summary"] < 0.3

    empty = {
        f: rate(
            not any(action(r["event_name"]) == "prompt_submitted" for r in s) for s in sessions[f]
        )
        for f in MAIN_FEATURES
    }
    assert max(empty, key=lambda f: empty[f]) == "report_builder"
    assert empty["report_builder"] > 0.3

    edits = {f: [o["edit"] for o in facts[f].values() if o["edit"] is not None] for f in FEATURES}
    mean_edit = {f: sum(v) / len(v) for f, v in edits.items() if len(v) >= 5}
    assert max(mean_edit, key=lambda f: mean_edit[f]) == "ticket_reply"
    assert 0.4 <= mean_edit["ticket_reply"] <= 0.8
    assert mean_edit["email_draft"] < 0.2

    per_user: dict[str, Counter[str]] = {f: Counter() for f in MAIN_FEATURES}
    for f in MAIN_FEATURES:
        for s in sessions[f]:
            per_user[f][s[0]["user_id"]] += 1
    returning = {f: rate(n >= 2 for n in per_user[f].values()) for f in MAIN_FEATURES}
    assert min(returning, key=lambda f: returning[f]) == "data_insights"
    assert returning["data_insights"] < 0.2
    assert acceptance["data_insights"] > 0.6  # the first use is good

    idle = {f: rate(not o["acted"] for o in facts[f].values()) for f in MAIN_FEATURES}
    assert max(idle, key=lambda f: idle[f]) == "meeting_notes"

    regens = {f: sum(o["regens"] for o in facts[f].values()) / len(facts[f]) for f in MAIN_FEATURES}
    assert max(regens, key=lambda f: regens[f]) == "account_summary"
    assert regens["account_summary"] > 1.0


def test_account_summary_trust_decays_with_tenure(good: list[dict[str, Any]]) -> None:
    outputs = output_facts(good)["account_summary"]
    first: dict[str, datetime] = {}
    for r in good:
        if r["feature"] == "account_summary":
            u = r["user_id"]
            first[u] = min(first.get(u, r["ts"]), r["ts"])
    early = [o["accepted"] for o in outputs.values() if o["at"] - first[o["user"]] < timedelta(14)]
    late = [o["accepted"] for o in outputs.values() if o["at"] - first[o["user"]] > timedelta(35)]
    assert len(early) > 50 and len(late) > 50
    assert rate(early) > rate(late) + 0.05


def test_account_summary_uses_team_names_and_json_metrics(good: list[dict[str, Any]]) -> None:
    mine = [r for r in good if r["feature"] == "account_summary"]
    names = {r["event_name"] for r in mine}
    assert set(TEAM_NAMES) <= names
    assert not names & {"prompt_submitted", "output_generated", "output_regenerated"}
    assert "output_inserted" not in names
    generations = [r for r in mine if r["event_name"] in ("summary_ready", "summary_retry")]
    in_json = [r for r in generations if r["latency_ms"] is None]
    assert 0.35 < len(in_json) / len(generations) < 0.65
    for r in in_json:
        assert r["input_tokens"] is None and r["output_tokens"] is None
        props = json.loads(r["properties"])
        assert props["latency_ms"] > 0 and props["input_tokens"] > 0 and props["output_tokens"] > 0
    others = [r for r in good if r["feature"] == "email_draft"]
    assert any(r["event_name"] == "prompt_submitted" for r in others)


def test_ticket_reply_corrections_repeat_per_user(good: list[dict[str, Any]]) -> None:
    edits = [
        r for r in good if r["feature"] == "ticket_reply" and r["event_name"] == "output_edited"
    ]
    json_only = [r for r in edits if r["edit_distance"] is None]
    assert 0.2 < len(json_only) / len(edits) < 0.4
    for r in json_only:
        props = json.loads(r["properties"])
        assert 0 <= props["edit_distance"] <= 1 and props["correction_type"]
    by_user: dict[str, Counter[str]] = defaultdict(Counter)
    for r in edits:
        by_user[r["user_id"]][prop(r, "correction_type")] += 1
    frequent = [c for c in by_user.values() if sum(c.values()) >= 5]
    assert frequent
    top_share = sum(c.most_common(1)[0][1] for c in frequent) / sum(
        sum(c.values()) for c in frequent
    )
    assert top_share > 0.6


def test_report_builder_manual_context_and_power_users(good: list[dict[str, Any]]) -> None:
    ctx: dict[str, list[int]] = defaultdict(list)
    helps: Counter[str] = Counter()
    for r in good:
        if r["event_name"] == "context_added" and r["context_source"] == "manual":
            ctx[r["feature"]].append(r["context_chars"])
        if r["event_name"] == "prompt_help_requested":
            helps[r["feature"]] += 1
    mean_ctx = {f: sum(v) / len(v) for f, v in ctx.items() if f in MAIN_FEATURES}
    assert max(mean_ctx, key=lambda f: mean_ctx[f]) == "report_builder"
    assert all(600 <= c <= 3000 for c in ctx["report_builder"])
    assert helps.most_common(1)[0][0] == "report_builder"

    def top_decile_share(feature: str) -> float:
        per_user = Counter(
            r["user_id"]
            for r in good
            if r["feature"] == feature and action(r["event_name"]) == "output_generated"
        )
        counts = sorted(per_user.values(), reverse=True)
        top = max(1, len(counts) // 10)
        return sum(counts[:top]) / sum(counts)

    assert top_decile_share("report_builder") > top_decile_share("email_draft")
    assert top_decile_share("report_builder") > 0.4


def test_outputs_and_regenerations_share_ids(good: list[dict[str, Any]]) -> None:
    generated = {r["output_id"] for r in good if action(r["event_name"]) == "output_generated"}
    regenerated = {r["output_id"] for r in good if action(r["event_name"]) == "output_regenerated"}
    assert regenerated and regenerated <= generated
    for r in good:
        if r["event_name"] == "output_failed":
            assert r["output_id"] is None and r["error_code"]
        if action(r["event_name"]) == "output_generated":
            assert r["cost_usd"] is not None and r["output_chars"] is not None
        if r["event_name"] == "output_copied":  # a chat copies its answers into the editor
            assert r["destination"] == (
                "editor" if r["feature"] in COPY_HANDOFF_FEATURES else "clipboard"
            )
        if r["event_name"] == "feature_opened":
            assert r["entry_point"] in ("in_context", "suggested", "blank")
        if r["event_name"] == "context_added":
            assert r["context_source"] in ("auto", "manual")


def test_population(log: GeneratedLog, good: list[dict[str, Any]]) -> None:
    features = log.truth["features"]
    assert features["slide_outline"]["users"] == 3
    assert features["slide_outline"]["events"] < 150
    main_six = [features[f]["sessions"] for f in MAIN_FEATURES]
    assert max(main_six) < 1.5 * min(main_six)  # roughly equal share of sessions
    users = {r["user_id"] for r in good}
    accounts = {r["account_id"] for r in good}
    assert 4 < len(users) / len(accounts) < 14
    user_accounts: dict[str, set[str]] = defaultdict(set)
    for r in good:
        user_accounts[r["user_id"]].add(r["account_id"])
    assert all(len(a) == 1 for a in user_accounts.values())
    jobs: dict[str, set[str]] = defaultdict(set)
    for r in good:
        jobs[r["feature"]].add(r["job_key"])
    for feature, keys in jobs.items():
        assert 1 <= len(keys) <= 6
        assert all(k.startswith(feature + ":") for k in keys)


# ---------------------------------------------------------------------------------------------
# the inline, chat and onset features
# ---------------------------------------------------------------------------------------------


def prompt_times(session: list[dict[str, Any]]) -> list[datetime]:
    return [r["ts"] for r in session if action(r["event_name"]) == "prompt_submitted"]


def has_quick_burst(session: list[dict[str, Any]]) -> bool:
    """Three prompts within 60 s with no acceptance between them."""
    run: list[datetime] = []
    for r in session:
        act = action(r["event_name"])
        if act in ACCEPT:
            run = []
        elif act == "prompt_submitted":
            run = [t for t in run if r["ts"] - t <= timedelta(seconds=60)] + [r["ts"]]
            if len(run) >= 3:
                return True
    return False


def test_inline_complete_is_a_stream_of_quick_suggestions(
    good: list[dict[str, Any]], sessions: dict[str, list[list[dict[str, Any]]]]
) -> None:
    mine = [r for r in good if r["feature"] == "inline_complete"]
    by_action: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for r in mine:
        by_action[action(r["event_name"])].append(r)
    bursts = sessions["inline_complete"]
    assert len(bursts) > 100
    gaps = [
        (b - a).total_seconds()
        for s in bursts
        for a, b in zip(prompt_times(s), prompt_times(s)[1:], strict=False)
    ]
    assert 2 <= statistics.median(gaps) < 10
    assert statistics.median(len(prompt_times(s)) for s in bursts if prompt_times(s)) >= 5
    assert rate(has_quick_burst(s) for s in bursts if prompt_times(s)) > 0.5  # by design

    facts = output_facts(good)["inline_complete"]
    assert 0.2 <= rate(o["accepted"] for o in facts.values()) <= 0.4
    assert rate(o["acted"] for o in facts.values()) < 0.5  # most suggestions are passed over
    assert sum(o["regens"] for o in facts.values()) / len(facts) < 0.03
    rejected = {r["output_id"] for r in by_action["output_rejected"]}
    assert 0 < len(rejected) / len(facts) < 0.1

    viewed = {r["output_id"]: r["ts"] for r in by_action["output_viewed"]}
    delays = [
        (r["ts"] - viewed[r["output_id"]]).total_seconds()
        for a in ACCEPT
        for r in by_action[a]
        if r["output_id"] in viewed
    ]
    assert delays and all(1 <= d <= 3.5 for d in delays)
    for r in by_action["output_generated"]:
        assert r["latency_ms"] < 1500 and 20 <= r["output_chars"] <= 200
    chars = [r["prompt_chars"] for r in by_action["prompt_submitted"]]
    assert all(c is None or 0 <= c <= 30 for c in chars) and None in chars
    assert not by_action["prompt_help_requested"]
    assert not [r for r in by_action["context_added"] if r["context_source"] == "manual"]
    assert {r["entry_point"] for r in by_action["feature_opened"]} == {"in_context"}

    # writers come back: almost all of them return, and a few of them write most
    per_user = Counter(s[0]["user_id"] for s in bursts)
    assert rate(n >= 2 for n in per_user.values()) > 0.8
    counts = sorted(Counter(r["user_id"] for r in by_action["prompt_submitted"]).values())
    top = counts[-max(1, len(counts) // 5) :]
    assert sum(top) / sum(counts) > 0.4


def test_chat_assist_answers_are_copied_into_the_editor(
    good: list[dict[str, Any]], sessions: dict[str, list[list[dict[str, Any]]]]
) -> None:
    chats = sessions["chat_assist"]
    assert len(chats) > 100
    turns = [len(prompt_times(s)) for s in chats if prompt_times(s)]
    assert max(turns) <= 5 and 1.5 <= statistics.mean(turns) <= 3.5
    follow_ups = [
        b - a for s in chats for a, b in zip(prompt_times(s), prompt_times(s)[1:], strict=False)
    ]
    assert 0.05 < rate(g <= timedelta(seconds=60) for g in follow_ups) < 0.6

    mine = [r for r in good if r["feature"] == "chat_assist"]
    answers = {r["output_id"] for r in mine if action(r["event_name"]) == "output_generated"}
    viewed = {r["output_id"] for r in mine if r["event_name"] == "output_viewed"}
    copies = [r for r in mine if r["event_name"] == "output_copied"]
    copied = {r["output_id"] for r in copies} & answers
    inserted = {r["output_id"] for r in mine if r["event_name"] == "output_inserted"} & answers
    rejected = {r["output_id"] for r in mine if r["event_name"] == "output_rejected"} & answers
    assert viewed >= answers
    assert 0.4 <= len(copied) / len(answers) <= 0.7
    assert {r["destination"] for r in copies} == {"editor"}
    assert 0 < len(inserted) / len(answers) < 0.15
    assert len(rejected) / len(answers) < 0.1
    facts = output_facts(good)["chat_assist"]
    assert sum(o["regens"] for o in facts.values()) / len(facts) < 0.2

    per_user = Counter(s[0]["user_id"] for s in chats)
    assert rate(n >= 2 for n in per_user.values()) > 0.7


def test_search_answers_trust_decays_after_its_onset(
    log: GeneratedLog, good: list[dict[str, Any]]
) -> None:
    onset = datetime.fromisoformat(log.truth["features"]["search_answers"]["onset_date"])
    mine = [r for r in good if r["feature"] == "search_answers"]
    first_view: dict[str, datetime] = {}
    first_decision: dict[str, datetime] = {}
    for r in sorted(mine, key=lambda r: r["ts"]):
        act = action(r["event_name"])
        if act == "output_viewed":
            first_view.setdefault(r["output_id"], r["ts"])
        elif act in DECISIONS:
            first_decision.setdefault(r["output_id"], r["ts"])
    facts = output_facts(good)["search_answers"]
    before = {k: o for k, o in facts.items() if o["at"] < onset}
    after = {k: o for k, o in facts.items() if o["at"] >= onset}
    assert len(before) > 80 and len(after) > 80

    def regens(outputs: dict[str, dict[str, Any]]) -> float:
        return sum(o["regens"] for o in outputs.values()) / len(outputs)

    def slow(outputs: dict[str, dict[str, Any]]) -> float:
        decided = [k for k in outputs if k in first_decision and k in first_view]
        return rate(first_decision[k] - first_view[k] > SLOW_DECISION for k in decided)

    def accepted(outputs: dict[str, dict[str, Any]]) -> float:
        return rate(o["accepted"] for o in outputs.values())

    assert regens(before) < 0.4 and regens(after) > regens(before) + 1.0
    assert rate(o["regens"] >= 2 for o in after.values()) > 0.5
    assert slow(before) < 0.2 and slow(after) > 0.5
    # before the onset most users are new to the feature, so acceptance is still growing
    assert accepted(before) > 0.45 and accepted(after) < accepted(before) - 0.2


# ---------------------------------------------------------------------------------------------
# the model behind each output
# ---------------------------------------------------------------------------------------------


def logged_model(r: dict[str, Any]) -> tuple[str, str] | None:
    """The (provider, model) a row logs, in its columns or inside its properties."""
    provider, model = prop(r, "provider"), prop(r, "model")
    assert (provider is None) == (model is None), r
    return None if model is None else (provider, model)


def test_the_model_is_logged_on_the_generations_of_an_output_only(
    good: list[dict[str, Any]],
) -> None:
    models_of: dict[str, set[tuple[str, str] | None]] = defaultdict(set)
    used: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in good:
        feature, act = r["feature"], action(r["event_name"])
        model = logged_model(r)
        if feature in MODEL_IN_PROPERTIES:  # never in the columns
            assert r["model"] is None and r["provider"] is None, r
        if act not in GENERATIONS or feature not in MODELS:
            assert model is None, r
            continue
        assert model is not None, r
        used[feature].add(model)
        models_of[r["output_id"]].add(model)
    assert all(len(m) == 1 for m in models_of.values())  # one model per output
    assert dict(used) == MODELS  # every feature logs its models, and only those


def test_email_draft_outputs_are_mostly_gpt_4_1_mini(good: list[dict[str, Any]]) -> None:
    outputs = {
        r["output_id"]: logged_model(r)
        for r in good
        if r["feature"] == "email_draft" and action(r["event_name"]) == "output_generated"
    }
    assert len(outputs) > 150
    mini = rate(m == ("openai", "gpt-4.1-mini") for m in outputs.values())
    assert abs(mini - 0.7) < 0.1  # the rest is claude-sonnet-4 (checked above)


def test_search_answers_changes_model_at_its_onset(
    log: GeneratedLog, sessions: dict[str, list[list[dict[str, Any]]]]
) -> None:
    onset = datetime.fromisoformat(log.truth["features"]["search_answers"]["onset_date"])
    before: set[tuple[str, str] | None] = set()
    after: set[tuple[str, str] | None] = set()
    for s in sessions["search_answers"]:
        models = {logged_model(r) for r in s if action(r["event_name"]) in GENERATIONS}
        (before if s[0]["ts"] < onset else after).update(models)
    assert before == {("openai", "gpt-4.1")}
    assert after == {("google", "gemini-2.5-flash")}


def test_account_summary_logs_its_model_inside_properties(good: list[dict[str, Any]]) -> None:
    generations = [
        r
        for r in good
        if r["feature"] == "account_summary" and action(r["event_name"]) in GENERATIONS
    ]
    assert generations
    for r in generations:
        assert r["model"] is None and r["provider"] is None
        props = json.loads(r["properties"])
        assert (props["provider"], props["model"]) == ("openai", "gpt-4.1")


def test_models_are_drawn_apart_from_everything_else() -> None:
    """Without any model, every other value of every row is the same (properties but for the
    model keys account_summary adds): the models take nothing from the main random stream."""
    with_models = generate(GeneratorConfig(events=5000, seed=SEED))
    plain = {
        name: replace(
            p,
            models={},
            after_onset={k: v for k, v in p.after_onset.items() if k != "models"},
        )
        for name, p in GeneratorConfig().profiles.items()
    }
    without = generate(GeneratorConfig(events=5000, seed=SEED, profiles=plain))
    assert set(without.table.column("model").to_pylist()) == {None}
    others = [c for c in EXPECTED_SCHEMA.names if c not in ("model", "provider", "properties")]
    assert with_models.table.select(others).equals(without.table.select(others))
    changed = 0
    for a, b in zip(with_models.table.to_pylist(), without.table.to_pylist(), strict=True):
        if a["properties"] == b["properties"]:
            continue
        changed += 1
        assert a["feature"] in ("account_summary", None), a  # None: an injected copy
        assert action(a["event_name"]) in GENERATIONS | {None}, a
        props = json.loads(a["properties"])
        assert (props.pop("provider"), props.pop("model")) == ("openai", "gpt-4.1")
        assert props == json.loads(b["properties"] or "{}")
    assert changed > 0


# ---------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------


def test_cli_writes_parts_and_truth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "log"
    out.mkdir()
    (out / "part-0007.parquet").write_bytes(b"stale")
    argv = ["generate", "--out", str(out), "--events", "3000", "--seed", "5", "--parts", "3"]
    assert main(argv) == 0
    parts = sorted(p.name for p in out.glob("part-*.parquet"))
    assert parts == ["part-0000.parquet", "part-0001.parquet", "part-0002.parquet"]
    truth = json.loads((out / "truth.json").read_text())
    assert set(truth) == {
        "seed",
        "events_target",
        "rows_total",
        "good_events",
        "duplicates",
        "injected",
        "features",
        "start_date",
        "end_date",
        "loss_rate",
        "lost_events",
    }
    assert truth["seed"] == 5 and truth["events_target"] == 3000
    assert truth["loss_rate"] == 0.0 and truth["lost_events"] == 0
    tables = [pq.read_table(out / p) for p in parts]
    assert sum(t.num_rows for t in tables) == truth["rows_total"]
    bounds = [(t.column("loaded_at")[0].as_py(), t.column("loaded_at")[-1].as_py()) for t in tables]
    for (_, last), (first, _) in zip(bounds, bounds[1:], strict=False):
        assert last <= first
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1 and str(truth["rows_total"]) in printed[0]

    # same arguments again: identical files; --clean: no bad rows
    before = {p: (out / p).read_bytes() for p in parts}
    assert main(argv) == 0
    assert {p: (out / p).read_bytes() for p in parts} == before
    assert main([*argv, "--clean"]) == 0
    clean_truth = json.loads((out / "truth.json").read_text())
    assert clean_truth["duplicates"] == 0 and not any(clean_truth["injected"].values())

    # --loss: fewer rows, the loss recorded in the truth and in the printed line
    capsys.readouterr()
    assert main([*argv, "--loss", "0.2"]) == 0
    lossy_truth = json.loads((out / "truth.json").read_text())
    assert lossy_truth["loss_rate"] == 0.2 and lossy_truth["lost_events"] > 0
    assert lossy_truth["rows_total"] < truth["rows_total"]
    assert sum(pq.read_table(out / p).num_rows for p in parts) == lossy_truth["rows_total"]
    assert f"{lossy_truth['lost_events']} lost" in capsys.readouterr().out


def test_cli_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["generate"])  # --out is required
    with pytest.raises(SystemExit):
        main(["generate", "--out", "x", "--events", "0"])
    with pytest.raises(SystemExit):
        main(["generate", "--out", "x", "--end-date", "2026-13-01"])
    with pytest.raises(SystemExit):
        main([])  # a command is required
    for bad in ("1", "1.5", "-0.1", "abc", "nan"):
        with pytest.raises(SystemExit):
            main(["generate", "--out", "x", "--loss", bad])
        assert "--loss" in capsys.readouterr().err
    capsys.readouterr()


def test_parser_has_generate_subcommand() -> None:
    parser = build_parser()
    args = parser.parse_args(["generate", "--out", "d"])
    assert args.command == "generate"
    assert args.events == 200_000 and args.seed == 42 and args.days == 90 and args.parts == 4
    assert args.end_date == date(2026, 11, 1) and args.clean is False
    assert args.loss == 0.0
    assert parser.parse_args(["generate", "--out", "d", "--loss", "0.3"]).loss == 0.3
    assert parser.parse_args(["generate", "--out", "d", "--loss", "0"]).loss == 0.0
    assert callable(args.handler)
