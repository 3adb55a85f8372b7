"""Writes of the impact planner: the logic model, indicators, measurements, snapshots and the
instructors' rubric feedback."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError

from .models import (
    OUTCOME_COLUMNS,
    Column,
    ImpactPlan,
    Indicator,
    Measurement,
    PlanFeedback,
    PlanSnapshot,
    Statement,
)
from .rubric import PARTS
from .selectors import plan_as_data

if TYPE_CHECKING:
    from core.models import User
    from workshops.models import Experiment, RunLogEntry, Submission

# "Each node a short list of statements": a column longer than this stops being a canvas.
MAX_STATEMENTS_PER_COLUMN = 30
MAX_INDICATORS = 50


class ImpactError(DomainError):
    pass


def plan_get_or_create(*, experiment: Experiment) -> ImpactPlan:
    plan, _created = ImpactPlan.objects.get_or_create(experiment=experiment)
    return plan


def _clean_text(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise ImpactError(_("Write the statement."))
    if len(text) > Statement.MAX_LENGTH:
        raise ImpactError(
            _("Keep the statement short (at most %(n)s characters).") % {"n": Statement.MAX_LENGTH}
        )
    return text


def _touch(plan: ImpactPlan) -> None:
    ImpactPlan.objects.filter(pk=plan.pk).update(updated_at=timezone.now())


# --- statements ------------------------------------------------------------------------------


@transaction.atomic
def statement_add(*, experiment: Experiment, column: str, text: str) -> Statement:
    """Add a statement at the end of a column of the experiment's logic model."""
    if column not in Column.values:
        raise ImpactError(_("Choose a column of the logic model."))
    text = _clean_text(text)
    plan = plan_get_or_create(experiment=experiment)
    # Lock the plan so two team members adding at once get distinct positions.
    ImpactPlan.objects.select_for_update().filter(pk=plan.pk).first()
    siblings = Statement.objects.filter(plan=plan, column=column)
    if siblings.count() >= MAX_STATEMENTS_PER_COLUMN:
        raise ImpactError(
            _("A column holds at most %(n)s statements; combine or remove some first.")
            % {"n": MAX_STATEMENTS_PER_COLUMN}
        )
    last = siblings.aggregate(n=Max("position"))["n"]
    statement = Statement.objects.create(
        plan=plan, column=column, text=text, position=0 if last is None else last + 1
    )
    _touch(plan)
    return statement


class StatementChanged(ImpactError):
    """A team mate saved the statement after the editor opened it: nothing was saved over it."""

    def __init__(self, current: str) -> None:
        super().__init__(
            _(
                "A team mate changed this statement after you opened it, so your text was not "
                "saved over theirs. It now reads: “%(current)s”. Your text is still in the box: "
                "change it as you want and save again."
            )
            % {"current": current}
        )
        self.current = current


@transaction.atomic
def statement_update(*, statement: Statement, text: str, based_on: str | None = None) -> Statement:
    """Change a statement's text. `based_on`: the text the editor opened (None: not checked);
    if a team mate has saved another text since, StatementChanged, and nothing is saved."""
    current = Statement.objects.select_for_update().filter(pk=statement.pk).first()
    if current is None:
        raise ImpactError(_("This statement was removed by a team mate."))
    text = _clean_text(text)

    def same(a: str, b: str) -> bool:  # as a browser sends it back: CRLF, outer spaces
        return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()

    if based_on is not None and not same(current.text, based_on) and not same(current.text, text):
        raise StatementChanged(current.text)
    statement.text = text
    statement.save(update_fields=["text"])
    _touch(statement.plan)
    return statement


@transaction.atomic
def statement_delete(*, statement: Statement) -> None:
    """Remove a statement; indicators tied to it stay, no longer tied to an outcome."""
    plan = statement.plan
    statement.delete()
    _touch(plan)


