"""Render the report's content as one self-contained HTML page.

This module holds the page: its CSS, the plotly charts (the weekly ratios per feature and
each feature's six-stage funnel) and one card per feature, with its reach and the effect of
adopting it when the warehouse has a product activity source. plotly.js is embedded once,
so the file opens offline. Numbers carry ``data-metric`` and ``data-value`` attributes (full
precision) and texts from the diagnosis and the effect's verdict ``data-field``, each with
``data-feature`` (and ``data-stage`` or ``data-shape`` where it belongs to one, or
``data-provider`` and ``data-model`` for a model's row, both empty where the outputs name no
model), so the page can be checked against the marts.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from ai_adoption.report_data import (
    FeatureEffect,
    FeatureReach,
    FeatureReport,
    Funnel,
    ModelOutputs,
    ReachPeriod,
    ReportData,
    ShapeEvidence,
    StageCheck,
    WeeklyRatios,
)
from ai_adoption.summary import FeatureDiagnosis, FeatureSummary

_BREAK_COLOUR = "#c0392b"
_STAGE_COLOUR = "#4c78a8"
_UNMEASURED_COLOUR = "#c8c8c8"
_ENTRY_COLOUR = "#8da0b8"


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


def _signed_text(value: float | None) -> str:
    """A change with its sign, a minus sign rather than a hyphen."""
    return _MISSING if value is None else f"{value:+,.2f}".replace("-", "\u2212")


def _level_text(level: float) -> str:
    return f"{level * 100:g} %"


def _usd_text(value: float | None) -> str:
    """US dollars to a hundredth of a cent: a cost per output is often below a cent."""
    return _MISSING if value is None else f"${value:,.4f}"


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


#: A model as (provider, model), either None where the outputs do not name it.
ModelKey = tuple[str | None, str | None]


def _model_attributes(model: ModelKey) -> str:
    """``data-provider`` and ``data-model``, empty where not logged (logged names never are)."""
    provider, name = model
    return f' data-provider="{_esc(provider or "")}" data-model="{_esc(name or "")}"'


def _context_attributes(
    feature: str | None,
    stage: str | None = None,
    shape: str | None = None,
    model: ModelKey | None = None,
) -> str:
    parts = []
    if feature is not None:
        parts.append(f' data-feature="{_esc(feature)}"')
    if stage is not None:
        parts.append(f' data-stage="{_esc(stage)}"')
    if shape is not None:
        parts.append(f' data-shape="{_esc(shape)}"')
    if model is not None:
        parts.append(_model_attributes(model))
    return "".join(parts)


def _metric(
    name: str,
    value: float | int | date | None,
    text: str,
    *,
    feature: str | None = None,
    stage: str | None = None,
    shape: str | None = None,
    model: ModelKey | None = None,
) -> str:
    """A number with its full-precision value in ``data-value`` (empty when null)."""
    return (
        f'<span class="metric-value" data-metric="{_esc(name)}"'
        f"{_context_attributes(feature, stage, shape, model)}"
        f' data-value="{_esc(_data_value(value))}">{_esc(text)}</span>'
    )


def _field(name: str, value: str | None, *, feature: str, text: str | None = None) -> str:
    """A text from the diagnosis marts; ``data-value`` holds the raw value (empty when null)."""
    shown = text if text is not None else (_MISSING if value is None else value)
    return (
        f'<span class="field" data-field="{_esc(name)}"{_context_attributes(feature)}'
        f' data-value="{_esc(value or "")}">{_esc(shown)}</span>'
    )


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
                    y=[
                        getattr(points[week].ratios, metric) if week in points else None
                        for week in weeks
                    ],
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
table.models { font-size: 0.85rem; width: auto; min-width: 60%; }
table.models th, table.models td { padding: 3px 10px; }
tr.unlogged td { color: #5b636e; font-style: italic; }
.reach-effect { border-top: 1px solid #eceef1; margin-top: 12px; }
.reach-effect p { margin: 4px 0; }
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
  {_reach_header(data)}
  <p class="muted">Read from {_esc(data.database.name)}. Ratios are recomputed from summed
  counts at the grain shown. Each card's diagnosis is that of the feature's latest judged
  period (or its latest period when none could be judged).</p>
</header>"""


