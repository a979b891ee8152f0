"""Print the headline metrics per feature from a built DuckDB warehouse.

Ratios are recomputed from the additive numerators and denominators of
``fct_ai_feature_daily`` over the whole period (never averaged per day).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ai_adoption.warehouse import fetch_dicts, fetch_one, optional_float, optional_int, ratio

#: Each headline ratio as (field of HeadlineRatios, numerator, denominator); numerator and
#: denominator are additive columns of ``fct_ai_feature_daily``, summed over the grain of the
#: query before dividing.
RATIO_TERMS: tuple[tuple[str, str, str], ...] = (
    ("acceptance_rate", "outputs_accepted", "outputs_generated"),
    ("edit_depth", "accepted_edit_distance_sum", "outputs_accepted"),
    ("handoff_rate", "sessions_handed_off", "sessions_with_output"),
    ("verification_rate", "outputs_verified", "outputs_viewed"),
    ("return_rate", "returned_sessions", "return_eligible_sessions"),
)

#: The additive counts of ``fct_ai_feature_daily`` the headline metrics are built from.
SUMMED_COUNTS: tuple[str, ...] = (
    "sessions",
    *dict.fromkeys(column for _, *terms in RATIO_TERMS for column in terms),
)


def summed_counts_sql() -> str:
    """The select list summing every headline count, each aliased to its column name."""
    return ", ".join(f"sum({column}) as {column}" for column in SUMMED_COUNTS)


_FEATURE_QUERY = """
select feature, {sums}
from {schema}.fct_ai_feature_daily
group by feature
order by feature
"""

_QUALITY_QUERY = """
select
    sum(rows_received) as rows_received,
    sum(events_clean) as events_clean,
    sum(duplicates) as duplicates,
    sum(rows_rejected) as rows_rejected,
    sum(unmapped_events) as unmapped_events,
    sum(orphan_output_events) as orphan_output_events
from {schema}.fct_ai_event_quality_daily
"""


@dataclass(frozen=True)
class HeadlineRatios:
    """The headline ratios of one feature at one grain, each a ratio of summed counts."""

    acceptance_rate: float | None
    edit_depth: float | None
    handoff_rate: float | None
    verification_rate: float | None
    return_rate: float | None


def headline_ratios(counts: Mapping[str, Any]) -> HeadlineRatios:
    """The ratios of a row holding the summed counts of ``SUMMED_COUNTS`` by name."""
    return HeadlineRatios(
        **{
            name: ratio(counts[numerator], counts[denominator])
            for name, numerator, denominator in RATIO_TERMS
        }
    )


@dataclass(frozen=True)
class FeatureSummary:
    """Headline numbers of one feature over the whole period."""

    feature: str
    sessions: int
    outputs_generated: int
    outputs_accepted: int
    ratios: HeadlineRatios


def find_schema(connection: Any, table: str = "fct_ai_feature_daily") -> str:
    """The schema holding ``table``; fails with a clear message when there is none."""
    rows = fetch_dicts(
        connection,
        "select table_schema from information_schema.tables where table_name = ? order by 1",
        [table],
    )
    if not rows:
        raise ValueError(f"no table {table} in this database: run `make demo` or `dbt build` first")
    return str(rows[0]["table_schema"])


def feature_summaries(database: Path) -> list[FeatureSummary]:
    """Read the per-feature headline metrics from the warehouse file."""
    import duckdb

    if not database.exists():
        raise ValueError(f"{database} does not exist: run `make demo` or `dbt build` first")
    with duckdb.connect(str(database), read_only=True) as connection:
        schema = find_schema(connection)
        rows = fetch_dicts(
            connection, _FEATURE_QUERY.format(schema=schema, sums=summed_counts_sql())
        )
    return [
        FeatureSummary(
            feature=row["feature"],
            sessions=int(row["sessions"]),
            outputs_generated=int(row["outputs_generated"]),
            outputs_accepted=int(row["outputs_accepted"]),
            ratios=headline_ratios(row),
        )
        for row in rows
    ]


def quality_line(database: Path) -> str:
    """One line on what arrived and where it went."""
    quality = event_quality(database)
    return (
        f"rows received {quality.rows_received:,}: clean {quality.events_clean:,}, "
        f"duplicates {quality.duplicates:,}, rejected {quality.rows_rejected:,} "
        f"(see stg_ai_events__rejected_events); kept but flagged: unmapped "
        f"{quality.unmapped_events:,}, orphan output events {quality.orphan_output_events:,}"
    )


_DIAGNOSIS_QUERY = """
with ranked as (
    select
        *,
        row_number() over (
            partition by feature
            order by
                case when primary_shape = 'insufficient_data' then 1 else 0 end,
                period_start desc
        ) as recency
    from {schema}.fct_ai_feature_diagnosis
),
verdicts as (
    select feature, count(*) as periods,
        count(*) filter (where primary_shape = 'insufficient_data') as periods_insufficient
    from {schema}.fct_ai_feature_diagnosis
    group by feature
)
select
    ranked.feature, ranked.period_start, ranked.kind, ranked.risk, ranked.is_catalogued,
    ranked.primary_shape, ranked.is_provisional, ranked.is_stage_evidenced,
    ranked.candidate_shapes, ranked.verdict_since, ranked.break_stage,
    ranked.session_break_stage, ranked.last_healthy_stage,
    ranked.evidence_signal, ranked.evidence_value, ranked.evidence_lower, ranked.evidence_upper,
    ranked.evidence_threshold, ranked.evidence_sample_size, ranked.confidence_level,
    ranked.corroborated_by, ranked.detected_shapes, ranked.watch_shapes, ranked.watch_signals,
    ranked.inconclusive_shapes, ranked.recommended_focus,
    verdicts.periods, verdicts.periods_insufficient