def _renumber(items: Sequence[Statement | Indicator]) -> None:
    for index, item in enumerate(items):
        if item.position != index:
            item.position = index
            item.save(update_fields=["position"])


@transaction.atomic
def statement_move(*, statement: Statement, direction: str) -> Statement:
    """Move a statement one place up or down in its column (nothing happens at either end)."""
    if direction not in ("up", "down"):
        raise ImpactError(_("Choose up or down."))
    ImpactPlan.objects.select_for_update().filter(pk=statement.plan_id).first()
    siblings = list(
        Statement.objects.filter(plan_id=statement.plan_id, column=statement.column).order_by(
            "position", "pk"
        )
    )
    index = next(i for i, s in enumerate(siblings) if s.pk == statement.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
    _renumber(siblings)
    _touch(statement.plan)
    return next(s for s in siblings if s.pk == statement.pk)


# --- indicators ------------------------------------------------------------------------------


def _check_outcome(plan: ImpactPlan, statement: Statement | None) -> None:
    if statement is None:
        return
    if statement.plan_id != plan.pk or statement.column not in OUTCOME_COLUMNS:
        raise ImpactError(_("Tie the indicator to a short-term outcome or a long-term impact."))


@transaction.atomic
def indicator_save(
    *,
    experiment: Experiment,
    name: str,
    unit: str = "",
    baseline: Decimal | None = None,
    target: Decimal | None = None,
    data_source: str = "",
    measured_when: str = "",
    statement: Statement | None = None,
    indicator: Indicator | None = None,
) -> Indicator:
    """Add an indicator to the experiment's plan, or change `indicator` (one of its own)."""
    plan = plan_get_or_create(experiment=experiment)
    if indicator is not None and indicator.plan_id != plan.pk:
        raise ImpactError(_("This indicator belongs to another plan."))
    name = " ".join(name.split())
    if not name:
        raise ImpactError(_("Name the indicator."))
    _check_outcome(plan, statement)
    if indicator is None:
        ImpactPlan.objects.select_for_update().filter(pk=plan.pk).first()
        if Indicator.objects.filter(plan=plan).count() >= MAX_INDICATORS:
            raise ImpactError(_("A plan holds at most %(n)s indicators.") % {"n": MAX_INDICATORS})
        last = Indicator.objects.filter(plan=plan).aggregate(n=Max("position"))["n"]
        indicator = Indicator(plan=plan, position=0 if last is None else last + 1)
    indicator.name = name
    indicator.unit = unit.strip()
    indicator.baseline = baseline
    indicator.target = target
    indicator.data_source = data_source.strip()
    indicator.measured_when = measured_when.strip()
    indicator.statement = statement
    indicator.save()
    _touch(plan)
    return indicator


@transaction.atomic
def indicator_delete(*, indicator: Indicator) -> None:
    """Remove an indicator with its measurements (the run log entries themselves stay)."""
    plan = indicator.plan
    indicator.delete()
    _touch(plan)


@transaction.atomic
def indicator_move(*, indicator: Indicator, direction: str) -> Indicator:
    if direction not in ("up", "down"):
        raise ImpactError(_("Choose up or down."))
    ImpactPlan.objects.select_for_update().filter(pk=indicator.plan_id).first()
    siblings = list(Indicator.objects.filter(plan_id=indicator.plan_id).order_by("position", "pk"))
    index = next(i for i, s in enumerate(siblings) if s.pk == indicator.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
    _renumber(siblings)
    return next(s for s in siblings if s.pk == indicator.pk)


# --- measurements ----------------------------------------------------------------------------


@transaction.atomic
def measurement_record(
    *,
    indicator: Indicator,
    value: Decimal,
    measured_on: datetime.date,
    by: User,
    note: str = "",
    run_log_entry: RunLogEntry | None = None,
) -> Measurement:
    """Record a measured value of an indicator, in the planner or with a run log entry."""
    if measured_on > timezone.localdate():
        raise ImpactError(_("The date of a measurement cannot be in the future."))
    if run_log_entry is not None and run_log_entry.experiment_id != indicator.plan.experiment_id:
        raise ImpactError(_("This indicator belongs to another experiment."))
    if not value.is_finite():
        raise ImpactError(_("Enter a number."))
    measurement = Measurement.objects.create(
        indicator=indicator,
        value=value,
        measured_on=measured_on,
        note=note.strip()[:300],
        run_log_entry=run_log_entry,
        recorded_by=by,
    )
    _touch(indicator.plan)
    return measurement


def measurement_from_run_log(
    *, entry: RunLogEntry, indicator_id: int, value: Decimal, by: User
) -> Measurement:
    """The run log's hook: the entry's value for one of the experiment's indicators."""
    indicator = (
        Indicator.objects.select_related("plan")
        .filter(pk=indicator_id, plan__experiment_id=entry.experiment_id)
        .first()
    )
    if indicator is None:
        raise ImpactError(_("Choose one of your experiment's indicators."))
    return measurement_record(
        indicator=indicator,
        value=value,
        measured_on=entry.happened_on,
        by=by,
        note=entry.text[:300],
        run_log_entry=entry,
    )


@transaction.atomic
def measurement_delete(*, measurement: Measurement) -> None:
    """Remove a value recorded in the planner; values from the run log go with their entry."""
    if measurement.run_log_entry_id is not None:
        raise ImpactError(_("This value was recorded in the run log; it stays as part of the log."))
    measurement.delete()


# --- versions --------------------------------------------------------------------------------


def plan_snapshot_take(*, submission: Submission) -> PlanSnapshot | None:
    """Keep the plan as it is now with a submitted phase version (nothing if there is no plan).

    Called by workshops.services.submission_submit inside its transaction.
    """
    if submission.experiment_id is None:
        return None
    plan = ImpactPlan.objects.filter(experiment_id=submission.experiment_id).first()
    if plan is None:
        return None
    snapshot, _created = PlanSnapshot.objects.get_or_create(
        submission=submission,
        defaults={
            "plan": plan,
            "phase": submission.assignment.phase,
            "cycle": submission.cycle,
            "version": submission.version,
            "data": plan_as_data(plan=plan),
        },
    )
    return snapshot


# --- rubric feedback -------------------------------------------------------------------------


def is_released(submission: Submission) -> bool:
    """The team sees a review (and the plan feedback given with it) once it exists as a Review:
    at once without the marking workflow, on release with it."""
    from workshops.models import Review

    return Review.objects.filter(submission=submission).exists()


@transaction.atomic
def plan_feedback_save(
    *, submission: Submission, by: User, parts: dict[str, tuple[int | None, str]]
) -> list[PlanFeedback]:
    """Save an instructor's level and comment per part of the impact plan for a phase 3 version.

    Precondition: `by` may review the submission (the view loads it through permissions).
    """
    from workshops.models import Phase

    if submission.assignment.phase != Phase.PLAN:
        raise ImpactError(_("Impact plan feedback is given with the experiment plan (phase 3)."))
    if is_released(submission):
        raise ImpactError(
            _("The review of this version has been released; feedback can no longer change.")
        )
    known = {part.code for part in PARTS}
    saved = []
    for code, (level, comment) in parts.items():
        if code not in known:
            raise ImpactError(_("Unknown part of the plan."))
        if level is not None and level not in PlanFeedback.Level.values:
            raise ImpactError(_("Choose one of the rubric's levels."))
        comment = comment.strip()
        if level is None and not comment:
            PlanFeedback.objects.filter(submission=submission, part=code).delete()
            continue
        feedback, _created = PlanFeedback.objects.update_or_create(
            submission=submission,
            part=code,
            defaults={"level": level, "comment": comment[:2000], "author": by},
        )
        saved.append(feedback)
    return saved
