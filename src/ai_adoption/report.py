"""Write the marts of a built DuckDB warehouse as one self-contained HTML report.

The page holds, for the whole data horizon: the load counts, one chart of the weekly
acceptance, edit depth, handoff and return per feature, and one card per feature with its
headline metrics, its six-stage funnel and the diagnosis of its latest judged period (the
failure shape, where the chain breaks, the evidence and the focus).

Everything is read through a read-only connection. Ratios are recomputed from summed
numerators and denominators at the grain shown (whole period or week), never averaged.
plotly.js is embedded once, so the file opens offline. Numbers carry ``data-metric`` and
``data-value`` attributes (full precision) and texts from the diagnosis ``data-field``, each
with ``data-feature`` (and ``data-stage`` or ``data-shape`` where it belongs to one), so
the page can be checked against the marts.
"""

from __future__ import annotations

import html
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ai_adoption.summary import (
    EventQuality,
    FeatureDiagnosis,
    FeatureSummary,
    event_quality,
    feature_diagnoses,
    feature_summaries,
)

if TYPE_CHECKING:
    import duckdb

logger = logging.getLogger("ai_adoption.report")

DEFAULT_OUT = Path("target/report/ai_adoption_report.html")

#: The chain, in order.
STAGES: tuple[str, ...] = ("trigger", "context", "output", "verification", "handoff", "return")

#: Marts the report reads; all live in one schema.
REQUIRED_MARTS: tuple[str, ...] = (
    "fct_ai_feature_daily",
    "fct_ai_sessions",
    "fct_ai_feature_diagnosis",
    "fct_ai_failure_shapes",
    "fct_ai_event_quality_daily",
    "dim_ai_features",
)

REMEDY = "run `make build` first (or `make demo` for a sample warehouse)"

_BREAK_COLOUR = "#c0392b"
_STAGE_COLOUR = "#4c78a8"
_UNMEASURED_COLOUR = "#c8c8c8"
_ENTRY_COLOUR = "#8da0b8"


class ReportError(ValueError):
    """The warehouse cannot give a report: missing file or missing marts."""


# ---- data -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Horizon:
    """The span and size of the data behind the report."""

    first_activity_date: date | None
    last_activity_date: date | None
    data_as_of: datetime | None
    features: int
    sessions: int
    outputs_generated: int
    quality: EventQuality


@dataclass(frozen=True)
class FunnelStage:
    """Sessions of one feature through one stage of the chain (whole period).

    A session is through a stage when it failed none of the measured stages up to and
    including it; ``sessions_failed`` had this stage as their first failed one. At the
    return stage, sessions still inside their return window with no return yet
    (``sessions_pending``) are neither through nor failed.
    """

    stage: str
    is_measured: bool
    sessions_through: int
    sessions_failed: int
    sessions_pending: int


@dataclass(frozen=True)
class Funnel:
    """The six-stage funnel of one feature: all its sessions, then each stage."""

    sessions: int
    stages: tuple[FunnelStage, ...]


@dataclass(frozen=True)
class StageCheck:
    """One stage of the diagnosed period: its pass rate against its healthy bar."""

    stage: str
    pass_rate: float | None
    healthy_bar: float | None
    is_healthy: bool | None


@dataclass(frozen=True)
class ShapeEvidence:
    """One failure shape in the diagnosed period (fct_ai_failure_shapes)."""

    shape: str
    stages: str | None
    is_detected: bool
    is_judged: bool
    signals_judged: int
    signals_firing: int
    evidence_signal: str | None
    evidence_value: float | None
    evidence_direction: str | None
    evidence_threshold: float | None
    evidence_sample_size: int | None


@dataclass(frozen=True)
class WeeklyRatios:
    """One feature in one week (weeks start on Monday), ratios of summed counts."""

    feature: str
    week_start: date
    acceptance_rate: float | None
    edit_depth: float | None
    handoff_rate: float | None
    return_rate: float | None


@dataclass(frozen=True)
class FeatureReport:
    """Everything one feature card shows."""

    summary: FeatureSummary
    diagnosis: FeatureDiagnosis | None
    shape_description: str | None
    stage_checks: tuple[StageCheck, ...]
    shapes: tuple[ShapeEvidence, ...]
    funnel: Funnel | None


@dataclass(frozen=True)
class ReportData:
    """The report's content, read from the marts."""

    database: Path
    horizon: Horizon
    features: tuple[FeatureReport, ...]
    weekly: tuple[WeeklyRatios, ...]


