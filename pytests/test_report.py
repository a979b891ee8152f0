"""`ai-adoption report`: one self-contained HTML page whose charts render and whose numbers
are the marts'.

The CLI writes the report of the shared ``warehouse`` build once; headless Chromium opens
it (DOM after the scripts ran, and a screenshot). Every number the page tags with
``data-metric`` is held against a value computed here with plain SQL on the marts, from the
definitions of _marts__docs.md: ratios of summed counts, the latest judged period of the
diagnosis, the chain read from each session's break_stage, and the models behind a feature
counted from fct_ai_outputs itself (not from the model mart the report reads), and, when the
warehouse has a product activity source, the reach of the latest full period and the effect
of adopting each feature. Texts tagged ``data-field`` must equal the diagnosis and effect
marts'. The shared ``warehouse`` has no activity: its page says reach and effect are not
shown (``test_effect.py`` checks them on a build with activity).
"""

from __future__ import annotations

import html
import math
import re
import subprocess
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ai_adoption.report import REQUIRED_MARTS
from ai_adoption.report_data import FeatureEffect, ModelOutputs, latest_full_period, period_end
from ai_adoption.report_render import _effect_lines, _models_block
from browser import dump_dom, is_blank, screenshot
from conftest import GENERATOR, RecordProperty, Warehouse

MARTS = "main_ai_adoption"
STAGES: tuple[str, ...] = ("trigger", "context", "output", "verification", "handoff", "return")
TOLERANCE = 1e-9
CLI_TIMEOUT_SECONDS = 120
#: The marker plotly.js carries at the top of its bundle.
PLOTLY_BUNDLE_MARKER = "* plotly.js v"
#: The models the generator logs for the two features that have more than one.
TWO_MODEL_FEATURES: dict[str, set[tuple[str, str]]] = {
    "email_draft": {("openai", "gpt-4.1-mini"), ("anthropic", "claude-sonnet-4")},
    "search_answers": {("openai", "gpt-4.1"), ("google", "gemini-2.5-flash")},
}

#: The numbers of reach (header and cards) and of the effect (cards), shown only when the
#: warehouse has a product activity source.
REACH_METRICS: tuple[str, ...] = (
    "reach_period_start",
    "reach_period_end",
    "active_users",
    "ai_users",
    "first_time_ai_users",
    "repeat_ai_users",
    "reach_rate",
)
#: The columns of fct_ai_feature_effect a card shows under their own names.
EFFECT_COLUMNS: tuple[str, ...] = (
    "effect_days_per_week",
    "effect_lower",
    "effect_upper",
    "effect_without_feature_days",
    "effect_without_feature_days_lower",
    "effect_without_feature_days_upper",
    "effect_beyond_own_use",
    "effect_beyond_own_use_lower",
    "effect_beyond_own_use_upper",
    "effect_weeks",
    "adopters",
    "adopters_matched",
    "control_user_weeks",
)
EFFECT_METRICS: tuple[str, ...] = (*EFFECT_COLUMNS, "effect_confidence_level")
EFFECT_FIELDS: tuple[str, ...] = ("verdict", "verdict_reason")

#: A model as the page tags it: (data-provider, data-model), empty where not logged.
ModelKey = tuple[str, str]
#: What a number on the page belongs to: (feature, stage, shape, model, metric).
MetricKey = tuple[str | None, str | None, str | None, ModelKey | None, str]


# ---- running the CLI ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRun:
    """One finished `ai-adoption report`."""

    returncode: int
    output: str
    out: Path


