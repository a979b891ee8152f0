"""The diagnosis finds what the generator planted, and nothing else, with events lost.

The generator plants one failure shape per feature (see FEATURE_PROFILES in
src/ai_adoption/profiles.py), noise below every other threshold, healthy features of three
kinds (an on-demand draft, inline suggestions requested every few seconds, a chat whose
copies are its handoff) and one shape that sets in part-way through the period. Here logs of
several seeds and sizes are generated with the CLI with a quarter of the client events lost
in delivery, the diagnosis is built with dbt (default vars, weekly periods) and its verdicts
are held against the plan:

* a healthy feature is never given a failure shape and never has a detected one;
* a planted shape is the verdict in at least 90 % of the judged weeks after its onset (the
  whole period when it has none), no other shape is detected, and the feature is healthy
  (or not judged) in the weeks before its onset; a provisional ``healthy`` (returns still
  pending) is no judgement of a planted shape, but a provisional failure shape must be the
  planted one;
* each planted or healthy feature is judged in at least half of its weeks;
* slide_outline (three users) is ``insufficient_data`` every week;
* a full ``dbt build`` passes every test with 30 % of client events lost.

On a failure the confusion matrix (planted vs diagnosed primary_shape, counted over
feature-weeks) and the offending rows with their firing signals are printed; ``pytest -s``
prints the matrices of passing builds too.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from conftest import QUICK_BUILD_EXCLUDES, assert_build_ran_everything, generate_events, run_dbt

MARTS = "main_ai_adoption"

SEEDS: tuple[int, ...] = (7, 42, 2024)
SCALES: tuple[int, ...] = (100_000, 250_000)
#: Builds run side by side (each dbt run uses 2 threads).
PARALLEL_BUILDS = 2
#: Share of client events lost in delivery in the diagnosis builds, and in the full build.
LOSS = 0.25
FULL_BUILD_LOSS = 0.3
FULL_BUILD_EVENTS = 40_000
#: A planted shape must be the verdict in at least this share of the judged weeks after onset.
MIN_PLANTED_SHARE = 0.9
WEEK = timedelta(days=7)

HEALTHY = "healthy"
INSUFFICIENT = "insufficient_data"

#: feature -> the failure shape planted in it (None: nothing planted).
PLANTED: Mapping[str, str | None] = {
    "email_draft": None,
    "report_builder": "prompt_paralysis",
    "account_summary": "trust_decay",
    "meeting_notes": "output_abandonment",
    "ticket_reply": "correction_loop",
    "data_insights": "one_time_usefulness",
    "slide_outline": None,
    "inline_complete": None,
    "chat_assist": None,
    "search_answers": "trust_decay",  # from its onset date on (truth.json)
    "contract_clause": "trust_decay",  # high risk, accepted without any check
}
#: Features too small to judge: insufficient_data every week.
TOO_SMALL: frozenset[str] = frozenset({"slide_outline"})
#: feature -> the primary_shape expected in every judged week (for a feature too small to
#: judge: in every week).
EXPECTED: Mapping[str, str] = {
    feature: INSUFFICIENT if feature in TOO_SMALL else shape or HEALTHY
    for feature, shape in PLANTED.items()
}
#: A planted feature must be judged in at least this share of its weeks.
MIN_JUDGED_SHARE = 0.5


# ---------------------------------------------------------------------------------------------
# reading a built warehouse
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """One row of fct_ai_feature_diagnosis, with the shapes detected in that week."""

    feature: str
    period_start: str
    sessions: int
    primary_shape: str
    is_provisional: bool
    break_stage: str | None
    detected: tuple[str, ...]  # shapes with is_detected, from fct_ai_failure_shapes
    firing: Mapping[str, str]  # detected shape -> its firing signals with value/threshold


def read_verdicts(db: Path) -> list[Verdict]:
    """Every feature-week of a built warehouse, with its detected shapes and their evidence."""
    with duckdb.connect(str(db), read_only=True) as con:
        weeks = con.execute(
            f"""
            select feature, cast(period_start as varchar), sessions, primary_shape,
                is_provisional, break_stage
            from {MARTS}.fct_ai_feature_diagnosis
            order by feature, period_start
            """
        ).fetchall()
        shapes = con.execute(
            f"""
            select feature, cast(period_start as varchar), shape
            from {MARTS}.fct_ai_failure_shapes
            where is_detected
            order by feature, period_start, shape
            """
        ).fetchall()
        signals = con.execute(
            f"""
            select feature, cast(period_start as varchar), shape, signal, signal_value,
                threshold, sample_size
            from {MARTS}.fct_ai_usage_signals
            where is_firing
            order by feature, period_start, shape, signal
            """
        ).fetchall()
    detected: dict[tuple[str, str], list[str]] = {}
    for feature, period, shape in shapes:
        detected.setdefault((feature, period), []).append(shape)
    firing: dict[tuple[str, str], dict[str, list[str]]] = {}
    for feature, period, shape, signal, value, threshold, sample in signals:
        evidence = f"{signal}={value:.3f} (threshold {threshold:g}, n={sample})"
        firing.setdefault((feature, period), {}).setdefault(shape, []).append(evidence)
    return [
        Verdict(
            feature=feature,
            period_start=period,
            sessions=sessions,
            primary_shape=primary,
            is_provisional=provisional,
            break_stage=break_stage,
            detected=tuple(detected.get((feature, period), ())),
            firing={
                shape: "; ".join(items)
                for shape, items in firing.get((feature, period), {}).items()
            },
        )
        for feature, period, sessions, primary, provisional, break_stage in weeks
    ]


def planted_label(feature: str, phase: str = "after") -> str:
    """A confusion-matrix row: the feature and the verdict planted in it in that phase."""
    if phase == "before":
        return f"{feature}: {HEALTHY} (before onset)"
    if phase == "during":
        return f"{feature}: onset week"
    return f"{feature}: {EXPECTED.get(feature, '?')}"


def confusion_from_verdicts(
    verdicts: Iterable[Verdict], onsets: Mapping[str, date | None] | None = None
) -> Counter[tuple[str, str]]:
    """(planted, diagnosed primary_shape) -> number of feature-weeks."""
    onsets = onsets or {}
    return Counter(
        (planted_label(v.feature, _phase(v, onsets.get(v.feature))), v.primary_shape)
        for v in verdicts
    )


def confusion_matrix(db: Path, onsets: Mapping[str, date | None]) -> Counter[tuple[str, str]]:
    """The confusion matrix of a built warehouse: planted (one row per feature and phase,
    named with its planted verdict) vs diagnosed primary_shape, counted over feature-weeks."""
    return confusion_from_verdicts(read_verdicts(db), onsets)


def format_confusion(matrix: Mapping[tuple[str, str], int], title: str = "") -> str:
    """The matrix as a text table: one row per planted shape, one column per diagnosis."""
    planted = sorted({p for p, _ in matrix})
    diagnosed = sorted({d for _, d in matrix})
    width = max(len(s) for s in [*planted, "planted \\ diagnosed"]) + 2
    columns = [max(len(d), 4) + 2 for d in diagnosed]
    lines = [title] if title else []
    lines.append(
        "planted \\ diagnosed".ljust(width)
        + "".join(d.rjust(c) for d, c in zip(diagnosed, columns, strict=True))
    )
    for p in planted:
        cells = "".join(
            str(matrix.get((p, d), 0) or ".").rjust(c)
            for d, c in zip(diagnosed, columns, strict=True)
        )
        lines.append(p.ljust(width) + cells)
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# the rules
# ---------------------------------------------------------------------------------------------


def _phase(v: Verdict, onset: date | None) -> str:
    """before, during or after the onset of the feature's planted shape (after: no onset)."""
    if onset is None:
        return "after"
    start = date.fromisoformat(v.period_start)
    if start + WEEK <= onset:
        return "before"
    return "after" if start >= onset else "during"