def _period_text(period: ReachPeriod) -> str:
    start = _metric("reach_period_start", period.period_start, period.period_start.isoformat())
    end = _metric("reach_period_end", period.period_end, period.period_end.isoformat())
    return f"the {_esc(period.period_grain)} from {start} to {end}"


def _reach_header(data: ReportData) -> str:
    """The reach's period and its active users, and how to read the effect; or why neither is
    shown. Only the active users are given here: AI users do not add up across features."""
    if not data.has_activity:
        return (
            '<p class="reach">Reach and effect need a product activity source '
            "(var <code>ai_adoption_activity_source</code>) and are not shown.</p>"
        )
    period = data.reach_period
    if period is None:
        reach = (
            '<p class="reach">Reach: no period of the product activity ends by the last day '
            "of the data yet, so the cards show no reach.</p>"
        )
    else:
        users = _metric("active_users", period.active_users, _count_text(period.active_users))
        reach = (
            f'<p class="reach">Reach in {_period_text(period)}, the latest full '
            f"{_esc(period.period_grain)}: {users} users active in the product; each card "
            "gives the feature's AI users among them.</p>"
        )
    return (
        f'{reach}\n  <p class="muted effect-note">The effect of adopting a feature is an '
        "observational comparison of its adopters with users who were as active in the same "
        "week and had not adopted it, not an experiment: it shows what changed for adopters "
        "beyond like users, not that the feature caused it.</p>"
    )


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


#: The count tiles of a card, (field of FeatureSummary, label), in the order shown.
_COUNT_TILES: tuple[tuple[str, str], ...] = (
    ("sessions", "sessions"),
    ("outputs_generated", "outputs generated"),
    ("outputs_accepted", "outputs accepted"),
)

#: The ratio tiles that follow them, (field of HeadlineRatios, label).
_RATIO_TILES: tuple[tuple[str, str], ...] = (
    ("acceptance_rate", "acceptance"),
    ("edit_depth", "edit depth"),
    ("handoff_rate", "handoff"),
    ("verification_rate", "verification"),
    ("return_rate", "return"),
)


def _tile(feature: str, name: str, label: str, value: float | int | None, text: str) -> str:
    return (
        f'<div class="tile"><span class="name">{_esc(label)}</span>'
        f"{_metric(name, value, text, feature=feature)}</div>"
    )


def _tiles(summary: FeatureSummary) -> str:
    """The headline counts, then the ratios (edit depth is a mean, not a share)."""
    tiles = []
    for name, label in _COUNT_TILES:
        count: int = getattr(summary, name)
        tiles.append(_tile(summary.feature, name, label, count, _count_text(count)))
    for name, label in _RATIO_TILES:
        value: float | None = getattr(summary.ratios, name)
        text = _number_text(value) if name == "edit_depth" else _percent_text(value)
        tiles.append(_tile(summary.feature, name, label, value, text))
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
        rate, bar = (
            _metric(name, value, _percent_text(value), feature=feature, stage=check.stage)
            for name, value in (
                ("stage_pass_rate", check.pass_rate),
                ("stage_healthy_bar", check.healthy_bar),
            )
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


#: The numbers of a model's row, (field of ModelOutputs, header), in the order shown.
_MODEL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("outputs_generated", "outputs generated"),
    ("outputs_accepted", "outputs accepted"),
    ("acceptance_rate", "acceptance"),
    ("edit_depth", "edit depth"),
    ("generations_per_accepted_output", "generations per accepted"),
    ("cost_per_accepted_output", "cost per accepted"),
)


def _model_cell_text(name: str, value: float | int | None) -> str:
    if name.startswith("outputs_"):
        return _count_text(None if value is None else int(value))
    if name == "acceptance_rate":
        return _percent_text(value)
    if name == "cost_per_accepted_output":
        return _usd_text(value)
    return _number_text(value)


