"""Read what the HTML report shows from the marts of a built DuckDB warehouse.

This module holds the queries and the frozen records they fill: the data horizon, the
six-stage funnel of each feature, the stage checks and failure shapes of its diagnosed
period, the outputs of each model behind it, the weekly ratios, and, when the warehouse was
built with a product activity source, each feature's reach in the latest full period and
the effect of adopting it. Everything is read through a read-only connection, rows by
column name. Ratios are recomputed from summed numerators and denominators at the grain
shown (whole period or week), never averaged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ai_adoption.summary import (
    EventQuality,
    FeatureDiagnosis,
    FeatureSummary,
    HeadlineRatios,
    event_quality,
    feature_diagnoses,
    feature_summaries,
    headline_ratios,
    summed_counts_sql,
)
from ai_adoption.warehouse import fetch_dicts, fetch_one, optional_float, optional_int, ratio

if TYPE_CHECKING:
    import duckdb

#: Marts the report reads; all live in one schema.
REQUIRED_MARTS: tuple[str, ...] = (
    "fct_ai_feature_daily",
    "fct_ai_sessions",
    "fct_ai_feature_diagnosis",
    "fct_ai_failure_shapes",
    "fct_ai_event_quality_daily",
    "fct_ai_feature_model_daily",
    "dim_ai_features",
    "fct_ai_feature_reach",
    "fct_ai_feature_effect",
)

#: Months in a period of each grain longer than a week (``ai_adoption_period_start``).
_GRAIN_MONTHS: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}

REMEDY = "run `make build` first (or `make demo` for a sample warehouse)"


class ReportError(ValueError):
    """The warehouse cannot give a report: missing file or missing marts."""


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
class ModelOutputs:
    """The outputs of one model behind one feature over the whole span.

    A model is its provider and name as logged (fct_ai_feature_model_daily); both are None
    for the outputs whose events name no model. The counts are summed over every day and
    each ratio is one of the summed counts, never a mean of daily ratios.
    """

    provider: str | None
    model: str | None
    outputs_generated: int
    outputs_accepted: int
    accepted_edit_distance_sum: float
    generations: int
    cost_usd: float | None
    acceptance_rate: float | None
    edit_depth: float | None
    generations_per_accepted_output: float | None
    cost_per_accepted_output: float | None

    @property
    def is_logged(self) -> bool:
        """Whether the outputs name a model (a provider alone is no model)."""
        return self.model is not None


@dataclass(frozen=True)
class WeeklyRatios:
    """One feature in one week (weeks start on Monday), ratios of summed counts."""

    feature: str
    week_start: date
    ratios: HeadlineRatios


@dataclass(frozen=True)
class ReachPeriod:
    """The period the reach is shown for: the latest full one of fct_ai_feature_reach.

    ``active_users`` are the users the product activity saw in it, the same on every
    feature's row; AI users are not summed over features, as distinct users do not add up.
    """

    period_start: date
    period_grain: str
    period_end: date
    active_users: int


@dataclass(frozen=True)
class FeatureReach:
    """One feature in the shown period (fct_ai_feature_reach)."""

    active_users: int
    ai_users: int
    first_time_ai_users: int
    repeat_ai_users: int
    ai_users_outside_activity: int
    reach_rate: float | None


@dataclass(frozen=True)
class FeatureEffect:
    """What adopting one feature changed in active days a week (fct_ai_feature_effect).

    The bounds are null with fewer than two matched adopters, the estimates with none.
    """

    effect_weeks: int
    adopters: int
    adopters_matched: int
    control_user_weeks: int
    feature_days_after: float | None
    effect_days_per_week: float | None
    effect_lower: float | None
    effect_upper: float | None
    effect_without_feature_days: float | None
    effect_without_feature_days_lower: float | None
    effect_without_feature_days_upper: float | None
    confidence_level: float
    verdict: str
    verdict_reason: str
    #: the floor the verdict reads: without the feature's days that show nothing else
    effect_beyond_own_use: float | None = None
    effect_beyond_own_use_lower: float | None = None
    effect_beyond_own_use_upper: float | None = None


@dataclass(frozen=True)
class FeatureReport:
    """Everything one feature card shows."""

    summary: FeatureSummary
    diagnosis: FeatureDiagnosis | None
    shape_description: str | None
    stage_checks: tuple[StageCheck, ...]
    shapes: tuple[ShapeEvidence, ...]
    funnel: Funnel | None
    #: Every model behind the feature, the most used first and the unlogged ones last.
    models: tuple[ModelOutputs, ...]
    #: The feature in ``ReportData.reach_period``; None without one.
    reach: FeatureReach | None
    effect: FeatureEffect | None


@dataclass(frozen=True)
class ReportData:
    """The report's content, read from the marts."""

    database: Path
    horizon: Horizon
    features: tuple[FeatureReport, ...]
    weekly: tuple[WeeklyRatios, ...]
    #: Whether the reach and effect marts have rows (a product activity source was built).
    has_activity: bool
    #: The latest full period of the reach; None without activity or before one ends.
    reach_period: ReachPeriod | None