def diagnosis_problems(
    verdicts: Sequence[Verdict], onsets: Mapping[str, date | None] | None = None
) -> list[str]:
    """Every way the verdicts differ from the plan (empty when the diagnosis is right)."""
    onsets = onsets or {}
    problems: list[str] = []
    by_feature: dict[str, list[Verdict]] = {}
    for v in verdicts:
        by_feature.setdefault(v.feature, []).append(v)
    for feature in PLANTED:
        if feature not in by_feature:
            problems.append(f"{feature}: no week diagnosed at all")
    for feature, weeks in sorted(by_feature.items()):
        if feature not in PLANTED:
            problems.append(f"{feature}: a feature the generator does not make")
            continue
        planted = PLANTED[feature]
        onset = onsets.get(feature)
        planted_weeks = judged_after = 0
        for v in weeks:
            where = f"{feature} {v.period_start} ({v.sessions} sessions)"
            phase = _phase(v, onset)
            allowed = {planted} - {None} if phase != "before" else set()
            expected = (
                {EXPECTED[feature], INSUFFICIENT} if phase == "after" else {HEALTHY, INSUFFICIENT}
            )
            if phase == "during":
                expected |= allowed
            if planted is not None and phase == "after":
                # a planted shape may be missed in a few weeks (healthy), never replaced
                expected.add(HEALTHY)
                # a provisional healthy week waits for its returns: not yet a judgement
                pending = v.is_provisional and v.primary_shape == HEALTHY
                judged_after += v.primary_shape != INSUFFICIENT and not pending
                planted_weeks += v.primary_shape == planted
            if v.primary_shape not in expected:
                problems.append(f"{where}: {v.primary_shape}, expected one of {sorted(expected)}")
            for shape in v.detected:
                if shape not in allowed:
                    problems.append(
                        f"{where}: {shape} detected, not planted: {v.firing.get(shape, '?')}"
                    )
        missed = planted_weeks < MIN_PLANTED_SHARE * judged_after
        if planted is not None and feature not in TOO_SMALL and missed:
            problems.append(
                f"{feature}: {planted} in only {planted_weeks} of {judged_after} judged weeks"
                " after its onset"
            )
        if feature not in TOO_SMALL:
            judged = sum(v.primary_shape != INSUFFICIENT for v in weeks)
            if judged < MIN_JUDGED_SHARE * len(weeks):
                problems.append(f"{feature}: judged in only {judged} of {len(weeks)} weeks")
    return problems