from ranked
inner join verdicts on ranked.feature = verdicts.feature
where ranked.recency = 1
order by ranked.feature
"""


@dataclass(frozen=True)
class FeatureDiagnosis:
    """The latest judged diagnosis of one feature."""

    feature: str
    period_start: str
    kind: str
    risk: str
    is_catalogued: bool
    primary_shape: str
    is_provisional: bool
    is_stage_evidenced: bool
    candidate_shapes: str | None
    verdict_since: str
    break_stage: str | None
    session_break_stage: str | None
    last_healthy_stage: str | None
    evidence_signal: str | None
    evidence_value: float | None
    evidence_lower: float | None
    evidence_upper: float | None
    evidence_threshold: float | None
    evidence_sample_size: int | None
    confidence_level: float
    corroborated_by: str | None
    detected_shapes: str | None
    watch_shapes: str | None
    watch_signals: str | None
    inconclusive_shapes: str | None
    recommended_focus: str
    periods: int
    periods_insufficient: int


def feature_diagnoses(database: Path) -> list[FeatureDiagnosis]:
    """Per feature, the latest period with a verdict (or the latest one when none has)."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        schema = find_schema(connection, "fct_ai_feature_diagnosis")
        rows = fetch_dicts(connection, _DIAGNOSIS_QUERY.format(schema=schema))
    return [
        FeatureDiagnosis(
            feature=row["feature"],
            period_start=str(row["period_start"]),
            kind=row["kind"],
            risk=row["risk"],
            is_catalogued=bool(row["is_catalogued"]),
            primary_shape=row["primary_shape"],
            is_provisional=bool(row["is_provisional"]),
            is_stage_evidenced=bool(row["is_stage_evidenced"]),
            candidate_shapes=row["candidate_shapes"],
            verdict_since=str(row["verdict_since"]),
            break_stage=row["break_stage"],
            session_break_stage=row["session_break_stage"],
            last_healthy_stage=row["last_healthy_stage"],
            evidence_signal=row["evidence_signal"],
            evidence_value=optional_float(row["evidence_value"]),
            evidence_lower=optional_float(row["evidence_lower"]),
            evidence_upper=optional_float(row["evidence_upper"]),
            evidence_threshold=optional_float(row["evidence_threshold"]),
            evidence_sample_size=optional_int(row["evidence_sample_size"]),
            confidence_level=float(row["confidence_level"]),
            corroborated_by=row["corroborated_by"],
            detected_shapes=row["detected_shapes"],
            watch_shapes=row["watch_shapes"],
            watch_signals=row["watch_signals"],
            inconclusive_shapes=row["inconclusive_shapes"],
            recommended_focus=row["recommended_focus"],
            periods=int(row["periods"]),
            periods_insufficient=int(row["periods_insufficient"]),
        )
        for row in rows
    ]


#: Unicode categories a terminal acts on instead of showing: controls (escape, bell, carriage
#: return, ...) and invisible format characters (direction overrides, zero widths).
UNSHOWN_CATEGORIES = frozenset({"Cc", "Cf"})


def terminal_text(text: str) -> str:
    """``text`` with each control or format character written as its escape (``\\x1b``), so
    a name read from the data can neither move the cursor, clear the screen, retitle the
    window nor reorder what follows it."""
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) in UNSHOWN_CATEGORIES
        else char
        for char in text
    )