def _ratio(numerator: Any, denominator: Any) -> float | None:
    if not denominator:
        return None
    return float(numerator) / float(denominator)


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def marts_schema(connection: duckdb.DuckDBPyConnection, database: Path) -> str:
    """The schema holding the marts; fails naming every missing mart and the remedy."""
    rows = connection.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_name in (select unnest(?::varchar[])) order by 1, 2",
        [list(REQUIRED_MARTS)],
    ).fetchall()
    by_schema: dict[str, set[str]] = defaultdict(set)
    for schema, table in rows:
        by_schema[str(schema)].add(str(table))
    best = max(sorted(by_schema), key=lambda schema: len(by_schema[schema]), default=None)
    found = by_schema[best] if best is not None else set()
    missing = [mart for mart in REQUIRED_MARTS if mart not in found]
    if best is None or missing:
        raise ReportError(f"{database} lacks the mart(s) {', '.join(missing)}: {REMEDY}")
    return best


def _horizon(connection: duckdb.DuckDBPyConnection, schema: str, database: Path) -> Horizon:
    row = connection.execute(
        f"""
        select
            min(activity_date), max(activity_date), count(distinct feature),
            sum(sessions), sum(outputs_generated)
        from {schema}.fct_ai_feature_daily
        """
    ).fetchone()
    as_of = connection.execute(
        f"select max(last_occurred_at) from {schema}.fct_ai_event_quality_daily"
    ).fetchone()
    assert row is not None and as_of is not None
    return Horizon(
        first_activity_date=row[0],
        last_activity_date=row[1],
        data_as_of=as_of[0],
        features=int(row[2]),
        sessions=int(row[3] or 0),
        outputs_generated=int(row[4] or 0),
        quality=event_quality(database),
    )


def _funnels(connection: duckdb.DuckDBPyConnection, schema: str) -> dict[str, Funnel]:
    measured_columns = ", ".join(f"measures_{stage}" for stage in STAGES)
    measured = {
        str(row[0]): tuple(bool(flag) for flag in row[1:])
        for row in connection.execute(
            f"select feature, {measured_columns} from {schema}.dim_ai_features"
        ).fetchall()
    }
    failed: dict[str, dict[str | None, int]] = defaultdict(dict)
    unsettled: dict[str, int] = defaultdict(int)
    for feature, break_stage, sessions, pending in connection.execute(
        f"""
        select
            feature,
            break_stage,
            count(*),
            count(*) filter (where break_stage is null and is_return_passed is null)
        from {schema}.fct_ai_sessions
        group by 1, 2
        """
    ).fetchall():
        failed[str(feature)][break_stage] = int(sessions)
        unsettled[str(feature)] += int(pending)
    funnels: dict[str, Funnel] = {}
    for feature, counts in failed.items():
        flags = measured.get(feature, (True,) * len(STAGES))
        sessions = sum(counts.values())
        through = sessions
        stages: list[FunnelStage] = []
        for stage, is_measured in zip(STAGES, flags, strict=True):
            failed_here = counts.get(stage, 0)
            pending = unsettled[feature] if stage == "return" and is_measured else 0
            through -= failed_here + pending
            stages.append(FunnelStage(stage, is_measured, through, failed_here, pending))
        funnels[feature] = Funnel(sessions=sessions, stages=tuple(stages))
    return funnels


def _stage_checks(
    connection: duckdb.DuckDBPyConnection, schema: str
) -> dict[tuple[str, str], tuple[str, tuple[StageCheck, ...]]]:
    columns = ", ".join(
        f"{stage}_pass_rate, {stage}_healthy_bar, is_{stage}_healthy" for stage in STAGES
    )
    checks: dict[tuple[str, str], tuple[str, tuple[StageCheck, ...]]] = {}
    for row in connection.execute(
        f"""
        select feature, period_start, primary_shape_description, {columns}
        from {schema}.fct_ai_feature_diagnosis
        """
    ).fetchall():
        values = row[3:]
        stage_checks = tuple(
            StageCheck(
                stage=stage,
                pass_rate=_optional_float(values[3 * index]),
                healthy_bar=_optional_float(values[3 * index + 1]),
                is_healthy=values[3 * index + 2],
            )
            for index, stage in enumerate(STAGES)
        )
        checks[(str(row[0]), str(row[1]))] = (str(row[2]), stage_checks)
    return checks


