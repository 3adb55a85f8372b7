"""Reads of the impact planner: the plan with its statements, indicators and progress."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch

from .models import Column, ImpactPlan, Indicator, Measurement, PlanFeedback, Statement

if TYPE_CHECKING:
    from workshops.models import Experiment, Submission


@dataclass(frozen=True)
class IndicatorOutcome:
    name: str
    unit: str
    baseline: Decimal | None
    target: Decimal | None
    latest: Decimal | None
    measured_on: datetime.date | None
    outcome_label: str
    progress_percent: int | None


def progress_percent(
    *, baseline: Decimal | None, target: Decimal | None, value: Decimal | None
) -> int | None:
    """How far `value` has come from the baseline toward the target, clamped to 0..100.

    Works for targets below the baseline too (e.g. fewer car trips); None when it cannot be said.
    """
    if baseline is None or target is None or value is None or target == baseline:
        return None
    share = (value - baseline) / (target - baseline) * 100
    return max(0, min(100, int(share.to_integral_value())))


def plan_for(*, experiment: Experiment) -> ImpactPlan | None:
    return ImpactPlan.objects.filter(experiment=experiment).first()


def _indicators(plan: ImpactPlan | int) -> list[Indicator]:
    return list(
        Indicator.objects.filter(plan=plan)
        .select_related("statement")
        .prefetch_related(
            Prefetch(
                "measurements",
                queryset=Measurement.objects.order_by("measured_on", "pk"),
            )
        )
    )


def _outcome(indicator: Indicator) -> IndicatorOutcome:
    measurements = list(indicator.measurements.all())
    last = measurements[-1] if measurements else None
    return IndicatorOutcome(
        name=indicator.name,
        unit=indicator.unit,
        baseline=indicator.baseline,
        target=indicator.target,
        latest=last.value if last else None,
        measured_on=last.measured_on if last else None,
        outcome_label=indicator.statement.text if indicator.statement else "",
        progress_percent=progress_percent(
            baseline=indicator.baseline,
            target=indicator.target,
            value=last.value if last else None,
        ),
    )


def indicator_outcomes(*, experiment: Experiment) -> list[IndicatorOutcome]:
    """Indicators of the experiment's impact plan with baseline, target and latest value,
    in order."""
    plan = plan_for(experiment=experiment)
    if plan is None:
        return []
    return [_outcome(indicator) for indicator in _indicators(plan)]


def impact_plan_summary(*, experiment: Experiment) -> dict[str, list[str]]:
    """Logic-model columns (resources, activities, outputs, short_term, long_term, assumptions,
    risks) -> their statements in order; empty lists when there is no plan."""
    summary: dict[str, list[str]] = {column.value: [] for column in Column}
    rows = Statement.objects.filter(plan__experiment=experiment).order_by("position", "pk")
    for column, text in rows.values_list("column", "text"):
        summary[column].append(text)
    return summary


# --- the plan page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartPoint:
    when: datetime.date
    value: Decimal
    x: float
    y: float


@dataclass(frozen=True)
class ChartData:
    """Geometry of an indicator's progress chart (an SVG in a WIDTH x HEIGHT box).

    Values are placed on a vertical scale spanning baseline, target and every measurement;
    measurements are spread left to right by date. The template draws only what is here.
    """

    WIDTH = 320
    HEIGHT = 160
    PAD = 24

    points: tuple[ChartPoint, ...]
    baseline_y: float | None
    target_y: float | None
    low: Decimal | None
    high: Decimal | None

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def plot_right(self) -> int:
        return self.WIDTH - self.PAD

    @property
    def plot_bottom(self) -> int:
        return self.HEIGHT - self.PAD


def chart_data(
    *,
    baseline: Decimal | None,
    target: Decimal | None,
    measurements: list[tuple[datetime.date, Decimal]],
) -> ChartData:
    """Where baseline, target and each measurement (date, value) go on the chart."""
    values = [v for v in (baseline, target) if v is not None] + [v for _d, v in measurements]
    if not values:
        return ChartData(points=(), baseline_y=None, target_y=None, low=None, high=None)
    low, high = min(values), max(values)
    span = high - low
    pad = ChartData.PAD
    top, bottom = pad, ChartData.HEIGHT - pad
    left, right = pad * 2, ChartData.WIDTH - pad

    def y_of(value: Decimal) -> float:
        if span == 0:
            return (top + bottom) / 2
        return round(bottom - float((value - low) / span) * (bottom - top), 1)

    ordered = sorted(measurements, key=lambda m: m[0])
    points = []
    if ordered:
        first, last = ordered[0][0], ordered[-1][0]
        days = (last - first).days
        for index, (when, value) in enumerate(ordered):
            if days:
                share = (when - first).days / days
            else:
                share = index / (len(ordered) - 1) if len(ordered) > 1 else 0.5
            points.append(
                ChartPoint(
                    when=when, value=value, x=round(left + share * (right - left), 1), y=y_of(value)
                )
            )
    return ChartData(
        points=tuple(points),
        baseline_y=y_of(baseline) if baseline is not None else None,
        target_y=y_of(target) if target is not None else None,
        low=low,
        high=high,
    )


@dataclass
class IndicatorView:
    indicator: Indicator
    measurements: list[Measurement]
    chart: ChartData
    progress: int | None
    latest: Measurement | None
    form: Any = None  # the planner's "record a value" form, for the team
    error: str = ""  # why an action on this indicator was refused (shown in place, htmx)


@dataclass
class ColumnView:
    code: str
    label: str
    statements: list[Statement] = field(default_factory=list)


@dataclass
class PlanView:
    plan: ImpactPlan
    columns: list[ColumnView]
    indicators: list[IndicatorView]

    @property
    def outcome_statements(self) -> list[Statement]:
        return [
            s
            for c in self.columns
            if c.code in (Column.SHORT_TERM, Column.LONG_TERM)
            for s in c.statements
        ]

    @property
    def is_empty(self) -> bool:
        return not self.indicators and not any(c.statements for c in self.columns)


# The causal chain read left to right; assumptions and risks sit beside it.
MAIN_COLUMNS = (
    Column.RESOURCES,
    Column.ACTIVITIES,
    Column.OUTPUTS,
    Column.SHORT_TERM,
    Column.LONG_TERM,
)


def empty_columns() -> list[ColumnView]:
    return [ColumnView(c.value, str(c.label)) for c in Column]


def column_view(*, experiment: Experiment, column: str) -> ColumnView:
    """One column of the experiment's logic model (what an htmx edit swaps in)."""
    view = ColumnView(column, str(Column(column).label))
    view.statements = list(
        Statement.objects.filter(plan__experiment=experiment, column=column).order_by(
            "position", "pk"
        )
    )
    return view


