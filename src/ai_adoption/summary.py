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