def marts_schema(connection: duckdb.DuckDBPyConnection, database: Path) -> str:
    """The schema holding the marts; fails naming every missing mart and the remedy."""
    rows = fetch_dicts(
        connection,
        "select table_schema, table_name from information_schema.tables "
        "where table_name in (select unnest(?::varchar[])) order by 1, 2",
        [list(REQUIRED_MARTS)],
    )
    by_schema: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        by_schema[str(row["table_schema"])].add(str(row["table_name"]))
    best = max(sorted(by_schema), key=lambda schema: len(by_schema[schema]), default=None)
    found = by_schema[best] if best is not None else set()
    missing = [mart for mart in REQUIRED_MARTS if mart not in found]
    if best is None or missing:
        raise ReportError(f"{database} lacks the mart(s) {', '.join(missing)}: {REMEDY}")
    return best


def _horizon(connection: duckdb.DuckDBPyConnection, schema: str, database: Path) -> Horizon:
    """The span of the activity, its size, and the load counts behind it."""
    row = fetch_one(
        connection,
        f"""
        select
            min(activity_date) as first_activity_date,
            max(activity_date) as last_activity_date,
            count(distinct feature) as features,
            sum(sessions) as sessions,
            sum(outputs_generated) as outputs_generated
        from {schema}.fct_ai_feature_daily
        """,
    )
    as_of = fetch_one(
        connection,
        f"select max(last_occurred_at) as data_as_of from {schema}.fct_ai_event_quality_daily",
    )
    return Horizon(
        first_activity_date=row["first_activity_date"],
        last_activity_date=row["last_activity_date"],
        data_as_of=as_of["data_as_of"],
        features=int(row["features"]),
        # An empty mart sums to null: no sessions and no outputs yet.
        sessions=int(row["sessions"] or 0),
        outputs_generated=int(row["outputs_generated"] or 0),
        quality=event_quality(database),
    )


def chain_stages(connection: duckdb.DuckDBPyConnection, schema: str) -> tuple[str, ...]:
    """The chain's stages in order, as the feature dimension's ``measures_<stage>`` columns.

    The stages seed orders the chain and the dimension's contract carries one flag per
    stage in that order, so the report takes the names from there instead of its own list.
    """
    rows = fetch_dicts(
        connection,
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = 'dim_ai_features' "
        "and starts_with(column_name, 'measures_') order by ordinal_position",
        [schema],
    )
    stages = tuple(str(row["column_name"]).removeprefix("measures_") for row in rows)
    if not stages:
        raise ReportError(f"{schema}.dim_ai_features has no measures_<stage> columns: {REMEDY}")
    return stages


def _measured_stages(
    connection: duckdb.DuckDBPyConnection, schema: str, stages: tuple[str, ...]
) -> dict[str, tuple[bool, ...]]:
    """Per feature, whether each stage of the chain is measured at all (in chain order)."""
    measured_columns = ", ".join(f"measures_{stage}" for stage in stages)
    return {
        str(row["feature"]): tuple(bool(row[f"measures_{stage}"]) for stage in stages)
        for row in fetch_dicts(
            connection, f"select feature, {measured_columns} from {schema}.dim_ai_features"
        )
    }