def plan_view(*, plan: ImpactPlan) -> PlanView:
    """Everything the plan page shows, in a fixed number of queries."""
    by_column = {c.code: c for c in empty_columns()}
    for statement in Statement.objects.filter(plan=plan).order_by("position", "pk"):
        by_column[statement.column].statements.append(statement)
    indicators = []
    for indicator in _indicators(plan):
        measurements = list(indicator.measurements.all())
        latest = measurements[-1] if measurements else None
        indicators.append(
            IndicatorView(
                indicator=indicator,
                measurements=measurements,
                chart=chart_data(
                    baseline=indicator.baseline,
                    target=indicator.target,
                    measurements=[(m.measured_on, m.value) for m in measurements],
                ),
                progress=progress_percent(
                    baseline=indicator.baseline,
                    target=indicator.target,
                    value=latest.value if latest else None,
                ),
                latest=latest,
            )
        )
    return PlanView(plan=plan, columns=list(by_column.values()), indicators=indicators)


def indicators_for_experiment(*, experiment_id: int) -> list[Indicator]:
    """The indicators a run-log entry can record a value for."""
    return list(
        Indicator.objects.filter(plan__experiment_id=experiment_id).order_by("position", "pk")
    )


# --- snapshots and what changed --------------------------------------------------------------


def plan_as_data(*, plan: ImpactPlan) -> dict[str, Any]:
    """The plan as plain JSON: what a snapshot stores and what diffs compare."""
    columns: dict[str, list[str]] = {c.value: [] for c in Column}
    for column, text in (
        Statement.objects.filter(plan=plan).order_by("position", "pk").values_list("column", "text")
    ):
        columns[column].append(text)
    indicators = [
        {
            "name": i.name,
            "unit": i.unit,
            "baseline": None if i.baseline is None else str(i.baseline),
            "target": None if i.target is None else str(i.target),
            "data_source": i.data_source,
            "measured_when": i.measured_when,
            "outcome": i.statement.text if i.statement else "",
        }
        for i in Indicator.objects.filter(plan=plan).select_related("statement")
    ]
    return {"columns": columns, "indicators": indicators}


@dataclass(frozen=True)
class Change:
    kind: str  # "added", "removed", "changed" or "reordered"
    where: str  # a column label or "Indicators"
    text: str
    before: str = ""


INDICATOR_FIELDS = ("unit", "baseline", "target", "data_source", "measured_when", "outcome")


