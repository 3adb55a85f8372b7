"""Reads for cohort tracking, with a fixed query count for any cohort size."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.models import User
from courses.models import Item, Module
from courses.selectors import completion_matrix
from workshops.models import Assignment, Submission
from workshops.selectors import latest_by_assignment

from .models import Cohort, Membership


def cohorts_with_counts(cohorts: QuerySet[Cohort]) -> QuerySet[Cohort]:
    learners = (
        Membership.objects.filter(cohort=OuterRef("pk"), role=Membership.Role.LEARNER)
        .values("cohort")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    waiting = (
        Submission.objects.filter(cohort=OuterRef("pk"), status=Submission.Status.RECEIVED)
        .values("cohort")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return cohorts.select_related("course").annotate(
        learner_count=Coalesce(Subquery(learners, output_field=IntegerField()), 0),
        waiting_count=Coalesce(Subquery(waiting, output_field=IntegerField()), 0),
    )


@dataclass
class LearnerRow:
    learner: User
    cells: list[tuple[Module, int, int]] = field(default_factory=list)
    submissions: list[tuple[Assignment, Submission | None]] = field(default_factory=list)
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class CohortOverview:
    modules: list[Module]
    assignments: list[Assignment]
    rows: list[LearnerRow]
    instructors: list[User]
    coordinators: list[User]


def cohort_overview(*, cohort: Cohort) -> CohortOverview:
    """Each learner's progress per module and latest submission per assignment."""
    memberships = list(
        Membership.objects.filter(cohort=cohort)
        .select_related("user__organisation")
        .order_by("user__last_name", "user__first_name", "user__email")
    )
    learners = [m.user for m in memberships if m.role == Membership.Role.LEARNER]
    modules = list(
        Module.objects.filter(course_id=cohort.course_id)
        .annotate(
            item_count=Coalesce(
                Subquery(
                    Item.objects.filter(module=OuterRef("pk"))
                    .values("module")
                    .annotate(n=Count("pk"))
                    .values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            )
        )
        .order_by("position", "pk")
    )
    assignments = list(
        Assignment.objects.filter(workshop__course_id=cohort.course_id).order_by("phase", "pk")
    )
    matrix = completion_matrix(user_ids=[u.pk for u in learners], course=cohort.course)
    latest = latest_by_assignment(
        Submission.objects.filter(cohort=cohort)
        .only("pk", "learner_id", "assignment_id", "status", "version", "submitted_at")
        .order_by("version")
    )
    rows = []
    for learner in learners:
        row = LearnerRow(learner=learner)
        for module in modules:
            done = matrix.get(learner.pk, {}).get(module.pk, 0)
            row.cells.append((module, done, module.item_count))  # type: ignore[attr-defined]
            row.done += done
            row.total += module.item_count  # type: ignore[attr-defined]
        row.submissions = [(a, latest.get((learner.pk, a.pk))) for a in assignments]
        rows.append(row)
    return CohortOverview(
        modules=modules,
        assignments=assignments,
        rows=rows,
        instructors=[m.user for m in memberships if m.role == Membership.Role.INSTRUCTOR],
        coordinators=[m.user for m in memberships if m.role == Membership.Role.COORDINATOR],
    )