def _funnels(
    connection: duckdb.DuckDBPyConnection, schema: str, stages: tuple[str, ...]
) -> dict[str, Funnel]:
    """Per feature, its sessions through each stage, from each session's first failed stage."""
    measured = _measured_stages(connection, schema, stages)
    failed: dict[str, dict[str | None, int]] = defaultdict(dict)
    unsettled: dict[str, int] = defaultdict(int)
    for row in fetch_dicts(
        connection,
        f"""
        select
            feature,
            break_stage,
            count(*) as sessions,
            count(*) filter (where break_stage is null and is_return_passed is null) as pending
        from {schema}.fct_ai_sessions
        group by 1, 2
        """,
    ):
        failed[str(row["feature"])][row["break_stage"]] = int(row["sessions"])
        unsettled[str(row["feature"])] += int(row["pending"])
    funnels: dict[str, Funnel] = {}
    for feature, counts in failed.items():
        flags = measured.get(feature, (True,) * len(stages))
        sessions = sum(counts.values())
        through = sessions
        through_stages: list[FunnelStage] = []
        for stage, is_measured in zip(stages, flags, strict=True):
            failed_here = counts.get(stage, 0)
            pending = unsettled[feature] if stage == "return" and is_measured else 0
            through -= failed_here + pending
            through_stages.append(FunnelStage(stage, is_measured, through, failed_here, pending))
        funnels[feature] = Funnel(sessions=sessions, stages=tuple(through_stages))
    return funnels


def _stage_checks(
    connection: duckdb.DuckDBPyConnection, schema: str, stages: tuple[str, ...]
) -> dict[tuple[str, str], tuple[str, tuple[StageCheck, ...]]]:
    """Per (feature, period), the shape description and each stage against its bar."""
    columns = ", ".join(
        f"{stage}_pass_rate, {stage}_healthy_bar, is_{stage}_healthy" for stage in stages
    )
    checks: dict[tuple[str, str], tuple[str, tuple[StageCheck, ...]]] = {}
    for row in fetch_dicts(
        connection,
        f"""
        select feature, period_start, primary_shape_description, {columns}
        from {schema}.fct_ai_feature_diagnosis
        """,
    ):
        stage_checks = tuple(
            StageCheck(
                stage=stage,
                pass_rate=optional_float(row[f"{stage}_pass_rate"]),
                healthy_bar=optional_float(row[f"{stage}_healthy_bar"]),
                is_healthy=row[f"is_{stage}_healthy"],
            )
            for stage in stages
        )
        key = (str(row["feature"]), str(row["period_start"]))
        checks[key] = (str(row["primary_shape_description"]), stage_checks)
    return checks


def _shapes(
    connection: duckdb.DuckDBPyConnection, schema: str
) -> dict[tuple[str, str], tuple[ShapeEvidence, ...]]:
    """Per (feature, period), every failure shape, the detected and most severe first."""
    shapes: dict[tuple[str, str], list[ShapeEvidence]] = defaultdict(list)
    for row in fetch_dicts(
        connection,
        f"""
        select
            feature, period_start, shape, shape_stages, is_detected, is_judged,
            signals_judged, signals_firing, evidence_signal, evidence_value,
            evidence_direction, evidence_threshold, evidence_sample_size
        from {schema}.fct_ai_failure_shapes
        order by feature, period_start, is_detected desc, severity desc nulls last, shape
        """,
    ):
        shapes[(str(row["feature"]), str(row["period_start"]))].append(
            ShapeEvidence(
                shape=str(row["shape"]),
                stages=row["shape_stages"],
                is_detected=bool(row["is_detected"]),
                is_judged=bool(row["is_judged"]),
                signals_judged=int(row["signals_judged"] or 0),
                signals_firing=int(row["signals_firing"] or 0),
                evidence_signal=row["evidence_signal"],
                evidence_value=optional_float(row["evidence_value"]),
                evidence_direction=row["evidence_direction"],
                evidence_threshold=optional_float(row["evidence_threshold"]),
                evidence_sample_size=optional_int(row["evidence_sample_size"]),
            )
        )
    return {key: tuple(items) for key, items in shapes.items()}