def _model_row(feature: str, item: ModelOutputs) -> str:
    key: ModelKey = (item.provider, item.model)
    cells = "".join(
        '<td class="num">'
        + _metric(
            f"model_{name}",
            getattr(item, name),
            _model_cell_text(name, getattr(item, name)),
            feature=feature,
            model=key,
        )
        + "</td>"
        for name, _ in _MODEL_COLUMNS
    )
    css = "" if item.is_logged else ' class="unlogged"'
    return (
        f"<tr{css}{_model_attributes(key)}>"
        f"<td>{_esc(item.model if item.is_logged else 'not logged')}</td>"
        f"<td>{_esc(item.provider or _MISSING)}</td>{cells}</tr>"
    )


def _models_block(feature: str, models: Sequence[ModelOutputs]) -> str:
    """The models behind the feature side by side, when it has more than one.

    With a single logged model the card names it in one line; with none it says nothing.
    """
    logged = [item for item in models if item.is_logged]
    if len(logged) == 1:
        [only] = logged
        provider = f" ({_esc(only.provider)})" if only.provider else ""
        unlogged = "; some of its outputs name no model" if len(models) > 1 else ""
        return (
            f'<p class="muted model-line"{_model_attributes((only.provider, only.model))}>'
            f"Model: {_esc(only.model)}{provider}{unlogged}.</p>"
        )
    if not logged:
        return ""
    headers = "".join(f'<th class="num">{_esc(label)}</th>' for _, label in _MODEL_COLUMNS)
    return f"""
<h3>Models behind this feature</h3>
<table class="models">
  <thead><tr><th>model</th><th>provider</th>{headers}</tr></thead>
  <tbody>{"".join(_model_row(feature, item) for item in models)}</tbody>
</table>
<p class="muted">Rates over the whole span, from summed counts; an output counts under the
model first named among its events. On few outputs a difference may be chance.</p>"""


def _primary_direction(item: FeatureReport, diagnosis: FeatureDiagnosis) -> str | None:
    """Whether the primary shape fires below or above its threshold (from its shape row)."""
    return next(
        (
            shape.evidence_direction
            for shape in item.shapes
            if shape.shape == diagnosis.primary_shape
        ),
        None,
    )