def _shapes(
    connection: duckdb.DuckDBPyConnection, schema: str
) -> dict[tuple[str, str], tuple[ShapeEvidence, ...]]:
    shapes: dict[tuple[str, str], list[ShapeEvidence]] = defaultdict(list)
    for row in connection.execute(
        f"""
        select
            feature, period_start, shape, shape_stages, is_detected, is_judged,
            signals_judged, signals_firing, evidence_signal, evidence_value,
            evidence_direction, evidence_threshold, evidence_sample_size
        from {schema}.fct_ai_failure_shapes
        order by feature, period_start, is_detected desc, severity desc nulls last, shape
        """
    ).fetchall():
        shapes[(str(row[0]), str(row[1]))].append(
            ShapeEvidence(
                shape=str(row[2]),
                stages=row[3],
                is_detected=bool(row[4]),
                is_judged=bool(row[5]),
                signals_judged=int(row[6] or 0),
                signals_firing=int(row[7] or 0),
                evidence_signal=row[8],
                evidence_value=_optional_float(row[9]),
                evidence_direction=row[10],
                evidence_threshold=_optional_float(row[11]),
                evidence_sample_size=_optional_int(row[12]),
            )
        )
    return {key: tuple(items) for key, items in shapes.items()}


def _weekly(connection: duckdb.DuckDBPyConnection, schema: str) -> tuple[WeeklyRatios, ...]:
    rows = connection.execute(
        f"""
        select
            feature,
            cast(date_trunc('week', activity_date) as date) as week_start,
            sum(outputs_generated), sum(outputs_accepted), sum(accepted_edit_distance_sum),
            sum(sessions_with_output), sum(sessions_handed_off),
            sum(return_eligible_sessions), sum(returned_sessions)
        from {schema}.fct_ai_feature_daily
        group by 1, 2
        order by 1, 2
        """
    ).fetchall()
    return tuple(
        WeeklyRatios(
            feature=str(row[0]),
            week_start=row[1],
            acceptance_rate=_ratio(row[3], row[2]),
            edit_depth=_ratio(row[4], row[3]),
            handoff_rate=_ratio(row[6], row[5]),
            return_rate=_ratio(row[8], row[7]),
        )
        for row in rows
    )


def load_report_data(database: Path) -> ReportData:
    """Read everything the report shows from the warehouse file."""
    import duckdb

    if not database.is_file():
        raise ReportError(f"{database} does not exist: {REMEDY}")
    with duckdb.connect(str(database), read_only=True) as connection:
        schema = marts_schema(connection, database)
        horizon = _horizon(connection, schema, database)
        funnels = _funnels(connection, schema)
        checks = _stage_checks(connection, schema)
        shapes = _shapes(connection, schema)
        weekly = _weekly(connection, schema)
    diagnoses = {item.feature: item for item in feature_diagnoses(database)}
    features: list[FeatureReport] = []
    for summary in feature_summaries(database):
        diagnosis = diagnoses.get(summary.feature)
        key = (summary.feature, diagnosis.period_start) if diagnosis else None
        description, stage_checks = checks.get(key, (None, ())) if key else (None, ())
        features.append(
            FeatureReport(
                summary=summary,
                diagnosis=diagnosis,
                shape_description=description,
                stage_checks=stage_checks,
                shapes=shapes.get(key, ()) if key else (),
                funnel=funnels.get(summary.feature),
            )
        )
    return ReportData(database=database, horizon=horizon, features=tuple(features), weekly=weekly)


# ---- formatting -----------------------------------------------------------------------------

_MISSING = "–"


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _count_text(value: int | None) -> str:
    return _MISSING if value is None else f"{value:,}"


def _percent_text(value: float | None) -> str:
    return _MISSING if value is None else f"{value * 100:.1f} %"


def _number_text(value: float | None, digits: int = 2) -> str:
    return _MISSING if value is None else f"{value:,.{digits}f}"


def _is_share(signal: str | None) -> bool:
    """Signals that are shares (or differences of shares) read best as percentages."""
    return signal is not None and signal.endswith(("_rate", "_share", "_drop"))


def _signal_text(signal: str | None, value: float | None) -> str:
    return _percent_text(value) if _is_share(signal) else _number_text(value)


def _label(name: str | None) -> str:
    return _MISSING if name is None else name.replace("_", " ")


def _data_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _context_attributes(
    feature: str | None, stage: str | None = None, shape: str | None = None
) -> str:
    parts = []
    if feature is not None:
        parts.append(f' data-feature="{_esc(feature)}"')
    if stage is not None:
        parts.append(f' data-stage="{_esc(stage)}"')
    if shape is not None:
        parts.append(f' data-shape="{_esc(shape)}"')
    return "".join(parts)


def _metric(
    name: str,
    value: float | int | date | None,
    text: str,
    *,
    feature: str | None = None,
    stage: str | None = None,
    shape: str | None = None,
) -> str:
    """A number with its full-precision value in ``data-value`` (empty when null)."""
    return (
        f'<span class="metric-value" data-metric="{_esc(name)}"'
        f"{_context_attributes(feature, stage, shape)}"
        f' data-value="{_esc(_data_value(value))}">{_esc(text)}</span>'
    )


