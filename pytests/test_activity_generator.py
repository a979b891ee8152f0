"""Tests of the product activity the generator writes beside the AI event log.

Everything is recounted from the written rows with the tests' own rules: which rows are bad,
which are copies, which days are active and how much adopting a feature changes activity.
Nothing is read back from the generator's bookkeeping except the truth that is checked.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ai_adoption.cli import build_parser, main
from ai_adoption.generator import (
    GeneratedLog,
    GeneratorConfig,
    generate,
    write_activity,
    write_log,
)
from test_generator import good_rows

#: Large enough for about a hundred adopters of each of the two features compared.
EVENTS = 70_000
SEED = 42
EFFECT_FEATURE = "report_builder"
NO_EFFECT_FEATURE = "email_draft"
PLANTED_DAYS_PER_WEEK = 1.0
#: How far the measured difference-in-differences may be from the planted effect.
DID_TOLERANCE = 0.5
#: Weeks compared on each side of the adoption week.
WINDOW_WEEKS = 4
MIN_ADOPTERS = 50
#: A smaller log for the checks that need no adopters.
SMALL_EVENTS = 10_000
SMALL_SEED = 3
#: A lossy log and the share of client-side events it loses.
LOSSY_EVENTS = 3000
LOSS = 0.25

EXPECTED_SCHEMA = pa.schema(
    [
        ("user_id", pa.string()),
        ("activity_date", pa.string()),
        ("account_id", pa.string()),
        ("action_count", pa.string()),
        ("loaded_at", pa.timestamp("us")),
    ]
)
REJECTED = (
    "missing_user_id",
    "unparseable_activity_date",
    "negative_action_count",
    "fractional_action_count",
)
COPIES = ("duplicate", "conflicting_copy")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
WHOLE = re.compile(r"\d+")
NEGATIVE_WHOLE = re.compile(r"-\d+")
FRACTION = re.compile(r"-?\d*\.\d+")
USER_ID = re.compile(r"u_\d{6}")


def parse_day(text: str) -> date | None:
    if not ISO_DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def defect(row: Mapping[str, Any]) -> str | None:
    """The reason a row cannot be used, if any (injected rows have exactly one)."""
    if not row["user_id"]:
        return "missing_user_id"
    if parse_day(row["activity_date"]) is None:
        return "unparseable_activity_date"
    count = row["action_count"]
    if count is None or WHOLE.fullmatch(count):
        return None
    if NEGATIVE_WHOLE.fullmatch(count):
        return "negative_action_count"
    if FRACTION.fullmatch(count):
        return "fractional_action_count"
    return "unreadable_action_count"


@dataclass(frozen=True)
class Recount:
    """The written activity sorted out: the first row of each user and day, and the rest."""

    kinds: Counter[str]
    good: list[dict[str, Any]]


def recount(rows: Iterable[Mapping[str, Any]]) -> Recount:
    """Each row's kind: a defect, a later copy of a user's day (same or other values), or good."""
    kinds: Counter[str] = Counter()
    first: dict[tuple[str, str], dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r["loaded_at"]):
        bad = defect(row)
        if bad is not None:
            kinds[bad] += 1
            continue
        key = (row["user_id"], row["activity_date"])
        seen = first.get(key)
        if seen is None:
            first[key] = dict(row)
        elif (seen["account_id"], seen["action_count"]) == (row["account_id"], row["action_count"]):
            kinds["duplicate"] += 1
        else:
            kinds["conflicting_copy"] += 1
    return Recount(kinds=kinds, good=list(first.values()))


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def weekly_rates(
    good: Iterable[Mapping[str, Any]], start: date, end: date
) -> dict[str, dict[date, float]]:
    """Active days per week of every user (a week cut by the period is scaled to seven days)."""
    days_in_week: Counter[date] = Counter(
        monday(start + timedelta(days=i)) for i in range((end - start).days + 1)
    )
    counts: dict[str, Counter[date]] = defaultdict(Counter)
    for row in good:
        counts[row["user_id"]][monday(date.fromisoformat(row["activity_date"]))] += 1
    return {
        user: {w: 7 * by_week[w] / n for w, n in days_in_week.items()}
        for user, by_week in counts.items()
    }


def first_use(events: Iterable[Mapping[str, Any]], feature: str) -> dict[str, date]:
    """Each user's first day with an event of ``feature``."""
    first: dict[str, date] = {}
    for ev in events:
        if ev["feature"] == feature:
            day = ev["ts"].date()
            if ev["user_id"] not in first or day < first[ev["user_id"]]:
                first[ev["user_id"]] = day
    return first