def plan_diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Change]:
    """What was added, removed or changed between two plan snapshots (statements by text,
    indicators by name)."""
    from django.utils.translation import gettext as _

    old = old or {"columns": {}, "indicators": []}
    changes: list[Change] = []
    for column in Column:
        before = old["columns"].get(column.value, [])
        after = new["columns"].get(column.value, [])
        label = str(column.label)
        edited = _edited(before, after)
        for text in after:
            if text in edited:
                changes.append(Change("changed", label, text, before=edited[text]))
            elif text not in before:
                changes.append(Change("added", label, text))
        for text in before:
            if text not in after and text not in edited.values():
                changes.append(Change("removed", label, text))
        reordered = _reordered(before, after)
        if reordered:
            changes.append(Change("reordered", str(column.label), *reordered))
    where = _("Indicators")
    old_ind = {i["name"]: i for i in old["indicators"]}
    new_ind = {i["name"]: i for i in new["indicators"]}
    for name, ind in new_ind.items():
        if name not in old_ind:
            changes.append(Change("added", where, _describe(ind)))
        elif any(old_ind[name].get(f) != ind.get(f) for f in INDICATOR_FIELDS):
            changes.append(
                Change("changed", where, _describe(ind), before=_describe(old_ind[name]))
            )
    for name, ind in old_ind.items():
        if name not in new_ind:
            changes.append(Change("removed", where, _describe(ind)))
    reordered = _reordered(list(old_ind), list(new_ind))
    if reordered:
        changes.append(Change("reordered", where, *reordered))
    return changes


def _edited(before: list[str], after: list[str]) -> dict[str, str]:
    """Statements whose text was edited in place: new text -> old text. Snapshots keep only the
    text, so an edit is a removed and an added statement at the same place in the column (a
    "replace" in the sequence of texts); anything else stays an addition or a removal."""
    import difflib

    pairs: dict[str, str] = {}
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        gone = [t for t in before[i1:i2] if t not in after]
        new = [t for t in after[j1:j2] if t not in before]
        pairs.update(zip(new, gone, strict=False))
    return pairs


def _reordered(before: list[str], after: list[str]) -> tuple[str, str] | None:
    """The new and the old order (as "1. a · 2. b") of the items kept in both lists, when
    their order changed; None when it did not (additions and removals alone are no reorder)."""
    kept_before = [t for t in before if t in after]
    kept_after = [t for t in after if t in before]
    if kept_before == kept_after:
        return None

    def numbered(items: list[str]) -> str:
        return " · ".join(f"{n}. {text}" for n, text in enumerate(items, start=1))

    return numbered(kept_after), numbered(kept_before)


def _describe(ind: dict[str, Any]) -> str:
    from django.utils.translation import gettext as _

    # Shown like the plan page shows it: "10" or "10,5" in Finnish, not "10.00" or "10,50".
    from core.templatetags.alueagentti import number

    unit = f" {ind['unit']}" if ind.get("unit") else ""
    return _("%(name)s: baseline %(baseline)s, target %(target)s%(unit)s") % {
        "name": ind["name"],
        "baseline": number(ind.get("baseline")),
        "target": number(ind.get("target")),
        "unit": unit,
    }


@dataclass
class SnapshotView:
    snapshot: Any
    changes: list[Change]

    @property
    def columns(self) -> list[tuple[str, list[str]]]:
        """The plan as it was: each column's label and statements, in the canvas order."""
        data = self.snapshot.data.get("columns", {})
        return [(str(c.label), list(data.get(c.value, []))) for c in Column]

    @property
    def indicators(self) -> list[str]:
        return [_describe(i) for i in self.snapshot.data.get("indicators", [])]


def history(*, plan: ImpactPlan) -> list[SnapshotView]:
    """Each snapshot, newest first, with what changed since the one before it."""
    snapshots = list(plan.snapshots.select_related("submission").order_by("created_at", "pk"))
    views = []
    previous: dict[str, Any] | None = None
    for snapshot in snapshots:
        views.append(SnapshotView(snapshot=snapshot, changes=plan_diff(previous, snapshot.data)))
        previous = snapshot.data
    return list(reversed(views))


def changes_since_snapshot(*, submission: Submission) -> list[Change] | None:
    """For the review of a phase version: what changed in the plan since the previous snapshot
    (None when this version has no snapshot)."""
    snapshot = getattr(submission, "impact_snapshot", None)
    if snapshot is None:
        return None
    previous = (
        snapshot.plan.snapshots.filter(created_at__lte=snapshot.created_at)
        .exclude(pk=snapshot.pk)
        .filter(pk__lt=snapshot.pk)
        .order_by("-pk")
        .first()
    )
    return plan_diff(previous.data if previous else None, snapshot.data)


def feedback_for(*, submission: Submission) -> dict[str, PlanFeedback]:
    return {f.part: f for f in PlanFeedback.objects.filter(submission=submission)}
