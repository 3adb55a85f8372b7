"""Reads for the workshops, with query counts that do not grow with the data."""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import (
    Count,
    Exists,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.http import QueryDict
from django.utils import timezone

from core.models import Organisation, User
from learners.access import cohorts_for, member
from learners.models import Cohort, Membership
from workshops.access import submissions_reviewable_by

from .cohort_settings import marking_q
from .models import (
    Assignment,
    Experiment,
    ExperimentMember,
    Extension,
    Marking,
    Phase,
    PhaseComment,
    Review,
    RubricCriterion,
    RubricLevel,
    Submission,
    SubmissionFile,
    phase_due_date,
)


@dataclass(frozen=True)
class QueueFilters:
    cohort: int | None = None
    phase: int | None = None
    organisation: int | None = None
    status: str = Submission.Status.RECEIVED
    late: bool = False
    mine: bool = False
    marking: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> QueueFilters:
        """Read the filters from a query string; anything unreadable is ignored."""

        def number(name: str) -> int | None:
            value = query.get(name, "")
            return int(value) if value.isdigit() else None

        status = query.get("status", Submission.Status.RECEIVED)
        marking = query.get("marking", "")
        if status not in Submission.Status.values:
            status = Submission.Status.RECEIVED
        return cls(
            cohort=number("cohort"),
            phase=number("phase"),
            organisation=number("organisation"),
            status=status,
            late=query.get("late") == "1",
            mine=query.get("mine") == "1",
            marking=marking if marking in Marking.State.values else "",
        )


def _filtered(user: User, filters: QueueFilters) -> QuerySet[Submission]:
    """The instructor's cohorts' versions narrowed by every filter except the state."""
    qs = submissions_reviewable_by(user)
    if filters.cohort:
        qs = qs.filter(cohort_id=filters.cohort)
    if filters.phase:
        qs = qs.filter(assignment__phase=filters.phase)
    if filters.organisation:
        # Filtering by municipality would unmask blind reviews, so they drop out of it.
        qs = qs.filter(
            marking_q("blind_review", False), learner__organisation_id=filters.organisation
        )
    if filters.late:
        qs = qs.filter(is_late=True)
    if filters.mine:
        qs = qs.filter(marking__reviewer=user)
    if filters.marking == Marking.State.NOT_REVIEWED:
        qs = qs.filter(
            Q(marking__isnull=True) | Q(marking__state=Marking.State.NOT_REVIEWED),
            marking_q("marking_workflow"),
        )
    elif filters.marking:
        qs = qs.filter(marking__state=filters.marking)
    return qs


def review_queue(*, user: User, filters: QueueFilters | None = None) -> QuerySet[Submission]:
    """Submissions of this instructor's cohorts in one state (waiting for a decision by
    default), filtered, the longest-waiting first."""
    filters = filters or QueueFilters()
    qs = _filtered(user, filters).filter(status=filters.status)
    return (
        qs.select_related(
            "assignment__workshop",
            "cohort",
            "learner__organisation",
            "experiment",
            "marking__reviewer",
        )
        .prefetch_related(Prefetch("files", queryset=SubmissionFile.objects.order_by("pk")))
        .order_by("submitted_at", "pk")
    )


def queue_counts(*, user: User, filters: QueueFilters | None = None) -> dict[str, int]:
    """How many versions of the instructor's cohorts are in each state, under the other
    filters chosen (one query)."""
    counts = dict(
        _filtered(user, filters or QueueFilters())
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {value: counts.get(value, 0) for value in Submission.Status.values}


# How long the queue's municipality filter may lag behind the cohorts' learners (a learner
# of a new municipality joining, a person moving to another one).
QUEUE_ORGANISATIONS_TTL_S = 10 * 60


def queue_filter_options(*, user: User) -> dict[str, list[Any]]:
    """The cohorts and the learners' organisations the queue can be filtered by (one query,
    two every ten minutes).

    Which organisations have a learner in the instructor's cohorts is a question over every
    membership of those cohorts (PostgreSQL hashes them all: 24 ms at 20,000 learners, 1 at
    1,000), asked for a drop-down that changes when a municipality's first learner joins. It
    is kept in the cache for ten minutes, keyed by the user and their cohorts, so a new cohort
    shows its municipalities at once."""
    cohorts = list(cohorts_for(user, Membership.Role.INSTRUCTOR).order_by("-start_date", "name"))
    key = f"queue-orgs:{user.pk}:{','.join(str(c.pk) for c in sorted(cohorts, key=_pk))}"
    rows = cache.get(key)
    if rows is None:
        rows = list(
            Organisation.objects.filter(
                Exists(
                    Membership.objects.filter(
                        user__organisation=OuterRef("pk"),
                        role=Membership.Role.LEARNER,
                        cohort__in=[c.pk for c in cohorts],
                    )
                )
            )
            .order_by("name")
            .values_list("pk", "name")
        )
        cache.set(key, rows, QUEUE_ORGANISATIONS_TTL_S)
    organisations = [Organisation(pk=pk, name=name) for pk, name in rows]
    return {"cohorts": cohorts, "organisations": organisations, "phases": list(Phase.choices)}


def _pk(row: Any) -> int:
    return int(row.pk)


def recently_reviewed(*, user: User, limit: int = 10) -> list[Submission]:
    """The instructor's cohorts' versions most recently approved or sent back, the newest
    review first. One query that reads `limit` rows whatever the cohorts' size: the newest
    reviews, walked by their date's index in a subquery, then those versions with what the
    queue shows (ordering the versions' join instead would sort every reviewed version)."""
    reviews = Review.objects.filter(
        submission__status__in=[Submission.Status.APPROVED, Submission.Status.REVISION_REQUESTED]
    )
    if not user.is_superuser:  # as submissions_reviewable_by
        reviews = reviews.filter(member(Membership.Role.INSTRUCTOR, user, "submission__cohort_id"))
    newest = reviews.order_by("-created_at").values("submission_id")[:limit]
    rows = Submission.objects.filter(pk__in=newest).select_related(
        "assignment__workshop", "cohort", "learner", "review__reviewer"
    )
    return sorted(rows, key=lambda s: (s.review.created_at, s.review.pk), reverse=True)


def assignments_with_latest(
    *, learner: User, cohort: Cohort
) -> list[tuple[Assignment, Submission | None]]:
    """Every assignment of the cohort's course with the latest version that counts for the
    learner: their team's, whoever of the team sent it (an answer sent without an experiment
    counts for its author only). Two queries."""
    return assignments_with_latest_by_cohort(learner=learner, cohorts=[cohort])[cohort.pk]


def assignments_with_latest_by_cohort(
    *, learner: User, cohorts: Iterable[Cohort]
) -> dict[int, list[tuple[Assignment, Submission | None]]]:
    """`assignments_with_latest` for each of the learner's cohorts, {cohort id: rows}, in two
    queries whatever the number of cohorts (the dashboard's cards)."""
    cohorts = list(cohorts)
    if not cohorts:
        return {}
    by_course: dict[int, list[Assignment]] = {}
    for assignment in (
        Assignment.objects.filter(workshop__course_id__in={c.course_id for c in cohorts})
        .select_related("workshop")
        .order_by("workshop__title", "phase", "pk")
    ):
        by_course.setdefault(assignment.workshop.course_id, []).append(assignment)
    on_team = ExperimentMember.objects.filter(experiment=OuterRef("experiment"), user=learner)
    latest = {
        (s.cohort_id, s.assignment_id): s
        for s in Submission.objects.filter(cohort__in=[c.pk for c in cohorts])
        .filter(Q(Exists(on_team)) | Q(learner=learner, experiment__isnull=True))
        .order_by("version", "pk")
    }
    return {
        c.pk: [(a, latest.get((c.pk, a.pk))) for a in by_course.get(c.course_id, [])]
        for c in cohorts
    }


def latest_by_assignment(submissions: Iterable[Submission]) -> dict[tuple[int, int], Submission]:
    """{(learner id, assignment id): latest version}; pass submissions ordered by version."""
    latest: dict[tuple[int, int], Submission] = {}
    for submission in submissions:
        latest[(submission.learner_id, submission.assignment_id)] = submission
    return latest


def versions(*, submission: Submission) -> QuerySet[Submission]:
    """All versions of the same phase of the same experiment (every cycle and team member),
    newest first, with their files and reviews."""
    if submission.experiment_id is not None:
        qs = Submission.objects.filter(
            experiment_id=submission.experiment_id, assignment_id=submission.assignment_id
        )
    else:
        qs = Submission.objects.filter(
            learner_id=submission.learner_id,
            assignment_id=submission.assignment_id,
            cohort_id=submission.cohort_id,
        )
    return (
        qs.select_related("review__reviewer", "learner")
        .prefetch_related("files")
        .order_by("-version")
    )


# --- experiments -----------------------------------------------------------------------------


@dataclass
class PhaseRow:
    phase: int
    label: str
    assignment: Assignment | None
    state: str  # "approved", "open", "locked"
    latest: Submission | None
    due_on: datetime.date | None
    extended: bool = False  # the due date is this experiment's own extension

    @property
    def overdue(self) -> bool:
        waiting = self.latest is None or self.latest.status in Submission.RESUBMITTABLE
        return (
            self.state == "open"
            and waiting
            and self.due_on is not None
            and timezone.localdate() > self.due_on
        )


def phase_track(*, experiment: Experiment) -> list[PhaseRow]:
    """The six phases with their state, latest version and due date, in three queries."""
    assignments: dict[int, Assignment] = {}
    assignment: Assignment | None
    for assignment in Assignment.objects.filter(workshop_id=experiment.workshop_id).order_by("-pk"):
        assignments[assignment.phase] = assignment  # the first one of each phase wins
    latest: dict[int, Submission] = {}
    for submission in (
        Submission.objects.filter(experiment=experiment)
        .select_related("assignment")
        .order_by("version", "pk")
    ):
        latest[submission.assignment.phase] = submission
    extensions = dict(
        Extension.objects.filter(experiment=experiment).values_list("phase", "due_on")
    )
    rows = []
    for phase in Phase:
        if not experiment.is_active or phase < experiment.phase:
            state = "approved"
        elif phase == experiment.phase:
            state = "open"
        else:
            state = "locked"
        assignment = assignments.get(phase.value)
        due_on = phase_due_date(
            assignment=assignment, cohort=experiment.cohort, extension=extensions.get(phase.value)
        )
        rows.append(
            PhaseRow(
                phase.value,
                str(phase.label),
                assignment,
                state,
                latest.get(phase),
                due_on,
                extended=phase.value in extensions,
            )
        )
    return rows


def experiments_for_learner(*, learner: User) -> QuerySet[Experiment]:
    return (
        Experiment.objects.filter(members__user=learner)
        .select_related("workshop", "cohort")
        .order_by("-cohort__start_date", "pk")
    )


TOKEN = re.compile(r"\s+|[^\s]+")


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level differences as (operation, text): 'same', 'removed', 'added', or 'gap' (a
    space that keeps a removed and an added word apart in the text)."""
    a, b = TOKEN.findall(old), TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    parts: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(("same", "".join(a[i1:i2])))
            continue
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if removed:
            parts.append(("removed", removed))
        if removed and added and not removed[-1].isspace() and not added[0].isspace():
            # A replaced word and its replacement are two words in the page's text too
            # (copying, screen readers), not "ettäTyöskentelen".
            parts.append(("gap", " "))
        if added:
            parts.append(("added", added))
    return parts


def rubric(*, workshop_id: int, phase: int) -> list[RubricCriterion]:
    """The criteria of a phase's rubric with their levels (two queries)."""
    return list(
        RubricCriterion.objects.filter(workshop_id=workshop_id, phase=phase).prefetch_related(
            Prefetch("levels", queryset=RubricLevel.objects.order_by("points", "pk"))
        )
    )


def thread(*, experiment_id: int, phase: int) -> list[PhaseComment]:
    return list(
        PhaseComment.objects.filter(experiment_id=experiment_id, phase=phase).select_related(
            "author__organisation"
        )
    )


def with_files(submission: Submission) -> Submission:
    """Load the version's files with the version each kept file came from (one query)."""
    prefetch_related_objects(
        [submission],
        Prefetch(
            "files",
            queryset=SubmissionFile.objects.select_related("carried_from__submission").order_by(
                "pk"
            ),
        ),
    )
    return submission


def review_points(*, review: Review) -> tuple[int, int] | None:
    """(points given, the rubric's maximum) of a review, or None without a rubric; the
    maximum of a criterion since removed is its given points (two queries)."""
    scores = list(review.scores.all())
    if not scores:
        return None
    maxima: dict[int | None, int] = dict(
        RubricLevel.objects.filter(criterion_id__in=[s.criterion_id for s in scores])
        .values("criterion_id")
        .annotate(top=Max("points"))
        .values_list("criterion_id", "top")
    )
    given = sum(s.points for s in scores)
    return given, sum(max(maxima.get(s.criterion_id, s.points), s.points) for s in scores)


def previous_levels(*, submission: Submission) -> dict[int, int]:
    """{criterion id: level id} the instructor picked for the previous version of the same
    phase, so the next round's rubric starts from there (levels matched by points)."""
    earlier = (
        versions(submission=submission)
        .filter(version__lt=submission.version, review__isnull=False)
        .prefetch_related(None)  # only its review's scores are read, not its files
        .first()
    )
    if earlier is None:
        return {}
    picked = dict(
        earlier.review.scores.exclude(criterion=None).values_list("criterion_id", "points")
    )
    levels = RubricLevel.objects.filter(criterion_id__in=picked).values_list(
        "criterion_id", "points", "pk"
    )
    return {c: pk for c, points, pk in levels if picked.get(c) == points}