@dataclass(frozen=True)
class DiD:
    adopters: int
    estimate: float


def diff_in_diff(rates: Mapping[str, Mapping[date, float]], adopted: Mapping[str, date]) -> DiD:
    """Adopters' change in active days a week, from the weeks before the adoption week to the
    weeks after it, less the change of everyone else over the same calendar weeks."""
    others = [r for user, r in rates.items() if user not in adopted]
    weeks = sorted(next(iter(rates.values())))
    baseline = {w: statistics.fmean(r[w] for r in others) for w in weeks}
    gaps: list[float] = []
    for user, day in adopted.items():
        week = monday(day)
        before = [w for w in weeks if 1 <= (week - w).days // 7 <= WINDOW_WEEKS]
        after = [w for w in weeks if 1 <= (w - week).days // 7 <= WINDOW_WEEKS]
        if not before or not after:
            continue
        own = [rates[user][w] for w in after], [rates[user][w] for w in before]
        ref = [baseline[w] for w in after], [baseline[w] for w in before]
        change = statistics.fmean(own[0]) - statistics.fmean(own[1])
        gaps.append(change - (statistics.fmean(ref[0]) - statistics.fmean(ref[1])))
    return DiD(adopters=len(gaps), estimate=statistics.fmean(gaps))


# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def log() -> GeneratedLog:
    return generate(GeneratorConfig(events=EVENTS, seed=SEED, activity=True))


@pytest.fixture(scope="module")
def small_log() -> GeneratedLog:
    return generate(GeneratorConfig(events=SMALL_EVENTS, seed=SMALL_SEED, activity=True))


@pytest.fixture(scope="module")
def activity_rows(log: GeneratedLog) -> list[dict[str, Any]]:
    assert log.activity is not None
    return log.activity.to_pylist()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def counted(activity_rows: list[dict[str, Any]]) -> Recount:
    return recount(activity_rows)


@pytest.fixture(scope="module")
def events(log: GeneratedLog) -> list[dict[str, Any]]:
    """The event rows the warehouse keeps, with their parsed time (``ts``)."""
    return good_rows(log.table.to_pylist())


@pytest.fixture(scope="module")
def rates(log: GeneratedLog, counted: Recount) -> dict[str, dict[date, float]]:
    start = date.fromisoformat(log.truth["start_date"])
    end = date.fromisoformat(log.truth["end_date"])
    return weekly_rates(counted.good, start, end)


# ---------------------------------------------------------------------------------------------
# determinism, schema, the events left alone
# ---------------------------------------------------------------------------------------------


def test_same_seed_gives_identical_activity_files(small_log: GeneratedLog, tmp_path: Path) -> None:
    again = generate(GeneratorConfig(events=SMALL_EVENTS, seed=SMALL_SEED, activity=True))
    assert again.activity is not None and small_log.activity is not None
    assert again.activity.equals(small_log.activity)
    assert again.truth == small_log.truth
    write_activity(small_log, tmp_path / "a", parts=3)
    write_activity(again, tmp_path / "b", parts=3)
    for name in ("part-0000.parquet", "part-0001.parquet", "part-0002.parquet"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_another_seed_gives_other_activity() -> None:
    one = generate(GeneratorConfig(events=3000, seed=1, activity=True))
    two = generate(GeneratorConfig(events=3000, seed=2, activity=True))
    assert one.activity is not None and two.activity is not None
    assert not one.activity.equals(two.activity)


def test_activity_leaves_the_events_as_they_were(small_log: GeneratedLog) -> None:
    plain = generate(GeneratorConfig(events=SMALL_EVENTS, seed=SMALL_SEED))
    assert plain.activity is None and "activity" not in plain.truth
    assert plain.table.equals(small_log.table)
    assert plain.truth == {k: v for k, v in small_log.truth.items() if k != "activity"}


def test_schema_is_exact(log: GeneratedLog) -> None:
    assert log.activity is not None
    assert log.activity.schema.equals(EXPECTED_SCHEMA)


def test_rows_are_in_loaded_at_order(activity_rows: list[dict[str, Any]]) -> None:
    loaded = [r["loaded_at"] for r in activity_rows]
    assert loaded == sorted(loaded)


# ---------------------------------------------------------------------------------------------
# bad rows and copies
# ---------------------------------------------------------------------------------------------


def test_injected_counts_match_an_independent_recount(log: GeneratedLog, counted: Recount) -> None:
    truth = log.truth["activity"]
    assert "unreadable_action_count" not in counted.kinds
    assert dict(counted.kinds) == {k: v for k, v in truth["injected"].items() if v}
    assert set(truth["injected"]) == set(REJECTED + COPIES)
    assert all(truth["injected"][k] >= 1 for k in REJECTED + COPIES)
    assert len(counted.good) == truth["good_rows"]
    assert truth["rows_total"] == len(counted.good) + sum(counted.kinds.values())
    assert 0.003 < sum(counted.kinds.values()) / truth["good_rows"] < 0.007


def test_every_kind_is_injected_in_a_log_of_10k_events(small_log: GeneratedLog) -> None:
    assert small_log.activity is not None
    kinds = recount(small_log.activity.to_pylist()).kinds
    assert all(kinds[k] >= 1 for k in REJECTED + COPIES)


def test_missing_users_are_empty_or_null(activity_rows: list[dict[str, Any]]) -> None:
    missing = [r["user_id"] for r in activity_rows if not r["user_id"]]
    assert set(missing) == {"", None}


def test_copies_are_loaded_after_the_row_they_copy(activity_rows: list[dict[str, Any]]) -> None:
    by_day: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in activity_rows:
        if defect(r) is None:
            by_day[(r["user_id"], r["activity_date"])].append(r)
    repeated = [rows for rows in by_day.values() if len(rows) > 1]
    assert repeated
    for rows in repeated:
        times = sorted(r["loaded_at"] for r in rows)
        assert times[0] < times[1]  # the copy never ties with or precedes the original


def test_clean_activity_has_no_bad_rows() -> None:
    clean = generate(
        GeneratorConfig(events=SMALL_EVENTS, seed=SMALL_SEED, activity=True, clean=True)
    )
    assert clean.activity is not None
    counted = recount(clean.activity.to_pylist())
    assert not counted.kinds
    assert not any(clean.truth["activity"]["injected"].values())
    assert len(counted.good) == clean.truth["activity"]["rows_total"]


# ---------------------------------------------------------------------------------------------
# good rows
# ---------------------------------------------------------------------------------------------


def test_every_ai_event_day_is_an_active_day(
    events: list[dict[str, Any]], counted: Recount
) -> None:
    active = {(r["user_id"], r["activity_date"]) for r in counted.good}
    used = {(ev["user_id"], ev["ts"].date().isoformat()) for ev in events}
    assert used and used <= active


def test_events_lost_in_delivery_leave_no_active_day_behind() -> None:
    """Only delivered events make a day active, and every one of them does."""
    lossy = generate(
        GeneratorConfig(events=LOSSY_EVENTS, seed=SMALL_SEED, activity=True, loss_rate=LOSS)
    )
    assert lossy.activity is not None
    active = {(r["user_id"], r["activity_date"]) for r in recount(lossy.activity.to_pylist()).good}
    used = {
        (ev["user_id"], ev["ts"].date().isoformat()) for ev in good_rows(lossy.table.to_pylist())
    }
    assert used and used <= active


def test_population(log: GeneratedLog, events: list[dict[str, Any]], counted: Recount) -> None:
    truth = log.truth["activity"]
    account_of = {ev["user_id"]: ev["account_id"] for ev in events}
    users = {r["user_id"] for r in counted.good}
    non_ai = users - set(account_of)
    assert set(account_of) <= users
    assert truth["ai_users"] == len(account_of) and truth["non_ai_users"] == len(non_ai)
    assert truth["users_active"] == len(users)
    assert 0.9 < len(non_ai) / len(account_of) < 1.1
    assert all(USER_ID.fullmatch(u) for u in users)
    accounts = set(account_of.values())
    for r in counted.good:
        if r["user_id"] in account_of:
            assert r["account_id"] == account_of[r["user_id"]]
        else:
            assert r["account_id"] in accounts


def test_good_rows_stay_in_the_period_and_load_the_next_day(
    log: GeneratedLog, counted: Recount
) -> None:
    start = date.fromisoformat(log.truth["start_date"])
    end = date.fromisoformat(log.truth["end_date"])
    for r in counted.good:
        day = date.fromisoformat(r["activity_date"])
        assert start <= day <= end
        loaded: datetime = r["loaded_at"]
        assert loaded.date() == day + timedelta(days=1) and 1 <= loaded.hour <= 6


def test_action_counts(log: GeneratedLog, counted: Recount) -> None:
    counts = [r["action_count"] for r in counted.good]
    missing = counts.count(None)
    assert missing == log.truth["activity"]["good_rows_without_action_count"]
    assert 0.04 < missing / len(counts) < 0.06
    values = [int(c) for c in counts if c is not None]
    assert min(values) >= 1
    assert 5 < statistics.fmean(values) < 30


def test_ai_users_are_more_active_to_begin_with(
    events: list[dict[str, Any]], rates: dict[str, dict[date, float]]
) -> None:
    """The naive comparison is biased: AI users are more active whatever they adopt."""
    ai = {ev["user_id"] for ev in events}
    mean_ai = statistics.fmean(statistics.fmean(r.values()) for u, r in rates.items() if u in ai)
    mean_other = statistics.fmean(
        statistics.fmean(r.values()) for u, r in rates.items() if u not in ai
    )
    assert mean_ai - mean_other > 0.5


def test_truth_names_the_planted_effect_and_the_adopters(
    log: GeneratedLog, events: list[dict[str, Any]]
) -> None:
    truth = log.truth["activity"]
    features = set(log.truth["features"])
    assert truth["planted_effect_days_per_week"] == {
        f: PLANTED_DAYS_PER_WEEK if f == EFFECT_FEATURE else 0.0 for f in features
    }
    adopters = {f: len(first_use(events, f)) for f in features}
    assert truth["adopters"] == adopters
    assert adopters[EFFECT_FEATURE] >= MIN_ADOPTERS and adopters[NO_EFFECT_FEATURE] >= MIN_ADOPTERS


# ---------------------------------------------------------------------------------------------
# the planted effect, seen in the raw rows
# ---------------------------------------------------------------------------------------------


def test_the_planted_effect_shows_in_a_difference_in_differences(
    events: list[dict[str, Any]], rates: dict[str, dict[date, float]]
) -> None:
    did = diff_in_diff(rates, first_use(events, EFFECT_FEATURE))
    assert did.adopters >= MIN_ADOPTERS
    assert abs(did.estimate - PLANTED_DAYS_PER_WEEK) <= DID_TOLERANCE


def test_a_feature_without_an_effect_shows_none(
    events: list[dict[str, Any]], rates: dict[str, dict[date, float]]
) -> None:
    did = diff_in_diff(rates, first_use(events, NO_EFFECT_FEATURE))
    assert did.adopters >= MIN_ADOPTERS
    assert abs(did.estimate) <= DID_TOLERANCE


def test_the_effect_goes_where_it_is_configured() -> None:
    cfg = GeneratorConfig(
        events=EVENTS,
        seed=SEED,
        activity=True,
        clean=True,
        activity_effect={NO_EFFECT_FEATURE: PLANTED_DAYS_PER_WEEK},
    )
    moved = generate(cfg)
    assert moved.activity is not None
    assert moved.truth["activity"]["planted_effect_days_per_week"][EFFECT_FEATURE] == 0.0
    # a clean log has only good events
    columns = moved.table.select(["user_id", "feature", "occurred_at"]).to_pydict()
    events = [
        {"user_id": u, "feature": f, "ts": datetime.fromisoformat(t)}
        for u, f, t in zip(*columns.values(), strict=True)
    ]
    rates = weekly_rates(
        recount(moved.activity.to_pylist()).good,
        date.fromisoformat(moved.truth["start_date"]),
        date.fromisoformat(moved.truth["end_date"]),
    )
    planted = diff_in_diff(rates, first_use(events, NO_EFFECT_FEATURE))
    assert abs(planted.estimate - PLANTED_DAYS_PER_WEEK) <= DID_TOLERANCE
    assert abs(diff_in_diff(rates, first_use(events, EFFECT_FEATURE)).estimate) <= DID_TOLERANCE


def test_config_rejects_an_effect_on_an_unknown_feature() -> None:
    with pytest.raises(ValueError, match="unknown feature"):
        GeneratorConfig(activity=True, activity_effect={"no_such_feature": 1.0})
    with pytest.raises(ValueError, match="days a week"):
        GeneratorConfig(activity_effect={EFFECT_FEATURE: 8.0})


# ---------------------------------------------------------------------------------------------
# writing and the command line
# ---------------------------------------------------------------------------------------------


def test_write_activity_needs_activity(tmp_path: Path) -> None:
    plain = generate(GeneratorConfig(events=2000, seed=SEED))
    with pytest.raises(ValueError, match="without activity"):
        write_activity(plain, tmp_path / "activity")
    with pytest.raises(ValueError, match="without activity"):
        write_log(plain, tmp_path / "events", activity_dir=tmp_path / "activity")
    assert not (tmp_path / "events").exists()
    with_activity = generate(GeneratorConfig(events=2000, seed=SEED, activity=True))
    with pytest.raises(ValueError, match="of its own"):
        write_log(with_activity, tmp_path / "events", activity_dir=tmp_path / "events")


def test_cli_writes_activity_beside_the_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events_dir, activity_dir = tmp_path / "events", tmp_path / "activity"
    activity_dir.mkdir()
    (activity_dir / "part-0009.parquet").write_bytes(b"stale")
    argv = ["generate", "--out", str(events_dir), "--events", "3000", "--seed", "5"]
    assert main([*argv, "--parts", "2"]) == 0
    plain_parts = {p.name: p.read_bytes() for p in events_dir.glob("part-*.parquet")}
    assert "activity" not in json.loads((events_dir / "truth.json").read_text())
    assert sorted(activity_dir.iterdir()) == [activity_dir / "part-0009.parquet"]
    capsys.readouterr()

    assert main([*argv, "--parts", "2", "--activity-out", str(activity_dir)]) == 0
    parts = sorted(p.name for p in activity_dir.glob("part-*.parquet"))
    assert parts == ["part-0000.parquet", "part-0001.parquet"]
    assert {p.name: p.read_bytes() for p in events_dir.glob("part-*.parquet")} == plain_parts
    truth = json.loads((events_dir / "truth.json").read_text())["activity"]
    tables = [pq.read_table(activity_dir / p) for p in parts]
    assert sum(t.num_rows for t in tables) == truth["rows_total"]
    assert all(t.schema.equals(EXPECTED_SCHEMA) for t in tables)
    assert f"{truth['rows_total']} activity rows" in capsys.readouterr().out


def test_parser_has_activity_out() -> None:
    parser = build_parser()
    assert parser.parse_args(["generate", "--out", "d"]).activity_out is None
    args = parser.parse_args(["generate", "--out", "d", "--activity-out", "a"])
    assert args.activity_out == "a"