def describe(verdicts: Sequence[Verdict], problems: Sequence[str], title: str) -> str:
    """The failure report: the confusion matrix, then the offending rows."""
    offending = {p.split(" (", 1)[0] for p in problems}
    rows = [
        f"  {v.feature:16s} {v.period_start} sessions={v.sessions:<5d} "
        f"primary={v.primary_shape} break={v.break_stage} detected={list(v.detected)}"
        + "".join(f"\n      {shape}: {ev}" for shape, ev in v.firing.items())
        for v in verdicts
        if f"{v.feature} {v.period_start}" in offending
    ]
    return "\n".join(
        [
            format_confusion(confusion_from_verdicts(verdicts), title),
            "problems:",
            *(f"  {p}" for p in problems),
            "offending feature-weeks and their firing signals:",
            *rows,
        ]
    )


# ---------------------------------------------------------------------------------------------
# builds
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiagnosisBuild:
    seed: int
    events: int
    db: Path
    seconds: float
    onsets: Mapping[str, date | None]


def _build(root: Path, seed: int, events: int) -> DiagnosisBuild:
    started = time.monotonic()
    workdir = root / f"seed{seed}_events{events}"
    data_dir = workdir / "events"
    truth = generate_events(data_dir, events, seed, loss=LOSS)
    run = run_dbt(
        workdir,
        data_dir / "*.parquet",
        extra_args=("--select", "+fct_ai_feature_diagnosis", *QUICK_BUILD_EXCLUDES),
    )
    onsets = {
        feature: date.fromisoformat(facts["onset_date"]) if facts.get("onset_date") else None
        for feature, facts in truth["features"].items()
    }
    return DiagnosisBuild(seed, events, run.db, time.monotonic() - started, onsets)