def _field(name: str, value: str | None, *, feature: str, text: str | None = None) -> str:
    """A text from the diagnosis marts; ``data-value`` holds the raw value (empty when null)."""
    shown = text if text is not None else (_MISSING if value is None else value)
    return (
        f'<span class="field" data-field="{_esc(name)}"{_context_attributes(feature)}'
        f' data-value="{_esc(value or "")}">{_esc(shown)}</span>'
    )


def _size_text(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{size / 1_000:.0f} kB"


# ---- charts ---------------------------------------------------------------------------------


class _Charts:
    """Turns figures into HTML fragments; plotly.js goes into the first one only."""

    def __init__(self) -> None:
        self.count = 0

    def html(self, figure: Any, div_id: str, *, toolbar: bool = True) -> str:
        import plotly.io as pio  # type: ignore[import-untyped]

        fragment: str = pio.to_html(
            figure,
            full_html=False,
            include_plotlyjs=self.count == 0,
            div_id=div_id,
            config={"displaylogo": False, "responsive": True, "displayModeBar": toolbar},
        )
        self.count += 1
        return fragment


def _feature_colours(features: Sequence[str]) -> dict[str, str]:
    from plotly.colors import qualitative  # type: ignore[import-untyped]

    palette: list[str] = list(qualitative.D3)
    return {feature: palette[index % len(palette)] for index, feature in enumerate(features)}


def _weekly_figure(weekly: Sequence[WeeklyRatios], colours: dict[str, str]) -> Any:
    import plotly.graph_objects as go  # type: ignore[import-untyped]
    from plotly.subplots import make_subplots  # type: ignore[import-untyped]

    panels = (
        ("acceptance_rate", "acceptance rate (accepted / generated outputs)", ".0%"),
        ("edit_depth", "edit depth (mean edit distance of accepted outputs)", ".2f"),
        ("handoff_rate", "handoff rate (handed off / sessions with an output)", ".0%"),
        ("return_rate", "return rate (settled sessions only)", ".0%"),
    )
    figure = make_subplots(
        rows=2,
        cols=2,
        subplot_titles=[title for _, title, _ in panels],
        horizontal_spacing=0.08,
        vertical_spacing=0.14,
    )
    by_feature: dict[str, dict[date, WeeklyRatios]] = defaultdict(dict)
    for point in weekly:
        by_feature[point.feature][point.week_start] = point
    first = min(point.week_start for point in weekly)
    last = max(point.week_start for point in weekly)
    # Every week of the horizon, so a week without activity is a gap, not a bridged line.
    weeks = [first + timedelta(days=7 * offset) for offset in range((last - first).days // 7 + 1)]
    for feature, points in by_feature.items():
        for index, (metric, _, number_format) in enumerate(panels):
            figure.add_trace(
                go.Scatter(
                    x=[week.isoformat() for week in weeks],
                    y=[getattr(points[week], metric) if week in points else None for week in weeks],
                    name=_esc(feature),
                    legendgroup=_esc(feature),
                    showlegend=index == 0,
                    mode="lines+markers",
                    line={"color": colours.get(feature), "width": 2},
                    marker={"size": 5},
                    connectgaps=False,
                    hovertemplate=f"week of %{{x|%Y-%m-%d}}: %{{y:{number_format}}}",
                ),
                row=index // 2 + 1,
                col=index % 2 + 1,
            )
            figure.update_yaxes(tickformat=number_format, row=index // 2 + 1, col=index % 2 + 1)
    figure.update_yaxes(rangemode="tozero")
    figure.update_layout(
        template="plotly_white",
        height=620,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.08},
        hovermode="closest",
    )
    return figure


def _funnel_figure(funnel: Funnel, break_stage: str | None) -> Any:
    import plotly.graph_objects as go

    labels = ["all sessions"]
    colours = [_ENTRY_COLOUR]
    notes = [""]
    for stage in funnel.stages:
        if stage.stage == break_stage:
            labels.append(f"{stage.stage} ◀ break stage")
            colours.append(_BREAK_COLOUR)
        elif not stage.is_measured:
            labels.append(f"{stage.stage} (not measured)")
            colours.append(_UNMEASURED_COLOUR)
        else:
            labels.append(stage.stage)
            colours.append(_STAGE_COLOUR)
        note = f"{stage.sessions_failed:,} failed here first"
        if stage.sessions_pending:
            note += f", {stage.sessions_pending:,} still inside their return window"
        notes.append(note)
    figure = go.Figure(
        go.Funnel(
            y=labels,
            x=[funnel.sessions, *(stage.sessions_through for stage in funnel.stages)],
            customdata=notes,
            marker={"color": colours},
            texttemplate="%{value:,}<br>%{percentInitial:.0%}",
            textposition="inside",
            hovertemplate="%{y}: %{x:,} sessions<br>%{customdata}<extra></extra>",
            connector={"line": {"color": "#999", "width": 1}},
        )
    )
    figure.update_layout(
        template="plotly_white",
        height=330,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        showlegend=False,
    )
    return figure


# ---- page -----------------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
  color: #1f2328; background: #f6f7f9; line-height: 1.45; }
main { max-width: 1280px; margin: 0 auto; padding: 24px; }
h1 { margin: 0 0 8px; font-size: 1.7rem; }
h2 { margin: 0; font-size: 1.25rem; }
h3 { margin: 16px 0 6px; font-size: 1rem; }
.panel, .feature-card { background: #fff; border: 1px solid #d8dce1; border-radius: 8px;
  padding: 16px 20px; margin: 16px 0; }
.feature-card { border-left: 6px solid var(--feature-colour, #4c78a8); }
.muted { color: #5b636e; font-size: 0.9rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eceef1; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
.card-head { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 0.85rem;
  background: #e8eef7; color: #1f3b63; }
.badge.failure { background: #fbe3e0; color: #7a1d12; }
.badge.healthy { background: #e2f4e6; color: #155724; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr));
  gap: 8px; margin: 12px 0; }
.tile { background: #f6f7f9; border-radius: 6px; padding: 8px 10px; }
.tile .name { display: block; font-size: 0.78rem; color: #5b636e; }
.tile .metric-value { font-size: 1.2rem; font-variant-numeric: tabular-nums; }
.card-body { display: grid; grid-template-columns: minmax(0, 1.25fr) minmax(0, 1fr);
  gap: 24px; }
@media (max-width: 900px) { .card-body { grid-template-columns: 1fr; } }
.chain { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0; padding: 0; list-style: none; }
.chain li { border: 1px solid #d8dce1; border-radius: 6px; padding: 4px 8px; font-size: 0.82rem; }
.chain li.healthy { background: #e2f4e6; }
.chain li.below { background: #fff4d6; }
.chain li.break { background: #fbe3e0; border: 2px solid #c0392b; font-weight: 600; }
.focus { background: #eef4fb; border-radius: 6px; padding: 8px 12px; }
tr.detected td { font-weight: 600; }
table.shapes { font-size: 0.82rem; }
table.shapes th, table.shapes td { padding: 3px 5px; }
"""


def _header(data: ReportData) -> str:
    horizon = data.horizon
    quality = horizon.quality
    first = horizon.first_activity_date
    last = horizon.last_activity_date
    as_of = horizon.data_as_of
    first_text = _metric("first_activity_date", first, first.isoformat() if first else _MISSING)
    last_text = _metric("last_activity_date", last, last.isoformat() if last else _MISSING)
    as_of_text = _esc(as_of.isoformat(sep=" ", timespec="seconds") if as_of else _MISSING)
    counts = {
        name: _metric(name, value, _count_text(value))
        for name, value in (
            ("events_clean", quality.events_clean),
            ("sessions", horizon.sessions),
            ("outputs_generated", horizon.outputs_generated),
            ("features", horizon.features),
            ("rows_received", quality.rows_received),
            ("duplicates", quality.duplicates),
            ("rows_rejected", quality.rows_rejected),
            ("unmapped_events", quality.unmapped_events),
            ("orphan_output_events", quality.orphan_output_events),
        )
    }
    return f"""
<header class="panel" id="horizon">
  <h1>AI adoption report</h1>
  <p>Activity from {first_text} to {last_text} (data as of {as_of_text}):
  {counts["events_clean"]} events kept, {counts["sessions"]} sessions,
  {counts["outputs_generated"]} outputs, {counts["features"]} features.</p>
  <p class="quality">Load quality: rows received {counts["rows_received"]}:
  clean {counts["events_clean"]}, duplicates {counts["duplicates"]},
  rejected {counts["rows_rejected"]} (see stg_ai_events__rejected_events);
  kept but flagged: unmapped {counts["unmapped_events"]},
  orphan output events {counts["orphan_output_events"]}.</p>
  <p class="muted">Read from {_esc(data.database.name)}. Ratios are recomputed from summed
  counts at the grain shown. Each card's diagnosis is that of the feature's latest judged
  period (or its latest period when none could be judged).</p>
</header>"""


def _shape_class(shape: str | None) -> str:
    if shape == "healthy":
        return "badge healthy"
    if shape in (None, "insufficient_data"):
        return "badge"
    return "badge failure"


def _overview(features: Sequence[FeatureReport]) -> str:
    rows = []
    for index, item in enumerate(features):
        diagnosis = item.diagnosis
        shape = diagnosis.primary_shape if diagnosis else None
        rows.append(
            f'<tr><td><a href="#feature-{index}">{_esc(item.summary.feature)}</a></td>'
            f'<td><span class="{_shape_class(shape)}">{_esc(_label(shape))}</span></td>'
            f"<td>{_esc(_label(diagnosis.break_stage if diagnosis else None))}</td>"
            f"<td>{_esc(diagnosis.period_start if diagnosis else _MISSING)}</td></tr>"
        )
    return f"""
<section class="panel" id="overview">
  <h2>Diagnosis at a glance</h2>
  <table>
    <thead><tr><th>feature</th><th>failure shape</th><th>break stage</th>
    <th>period</th></tr></thead>
    <tbody>{"".join(rows)}</tbody>
  </table>
</section>"""


_TILES: tuple[tuple[str, str], ...] = (
    ("sessions", "sessions"),
    ("outputs_generated", "outputs generated"),
    ("outputs_accepted", "outputs accepted"),
    ("acceptance_rate", "acceptance"),
    ("edit_depth", "edit depth"),
    ("handoff_rate", "handoff"),
    ("verification_rate", "verification"),
    ("return_rate", "return"),
)


def _tiles(summary: FeatureSummary) -> str:
    tiles = []
    for name, label in _TILES:
        value: float | int | None = getattr(summary, name)
        if name == "edit_depth":
            text = _number_text(value)
        elif isinstance(value, int):
            text = _count_text(value)
        else:
            text = _percent_text(value)
        tiles.append(
            f'<div class="tile"><span class="name">{_esc(label)}</span>'
            f"{_metric(name, value, text, feature=summary.feature)}</div>"
        )
    return f'<div class="tiles">{"".join(tiles)}</div>'


def _chain(feature: str, checks: Sequence[StageCheck], break_stage: str | None) -> str:
    if not checks:
        return ""
    items = []
    for check in checks:
        if check.stage == break_stage:
            css, verdict = "break", "break stage"
        elif check.is_healthy is True:
            css, verdict = "healthy", "healthy"
        elif check.is_healthy is False:
            css, verdict = "below", "below its bar"
        else:
            css, verdict = "unjudged", "not judged"
        rate = _metric(
            "stage_pass_rate",
            check.pass_rate,
            _percent_text(check.pass_rate),
            feature=feature,
            stage=check.stage,
        )
        bar = _metric(
            "stage_healthy_bar",
            check.healthy_bar,
            _percent_text(check.healthy_bar),
            feature=feature,
            stage=check.stage,
        )
        items.append(
            f'<li class="{css}" data-stage="{_esc(check.stage)}" title="{_esc(verdict)}">'
            f"{_esc(check.stage)}: {rate} (bar {bar})</li>"
        )
    return f'<ul class="chain">{"".join(items)}</ul>'


def _shape_row(feature: str, item: ShapeEvidence) -> str:
    def metric(name: str, value: float | int | None, text: str) -> str:
        return _metric(f"shape_{name}", value, text, feature=feature, shape=item.shape)

    if item.is_detected:
        status = "detected"
    elif item.is_judged:
        status = "not detected"
    else:
        status = "not judged"
    signals = (
        f"{metric('signals_firing', item.signals_firing, str(item.signals_firing))} of "
        f"{metric('signals_judged', item.signals_judged, str(item.signals_judged))}"
    )
    comparison = "≤" if item.evidence_direction == "below" else "≥"
    threshold_text = (
        _MISSING
        if item.evidence_threshold is None
        else f"{comparison} {_signal_text(item.evidence_signal, item.evidence_threshold)}"
    )
    value = metric(
        "evidence_value",
        item.evidence_value,
        _signal_text(item.evidence_signal, item.evidence_value),
    )
    threshold = metric("evidence_threshold", item.evidence_threshold, threshold_text)
    sample = metric(
        "evidence_sample_size", item.evidence_sample_size, _count_text(item.evidence_sample_size)
    )
    return (
        f'<tr class="{"detected" if item.is_detected else ""}" data-shape="{_esc(item.shape)}">'
        f"<td>{_esc(_label(item.shape))}"
        f'<br><span class="muted">{_esc((item.stages or _MISSING).replace("|", ", "))}</span></td>'
        f'<td>{_esc(status)}</td><td class="num">{signals}</td>'
        f"<td>{_esc(item.evidence_signal or _MISSING)}</td>"
        f'<td class="num">{value}</td><td class="num">{threshold}</td>'
        f'<td class="num">{sample}</td></tr>'
    )


def _shapes_table(feature: str, shapes: Sequence[ShapeEvidence]) -> str:
    if not shapes:
        return ""
    return f"""
<h3>Failure shapes in the diagnosed period</h3>
<table class="shapes">
  <thead><tr><th>shape (stages)</th><th>status</th><th class="num">signals firing</th>
  <th>strongest signal</th><th class="num">value</th><th class="num">threshold</th>
  <th class="num">sample</th></tr></thead>
  <tbody>{"".join(_shape_row(feature, item) for item in shapes)}</tbody>
</table>"""


def _evidence(item: FeatureReport, diagnosis: FeatureDiagnosis) -> str:
    feature = item.summary.feature
    signal = diagnosis.evidence_signal
    if signal is None:
        return "Evidence: no failure signal fires in this period."
    direction = next(
        (
            shape.evidence_direction
            for shape in item.shapes
            if shape.shape == diagnosis.primary_shape
        ),
        None,
    )
    comparison = "at or below" if direction == "below" else "at or above"
    value = _metric(
        "evidence_value",
        diagnosis.evidence_value,
        _signal_text(signal, diagnosis.evidence_value),
        feature=feature,
    )
    threshold = _metric(
        "evidence_threshold",
        diagnosis.evidence_threshold,
        _signal_text(signal, diagnosis.evidence_threshold),
        feature=feature,
    )
    sample = _metric(
        "evidence_sample_size",
        diagnosis.evidence_sample_size,
        _count_text(diagnosis.evidence_sample_size),
        feature=feature,
    )
    lower = _metric(
        "evidence_lower",
        diagnosis.evidence_lower,
        _signal_text(signal, diagnosis.evidence_lower),
        feature=feature,
    )
    upper = _metric(
        "evidence_upper",
        diagnosis.evidence_upper,
        _signal_text(signal, diagnosis.evidence_upper),
        feature=feature,
    )
    level = f"{diagnosis.confidence_level * 100:g} %"
    corroboration = _field(
        "corroborated_by",
        diagnosis.corroborated_by,
        feature=feature,
        text="a stage of its own below its bar"
        if diagnosis.corroborated_by == "stage"
        else "a second firing signal",
    )
    return (
        f"Evidence: {_field('evidence_signal', signal, feature=feature)} = {value} "
        f"({level} interval {lower} to {upper}), the whole interval {comparison.split()[0]} "
        f"{threshold}, on a sample of {sample}; corroborated by {corroboration}. Detected shapes: "
        f"{_field('detected_shapes', diagnosis.detected_shapes, feature=feature)}."
    )


def _notes(feature: str, diagnosis: FeatureDiagnosis) -> str:
    """Watch notes and inconclusive shapes: shown, not counted as a verdict."""
    parts = []
    if diagnosis.watch_shapes:
        watched = _field("watch_shapes", diagnosis.watch_shapes, feature=feature)
        parts.append(
            f"Watch: {watched} (a lone signal, {_esc(diagnosis.watch_signals or '')}, with no "
            "failing stage of its own: not a verdict)."
        )
    if diagnosis.inconclusive_shapes:
        unsure = _field("inconclusive_shapes", diagnosis.inconclusive_shapes, feature=feature)
        parts.append(f"Inconclusive: {unsure} (an interval that holds its threshold).")
    return f'<p class="notes">{" ".join(parts)}</p>' if parts else ""


def _diagnosis_block(item: FeatureReport) -> str:
    feature = item.summary.feature
    diagnosis = item.diagnosis
    if diagnosis is None:
        return '<p class="diagnosis">No diagnosis yet: no period of this feature was built.</p>'
    judged = diagnosis.periods - diagnosis.periods_insufficient
    period = _field("period_start", diagnosis.period_start, feature=feature)
    judged_text = _metric("periods_judged", judged, str(judged), feature=feature)
    periods_text = _metric("periods", diagnosis.periods, str(diagnosis.periods), feature=feature)
    shape = _field(
        "primary_shape",
        diagnosis.primary_shape,
        feature=feature,
        text=_label(diagnosis.primary_shape),
    )
    description = _field("primary_shape_description", item.shape_description, feature=feature)
    break_text = _field(
        "break_stage",
        diagnosis.break_stage,
        feature=feature,
        text=diagnosis.break_stage or "none (no stage below its healthy bar)",
    )
    healthy_text = _field(
        "last_healthy_stage",
        diagnosis.last_healthy_stage,
        feature=feature,
        text=diagnosis.last_healthy_stage or "none",
    )
    focus = _field("recommended_focus", diagnosis.recommended_focus, feature=feature)
    since = _field("verdict_since", diagnosis.verdict_since, feature=feature)
    kind = _field("kind", diagnosis.kind, feature=feature)
    risk = _field("risk", diagnosis.risk, feature=feature)
    defaults = "" if diagnosis.is_catalogued else " (not in the feature catalogue: defaults)"
    return f"""
<div class="diagnosis">
  <p class="muted">Diagnosis of the period starting {period}
  ({judged_text} of {periods_text} periods judged). Kind {kind}, {risk} risk{defaults}.</p>
  <p><span class="{_shape_class(diagnosis.primary_shape)}">{shape}</span> {description}
  The verdict holds since {since}.</p>
  <p>Break stage: {break_text}; last healthy stage: {healthy_text}.</p>
  {_chain(feature, item.stage_checks, diagnosis.break_stage)}
  <p>{_evidence(item, diagnosis)}</p>
  {_notes(feature, diagnosis)}
  <p class="focus"><strong>Focus:</strong> {focus}</p>
</div>"""


def _funnel_block(item: FeatureReport, chart: str) -> str:
    feature = item.summary.feature
    funnel = item.funnel
    if funnel is None:
        return '<div class="funnel"><p class="muted">No sessions.</p></div>'
    break_stage = item.diagnosis.break_stage if item.diagnosis else None
    counts = " · ".join(
        f"{_esc(stage.stage)} "
        + _metric(
            "sessions_through",
            stage.sessions_through,
            _count_text(stage.sessions_through),
            feature=feature,
            stage=stage.stage,
        )
        for stage in funnel.stages
    )
    pending = sum(stage.sessions_pending for stage in funnel.stages)
    marked = (
        f"the red bar is the break stage of the diagnosed period ({_esc(break_stage)})"
        if break_stage
        else "no stage of the diagnosed period is below its healthy bar"
    )
    waiting = (
        f" {_count_text(pending)} recent sessions are still inside their return window and"
        " are not counted through return yet."
        if pending
        else ""
    )
    return f"""
<div class="funnel">
  <h3>Six-stage funnel, whole period</h3>
  <p class="muted">Sessions through each stage: no measured stage up to it failed;
  {marked}.{waiting}</p>
  {chart}
  <p class="muted">Sessions through: {counts}</p>
</div>"""


def _card(index: int, item: FeatureReport, colour: str, chart: str) -> str:
    feature = item.summary.feature
    diagnosis = item.diagnosis
    return f"""
<section class="feature-card" id="feature-{index}" data-feature="{_esc(feature)}"
  data-primary-shape="{_esc(diagnosis.primary_shape if diagnosis else "")}"
  data-break-stage="{_esc(diagnosis.break_stage or "" if diagnosis else "")}"
  style="--feature-colour: {_esc(colour)}">
  <div class="card-head"><h2>{_esc(feature)}</h2></div>
  {_tiles(item.summary)}
  <div class="card-body">
    {_diagnosis_block(item)}
    {_funnel_block(item, chart)}
  </div>
  {_shapes_table(item.summary.feature, item.shapes)}
</section>"""


def render_report(data: ReportData) -> str:
    """The whole page as one HTML string (plotly.js inline, once)."""
    charts = _Charts()
    features = [item.summary.feature for item in data.features]
    colours = _feature_colours(features)
    if data.weekly:
        trend = charts.html(_weekly_figure(data.weekly, colours), "chart-weekly")
    else:
        trend = '<p class="muted">No activity in the marts yet.</p>'
    cards = []
    for index, item in enumerate(data.features):
        break_stage = item.diagnosis.break_stage if item.diagnosis else None
        chart = (
            charts.html(
                _funnel_figure(item.funnel, break_stage),
                f"chart-funnel-{index}",
                toolbar=False,
            )
            if item.funnel
            else ""
        )
        cards.append(_card(index, item, colours[item.summary.feature], chart))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AI adoption report</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
{_header(data)}
{_overview(data.features)}
<section class="panel" id="weekly">
  <h2>Acceptance, edit depth, handoff and return per week</h2>
  <p class="muted">Weeks start on Monday; the first and last weeks may be partial. Each point
  is a ratio of the week's summed counts. Return counts only sessions whose return window
  has ended, so recent weeks have no return point yet.</p>
  {trend}
</section>
{"".join(cards)}
</main>
</body>
</html>
"""


def write_report(database: Path, out: Path) -> Path:
    """Read the marts of ``database`` and write the report to ``out``; returns ``out``."""
    data = load_report_data(database)
    page = render_report(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    size = out.stat().st_size
    logger.info(
        "wrote %s (%s, %d bytes): %d feature card(s), %d chart(s)",
        out,
        _size_text(size),
        size,
        len(data.features),
        page.count('class="plotly-graph-div"'),
    )
    return out