def _bound(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def stage_evidence_text(item: FeatureDiagnosis) -> str | None:
    """For a verdict resting on a stage alone, what it rests on; otherwise None."""
    if not item.is_stage_evidenced:
        return None
    return (
        f"the {item.session_break_stage} stage alone (its pass rate per session is below its "
        f"bar, no signal fires); candidates: {item.candidate_shapes or 'none apply'}"
    )


PROVISIONAL_NOTE = "provisional: returns pending"


def evidence_text(item: FeatureDiagnosis) -> str | None:
    """The primary shape's evidence with its interval, or None when there is none."""
    if item.evidence_signal is None or item.evidence_value is None:
        return stage_evidence_text(item)
    level = f"{item.confidence_level * 100:g}%"
    text = (
        f"{item.evidence_signal} = {item.evidence_value:.3f} ({level} interval "
        f"{_bound(item.evidence_lower)} to {_bound(item.evidence_upper)}, threshold "
        f"{item.evidence_threshold:g}, sample {item.evidence_sample_size})"
    )
    if item.corroborated_by:
        by = "its stage" if item.corroborated_by == "stage" else "a second signal"
        text += f", corroborated by {by}"
    return text


def watch_text(item: FeatureDiagnosis) -> str | None:
    """Watch notes and inconclusive shapes, or None when there are none."""
    parts = []
    if item.watch_shapes:
        parts.append(f"watch {item.watch_shapes} (lone signal: {item.watch_signals})")
    if item.inconclusive_shapes:
        parts.append(f"inconclusive {item.inconclusive_shapes}")
    return "; ".join(parts) or None


def format_diagnoses(diagnoses: list[FeatureDiagnosis]) -> str:
    """One block per feature: verdict, where the chain breaks, the evidence, the focus."""
    lines = ["diagnosis (latest judged period per feature):"]
    for item in diagnoses:
        judged = item.periods - item.periods_insufficient
        catalogue = "" if item.is_catalogued else ", not in the catalogue: defaults"
        provisional = f" ({PROVISIONAL_NOTE})" if item.is_provisional else ""
        lines.append(
            f"  {item.feature:<16} {item.primary_shape:<20} period {item.period_start}"
            f"{provisional} ({judged} of {item.periods} periods judged), since "
            f"{item.verdict_since}"
        )
        lines.append(f"  {'':<16} kind: {item.kind}, {item.risk} risk{catalogue}")
        chain = f"breaks at {item.break_stage}" if item.break_stage else "no stage below its bar"
        if item.last_healthy_stage:
            chain += f", last healthy stage {item.last_healthy_stage}"
        lines.append(f"  {'':<16} chain: {chain}")
        evidence = evidence_text(item)
        if evidence is not None and item.is_stage_evidenced:
            lines.append(f"  {'':<16} evidence: {evidence}")
        elif evidence is not None:
            lines.append(f"  {'':<16} evidence: {evidence}; detected: {item.detected_shapes}")
        notes = watch_text(item)
        if notes is not None:
            lines.append(f"  {'':<16} {notes}")
        lines.append(f"  {'':<16} focus: {item.recommended_focus}")
    return "\n".join(terminal_text(line) for line in lines)


def _percent(value: float | None) -> str:
    return "     -" if value is None else f"{value * 100:5.1f}%"


def format_table(summaries: list[FeatureSummary]) -> str:
    """The per-feature table as fixed-width text."""
    header = (
        f"{'feature':<16} {'sessions':>8} {'outputs':>8} {'accept':>7} {'edit':>6} "
        f"{'handoff':>7} {'verify':>7} {'return':>7}"
    )
    lines = [header, "-" * len(header)]
    for item in summaries:
        ratios = item.ratios
        edit = "    -" if ratios.edit_depth is None else f"{ratios.edit_depth:5.2f}"
        lines.append(
            f"{item.feature:<16} {item.sessions:>8,} {item.outputs_generated:>8,} "
            f"{_percent(ratios.acceptance_rate):>7} {edit:>6} "
            f"{_percent(ratios.handoff_rate):>7} {_percent(ratios.verification_rate):>7} "
            f"{_percent(ratios.return_rate):>7}"
        )
    lines.append(
        "accept = accepted / generated outputs; edit = mean edit distance of accepted outputs; "
        "handoff = sessions with an accepted output / sessions with an output; verify = verified "
        "/ viewed outputs; return = sessions followed by a same-job session within the window "
        "(settled windows only)."
    )
    return "\n".join(terminal_text(line) for line in lines)


@dataclass(frozen=True)
class EventQuality:
    """What arrived over the whole period and where it went (fct_ai_event_quality_daily)."""

    rows_received: int
    events_clean: int
    duplicates: int
    rows_rejected: int
    unmapped_events: int
    orphan_output_events: int


def event_quality(database: Path) -> EventQuality:
    """The load counts of the warehouse summed over every load date."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        schema = find_schema(connection, "fct_ai_event_quality_daily")
        row = fetch_one(connection, _QUALITY_QUERY.format(schema=schema))
    # An empty quality mart sums to nulls: nothing arrived, so every count is zero.
    return EventQuality(**{name: int(value or 0) for name, value in row.items()})