def _evidence(feature: str, diagnosis: FeatureDiagnosis, direction: str | None) -> str:
    """The primary shape's evidence: value, interval, threshold, sample and corroboration."""
    signal = diagnosis.evidence_signal
    if signal is None and diagnosis.is_stage_evidenced:
        stage = _field("session_break_stage", diagnosis.session_break_stage, feature=feature)
        candidates = _field(
            "candidate_shapes",
            diagnosis.candidate_shapes,
            feature=feature,
            text=diagnosis.candidate_shapes or "none that applies",
        )
        return (
            f"Evidence: the {stage} stage alone: its pass rate per session is below its bar "
            f"while no failure signal fires. Candidate shapes: {candidates}."
        )
    if signal is None:
        return "Evidence: no failure signal fires in this period."
    comparison = "at or below" if direction == "below" else "at or above"
    # The value, its interval and its threshold are in the signal's own unit.
    value, lower, upper, threshold = (
        _metric(
            name,
            getattr(diagnosis, name),
            _signal_text(signal, getattr(diagnosis, name)),
            feature=feature,
        )
        for name in ("evidence_value", "evidence_lower", "evidence_upper", "evidence_threshold")
    )
    sample = _metric(
        "evidence_sample_size",
        diagnosis.evidence_sample_size,
        _count_text(diagnosis.evidence_sample_size),
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
    provisional = _field(
        "is_provisional",
        str(diagnosis.is_provisional),
        feature=feature,
        text="Provisional: the returns of this period are still pending, so return is not"
        " judged yet and the verdict may change."
        if diagnosis.is_provisional
        else "Final: the returns of this period are settled.",
    )
    kind = _field("kind", diagnosis.kind, feature=feature)
    risk = _field("risk", diagnosis.risk, feature=feature)
    defaults = "" if diagnosis.is_catalogued else " (not in the feature catalogue: defaults)"
    return f"""
<div class="diagnosis">
  <p class="muted">Diagnosis of the period starting {period}
  ({judged_text} of {periods_text} periods judged). Kind {kind}, {risk} risk{defaults}.</p>
  <p><span class="{_shape_class(diagnosis.primary_shape)}">{shape}</span> {description}
  The verdict holds since {since}. {provisional}</p>
  <p>Break stage: {break_text}; last healthy stage: {healthy_text}.</p>
  {_chain(feature, item.stage_checks, diagnosis.break_stage)}
  <p>{_evidence(feature, diagnosis, _primary_direction(item, diagnosis))}</p>
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


#: The verdict's reason (fct_ai_feature_effect.verdict_reason) in plain words.
_VERDICT_REASONS: dict[str, str] = {
    "gain_beyond_feature_days": (
        "adopters came on more days, even with the days only the feature was used taken out"
    ),
    "fewer_active_days": "adopters came on fewer days than like users",
    "gain_within_feature_days": (
        "activity rose, but by no more than the days only the feature was used"
    ),
    "gain_within_uncounted_feature_days": (
        "activity rose, but by no more than the days the feature was used; the activity "
        "counts no actions to tell which of them had more"
    ),
    "interval_within_negligible": (
        "the whole interval lies within what counts as a negligible change"
    ),
    "interval_too_wide": "the interval holds zero and is too wide to rule out a change",
    "too_few_adopters": "too few adopters to compare",
    "pre_trend": (
        "adopters were already changing against like users in the weeks before they adopted"
    ),
}

#: The badge of a verdict; the others read as neutral.
_VERDICT_BADGES: dict[str, str] = {
    "more_active": "badge healthy",
    "less_active": "badge failure",
}


def _reach_line(feature: str, reach: FeatureReach, period: ReachPeriod) -> str:
    def metric(name: str, value: float | int | date | None, text: str) -> str:
        return _metric(name, value, text, feature=feature)

    start = metric("reach_period_start", period.period_start, period.period_start.isoformat())
    ai_users, active_users, first_time, repeat = (
        metric(name, getattr(reach, name), _count_text(getattr(reach, name)))
        for name in ("ai_users", "active_users", "first_time_ai_users", "repeat_ai_users")
    )
    rate = metric("reach_rate", reach.reach_rate, _percent_text(reach.reach_rate))
    return (
        f'<p class="reach">Reach in the {_esc(period.period_grain)} from {start}: {ai_users} '
        f"of {active_users} active users used it ({rate}), {first_time} for the first time "
        f"and {repeat} again.</p>"
    )


def _interval_text(feature: str, name: str, lower: float | None, upper: float | None) -> str:
    return (
        f"{_metric(f'{name}_lower', lower, _signed_text(lower), feature=feature)} to "
        f"{_metric(f'{name}_upper', upper, _signed_text(upper), feature=feature)}"
    )


def _effect_lines(feature: str, effect: FeatureEffect) -> str:
    """The estimate with its interval and its two sides, the floor, and the verdict."""

    def metric(name: str, value: float | int | None, text: str) -> str:
        return _metric(name, value, text, feature=feature)

    matched = metric(
        "adopters_matched", effect.adopters_matched, _count_text(effect.adopters_matched)
    )
    adopters = metric("adopters", effect.adopters, _count_text(effect.adopters))
    controls = metric(
        "control_user_weeks", effect.control_user_weeks, _count_text(effect.control_user_weeks)
    )
    weeks = metric("effect_weeks", effect.effect_weeks, str(effect.effect_weeks))
    sides = (
        f"in the {weeks} weeks after the adoption week against as many before the week "
        f"before it; {matched} of "
        f"its {adopters} adopters matched against {controls} comparison user-weeks"
    )
    estimate = effect.effect_days_per_week
    if estimate is None:
        change = "no estimate"
    else:
        value = metric("effect_days_per_week", estimate, _signed_text(estimate))
        if effect.effect_lower is None or effect.effect_upper is None:
            interval = "no interval with fewer than two matched adopters"
        else:
            level = metric(
                "effect_confidence_level",
                effect.confidence_level,
                _level_text(effect.confidence_level),
            )
            interval = (
                f"{level} interval "
                f"{_interval_text(feature, 'effect', effect.effect_lower, effect.effect_upper)}"
            )
        change = f"{value} active days a week ({interval})"
    lines = [f'<p class="effect">Effect of adopting it: {change}, {sides}.</p>']
    floors = (
        (
            "effect_beyond_own_use",
            effect.effect_beyond_own_use,
            effect.effect_beyond_own_use_lower,
            effect.effect_beyond_own_use_upper,
            "Without the days only the feature was used (no other action that day)",
            "the floor the verdict reads",
        ),
        (
            "effect_without_feature_days",
            effect.effect_without_feature_days,
            effect.effect_without_feature_days_lower,
            effect.effect_without_feature_days_upper,
            "Without every day the feature was used",
            "the strictest floor, as some of those days would have been active anyway",
        ),
    )
    for name, floor, lower, upper, label, meaning in floors:
        if floor is None:
            continue
        floor_interval = ""
        if lower is not None and upper is not None:
            floor_interval = f" (interval {_interval_text(feature, name, lower, upper)})"
        shown = metric(name, floor, _signed_text(floor))
        lines.append(f'<p class="effect">{label}: {shown}{floor_interval}, {meaning}.</p>')
    verdict = _field("verdict", effect.verdict, feature=feature, text=_label(effect.verdict))
    reason = _field(
        "verdict_reason",
        effect.verdict_reason,
        feature=feature,
        text=_VERDICT_REASONS.get(effect.verdict_reason, _label(effect.verdict_reason)),
    )
    if effect.verdict_reason == "too_few_adopters":
        reason += f" ({matched} matched)"
    badge = _VERDICT_BADGES.get(effect.verdict, "badge")
    lines.append(
        f'<p class="effect-verdict">Verdict: <span class="{badge}">{verdict}</span> — {reason}.</p>'
    )
    return "\n  ".join(lines)


def _reach_effect_block(item: FeatureReport, period: ReachPeriod | None) -> str:
    """The feature's reach in the header's period and the effect of adopting it, when the
    warehouse has them (a product activity source)."""
    feature = item.summary.feature
    parts = []
    if item.reach is not None and period is not None:
        parts.append(_reach_line(feature, item.reach, period))
    if item.effect is not None:
        parts.append(_effect_lines(feature, item.effect))
    if not parts:
        return ""
    body = "\n  ".join(parts)
    return f"""
<div class="reach-effect">
  <h3>Reach and effect</h3>
  {body}
</div>"""


def _card(
    index: int, item: FeatureReport, colour: str, chart: str, period: ReachPeriod | None
) -> str:
    feature = item.summary.feature
    diagnosis = item.diagnosis
    return f"""
<section class="feature-card" id="feature-{index}" data-feature="{_esc(feature)}"
  data-primary-shape="{_esc(diagnosis.primary_shape if diagnosis else "")}"
  data-break-stage="{_esc(diagnosis.break_stage or "" if diagnosis else "")}"
  style="--feature-colour: {_esc(colour)}">
  <div class="card-head"><h2>{_esc(feature)}</h2></div>
  {_tiles(item.summary)}
  {_reach_effect_block(item, period)}
  <div class="card-body">
    {_diagnosis_block(item)}
    {_funnel_block(item, chart)}
  </div>
  {_shapes_table(item.summary.feature, item.shapes)}
  {_models_block(item.summary.feature, item.models)}
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
        cards.append(_card(index, item, colours[item.summary.feature], chart, data.reach_period))
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
