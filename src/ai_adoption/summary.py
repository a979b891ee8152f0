"""Print the headline metrics per feature from a built DuckDB warehouse.

Ratios are recomputed from the additive numerators and denominators of
``fct_ai_feature_daily`` over the whole period (never averaged per day).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

_FEATURE_QUERY = """
select
    feature,
    sum(sessions) as sessions,
    sum(outputs_generated) as outputs_generated,
    sum(outputs_accepted) as outputs_accepted,
    sum(accepted_edit_distance_sum) as accepted_edit_distance_sum,
    sum(sessions_handed_off) as sessions_handed_off,
    sum(sessions_with_output) as sessions_with_output,
    sum(returned_sessions) as returned_sessions,
    sum(return_eligible_sessions) as return_eligible_sessions,
    sum(outputs_verified) as outputs_verified,
    sum(outputs_viewed) as outputs_viewed
from {schema}.fct_ai_feature_daily
group by feature
order by feature
"""

_QUALITY_QUERY = """
select
    sum(rows_received), sum(events_clean), sum(duplicates), sum(rows_rejected),
    sum(unmapped_events), sum(orphan_output_events)
from {schema}.fct_ai_event_quality_daily
"""


@dataclass(frozen=True)
class FeatureSummary:
    """Headline numbers of one feature over the whole period."""

    feature: str
    sessions: int
    outputs_generated: int
    outputs_accepted: int
    acceptance_rate: float | None
    edit_depth: float | None
    handoff_rate: float | None
    verification_rate: float | None
    return_rate: float | None


def _ratio(numerator: Any, denominator: Any) -> float | None:
    if not denominator:
        return None
    return float(numerator) / float(denominator)


def find_schema(connection: Any, table: str = "fct_ai_feature_daily") -> str:
    """The schema holding ``table``; fails with a clear message when there is none."""
    rows = connection.execute(
        "select table_schema from information_schema.tables where table_name = ? order by 1",
        [table],
    ).fetchall()
    if not rows:
        raise ValueError(f"no table {table} in this database: run `make demo` or `dbt build` first")
    return str(rows[0][0])


def feature_summaries(database: Path) -> list[FeatureSummary]:
    """Read the per-feature headline metrics from the warehouse file."""
    import duckdb

    if not database.exists():
        raise ValueError(f"{database} does not exist: run `make demo` or `dbt build` first")
    with duckdb.connect(str(database), read_only=True) as connection:
        schema = find_schema(connection)
        rows = connection.execute(_FEATURE_QUERY.format(schema=schema)).fetchall()
    return [
        FeatureSummary(
            feature=row[0],
            sessions=int(row[1]),
            outputs_generated=int(row[2]),
            outputs_accepted=int(row[3]),
            acceptance_rate=_ratio(row[3], row[2]),
            edit_depth=_ratio(row[4], row[3]),
            handoff_rate=_ratio(row[5], row[6]),
            verification_rate=_ratio(row[9], row[10]),
            return_rate=_ratio(row[7], row[8]),
        )
        for row in rows
    ]


def quality_line(database: Path) -> str:
    """One line on what arrived and where it went."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        schema = find_schema(connection, "fct_ai_event_quality_daily")
        row = connection.execute(_QUALITY_QUERY.format(schema=schema)).fetchone()
    assert row is not None
    received, clean, duplicates, rejected, unmapped, orphans = (int(v or 0) for v in row)
    return (
        f"rows received {received:,}: clean {clean:,}, duplicates {duplicates:,}, "
        f"rejected {rejected:,} (see stg_ai_events__rejected_events); "
        f"kept but flagged: unmapped {unmapped:,}, orphan output events {orphans:,}"
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
    ranked.primary_shape, ranked.verdict_since, ranked.break_stage, ranked.last_healthy_stage,
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
    verdict_since: str
    break_stage: str | None
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


def _float_or_none(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def feature_diagnoses(database: Path) -> list[FeatureDiagnosis]:
    """Per feature, the latest period with a verdict (or the latest one when none has)."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        schema = find_schema(connection, "fct_ai_feature_diagnosis")
        cursor = connection.execute(_DIAGNOSIS_QUERY.format(schema=schema))
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return [
        FeatureDiagnosis(
            feature=row["feature"],
            period_start=str(row["period_start"]),
            kind=row["kind"],
            risk=row["risk"],
            is_catalogued=bool(row["is_catalogued"]),
            primary_shape=row["primary_shape"],
            verdict_since=str(row["verdict_since"]),
            break_stage=row["break_stage"],
            last_healthy_stage=row["last_healthy_stage"],
            evidence_signal=row["evidence_signal"],
            evidence_value=_float_or_none(row["evidence_value"]),
            evidence_lower=_float_or_none(row["evidence_lower"]),
            evidence_upper=_float_or_none(row["evidence_upper"]),
            evidence_threshold=_float_or_none(row["evidence_threshold"]),
            evidence_sample_size=(
                None if row["evidence_sample_size"] is None else int(row["evidence_sample_size"])
            ),
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


def _bound(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def evidence_text(item: FeatureDiagnosis) -> str | None:
    """The primary shape's evidence with its interval, or None when there is none."""
    if item.evidence_signal is None or item.evidence_value is None:
        return None
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
        lines.append(
            f"  {item.feature:<16} {item.primary_shape:<20} period {item.period_start} "
            f"({judged} of {item.periods} periods judged), since {item.verdict_since}"
        )
        lines.append(f"  {'':<16} kind: {item.kind}, {item.risk} risk{catalogue}")
        chain = f"breaks at {item.break_stage}" if item.break_stage else "no stage below its bar"
        if item.last_healthy_stage:
            chain += f", last healthy stage {item.last_healthy_stage}"
        lines.append(f"  {'':<16} chain: {chain}")
        evidence = evidence_text(item)
        if evidence is not None:
            lines.append(f"  {'':<16} evidence: {evidence}; detected: {item.detected_shapes}")
        notes = watch_text(item)
        if notes is not None:
            lines.append(f"  {'':<16} {notes}")
        lines.append(f"  {'':<16} focus: {item.recommended_focus}")
    return "\n".join(lines)


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
        edit = "    -" if item.edit_depth is None else f"{item.edit_depth:5.2f}"
        lines.append(
            f"{item.feature:<16} {item.sessions:>8,} {item.outputs_generated:>8,} "
            f"{_percent(item.acceptance_rate):>7} {edit:>6} {_percent(item.handoff_rate):>7} "
            f"{_percent(item.verification_rate):>7} {_percent(item.return_rate):>7}"
        )
    lines.append(
        "accept = accepted / generated outputs; edit = mean edit distance of accepted outputs; "
        "handoff = sessions with an accepted output / sessions with an output; verify = verified "
        "/ viewed outputs; return = sessions followed by a same-job session within the window "
        "(settled windows only)."
    )
    return "\n".join(lines)


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
        row = connection.execute(_QUALITY_QUERY.format(schema=schema)).fetchone()
    assert row is not None
    received, clean, duplicates, rejected, unmapped, orphans = (int(v or 0) for v in row)
    return EventQuality(
        rows_received=received,
        events_clean=clean,
        duplicates=duplicates,
        rows_rejected=rejected,
        unmapped_events=unmapped,
        orphan_output_events=orphans,
    )