def run_report(database: Path, out: Path) -> ReportRun:
    completed = subprocess.run(
        [str(GENERATOR), "report", "--database", str(database), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=CLI_TIMEOUT_SECONDS,
        check=False,
    )
    return ReportRun(returncode=completed.returncode, output=completed.stdout, out=out)


@pytest.fixture(scope="module")
def report(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> ReportRun:
    out = tmp_path_factory.mktemp("report") / "nested" / "ai_adoption_report.html"
    run = run_report(warehouse.db, out)
    if run.returncode != 0:
        pytest.fail(f"ai-adoption report failed:\n{run.output[-3000:]}", pytrace=False)
    return run


@pytest.fixture(scope="module")
def dom(report: ReportRun) -> str:
    return dump_dom(report.out.as_uri())


@pytest.fixture(scope="module")
def marts(warehouse: Warehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(warehouse.db), read_only=True)
    yield connection
    connection.close()


# ---- reading the page -----------------------------------------------------------------------


@dataclass
class Tagged:
    """An element carrying data-metric or data-field, with its text."""

    attrs: dict[str, str]
    text: str = ""


class PageParser(HTMLParser):
    """Collects tagged values, feature cards, resource links and rendered charts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tagged: list[Tagged] = []
        self.cards: list[dict[str, str]] = []
        self.resources: list[tuple[str, str]] = []
        self.charts: list[str] = []
        self.svgs_per_chart: Counter[str] = Counter()
        self.styles: list[str] = []
        self._open: Tagged | None = None
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        classes = values.get("class", "").split()
        if "data-metric" in values or "data-field" in values:
            self._open = Tagged(attrs=values)
            self.tagged.append(self._open)
        if tag == "section" and "feature-card" in classes:
            self.cards.append(values)
        for name in ("src", "href", "data", "srcset"):
            if name in values and tag in ("script", "link", "img", "iframe", "object", "embed"):
                self.resources.append((tag, values[name]))
        if tag == "div" and "js-plotly-plot" in classes:
            self.charts.append(values.get("id", ""))
        if tag == "svg" and "main-svg" in classes and self.charts:
            self.svgs_per_chart[self.charts[-1]] += 1
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._open = None
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.text += data
        if self._in_style:
            self.styles.append(data)


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def model_table_rows(segment: str) -> list[ModelKey] | None:
    """The (provider, model) of each row of a card's model table; None without a table."""
    table = re.search(r'<table class="models">(.*?)</table>', segment, re.DOTALL)
    if table is None:
        return None
    return [
        (html.unescape(provider), html.unescape(model))
        for provider, model in re.findall(
            r'<tr\b[^>]*\bdata-provider="([^"]*)" data-model="([^"]*)"', table.group(1)
        )
    ]


def card_segments(page: str) -> dict[str, str]:
    """feature -> the page's HTML from its card's opening tag to the next card."""
    starts = [match.start() for match in re.finditer(r'<section class="feature-card"', page)]
    segments: dict[str, str] = {}
    for begin, end in zip(starts, [*starts[1:], len(page)], strict=True):
        segment = page[begin:end]
        feature = re.search(r'data-feature="([^"]*)"', segment)
        assert feature is not None, segment[:300]
        segments[feature.group(1)] = segment
    return segments


# ---- expectations from the marts ------------------------------------------------------------


def rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    result = connection.execute(sql.format(marts=MARTS))
    names = [column[0] for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def ratio(numerator: Any, denominator: Any) -> float | None:
    return None if not denominator else float(numerator) / float(denominator)


_LATEST_JUDGED = """
with periods as (
    select
        feature,
        coalesce(
            max(period_start) filter (where primary_shape <> 'insufficient_data'),
            max(period_start)
        ) as shown_period,
        count(*) as periods,
        count(*) filter (where primary_shape <> 'insufficient_data') as periods_judged
    from {marts}.fct_ai_feature_diagnosis
    group by feature
)
select diagnosis.*, periods.periods, periods.periods_judged
from {marts}.fct_ai_feature_diagnosis as diagnosis
inner join periods
    on diagnosis.feature = periods.feature and diagnosis.period_start = periods.shown_period
"""


#: Per feature and model, over the whole span, straight from the outputs: the report's
#: model mart is not consulted. A model not logged keys as empty text, as on the page; an
#: edit distance or cost not logged counts as none.
_OUTPUTS_BY_MODEL = """
select
    feature,
    coalesce(provider, '') as provider,
    coalesce(model, '') as model,
    count(*) as outputs_generated,
    count(*) filter (where is_accepted) as outputs_accepted,
    coalesce(sum(edit_distance) filter (where is_accepted), 0) as edit_distance_sum,
    count(*) + coalesce(sum(regeneration_count), 0) as generations,
    coalesce(sum(cost_usd), 0) as cost_usd
from {marts}.fct_ai_outputs
group by 1, 2, 3
"""


#: Each feature's row of fct_ai_feature_reach in the latest period that ends by the last day
#: of the data, with that period's last day.
_REACH_IN_LATEST_FULL_PERIOD = """
with horizon as (
    select max(activity_date) as last_day from {marts}.fct_ai_feature_daily
),
periods as (
    select distinct
        period_start,
        period_grain,
        cast(
            case period_grain
                when 'week' then period_start + interval 6 day
                when 'month' then period_start + interval 1 month - interval 1 day
            end as date
        ) as period_end
    from {marts}.fct_ai_feature_reach
),
latest as (
    select periods.*
    from periods
    cross join horizon
    where periods.period_end <= horizon.last_day
    order by periods.period_start desc
    limit 1
)
select reach.*, latest.period_end
from {marts}.fct_ai_feature_reach as reach
inner join latest
    on reach.period_start = latest.period_start and reach.period_grain = latest.period_grain
"""


def outputs_by_model(
    connection: duckdb.DuckDBPyConnection,
) -> dict[str, dict[ModelKey, dict[str, Any]]]:
    """feature -> (provider, model) -> its counts from fct_ai_outputs."""
    by_feature: dict[str, dict[ModelKey, dict[str, Any]]] = defaultdict(dict)
    for row in rows(connection, _OUTPUTS_BY_MODEL):
        by_feature[row["feature"]][(row["provider"], row["model"])] = row
    return by_feature


def logged_models(models: Mapping[ModelKey, Any]) -> set[ModelKey]:
    """The models that are named (the outputs naming none are no model)."""
    return {key for key in models if key[1] != ""}


def expected_metrics(
    connection: duckdb.DuckDBPyConnection,
) -> dict[MetricKey, Any]:
    """(feature, stage, shape, model, metric) -> value, computed straight from the marts."""
    expected: dict[MetricKey, Any] = {}

    [horizon] = rows(
        connection,
        """
        select
            min(activity_date) as first_activity_date,
            max(activity_date) as last_activity_date,
            sum(sessions) as sessions,
            sum(outputs_generated) as outputs_generated,
            count(distinct feature) as features
        from {marts}.fct_ai_feature_daily
        """,
    )
    [quality] = rows(
        connection,
        """
        select
            sum(rows_received) as rows_received, sum(events_clean) as events_clean,
            sum(duplicates) as duplicates, sum(rows_rejected) as rows_rejected,
            sum(unmapped_events) as unmapped_events,
            sum(orphan_output_events) as orphan_output_events
        from {marts}.fct_ai_event_quality_daily
        """,
    )
    for name, value in {**horizon, **quality}.items():
        expected[(None, None, None, None, name)] = value

    for row in rows(
        connection,
        """
        select
            feature,
            sum(sessions) as sessions,
            sum(outputs_generated) as outputs_generated,
            sum(outputs_accepted) as outputs_accepted,
            sum(accepted_edit_distance_sum) as edit_distance_sum,
            sum(sessions_with_output) as sessions_with_output,
            sum(sessions_handed_off) as sessions_handed_off,
            sum(outputs_viewed) as outputs_viewed,
            sum(outputs_verified) as outputs_verified,
            sum(return_eligible_sessions) as return_eligible_sessions,
            sum(returned_sessions) as returned_sessions
        from {marts}.fct_ai_feature_daily
        group by feature
        """,
    ):
        feature = row["feature"]
        for name, value in {
            "sessions": row["sessions"],
            "outputs_generated": row["outputs_generated"],
            "outputs_accepted": row["outputs_accepted"],
            "acceptance_rate": ratio(row["outputs_accepted"], row["outputs_generated"]),
            "edit_depth": ratio(row["edit_distance_sum"], row["outputs_accepted"]),
            "handoff_rate": ratio(row["sessions_handed_off"], row["sessions_with_output"]),
            "verification_rate": ratio(row["outputs_verified"], row["outputs_viewed"]),
            "return_rate": ratio(row["returned_sessions"], row["return_eligible_sessions"]),
        }.items():
            expected[(feature, None, None, None, name)] = value

    # The chain: a session is through stage k when its first failed stage (break_stage)
    # comes after k; through return also needs a settled return (or return not measured).
    order = " ".join(f"when '{stage}' then {index}" for index, stage in enumerate(STAGES, 1))
    through = ", ".join(
        f"count(*) filter (where sessions.break_stage is null or "
        f"(case sessions.break_stage {order} end) > {index}) as through_{stage}"
        for index, stage in enumerate(STAGES[:-1], 1)
    )
    for row in rows(
        connection,
        f"""
        select
            sessions.feature,
            {through},
            count(*) filter (
                where sessions.break_stage is null
                    and (sessions.is_return_passed or not features.measures_return)
            ) as through_return
        from {{marts}}.fct_ai_sessions as sessions
        inner join {{marts}}.dim_ai_features as features
            on sessions.feature = features.feature
        group by sessions.feature
        """,
    ):
        for stage in STAGES:
            expected[(row["feature"], stage, None, None, "sessions_through")] = row[
                f"through_{stage}"
            ]

    for row in rows(connection, _LATEST_JUDGED):
        feature = row["feature"]
        for name in (
            "evidence_value",
            "evidence_lower",
            "evidence_upper",
            "evidence_threshold",
            "evidence_sample_size",
        ):
            expected[(feature, None, None, None, name)] = row[name]
        expected[(feature, None, None, None, "periods")] = row["periods"]
        expected[(feature, None, None, None, "periods_judged")] = row["periods_judged"]
        for stage in STAGES:
            expected[(feature, stage, None, None, "stage_pass_rate")] = row[f"{stage}_pass_rate"]
            expected[(feature, stage, None, None, "stage_healthy_bar")] = row[
                f"{stage}_healthy_bar"
            ]

    for row in rows(
        connection,
        f"""
        select shapes.*
        from {{marts}}.fct_ai_failure_shapes as shapes
        inner join ({_LATEST_JUDGED}) as shown
            on shapes.feature = shown.feature and shapes.period_start = shown.period_start
        """,
    ):
        for name in (
            "evidence_value",
            "evidence_threshold",
            "evidence_sample_size",
            "signals_firing",
            "signals_judged",
        ):
            expected[(row["feature"], None, row["shape"], None, f"shape_{name}")] = row[name]

    # A feature with more than one named model compares them all, the unnamed outputs too.
    for feature, models in outputs_by_model(connection).items():
        if len(logged_models(models)) < 2:
            continue
        for model, row in models.items():
            accepted = row["outputs_accepted"]
            for name, value in {
                "outputs_generated": row["outputs_generated"],
                "outputs_accepted": accepted,
                "acceptance_rate": ratio(accepted, row["outputs_generated"]),
                "edit_depth": ratio(row["edit_distance_sum"], accepted),
                "generations_per_accepted_output": ratio(row["generations"], accepted),
                "cost_per_accepted_output": ratio(row["cost_usd"], accepted),
            }.items():
                expected[(feature, None, None, model, f"model_{name}")] = value

    # Reach: the header gives the period and its active users once (they are on every
    # feature's row); each card gives its feature's row, the rate recomputed here.
    reach = rows(connection, _REACH_IN_LATEST_FULL_PERIOD)
    if reach:
        [(start, end, active_users)] = {
            (row["period_start"], row["period_end"], row["active_users"]) for row in reach
        }
        expected[(None, None, None, None, "reach_period_start")] = start
        expected[(None, None, None, None, "reach_period_end")] = end
        expected[(None, None, None, None, "active_users")] = active_users
    for row in reach:
        for name, value in {
            "reach_period_start": row["period_start"],
            "active_users": row["active_users"],
            "ai_users": row["ai_users"],
            "first_time_ai_users": row["first_time_ai_users"],
            "repeat_ai_users": row["repeat_ai_users"],
            "reach_rate": ratio(row["ai_users"], row["active_users"]),
        }.items():
            expected[(row["feature"], None, None, None, name)] = value

    for row in rows(connection, "select * from {marts}.fct_ai_feature_effect"):
        feature = row["feature"]
        for name in EFFECT_COLUMNS:
            expected[(feature, None, None, None, name)] = row[name]
        # the level belongs to the interval, and shows only where there is one
        expected[(feature, None, None, None, "effect_confidence_level")] = (
            None if row["effect_lower"] is None else row["confidence_level"]
        )
    return expected


def expected_fields(connection: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str | None]:
    """(feature, field) -> the diagnosis mart's text for the period the card shows, and the
    effect mart's verdict and its reason."""
    names = (
        "primary_shape",
        "primary_shape_description",
        "break_stage",
        "last_healthy_stage",
        "recommended_focus",
        "evidence_signal",
        "detected_shapes",
        "period_start",
        "verdict_since",
        "kind",
        "risk",
        "corroborated_by",
        "watch_shapes",
        "inconclusive_shapes",
        "is_provisional",
    )
    #: shown only where the verdict rests on a stage alone
    stage_names = ("session_break_stage", "candidate_shapes")
    expected: dict[tuple[str, str], str | None] = {}
    for row in rows(connection, _LATEST_JUDGED):
        for name in names:
            value = row[name]
            expected[(row["feature"], name)] = None if value is None else str(value)
        for name in stage_names if row["is_stage_evidenced"] else ():
            value = row[name]
            expected[(row["feature"], name)] = None if value is None else str(value)
    for row in rows(connection, "select * from {marts}.fct_ai_feature_effect"):
        for name in EFFECT_FIELDS:
            expected[(row["feature"], name)] = str(row[name])
    return expected


def same_value(shown: str, expected: Any) -> bool:
    """data-value (text) against a mart value: exact for counts and dates, 1e-9 for ratios."""
    if expected is None:
        return shown == ""
    if shown == "":
        return False
    if isinstance(expected, date):
        return shown == expected.isoformat()
    if isinstance(expected, int):
        return shown == str(expected)
    return math.isclose(float(shown), float(expected), rel_tol=0.0, abs_tol=TOLERANCE)


# ---- tests ----------------------------------------------------------------------------------


def test_report_is_one_self_contained_file(
    report: ReportRun, record_property: RecordProperty
) -> None:
    page = report.out.read_text(encoding="utf-8")
    size = report.out.stat().st_size
    record_property("artifact", f"report: {report.out} ({size:,} bytes)")

    logged = re.search(r"wrote (\S+) \(([\d.]+ [kM]B), (\d+) bytes\)", report.output)
    assert logged is not None, f"the CLI did not report the file and its size:\n{report.output}"
    assert Path(logged.group(1)) == report.out
    assert int(logged.group(3)) == size

    parsed = parse(page)
    external = [(tag, url) for tag, url in parsed.resources if not url.startswith("#")]
    assert external == [], f"the page loads resources from elsewhere: {external}"
    assert "<script src=" not in page.lower()
    styles = "".join(parsed.styles).lower()
    assert "@import" not in styles and "url(" not in styles, "styles must not load anything"
    assert page.count(PLOTLY_BUNDLE_MARKER) == 1, "plotly.js must be embedded exactly once"


def test_charts_render_in_chromium(dom: str, marts: duckdb.DuckDBPyConnection) -> None:
    [(features_with_sessions,)] = marts.execute(
        f"select count(distinct feature) from {MARTS}.fct_ai_sessions"
    ).fetchall()
    parsed = parse(dom)
    expected_charts = 1 + features_with_sessions  # the weekly chart and one funnel per card
    assert len(parsed.charts) == expected_charts, parsed.charts
    assert len(set(parsed.charts)) == expected_charts, f"duplicate chart ids: {parsed.charts}"
    unrendered = [chart for chart in parsed.charts if parsed.svgs_per_chart[chart] == 0]
    assert unrendered == [], f"charts without an SVG drawn by plotly: {unrendered}"
    for feature, segment in card_segments(dom).items():
        assert segment.count("js-plotly-plot") == 1, f"{feature}: one funnel per card"


def test_screenshot_is_not_blank(
    report: ReportRun, tmp_path: Path, record_property: RecordProperty
) -> None:
    png = screenshot(report.out.as_uri(), tmp_path / "ai_adoption_report.png")
    record_property("artifact", f"screenshot: {png}")
    assert not is_blank(png), f"the rendered report is blank: {png}"


def test_one_card_per_feature_with_the_break_stage_marked(
    dom: str, marts: duckdb.DuckDBPyConnection
) -> None:
    features = {
        row[0]
        for row in marts.execute(
            f"select distinct feature from {MARTS}.fct_ai_feature_daily"
        ).fetchall()
    }
    diagnosis = {row["feature"]: row for row in rows(marts, _LATEST_JUDGED)}
    cards = parse(dom).cards
    assert sorted(card["data-feature"] for card in cards) == sorted(features)
    segments = card_segments(dom)
    for card in cards:
        feature = card["data-feature"]
        row = diagnosis[feature]
        assert card["data-primary-shape"] == row["primary_shape"], feature
        assert card["data-break-stage"] == (row["break_stage"] or ""), feature
        segment = segments[feature]
        marked_stages = re.findall(r'<li class="break" data-stage="([^"]+)"', segment)
        funnel_labels = re.findall(r">(\w+) ◀ break stage</text>", segment)
        if row["break_stage"] is None:
            assert marked_stages == [] and funnel_labels == [], feature
        else:
            assert marked_stages == [row["break_stage"]], feature
            assert row["break_stage"] in funnel_labels, f"{feature}: funnel shows no break"


def shown_metrics(page: str) -> dict[MetricKey, list[str]]:
    """Every number the page tags, by what it belongs to: its data-value texts."""
    shown: dict[MetricKey, list[str]] = {}
    for item in parse(page).tagged:
        if "data-metric" not in item.attrs:
            continue
        key: MetricKey = (
            item.attrs.get("data-feature"),
            item.attrs.get("data-stage"),
            item.attrs.get("data-shape"),
            (item.attrs.get("data-provider", ""), item.attrs["data-model"])
            if "data-model" in item.attrs
            else None,
            item.attrs["data-metric"],
        )
        shown.setdefault(key, []).append(item.attrs["data-value"])
    return shown


def assert_numbers_equal_the_marts(page: str, connection: duckdb.DuckDBPyConnection) -> int:
    """Every tagged number of ``page`` equals ``expected_metrics``; returns how many."""
    expected = expected_metrics(connection)
    shown = shown_metrics(page)
    unknown = sorted(set(shown) - set(expected), key=str)
    assert unknown == [], f"numbers on the page with no definition here: {unknown}"
    wrong = [
        (key, value, expected[key])
        for key, values in shown.items()
        for value in values
        if not same_value(value, expected[key])
    ]
    assert wrong == [], "numbers differing from the marts:\n" + "\n".join(map(str, wrong))
    # Every number the marts hold for the page is on it (a null may be left out, as a
    # feature with no firing signal has no evidence sentence).
    missing = sorted(
        (key for key, value in expected.items() if key not in shown and value is not None),
        key=str,
    )
    assert missing == [], f"numbers missing from the page: {missing}"
    return sum(len(values) for values in shown.values())


def shown_fields(page: str) -> dict[tuple[str, str], Tagged]:
    """(feature, field) -> the element of every text the page tags."""
    return {
        (item.attrs["data-feature"], item.attrs["data-field"]): item
        for item in parse(page).tagged
        if "data-field" in item.attrs
    }


def assert_texts_equal_the_marts(page: str, connection: duckdb.DuckDBPyConnection) -> None:
    """Every tagged text of ``page`` equals ``expected_fields``, and none is missing."""
    expected = expected_fields(connection)
    shown = shown_fields(page)
    assert set(shown) <= set(expected), sorted(set(shown) - set(expected))
    missing = [key for key, value in expected.items() if key not in shown and value is not None]
    assert missing == [], f"texts missing from the page: {missing}"
    for key, item in shown.items():
        value = expected[key]
        assert item.attrs["data-value"] == (value or ""), key
        if key[1] in ("primary_shape_description", "recommended_focus", "period_start"):
            assert " ".join(item.text.split()) == " ".join((value or "").split()), key


def visible_text(fragment: str) -> str:
    """The text of an HTML fragment as a reader sees it (no scripts), spaces collapsed."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", fragment, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def header_of(page: str) -> str:
    header = re.search(r'<header class="panel" id="horizon">(.*?)</header>', page, re.DOTALL)
    assert header is not None, "the page has no header"
    return header.group(1)


def test_card_numbers_equal_the_marts(
    dom: str, marts: duckdb.DuckDBPyConnection, record_property: RecordProperty
) -> None:
    checked = assert_numbers_equal_the_marts(dom, marts)
    record_property("artifact", f"{checked} numbers checked against the marts")


def test_cards_compare_their_models(dom: str, marts: duckdb.DuckDBPyConnection) -> None:
    """A card with two models or more compares them; one with fewer has no model table."""
    models = outputs_by_model(marts)
    segments = card_segments(dom)
    for feature, pairs in TWO_MODEL_FEATURES.items():
        assert logged_models(models[feature]) == pairs, f"{feature}: the generator's models"
        table = model_table_rows(segments[feature])
        assert table is not None, f"{feature}: no model table"
        assert "Models behind this feature" in segments[feature], feature
        assert {row for row in table if row[1] != ""} == pairs, feature
    for feature, segment in segments.items():
        logged = logged_models(models.get(feature, {}))
        table = model_table_rows(segment)
        lines = re.findall(
            r'<p class="muted model-line" data-provider="([^"]*)" data-model="([^"]*)"', segment
        )
        if len(logged) > 1:
            assert table is not None and len(table) == len(set(table)), feature
            assert set(table) == set(models[feature]), f"{feature}: one row per model"
            assert lines == [], feature
        else:
            assert table is None, f"{feature} has {len(logged)} model(s) but a model table"
            assert "Models behind this feature" not in segment, feature
            named = {(html.unescape(provider), html.unescape(model)) for provider, model in lines}
            assert named == logged, f"{feature}: the one-model line names its model"


def _model_outputs(provider: str | None, model: str | None, generated: int) -> ModelOutputs:
    accepted = generated // 2
    return ModelOutputs(
        provider=provider,
        model=model,
        outputs_generated=generated,
        outputs_accepted=accepted,
        accepted_edit_distance_sum=accepted * 0.1,
        generations=generated + 3,
        cost_usd=generated * 0.01,
        acceptance_rate=accepted / generated,
        edit_depth=0.1,
        generations_per_accepted_output=(generated + 3) / accepted,
        cost_per_accepted_output=generated * 0.01 / accepted,
    )


def test_model_table_keeps_the_unlogged_outputs_apart() -> None:
    """Outputs naming no model get a row of their own, tagged with empty provider and model."""
    unlogged = _model_outputs(None, None, 10)
    block = _models_block(
        "f", [_model_outputs("p", "a", 40), _model_outputs("q", "b", 20), unlogged]
    )
    assert model_table_rows(block) == [("p", "a"), ("q", "b"), ("", "")]
    assert "not logged" in block
    tagged = {
        (item.attrs["data-provider"], item.attrs["data-model"], item.attrs["data-metric"])
        for item in parse(block).tagged
    }
    assert ("", "", "model_outputs_generated") in tagged
    assert len(tagged) == 3 * 6, "six numbers per model row"
    one = _models_block("f", [_model_outputs("p", "a", 40), unlogged])
    assert model_table_rows(one) is None and "Model: a (p)" in one
    assert _models_block("f", [unlogged]) == ""
    assert _models_block("f", []) == ""


def test_diagnosis_texts_equal_the_marts(dom: str, marts: duckdb.DuckDBPyConnection) -> None:
    assert_texts_equal_the_marts(dom, marts)


def test_without_activity_reach_and_effect_are_not_shown(
    dom: str, marts: duckdb.DuckDBPyConnection
) -> None:
    """The shared warehouse has no product activity: its reach and effect marts are built and
    empty, and the page says so once instead of showing them."""
    for mart in ("fct_ai_feature_reach", "fct_ai_feature_effect"):
        [(count,)] = marts.execute(f"select count(*) from {MARTS}.{mart}").fetchall()
        assert count == 0, f"{mart} has rows without an activity source"
    header = visible_text(header_of(dom))
    assert (
        "Reach and effect need a product activity source (var ai_adoption_activity_source) "
        "and are not shown." in header
    ), header
    text = visible_text(dom)
    assert text.count("not shown") == 1 and "observational comparison" not in text
    names = {key[4] for key in shown_metrics(dom)}
    assert names.isdisjoint(REACH_METRICS + EFFECT_METRICS), names
    assert {field for _, field in shown_fields(dom)}.isdisjoint(EFFECT_FIELDS)
    assert 'class="reach-effect"' not in dom and "Reach and effect</h3>" not in dom


def test_the_reach_period_is_the_latest_full_one() -> None:
    """A period still running on the last day of the data is passed over."""
    monday = date(2026, 10, 26)
    weeks = [(monday - timedelta(days=7 * back), "week") for back in range(3)]
    assert period_end(monday, "week") == date(2026, 11, 1)
    assert latest_full_period(weeks, date(2026, 11, 1)) == (monday, "week")
    assert latest_full_period(weeks, date(2026, 10, 31)) == (date(2026, 10, 19), "week")
    assert latest_full_period(weeks, date(2026, 10, 17)) is None
    assert latest_full_period(weeks, None) is None
    assert latest_full_period([], date(2026, 11, 1)) is None
    months = [(date(2026, 11, 1), "month"), (date(2026, 12, 1), "month")]
    assert period_end(date(2026, 2, 1), "month") == date(2026, 2, 28)
    assert period_end(date(2026, 12, 1), "month") == date(2026, 12, 31)
    assert latest_full_period(months, date(2026, 12, 30)) == (date(2026, 11, 1), "month")
    assert latest_full_period(months, date(2026, 12, 31)) == (date(2026, 12, 1), "month")
    assert period_end(monday, "day") == monday


def _effect(matched: int, **values: float | None) -> FeatureEffect:
    fields: dict[str, float | None] = dict.fromkeys(
        (
            "feature_days_after",
            "effect_days_per_week",
            "effect_lower",
            "effect_upper",
            "effect_without_feature_days",
            "effect_without_feature_days_lower",
            "effect_without_feature_days_upper",
        )
    )
    fields.update(values)
    return FeatureEffect(
        effect_weeks=4,
        adopters=matched + 5,
        adopters_matched=matched,
        control_user_weeks=40,
        confidence_level=0.9,
        verdict="inconclusive",
        verdict_reason="too_few_adopters",
        **fields,
    )


def test_effect_of_too_few_adopters_names_how_many() -> None:
    """Too few adopters: the count matched, no bound left out as null, the name escaped."""
    hostile = '<b>"f"</b>'
    block = _effect_lines(hostile, _effect(1, effect_days_per_week=0.25))
    text = visible_text(block)
    assert "too few adopters to compare (1 matched)." in text, text
    assert "+0.25 active days a week (no interval with fewer than two matched adopters)" in text
    assert hostile not in block and "&lt;b&gt;&quot;f&quot;&lt;/b&gt;" in block
    names = {
        item.attrs["data-metric"] for item in parse(block).tagged if "data-metric" in item.attrs
    }
    assert names == {
        "effect_days_per_week",
        "effect_weeks",
        "adopters",
        "adopters_matched",
        "control_user_weeks",
    }
    interval = _effect_lines(
        "f",
        _effect(
            12,
            effect_days_per_week=0.42,
            effect_lower=0.1,
            effect_upper=0.75,
            effect_without_feature_days=-0.2,
            effect_without_feature_days_lower=-0.5,
            effect_without_feature_days_upper=0.1,
        ),
    )
    text = visible_text(interval)
    assert "+0.42 active days a week (90 % interval +0.10 to +0.75)" in text, text
    assert "(12 matched)" in text and "\u22120.20 (interval \u22120.50 to +0.10)" in text, text
    assert _effect_lines("f", _effect(0)).count("no estimate") == 1


def test_text_from_the_data_is_escaped(
    warehouse: Warehouse, tmp_path: Path, marts: duckdb.DuckDBPyConnection
) -> None:
    """A feature or a model named like markup shows as text, never as markup."""
    hostile = '<script>alert("x")</script>&<b>'
    hostile_model = '</td><script>alert("m")</script>'
    copy = tmp_path / "hostile.duckdb"
    [(victim,)] = marts.execute(f"select min(feature) from {MARTS}.fct_ai_feature_daily").fetchall()
    # a model of a feature with two, so that it shows in a model table
    victim_model = min(
        model
        for feature in TWO_MODEL_FEATURES
        for _, model in logged_models(outputs_by_model(marts)[feature])
    )
    replaced = {"feature": (victim, hostile), "model": (victim_model, hostile_model)}
    with duckdb.connect(str(copy)) as connection:
        connection.execute(f"attach '{warehouse.db}' as source (read_only)")
        connection.execute(f"create schema {MARTS}")
        for table in REQUIRED_MARTS:
            columns = [
                row[0]
                for row in connection.execute(
                    "select column_name from information_schema.columns "
                    "where table_catalog = 'source' and table_schema = ? and table_name = ? "
                    "order by ordinal_position",
                    [MARTS, table],
                ).fetchall()
            ]
            select = ", ".join(
                f"case when {column} = ? then ? else {column} end as {column}"
                if column in replaced
                else column
                for column in columns
            )
            params = [
                value for column in columns if column in replaced for value in replaced[column]
            ]
            connection.execute(
                f"create table {MARTS}.{table} as select {select} from source.{MARTS}.{table}",
                params,
            )
    run = run_report(copy, tmp_path / "hostile.html")
    assert run.returncode == 0, run.output[-3000:]
    page = run.out.read_text(encoding="utf-8")
    assert hostile not in page and hostile_model not in page
    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&lt;b&gt;" in page
    assert "&lt;/td&gt;&lt;script&gt;alert(&quot;m&quot;)&lt;/script&gt;" in page
    parsed = parse(page)
    cards = [card["data-feature"] for card in parsed.cards]
    assert hostile in cards, "the escaped name must read back as the original text"
    models = {item.attrs.get("data-model") for item in parsed.tagged}
    assert hostile_model in models, "the escaped model must read back as the original text"


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    run = run_report(tmp_path / "absent.duckdb", out)
    assert run.returncode == 1, run.output
    assert "absent.duckdb does not exist" in run.output
    assert "make build" in run.output
    assert "Traceback" not in run.output
    assert not out.exists()


def test_missing_mart_is_a_clear_error(tmp_path: Path) -> None:
    database = tmp_path / "partial.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute(f"create schema {MARTS}")
        connection.execute(f"create table {MARTS}.fct_ai_feature_daily (feature varchar)")
    out = tmp_path / "report.html"
    run = run_report(database, out)
    assert run.returncode == 1, run.output
    message: Mapping[str, bool] = {
        mart: mart in run.output
        for mart in ("fct_ai_sessions", "fct_ai_feature_diagnosis", "dim_ai_features")
    }
    assert all(message.values()), f"missing marts not named: {message}\n{run.output}"
    assert "make build" in run.output
    assert "Traceback" not in run.output
    assert not out.exists()