def _models(
    connection: duckdb.DuckDBPyConnection, schema: str
) -> dict[str, tuple[ModelOutputs, ...]]:
    """Per feature, the outputs of each (provider, model) summed over the whole span."""
    models: dict[str, list[ModelOutputs]] = defaultdict(list)
    for row in fetch_dicts(
        connection,
        f"""
        select
            feature,
            provider,
            model,
            sum(outputs_generated) as outputs_generated,
            sum(outputs_accepted) as outputs_accepted,
            sum(accepted_edit_distance_sum) as accepted_edit_distance_sum,
            sum(generations) as generations,
            sum(cost_usd) as cost_usd
        from {schema}.fct_ai_feature_model_daily
        group by feature, provider, model
        order by feature, model is null, outputs_generated desc, provider, model
        """,
    ):
        accepted = int(row["outputs_accepted"])
        cost = optional_float(row["cost_usd"])
        models[str(row["feature"])].append(
            ModelOutputs(
                provider=row["provider"],
                model=row["model"],
                outputs_generated=int(row["outputs_generated"]),
                outputs_accepted=accepted,
                accepted_edit_distance_sum=float(row["accepted_edit_distance_sum"]),
                generations=int(row["generations"]),
                cost_usd=cost,
                acceptance_rate=ratio(accepted, row["outputs_generated"]),
                edit_depth=ratio(row["accepted_edit_distance_sum"], accepted),
                generations_per_accepted_output=ratio(row["generations"], accepted),
                cost_per_accepted_output=None if cost is None else ratio(cost, accepted),
            )
        )
    return {feature: tuple(items) for feature, items in models.items()}


def _weekly(connection: duckdb.DuckDBPyConnection, schema: str) -> tuple[WeeklyRatios, ...]:
    """Per feature and week, the headline ratios of the week's summed counts."""
    rows = fetch_dicts(
        connection,
        f"""
        select
            feature,
            cast(date_trunc('week', activity_date) as date) as week_start,
            {summed_counts_sql()}
        from {schema}.fct_ai_feature_daily
        group by 1, 2
        order by 1, 2
        """,
    )
    return tuple(
        WeeklyRatios(
            feature=str(row["feature"]), week_start=row["week_start"], ratios=headline_ratios(row)
        )
        for row in rows
    )