@pytest.fixture(scope="module")
def diagnosis_builds(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[tuple[int, int], DiagnosisBuild]:
    """One generated log and diagnosis build per (seed, events), two builds at a time."""
    root = tmp_path_factory.mktemp("diagnosis")
    combos = [(seed, events) for seed in SEEDS for events in SCALES]
    with ThreadPoolExecutor(max_workers=PARALLEL_BUILDS) as pool:
        builds = list(pool.map(lambda c: _build(root, *c), combos))
    return {(b.seed, b.events): b for b in builds}


# ---------------------------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("events", SCALES, ids=lambda n: f"{n // 1000}k")
@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed{s}")
def test_diagnosis_finds_exactly_the_planted_shapes(
    diagnosis_builds: dict[tuple[int, int], DiagnosisBuild], seed: int, events: int
) -> None:
    build = diagnosis_builds[(seed, events)]
    verdicts = read_verdicts(build.db)
    title = (
        f"seed {seed}, {events} events, {LOSS:.0%} of client events lost "
        f"(generate + build {build.seconds:.0f} s)"
    )
    print("\n" + format_confusion(confusion_from_verdicts(verdicts, build.onsets), title))
    problems = diagnosis_problems(verdicts, build.onsets)
    assert not problems, "\n" + describe(verdicts, problems, title)


def test_confusion_matrix_over_all_builds(
    diagnosis_builds: dict[tuple[int, int], DiagnosisBuild],
) -> None:
    total: Counter[tuple[str, str]] = Counter()
    for build in diagnosis_builds.values():
        total += confusion_matrix(build.db, build.onsets)
    print("\n" + format_confusion(total, f"all {len(diagnosis_builds)} builds"))
    # a failure shape is never diagnosed where another (or none) was planted
    off_plan = {
        (planted, diagnosed): n
        for (planted, diagnosed), n in total.items()
        if diagnosed not in (HEALTHY, INSUFFICIENT)
        and not planted.endswith(f": {diagnosed}")
        and not planted.endswith("onset week")
    }
    assert not off_plan, format_confusion(total, "all builds")


# ---------------------------------------------------------------------------------------------
# the checks themselves can fail (no build needed)
# ---------------------------------------------------------------------------------------------


def _week(
    feature: str,
    primary: str,
    detected: tuple[str, ...] = (),
    day: int = 3,
    provisional: bool = False,
) -> Verdict:
    return Verdict(
        feature=feature,
        period_start=f"2026-08-{day:02d}",
        sessions=100,
        primary_shape=primary,
        is_provisional=provisional,
        break_stage=None,
        detected=detected,
        firing={s: "some_signal=1.000 (threshold 0.5, n=50)" for s in detected},
    )


def _planned_weeks() -> list[Verdict]:
    return [
        _week(feature, EXPECTED[feature], detected)
        for feature, shape in PLANTED.items()
        for detected in [(shape,) if shape else ()]
    ]


def test_checks_accept_the_plan() -> None:
    assert diagnosis_problems(_planned_weeks()) == []


@pytest.mark.parametrize(
    ("feature", "primary", "detected"),
    [
        ("email_draft", "prompt_paralysis", ("prompt_paralysis",)),  # healthy feature flagged
        ("email_draft", HEALTHY, ("trust_decay",)),  # a detection under a healthy verdict
        ("ticket_reply", "trust_decay", ("correction_loop", "trust_decay")),  # wrong primary
        ("ticket_reply", "correction_loop", ("correction_loop", "trust_decay")),  # extra shape
        ("data_insights", HEALTHY, ()),  # planted shape missed
        ("slide_outline", HEALTHY, ()),  # too small, but judged
    ],
)
def test_checks_catch_a_wrong_diagnosis(
    feature: str, primary: str, detected: tuple[str, ...]
) -> None:
    weeks = [v for v in _planned_weeks() if v.feature != feature]
    weeks.append(_week(feature, primary, detected))
    problems = diagnosis_problems(weeks)
    assert problems and all(p.startswith(feature) for p in problems), problems
    report = describe(weeks, problems, "broken")
    assert "planted \\ diagnosed" in report and feature in report


def test_checks_want_planted_features_judged_in_half_the_weeks() -> None:
    weeks = [v for v in _planned_weeks() if v.feature != "report_builder"]
    weeks += [_week("report_builder", INSUFFICIENT, day=d) for d in (3, 10, 17)]
    weeks.append(_week("report_builder", "prompt_paralysis", ("prompt_paralysis",), day=24))
    assert diagnosis_problems(weeks) == ["report_builder: judged in only 1 of 4 weeks"]


def test_checks_want_the_planted_shape_in_most_weeks_after_onset() -> None:
    onset = date(2026, 8, 17)
    weeks = [v for v in _planned_weeks() if v.feature != "search_answers"]
    weeks.append(_week("search_answers", HEALTHY, day=3))  # before the onset: healthy
    weeks.append(_week("search_answers", HEALTHY, day=10))  # the week before: healthy
    weeks += [_week("search_answers", "trust_decay", ("trust_decay",), day=d) for d in (17, 24)]
    assert diagnosis_problems(weeks, {"search_answers": onset}) == []
    # healthy in 1 of 3 weeks after the onset: under 90 %
    weeks.append(_week("search_answers", HEALTHY, day=31))
    assert diagnosis_problems(weeks, {"search_answers": onset}) == [
        "search_answers: trust_decay in only 2 of 3 judged weeks after its onset"
    ]
    # the planted shape before its onset is a false alarm
    early = [v for v in weeks if v.period_start != "2026-08-31"]
    early[early.index(_week("search_answers", HEALTHY, day=3))] = _week(
        "search_answers", "trust_decay", ("trust_decay",), day=3
    )
    problems = diagnosis_problems(early, {"search_answers": onset})
    assert problems and all(p.startswith("search_answers 2026-08-03") for p in problems), problems


def test_checks_wait_for_the_returns_of_provisional_weeks() -> None:
    weeks = [v for v in _planned_weeks() if v.feature != "data_insights"]
    weeks += [
        _week("data_insights", "one_time_usefulness", ("one_time_usefulness",), day=d)
        for d in (3, 10, 17)
    ]
    pending = [_week("data_insights", HEALTHY, day=d, provisional=True) for d in (24, 31)]
    assert diagnosis_problems(weeks + pending) == []
    # the same weeks, settled and healthy, miss the planted shape
    settled = [_week("data_insights", HEALTHY, day=d) for d in (24, 31)]
    assert diagnosis_problems(weeks + settled) == [
        "data_insights: one_time_usefulness in only 3 of 5 judged weeks after its onset"
    ]
    # a provisional failure shape on a healthy feature is a false alarm all the same
    alarm = [v for v in _planned_weeks() if v.feature != "email_draft"]
    alarm.append(_week("email_draft", "trust_decay", ("trust_decay",), provisional=True))
    problems = diagnosis_problems(alarm)
    assert problems and all(p.startswith("email_draft") for p in problems), problems


def test_full_build_passes_with_lost_events(tmp_path: Path) -> None:
    """Every data test and unit test of the project passes on a log missing 30 % of its
    client events (no range test, no reconciliation broken by the loss)."""
    data_dir = tmp_path / "events"
    truth = generate_events(data_dir, FULL_BUILD_EVENTS, seed=11, loss=FULL_BUILD_LOSS)
    assert truth["lost_events"] > 0.2 * truth["good_events"]
    run_dbt(tmp_path, data_dir / "*.parquet")
    assert_build_ran_everything(tmp_path)
