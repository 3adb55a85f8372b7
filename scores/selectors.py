"""Reads for the scores overview: the columns of a cohort (knowledge checks, workshop phases,
modules) and the rows of one page of learners, in a fixed number of queries however many
learners, checks or phases there are.

A phase's result follows the team rule (learners.selectors.team_latest): a version sent in an
experiment counts for every member of its team. The rubric total shown is that of the latest
*reviewed* version (a revision reviewed again replaces the earlier total), beside the state of
the latest version (which may be waiting for review).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.models import User
from courses.models import Certificate, Item, Module
from courses.selectors import BestResult, completion_matrix, quiz_best_results
from learners.models import Cohort, Membership
from learners.selectors import (
    cohort_learners,
    cohort_teams,
    team_latest,
    team_latest_in,
    teams_in,
)
from workshops.models import (
    Assignment,
    CohortMarkingSettings,
    ExperimentMember,
    Review,
    ReviewScore,
    RubricLevel,
    Submission,
)

# One page of the overview; the export reads the cohort in chunks of this many learners.
PER_PAGE = 25
EXPORT_CHUNK = 500


@dataclass(frozen=True)
class CheckColumn:
    item_id: int
    title: str
    module_title: str


@dataclass(frozen=True)
class PhaseColumn:
    assignment_id: int
    phase: int
    title: str
    # Blind review in this cohort for the phase's workshop: no reviewer's name is shown.
    blind: bool


@dataclass(frozen=True)
class ModuleColumn:
    module_id: int
    title: str
    total: int  # published items


@dataclass(frozen=True)
class Columns:
    checks: list[CheckColumn]
    phases: list[PhaseColumn]
    modules: list[ModuleColumn]


@dataclass(frozen=True)
class PhaseResult:
    """A learner's result in one phase: the latest version's state and the rubric total of the
    latest reviewed version (None when no version has been reviewed yet)."""

    version: int
    status: str
    status_label: str
    reviewed_version: int | None = None
    points: int | None = None
    max_points: int | None = None
    reviewer: str = ""  # empty under blind review
    reviewed_at: datetime.datetime | None = None
    blind: bool = False


@dataclass(frozen=True)
class ModuleResult:
    done: int
    total: int


@dataclass
class ScoreRow:
    learner: User
    checks: list[BestResult | None] = field(default_factory=list)
    phases: list[PhaseResult | None] = field(default_factory=list)
    modules: list[ModuleResult] = field(default_factory=list)
    certificate: Certificate | None = None


def score_columns(*, cohort: Cohort, phase: int | None = None) -> Columns:
    """The cohort's course's published knowledge checks and modules and the workshop phases
    (only `phase`'s when given), with each workshop's blind-review setting in this cohort
    (four queries)."""
    return score_columns_of(cohorts=[cohort], phase=phase)[cohort.pk]


def score_columns_of(*, cohorts: Sequence[Cohort], phase: int | None = None) -> dict[int, Columns]:
    """{cohort id: its columns} (see score_columns) for several cohorts at once, in four
    queries however many cohorts."""
    course_ids = {c.course_id for c in cohorts}
    checks: dict[int, list[CheckColumn]] = {}
    for item in (
        Item.objects.filter(
            module__course_id__in=course_ids,
            kind=Item.Kind.QUIZ,
            is_published=True,
            module__is_published=True,
        )
        .select_related("module")
        .only("pk", "title", "module__title", "module__course_id")
        .order_by("module__position", "module_id", "position", "pk")
    ):
        checks.setdefault(item.module.course_id, []).append(
            CheckColumn(item.pk, item.title, item.module.title)
        )
    published = (
        Item.objects.filter(module=OuterRef("pk"), is_published=True)
        .values("module")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    modules: dict[int, list[ModuleColumn]] = {}
    for m in (
        Module.objects.filter(course_id__in=course_ids, is_published=True)
        .annotate(total=Coalesce(Subquery(published, output_field=IntegerField()), 0))
        .only("pk", "title", "course_id")
        .order_by("position", "pk")
    ):
        modules.setdefault(m.course_id, []).append(ModuleColumn(m.pk, m.title, m.total))
    assignments = Assignment.objects.filter(workshop__course_id__in=course_ids).select_related(
        "workshop"
    )
    if phase is not None:
        assignments = assignments.filter(phase=phase)
    own = {
        (row.cohort_id, row.workshop_id): row.blind_review
        for row in CohortMarkingSettings.objects.filter(cohort__in=cohorts).only(
            "cohort_id", "workshop_id", "blind_review"
        )
    }
    ordered = list(assignments.order_by("phase", "pk"))
    return {
        cohort.pk: Columns(
            checks=checks.get(cohort.course_id, []),
            phases=[
                PhaseColumn(
                    a.pk,
                    a.phase,
                    a.title,
                    own.get((cohort.pk, a.workshop_id), a.workshop.blind_review),
                )
                for a in ordered
                if a.workshop.course_id == cohort.course_id
            ],
            modules=modules.get(cohort.course_id, []),
        )
        for cohort in cohorts
    }


def score_learners(
    *, cohort: Cohort, organisation_id: int | None = None, phase: int | None = None
) -> QuerySet[Membership]:
    """The cohort's learner memberships in name order, from one organisation and, with
    `phase`, only the learners who have reached that phase: a version of it sent by themselves
    or by their experiment's team."""
    memberships = cohort_learners(cohort=cohort, organisation_id=organisation_id)
    if phase is not None:
        phase_versions = Submission.objects.filter(cohort=cohort, assignment__phase=phase)
        memberships = memberships.filter(
            Exists(phase_versions.filter(learner_id=OuterRef("user_id")))
            | Exists(
                ExperimentMember.objects.filter(
                    cohort=cohort,
                    user_id=OuterRef("user_id"),
                    experiment_id__in=phase_versions.filter(experiment_id__isnull=False).values(
                        "experiment_id"
                    ),
                )
            )
        )
    return memberships


def _latest_reviews(
    cohort_ids: list[int],
    learner_ids: list[int],
    assignment_ids: list[int],
    team: dict[int, list[int]],
) -> dict[tuple[int, int, int], Review]:
    """{(cohort id, learner id, assignment id): the review of the latest reviewed version that
    counts for the learner}, with the team rule of team_latest (`team`: these learners' teams
    in these cohorts, cohort_teams or teams_in; one query)."""
    reviews = (
        Review.objects.filter(
            submission__cohort_id__in=cohort_ids, submission__assignment_id__in=assignment_ids
        )
        .filter(
            Q(submission__learner_id__in=learner_ids) | Q(submission__experiment_id__in=list(team))
        )
        .select_related("submission", "reviewer")
        .only(
            "pk",
            "created_at",
            "reviewer__first_name",
            "reviewer__last_name",
            "reviewer__email",
            "submission__id",
            "submission__cohort_id",
            "submission__learner_id",
            "submission__experiment_id",
            "submission__assignment_id",
            "submission__version",
        )
        .order_by("submission__version", "submission__pk")
    )
    latest: dict[tuple[int, int, int], Review] = {}
    for review in reviews:
        s = review.submission
        experiment = s.experiment_id
        owners = (
            team[experiment] if experiment is not None and experiment in team else [s.learner_id]
        )
        for owner in owners:
            latest[(s.cohort_id, owner, s.assignment_id)] = review
    return latest


def _totals(reviews: Sequence[Review]) -> dict[int, tuple[int, int]]:
    """{review id: (points, maximum)}: the points given and the most the scored criteria could
    have given (as the feedback shows "7 / 12"), in two queries for any number of reviews."""
    scores = list(
        ReviewScore.objects.filter(review_id__in=[r.pk for r in reviews]).values_list(
            "review_id", "criterion_id", "points"
        )
    )
    maxima: dict[int | None, int] = dict(
        RubricLevel.objects.filter(criterion_id__in={c for _r, c, _p in scores if c})
        .values("criterion_id")
        .annotate(top=Max("points"))
        .values_list("criterion_id", "top")
    )
    totals: dict[int, tuple[int, int]] = {}
    for review_id, criterion_id, points in scores:
        given, most = totals.get(review_id, (0, 0))
        totals[review_id] = (given + points, most + max(maxima.get(criterion_id, points), points))
    return totals


@dataclass(frozen=True)
class _Results:
    """What the rows are built from, read once for all of them."""

    best: dict[tuple[int, int], BestResult]
    # Keyed by (cohort id, learner id, assignment id).
    latest: Mapping[tuple[int, int, int], Submission]
    reviews: dict[tuple[int, int, int], Review]
    totals: dict[int, tuple[int, int]]
    matrix: dict[int, dict[int, int]]
    # Keyed by (learner id, course id).
    certificates: dict[tuple[int, int], Certificate]


def _results(
    *,
    columns: dict[int, Columns],
    ids: list[int],
    course_ids: set[int],
    latest: Callable[[], Mapping[tuple[int, int, int], Submission]],
    team: Callable[[], dict[int, list[int]]],
) -> _Results:
    """Every result the rows of these learners in these cohorts show, in a fixed number of
    queries; `latest` reads the versions that count and `team` the learners' teams (the same
    read for both: cohort_teams or teams_in), only when there is a phase column."""
    best = quiz_best_results(
        items=[c.item_id for cols in columns.values() for c in cols.checks], users=ids
    )
    assignment_ids = sorted({p.assignment_id for cols in columns.values() for p in cols.phases})
    versions: Mapping[tuple[int, int, int], Submission] = {}
    reviews: dict[tuple[int, int, int], Review] = {}
    totals: dict[int, tuple[int, int]] = {}
    if assignment_ids:
        versions = latest()
        reviews = _latest_reviews(list(columns), ids, assignment_ids, team())
        totals = _totals(list({r.pk: r for r in reviews.values()}.values()))
    matrix = completion_matrix(user_ids=ids, courses=course_ids)
    certificates = {
        (c.user_id, c.course_id): c
        for c in Certificate.objects.filter(course_id__in=course_ids, user_id__in=ids).only(
            "pk", "user_id", "course_id", "code", "status", "issued_at", "revoked_at"
        )
    }
    return _Results(best, versions, reviews, totals, matrix, certificates)


def _row(cohort: Cohort, columns: Columns, learner: User, found: _Results) -> ScoreRow:
    row = ScoreRow(
        learner=learner, certificate=found.certificates.get((learner.pk, cohort.course_id))
    )
    row.checks = [found.best.get((learner.pk, c.item_id)) for c in columns.checks]
    for column in columns.phases:
        key = (cohort.pk, learner.pk, column.assignment_id)
        submission = found.latest.get(key)
        if submission is None:
            row.phases.append(None)
            continue
        review = found.reviews.get(key)
        result = PhaseResult(
            version=submission.version,
            status=submission.status,
            status_label=str(submission.get_status_display()),
            blind=column.blind,
        )
        if review is not None:
            points, most = found.totals.get(review.pk, (0, 0))
            result = PhaseResult(
                version=submission.version,
                status=submission.status,
                status_label=result.status_label,
                reviewed_version=review.submission.version,
                points=points if most else None,
                max_points=most or None,
                reviewer="" if column.blind else review.reviewer.display_name,
                reviewed_at=review.created_at,
                blind=column.blind,
            )
        row.phases.append(result)
    done = found.matrix.get(learner.pk, {})
    row.modules = [ModuleResult(done.get(m.module_id, 0), m.total) for m in columns.modules]
    return row


def score_rows(*, cohort: Cohort, columns: Columns, learners: Sequence[User]) -> list[ScoreRow]:
    """The rows of these learners (one page of them): each check's best result, each phase's
    result, each module's completion and the certificate. Eight queries for any page (the
    learners' teams read once for their versions and their reviews)."""
    ids = [u.pk for u in learners]
    if not ids:
        return []

    # The versions and the reviews both count by the learners' teams: read once for both.
    team = functools.cache(lambda: cohort_teams(cohort=cohort, learner_ids=ids))

    def latest() -> dict[tuple[int, int, int], Submission]:
        found = team_latest(cohort=cohort, learner_ids=ids, team=team())
        return {(cohort.pk, *key): submission for key, submission in found.items()}

    found = _results(
        columns={cohort.pk: columns},
        ids=ids,
        course_ids={cohort.course_id},
        latest=latest,
        team=team,
    )
    return [_row(cohort, columns, learner, found) for learner in learners]


def own_score_rows(
    *, learner: User, cohorts: Sequence[Cohort], columns: dict[int, Columns]
) -> dict[int, ScoreRow]:
    """{cohort id: the learner's own row} in each of these cohorts (score_columns_of gives
    `columns`), in as many queries for any number of cohorts as score_rows reads for one."""
    ids = [learner.pk]
    cohort_ids = [c.pk for c in cohorts]
    # The versions and the reviews both count by the learner's teams: read once for both.
    team = functools.cache(lambda: teams_in(cohorts=cohort_ids, learner_ids=ids))
    found = _results(
        columns=columns,
        ids=ids,
        course_ids={c.course_id for c in cohorts},
        latest=lambda: team_latest_in(cohorts=cohort_ids, learner_ids=ids, team=team()),
        team=team,
    )
    return {c.pk: _row(c, columns[c.pk], learner, found) for c in cohorts}


def score_rows_all(*, cohort: Cohort, columns: Columns) -> Iterator[ScoreRow]:
    """Every learner's row of the cohort, read EXPORT_CHUNK learners at a time (for an
    export: memory stays flat however large the cohort)."""
    memberships = score_learners(cohort=cohort)
    offset = 0
    while True:
        chunk = [m.user for m in memberships[offset : offset + EXPORT_CHUNK]]
        if not chunk:
            return
        yield from score_rows(cohort=cohort, columns=columns, learners=chunk)
        offset += EXPORT_CHUNK
