"""The effect of adopting a feature, read again in plain Python from the README and DECISIONS.md.

Nothing here calls the project's code or SQL. From the kept product activity (one row per user
and active day, with its action count) and the sessions (user, feature, start, events) it
works out, per feature, what ``fct_ai_feature_effect`` must hold:

* calendar weeks from Monday; a window is complete when the weeks from ``weeks + 1`` before
  the adoption week to ``weeks`` after it are full weeks of the activity's span;
* the weeks before are those from ``weeks + 1`` to 2 before the adoption week: the week just
  before (the run-up week) is in neither window, nor is the adoption week;
* comparison users share the adoption week and its active days, have a complete window with an
  active day before, and had not used the feature by the end of the window;
* the estimate is the mean over adopters of their change less their comparison's mean change;
  its variance adds the spread of those differences and each stratum's control variance
  weighted by its adopters;
* the placebo is the same comparison within the weeks before: their later half (``weeks // 2``
  weeks ending two weeks before adoption) less their earlier half, per week; a placebo whose
  interval lies wholly beyond ``pre_trend_days`` leaves the verdict inconclusive;
* the other AI features an adopter took up from the first of the weeks before to the last week
  after are named, and the estimate is given again without those adopters;
* the floor takes out the adopter's days of the feature whose action count is missing or no
  more than the day's AI events; the strict floor takes out every day of the feature.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

#: A Monday: weeks are counted from it.
MONDAY_ZERO = date(1970, 1, 5)


def week_of(day: date) -> int:
    """The week of a day, as a whole number."""
    return (day - MONDAY_ZERO).days // 7


@dataclass
class Adopter:
    user: str
    feature: str
    week: int
    status: str
    change: int = 0
    stratum: tuple[int, int] = (0, 0)
    feature_days_after: int = 0
    feature_only_days_after: int = 0
    counted_days_after: int = 0
    change_with_run_up: int = 0
    pre_trend: int | None = None


@dataclass
class Oracle:
    adopters: dict[str, list[Adopter]]
    #: feature -> the matched adopters with their excess change and their comparison
    matched: dict[str, list[tuple[Adopter, float]]]
    rows: dict[str, dict[str, Any]]


def reference_effects(
    activity: Iterable[tuple[str, date, int | None]],
    sessions: Iterable[tuple[str, str, datetime, int]],
    weeks: int,
    confidence: float,
) -> Oracle:
    """The effect of each feature from the kept activity days (user, day, action count) and the
    sessions (user, feature, start, events), with ``weeks`` weeks on each side."""
    days: dict[str, set[date]] = defaultdict(set)
    actions: dict[tuple[str, date], int | None] = {}
    for user, day, count in activity:
        days[user].add(day)
        actions[(user, day)] = count
    every_day = [d for ds in days.values() for d in ds]
    first, last = min(every_day), max(every_day)
    first_full = week_of(first) + (0 if first.weekday() == 0 else 1)
    last_full = week_of(last) - (0 if last.weekday() == 6 else 1)

    per_week: dict[tuple[str, int], int] = defaultdict(int)
    for user, ds in days.items():
        for d in ds:
            per_week[(user, week_of(d))] += 1

    def days_in(user: str, span: range) -> int:
        return sum(per_week.get((user, w), 0) for w in span)

    half = weeks // 2

    def window(user: str, week: int) -> tuple[int, int, int, int | None, str]:
        # the weeks before end two weeks before: the week just before is the run-up
        before = days_in(user, range(week - weeks - 1, week - 1))
        # the placebo: the later half of the weeks before less the earlier half
        pre_trend = (
            days_in(user, range(week - 1 - half, week - 1))
            - days_in(user, range(week - weeks - 1, week - weeks - 1 + half))
            if half
            else None
        )
        with_run_up = days_in(user, range(week - weeks, week))
        after = days_in(user, range(week + 1, week + weeks + 1))
        if week - weeks - 1 < first_full or week + weeks > last_full:
            status = "window_incomplete"
        elif before == 0:
            status = "new_to_product"
        else:
            status = "comparable"
        return before, after, after - with_run_up, pre_trend, status

    first_used: dict[tuple[str, str], datetime] = {}
    used_on: dict[tuple[str, str], set[date]] = defaultdict(set)
    ai_events: dict[tuple[str, date], int] = defaultdict(int)
    for user, feature, started, events in sessions:
        key = (user, feature)
        first_used[key] = min(started, first_used.get(key, started))
        used_on[key].add(started.date())
        ai_events[(user, started.date())] += events

    def only_ai(user: str, day: date) -> bool:
        """The activity shows no more actions that day than AI events, or counts none."""
        count = actions[(user, day)]
        return count is None or count <= ai_events[(user, day)]

    adoption_week = {key: week_of(started.date()) for key, started in first_used.items()}
    adopted_by_user: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (user, feature), week in adoption_week.items():
        adopted_by_user[user].append((feature, week))

    adopters: dict[str, list[Adopter]] = defaultdict(list)
    for (user, feature), week in sorted(adoption_week.items()):
        if (user, week) not in per_week:
            adopters[feature].append(Adopter(user, feature, week, "outside_activity"))
            continue
        before, after, change_with_run_up, pre_trend, status = window(user, week)
        own = [
            d
            for d in used_on[(user, feature)]
            if week + 1 <= week_of(d) <= week + weeks and d in days[user]
        ]
        adopters[feature].append(
            Adopter(
                user,
                feature,
                week,
                status,
                after - before,
                (per_week[(user, week)], per_week.get((user, week - 1), 0)),
                len(own),
                sum(only_ai(user, d) for d in own),
                sum(actions[(user, d)] is not None for d in own),
                change_with_run_up,
                pre_trend,
            )
        )

    comparable_weeks: dict[tuple[int, tuple[int, int]], list[tuple[Any, ...]]] = defaultdict(list)
    for (user, week), active in per_week.items():
        before, after, change_with_run_up, pre_trend, status = window(user, week)
        if status == "comparable":
            comparable_weeks[(week, (active, per_week.get((user, week - 1), 0)))].append(
                (user, before, after, after - before, change_with_run_up, pre_trend)
            )

    z = statistics.NormalDist().inv_cdf(0.5 + confidence / 2)
    matched: dict[str, list[tuple[Adopter, float]]] = {}
    rows: dict[str, dict[str, Any]] = {}
    for feature, people in adopters.items():
        pairs: list[tuple[Any, ...]] = []
        strata: dict[tuple[int, tuple[int, int]], tuple[int, float, int, float]] = {}
        for adopter in people:
            if adopter.status != "comparable":
                continue
            key = (adopter.week, adopter.stratum)
            controls = [
                (before, after, change, with_run_up, pre_trend)
                for user, before, after, change, with_run_up, pre_trend in comparable_weeks.get(
                    key, []
                )
                if (user, feature) not in adoption_week
                or adoption_week[(user, feature)] > adopter.week + weeks
            ]
            if len(controls) < 2:
                continue
            changes = [c for _, _, c, _, _ in controls]
            mean = statistics.fmean(changes)
            pre_trends = [p for *_, p in controls]
            n_adopters = strata.get(key, (0, 0.0, 0, 0.0))[0]
            strata[key] = (
                n_adopters + 1,
                statistics.variance(changes),
                len(controls),
                statistics.variance(pre_trends) if half else 0.0,
            )
            pairs.append(
                (
                    adopter,
                    adopter.change - mean,
                    adopter.change - adopter.feature_days_after - mean,
                    statistics.fmean(b for b, *_ in controls),
                    statistics.fmean(a for _, a, *_ in controls),
                    adopter.change - adopter.feature_only_days_after - mean,
                    adopter.change_with_run_up - statistics.fmean(r for *_, r, _ in controls),
                    adopter.pre_trend - statistics.fmean(pre_trends) if half else None,
                )
            )
        matched[feature] = [(a, excess) for a, excess, *_ in pairs]
        n = len(pairs)
        row: dict[str, Any] = {
            "adopters": len(people),
            "adopters_outside_activity": sum(a.status == "outside_activity" for a in people),
            "adopters_window_incomplete": sum(a.status == "window_incomplete" for a in people),
            "adopters_new_to_product": sum(a.status == "new_to_product" for a in people),
            "adopters_matched": n,
            "control_user_weeks": sum(c for _, _, c, _ in strata.values()),
        }
        row["adopters_unmatched"] = sum(a.status == "comparable" for a in people) - n
        row["is_own_use_counted"] = any(p[0].counted_days_after for p in pairs)
        # other AI features each matched adopter took up from the first of the weeks before to
        # the last week after
        others = {
            id(p[0]): sorted(
                other
                for other, week in adopted_by_user[p[0].user]
                if other != feature and p[0].week - weeks - 1 <= week <= p[0].week + weeks
            )
            for p in pairs
        }
        counts = Counter(other for names in others.values() for other in names)
        row["adopters_with_other_adoptions"] = sum(bool(names) for names in others.values())
        row["other_adoptions"] = (
            ", ".join(f"{other} ({counts[other]})" for other in sorted(counts)) or None
        )
        alone = [p for p in pairs if not others[id(p[0])]]
        alone_strata = Counter((p[0].week, p[0].stratum) for p in alone)
        if n:
            control_part = sum(k * k * v / c for k, v, c, _ in strata.values()) / (n * n)
            row["effect_days_per_week"] = statistics.fmean(p[1] for p in pairs) / weeks
            row["effect_without_feature_days"] = statistics.fmean(p[2] for p in pairs) / weeks
            row["control_days_before"] = statistics.fmean(p[3] for p in pairs) / weeks
            row["control_days_after"] = statistics.fmean(p[4] for p in pairs) / weeks
            row["effect_beyond_own_use"] = statistics.fmean(p[5] for p in pairs) / weeks
            row["effect_with_run_up_week"] = statistics.fmean(p[6] for p in pairs) / weeks
            row["feature_only_days_after"] = (
                statistics.fmean(p[0].feature_only_days_after for p in pairs) / weeks
            )
            if alone:
                row["effect_without_other_adopters"] = statistics.fmean(p[1] for p in alone) / weeks
            if n >= 2:
                excess = {
                    "effect": [p[1] for p in pairs],
                    "effect_without_feature_days": [p[2] for p in pairs],
                    "effect_beyond_own_use": [p[5] for p in pairs],
                }
                for name, values in excess.items():
                    centre = statistics.fmean(values) / weeks
                    margin = z * math.sqrt(statistics.variance(values) / n + control_part) / weeks
                    row[f"{name}_lower"] = centre - margin
                    row[f"{name}_upper"] = centre + margin
                if len(alone) >= 2:
                    values = [p[1] for p in alone]
                    m = len(alone)
                    alone_part = sum(
                        count * count * strata[key][1] / strata[key][2]
                        for key, count in alone_strata.items()
                    ) / (m * m)
                    centre = statistics.fmean(values) / weeks
                    margin = z * math.sqrt(statistics.variance(values) / m + alone_part) / weeks
                    row["effect_without_other_adopters_lower"] = centre - margin
                    row["effect_without_other_adopters_upper"] = centre + margin
                if half:
                    placebo = [p[7] for p in pairs]
                    pre_part = sum(k * k * v / c for k, _, c, v in strata.values()) / (n * n)
                    centre = statistics.fmean(placebo) / half
                    margin = z * math.sqrt(statistics.variance(placebo) / n + pre_part) / half
                    row["pre_trend_days_per_week"] = centre
                    row["pre_trend_lower"] = centre - margin
                    row["pre_trend_upper"] = centre + margin
        rows[feature] = row
    return Oracle(adopters=dict(adopters), matched=matched, rows=rows)


def expected_verdict(
    row: dict[str, Any], min_adopters: int, negligible_days: float, pre_trend_days: float
) -> str:
    """The verdict the documented rules give a row of :func:`reference_effects`."""
    lower = row.get("effect_lower")
    if row["adopters_matched"] < min_adopters or lower is None:
        return "inconclusive"
    pre_lower, pre_upper = row.get("pre_trend_lower"), row.get("pre_trend_upper")
    if pre_lower is not None and (pre_lower > pre_trend_days or pre_upper < -pre_trend_days):
        return "inconclusive"
    if lower >= -negligible_days and row["effect_upper"] <= negligible_days:
        return "no_change_detected"
    if row["effect_beyond_own_use_lower"] > 0:
        return "more_active"
    if row["effect_upper"] < 0:
        return "less_active"
    if lower > 0:
        return "own_use_only"
    return "inconclusive"