def period_end(period_start: date, grain: str) -> date:
    """The last day of the period of ``grain`` that starts on ``period_start``."""
    if grain == "day":
        return period_start
    if grain == "week":
        return period_start + timedelta(days=6)
    if grain not in _GRAIN_MONTHS:
        raise ReportError(f"unknown period grain {grain!r} in fct_ai_feature_reach")
    months = period_start.year * 12 + period_start.month - 1 + _GRAIN_MONTHS[grain]
    return date(months // 12, months % 12 + 1, 1) - timedelta(days=1)


def latest_full_period(
    periods: Iterable[tuple[date, str]], last_date: date | None
) -> tuple[date, str] | None:
    """The latest (period_start, grain) whose period ends on or before ``last_date``.

    A period still running at the data horizon has fewer days of activity than the others,
    so its reach is not comparable with theirs; None when no period has ended.
    """
    if last_date is None:
        return None
    full = [item for item in periods if period_end(item[0], item[1]) <= last_date]
    return max(full, default=None)


def _reach_rows(connection: duckdb.DuckDBPyConnection, schema: str) -> list[dict[str, Any]]:
    """Every row of fct_ai_feature_reach: one per feature and period, none without activity."""
    return fetch_dicts(
        connection,
        f"""
        select
            feature, period_start, period_grain, active_users, ai_users,
            first_time_ai_users, repeat_ai_users, ai_users_outside_activity, reach_rate
        from {schema}.fct_ai_feature_reach
        """,
    )


def _reach(
    rows: Sequence[Mapping[str, Any]], last_date: date | None
) -> tuple[ReachPeriod | None, dict[str, FeatureReach]]:
    """The latest full period of the reach and each feature's reach in it."""
    chosen = latest_full_period(
        {(row["period_start"], str(row["period_grain"])) for row in rows}, last_date
    )
    if chosen is None:
        return None, {}
    in_period = [row for row in rows if (row["period_start"], row["period_grain"]) == chosen]
    reach = {
        str(row["feature"]): FeatureReach(
            active_users=int(row["active_users"]),
            ai_users=int(row["ai_users"]),
            first_time_ai_users=int(row["first_time_ai_users"]),
            repeat_ai_users=int(row["repeat_ai_users"]),
            ai_users_outside_activity=int(row["ai_users_outside_activity"]),
            reach_rate=optional_float(row["reach_rate"]),
        )
        for row in in_period
    }
    start, grain = chosen
    period = ReachPeriod(
        period_start=start,
        period_grain=grain,
        period_end=period_end(start, grain),
        # The period's active users, counted once for all features (each row holds them).
        active_users=max(item.active_users for item in reach.values()),
    )
    return period, reach


def _effects(connection: duckdb.DuckDBPyConnection, schema: str) -> dict[str, FeatureEffect]:
    """Per feature, the effect of adopting it."""
    return {
        str(row["feature"]): FeatureEffect(
            effect_weeks=int(row["effect_weeks"]),
            adopters=int(row["adopters"]),
            adopters_matched=int(row["adopters_matched"]),
            control_user_weeks=int(row["control_user_weeks"] or 0),
            feature_days_after=optional_float(row["feature_days_after"]),
            effect_days_per_week=optional_float(row["effect_days_per_week"]),
            effect_lower=optional_float(row["effect_lower"]),
            effect_upper=optional_float(row["effect_upper"]),
            effect_without_feature_days=optional_float(row["effect_without_feature_days"]),
            effect_without_feature_days_lower=optional_float(
                row["effect_without_feature_days_lower"]
            ),
            effect_without_feature_days_upper=optional_float(
                row["effect_without_feature_days_upper"]
            ),
            confidence_level=float(row["confidence_level"]),
            verdict=str(row["verdict"]),
            verdict_reason=str(row["verdict_reason"]),
            effect_beyond_own_use=optional_float(row["effect_beyond_own_use"]),
            effect_beyond_own_use_lower=optional_float(row["effect_beyond_own_use_lower"]),
            effect_beyond_own_use_upper=optional_float(row["effect_beyond_own_use_upper"]),
        )
        for row in fetch_dicts(
            connection,
            f"""
            select
                feature, effect_weeks, adopters, adopters_matched, control_user_weeks,
                feature_days_after, effect_days_per_week, effect_lower, effect_upper,
                effect_without_feature_days, effect_without_feature_days_lower,
                effect_without_feature_days_upper, effect_beyond_own_use,
                effect_beyond_own_use_lower, effect_beyond_own_use_upper, confidence_level,
                verdict, verdict_reason
            from {schema}.fct_ai_feature_effect
            """,
        )
    }


def load_report_data(database: Path) -> ReportData:
    """Read everything the report shows from the warehouse file."""
    import duckdb

    if not database.is_file():
        raise ReportError(f"{database} does not exist: {REMEDY}")
    with duckdb.connect(str(database), read_only=True) as connection:
        schema = marts_schema(connection, database)
        horizon = _horizon(connection, schema, database)
        stages = chain_stages(connection, schema)
        funnels = _funnels(connection, schema, stages)
        checks = _stage_checks(connection, schema, stages)
        shapes = _shapes(connection, schema)
        models = _models(connection, schema)
        weekly = _weekly(connection, schema)
        reach_rows = _reach_rows(connection, schema)
        effects = _effects(connection, schema)
    reach_period, reach = _reach(reach_rows, horizon.last_activity_date)
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
                models=models.get(summary.feature, ()),
                reach=reach.get(summary.feature),
                effect=effects.get(summary.feature),
            )
        )
    return ReportData(
        database=database,
        horizon=horizon,
        features=tuple(features),
        weekly=weekly,
        has_activity=bool(reach_rows) or bool(effects),
        reach_period=reach_period,
    )
