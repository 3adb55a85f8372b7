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
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.http import QueryDict
from django.utils import timezone

from core import prepared
from core.access import STAFF_ROLES
from core.models import Organisation, User
from learners.access import cohorts_for, member
from learners.models import Cohort, Membership
from workshops.access import assignment_editors, submissions_reviewable_by

from .cohort_settings import marking_columns, marking_from_columns, marking_q
from .models import (
    Assignment,
    Draft,
    Experiment,
    ExperimentMember,
    Extension,
    Marking,
    Phase,
    PhaseComment,
    Review,
    ReviewDraft,
    ReviewFile,
    ReviewScore,
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
    ids = sorted(c.pk for c in cohorts)
    rows = (
        cache.get_or_set(
            f"queue-orgs:{user.pk}:{','.join(map(str, ids))}",
            lambda: list(
                Organisation.objects.filter(
                    Exists(
                        Membership.objects.filter(
                            user__organisation=OuterRef("pk"),
                            role=Membership.Role.LEARNER,
                            cohort__in=ids,
                        )
                    )
                )
                .order_by("name")
                .values_list("pk", "name")
            ),
            QUEUE_ORGANISATIONS_TTL_S,
        )
        or []
    )
    organisations = [Organisation(pk=pk, name=name) for pk, name in rows]
    return {"cohorts": cohorts, "organisations": organisations, "phases": list(Phase.choices)}


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
    latest = {
        (s.cohort_id, s.assignment_id): s
        for s in versions_counting_for(learner.pk, *[c.pk for c in cohorts])
    }
    return {
        c.pk: [(a, latest.get((c.pk, a.pk))) for a in by_course.get(c.course_id, [])]
        for c in cohorts
    }


def versions_counting_for(learner_id: int, *cohort_ids: int) -> QuerySet[Submission]:
    """The versions of those cohorts that count for the learner, oldest first: their team's
    (whoever of the team sent them) and their own answers sent without an experiment.

    Two branches in one query, each read through its own index (the team's experiments, the
    learner's own answers): an OR of the two made PostgreSQL read every version of the
    cohorts (3 ms at 20,000 learners, growing with them; 0.2 ms as a union). They cannot
    overlap (with an experiment or without), so UNION ALL."""
    cohorts = Submission.objects.filter(cohort__in=cohort_ids).order_by()  # none in a branch
    teams = ExperimentMember.objects.filter(user_id=learner_id).values("experiment")
    return (
        cohorts.filter(experiment__in=teams)
        .union(cohorts.filter(learner_id=learner_id, experiment__isnull=True), all=True)
        .order_by("version", "pk")
    )


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


def _versions_of(**ids: int) -> QuerySet[Submission]:
    """versions() without its files, by the ids prepared.objects passes."""
    if "experiment" in ids:
        qs = Submission.objects.filter(
            experiment_id=ids["experiment"], assignment_id=ids["assignment"]
        )
    else:
        qs = Submission.objects.filter(
            learner_id=ids["learner"], assignment_id=ids["assignment"], cohort_id=ids["cohort"]
        )
    return qs.select_related("review__reviewer", "learner").order_by("-version")


def _version_ids(submission: Submission) -> dict[str, int]:
    if submission.experiment_id is not None:
        return {"experiment": submission.experiment_id, "assignment": submission.assignment_id}
    return {
        "learner": submission.learner_id,
        "assignment": submission.assignment_id,
        "cohort": submission.cohort_id,
    }


def version_list(*, submission: Submission) -> list[Submission]:
    """versions() as a list, without their files (the review page shows the versions'
    numbers, states and the previous text): one query, compiled once."""
    ids = _version_ids(submission)
    return prepared.objects(
        Submission,
        ("versions", "experiment" in ids),
        _versions_of,
        **ids,
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
    return [
        _phase_row(
            phase,
            experiment=experiment,
            assignment=assignments.get(phase.value),
            latest=latest.get(phase),
            extension=extensions.get(phase.value),
            extended=phase.value in extensions,
        )
        for phase in Phase
    ]


def phase_state(*, experiment: Experiment, phase: int) -> str:
    """Where a phase stands on the experiment's track: "approved" (behind it, or the
    experiment is over), "open" (the phase it is in) or "locked" (ahead)."""
    if not experiment.is_active or phase < experiment.phase:
        return "approved"
    return "open" if phase == experiment.phase else "locked"


def _phase_row(
    phase: Phase,
    *,
    experiment: Experiment,
    assignment: Assignment | None,
    latest: Submission | None,
    extension: datetime.date | None,
    extended: bool,
) -> PhaseRow:
    state = phase_state(experiment=experiment, phase=phase)
    due_on = phase_due_date(assignment=assignment, cohort=experiment.cohort, extension=extension)
    return PhaseRow(
        phase.value, str(phase.label), assignment, state, latest, due_on, extended=extended
    )


def phase_row(
    *, experiment: Experiment, assignment: Assignment, history: list[Submission]
) -> PhaseRow:
    """The phase track's row of `assignment`'s phase (see phase_track), from what the phase
    answer page has read already: the experiment from learner_experiment and the phase's
    versions newest first. No query, unless another assignment of the workshop has the same
    phase (the track's rule of which one counts is then asked of the whole track)."""
    if getattr(experiment, "phase_twins", True):
        return next(r for r in phase_track(experiment=experiment) if r.phase == assignment.phase)
    extension = experiment.phase_extension  # type: ignore[attr-defined]
    return _phase_row(
        Phase(assignment.phase),
        experiment=experiment,
        assignment=assignment,
        latest=history[0] if history else None,
        extension=extension,
        extended=extension is not None,
    )


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
    """The criteria of a phase's rubric with their levels (`criterion.levels.all()`, by points)
    in two queries compiled once, or one when the phase has no rubric."""
    criteria = prepared.objects(
        RubricCriterion,
        ("rubric",),
        lambda workshop, phase: RubricCriterion.objects.filter(workshop_id=workshop, phase=phase),
        workshop=workshop_id,
        phase=phase,
    )
    if not criteria:
        return []
    levels: dict[int, list[RubricLevel]] = {c.pk: [] for c in criteria}
    for level in prepared.objects(
        RubricLevel,
        ("rubric_levels",),
        lambda workshop, phase: RubricLevel.objects.filter(
            criterion__workshop_id=workshop, criterion__phase=phase
        ).order_by("points", "pk"),
        workshop=workshop_id,
        phase=phase,
    ):
        levels[level.criterion_id].append(level)
    for criterion in criteria:
        prepared.prefetched(criterion, "levels", levels[criterion.pk])
    return criteria


def thread(*, experiment_id: int, phase: int) -> list[PhaseComment]:
    """The messages on one phase of an experiment, oldest first, with their authors (one
    query, compiled once)."""
    return prepared.objects(
        PhaseComment,
        ("thread",),
        lambda experiment, phase: PhaseComment.objects.filter(
            experiment_id=experiment, phase=phase
        ).select_related("author__organisation"),
        experiment=experiment_id,
        phase=phase,
    )


def with_files(submission: Submission) -> Submission:
    """Load the version's files with the version each kept file came from (one query)."""
    prepared.prefetched(
        submission,
        "files",
        prepared.objects(
            SubmissionFile,
            ("with_files",),
            lambda submission: (
                SubmissionFile.objects.filter(submission_id=submission)
                .select_related("carried_from__submission")
                .order_by("pk")
            ),
            submission=submission.pk,
        ),
    )
    return submission


def review_points(
    *, review: Review, levels: Iterable[RubricLevel] | None = None
) -> tuple[int, int] | None:
    """(points given, the rubric's maximum) of a review, or None without a rubric; the
    maximum of a criterion since removed is its given points (two queries; none when the
    scores are loaded and the levels of their criteria given, as feedback_parts reads them)."""
    scores = list(review.scores.all())
    if not scores:
        return None
    maxima: dict[int | None, int]
    if levels is None:
        maxima = dict(
            RubricLevel.objects.filter(criterion_id__in=[s.criterion_id for s in scores])
            .values("criterion_id")
            .annotate(top=Max("points"))
            .values_list("criterion_id", "top")
        )
    else:
        maxima = {}
        for level in levels:
            maxima[level.criterion_id] = max(maxima.get(level.criterion_id, 0), level.points)
    given = sum(s.points for s in scores)
    return given, sum(max(maxima.get(s.criterion_id, s.points), s.points) for s in scores)


def previous_levels(*, submission: Submission) -> dict[int, int]:
    """{criterion id: level id} the instructor picked for the previous version of the same
    phase, so the next round's rubric starts from there (levels matched by points): one
    query, compiled once."""
    ids = _version_ids(submission)

    def build(version: int, **ids: int) -> QuerySet[Any]:
        earlier = (
            _versions_of(**ids)
            .filter(version__lt=version, review__isnull=False)
            .values("review")[:1]
        )
        level = RubricLevel.objects.filter(
            criterion_id=OuterRef("criterion_id"), points=OuterRef("points")
        ).values("pk")[:1]
        return (
            ReviewScore.objects.filter(review_id=Subquery(earlier), criterion__isnull=False)
            .annotate(level=Subquery(level))
            .filter(level__isnull=False)
            .order_by("pk")
            .values_list("criterion_id", "level")
        )

    return dict(
        prepared.values(
            ReviewScore,
            ("previous_levels", "experiment" in ids),
            build,
            version=submission.version,
            **ids,
        )
    )


# --- the phase answer page and the review page (issue 13) ------------------------------------
#
# Both pages read a dozen small rows a request. Their queries are compiled once per process
# (core/prepared.py) and each piece is read once and handed on: the phase's versions
# serve the phase's row, the history and the feedback; the feedback's scores and the rubric's
# levels serve the points and the texts in the reader's language.


def learner_experiment(
    *, learner: User, assignment: Assignment, cohort: Cohort
) -> Experiment | None:
    """The learner's experiment in the assignment's workshop and this cohort (as
    services.experiment_for), or None, in one query. The experiment carries what the phase's
    row needs besides its versions: `phase_extension`, its own due date for the phase (or
    None), and `phase_twins`, whether another assignment of the workshop has the same phase;
    `texts_editor`, whether the phase answer page links the text editor; and `phase_draft`,
    the learner's Draft of the phase, or None."""
    found = prepared.objects(
        ExperimentMember,
        ("learner_experiment",),
        lambda user, workshop, cohort, assignment, phase: (
            ExperimentMember.objects.filter(user_id=user, workshop_id=workshop, cohort_id=cohort)
            .select_related("experiment")
            .annotate(
                phase_extension=Subquery(
                    Extension.objects.filter(experiment=OuterRef("experiment"), phase=phase)
                    .order_by()
                    .values("due_on")[:1]
                ),
                phase_twins=Exists(
                    Assignment.objects.filter(workshop_id=workshop, phase=phase).exclude(
                        pk=assignment
                    )
                ),
                texts_editor=_texts_editor(user, assignment),
                # The learner's draft of the phase (one row at most: a unique constraint).
                **{
                    f"draft_{name}": Subquery(
                        Draft.objects.filter(
                            experiment=OuterRef("experiment"), phase=phase, learner_id=user
                        ).values(name)[:1]
                    )
                    for name in _DRAFT_COLUMNS
                },
            )
            .order_by("pk")[:1]
        ),
        user=learner.pk,
        workshop=assignment.workshop_id,
        cohort=cohort.pk,
        assignment=assignment.pk,
        phase=assignment.phase,
    )
    if not found:
        return None
    member = found[0]
    experiment = member.experiment
    experiment.phase_extension = member.phase_extension  # type: ignore[attr-defined]
    experiment.phase_twins = member.phase_twins  # type: ignore[attr-defined]
    experiment.texts_editor = learner.is_superuser or member.texts_editor  # type: ignore[attr-defined]
    draft = None
    if member.draft_id is not None:  # type: ignore[attr-defined]
        draft = Draft(
            experiment=experiment,
            phase=assignment.phase,
            learner=learner,
            **{name: getattr(member, f"draft_{name}") for name in _DRAFT_COLUMNS},
        )
        draft._state.adding = False
        draft._state.db = member._state.db
    experiment.phase_draft = draft  # type: ignore[attr-defined]
    return experiment


# The columns of the learner's draft that learner_experiment reads with the experiment.
_DRAFT_COLUMNS = ("id", "text", "revision", "updated_at")


def _texts_editor(user_ref: int, assignment_ref: int) -> ExpressionWrapper[Q]:
    """The person may edit the phase's texts and is staff somewhere: the phase answer page's
    link to the text editor (its view asked roles_of for a staff role, then
    assignment_editors)."""
    staff_somewhere = Exists(Membership.objects.filter(user_id=user_ref, role__in=STAFF_ROLES))
    may_edit = Exists(assignment_editors(User(pk=user_ref)).filter(pk=assignment_ref))
    return ExpressionWrapper(Q(staff_somewhere) & Q(may_edit), output_field=BooleanField())


def phase_history(*, experiment: Experiment, assignment: Assignment) -> list[Submission]:
    """Every version of the experiment's answer to `assignment` (all cycles), newest first,
    with its review and reviewer and its sender, without their files (one query)."""
    history = prepared.objects(
        Submission,
        ("phase_history",),
        lambda experiment, assignment: (
            Submission.objects.filter(experiment_id=experiment, assignment_id=assignment)
            .select_related("review__reviewer", "learner")
            .order_by("-version")
        ),
        experiment=experiment.pk,
        assignment=assignment.pk,
    )
    for version in history:
        # Read by the marking settings and the templates, without a query each.
        version.assignment = assignment
        version.experiment = experiment
    return history


def accepted_files(*, submission: Submission) -> list[SubmissionFile]:
    """The version's accepted files in upload order, each knowing its version (one query):
    of the phase's newest version, what services.keepable_files gives a new version."""
    files = prepared.objects(
        SubmissionFile,
        ("accepted_files",),
        lambda submission: SubmissionFile.objects.filter(
            submission_id=submission, status=SubmissionFile.Status.ACCEPTED
        ).order_by("pk"),
        submission=submission.pk,
    )
    for f in files:
        f.submission = submission
    return files


def feedback_parts(*, review: Review) -> tuple[list[ReviewScore], list[RubricLevel]]:
    """A review's rubric scores (with their criteria) and the levels of those criteria, for
    review_points and texts.scores_in_language; the review's scores and feedback files come
    loaded (`review.scores.all()`, `review.files.all()`). Two queries, three with scores."""
    scores = prepared.objects(
        ReviewScore,
        ("feedback_scores",),
        lambda review: (
            ReviewScore.objects.filter(review_id=review).select_related("criterion").order_by("pk")
        ),
        review=review.pk,
    )
    prepared.prefetched(review, "scores", scores)
    files = prepared.objects(
        ReviewFile,
        ("feedback_files",),
        lambda review: ReviewFile.objects.filter(review_id=review).order_by("pk"),
        review=review.pk,
    )
    prepared.prefetched(review, "files", files)
    if not any(s.criterion_id for s in scores):
        return scores, []
    levels = prepared.objects(
        RubricLevel,
        ("feedback_levels",),
        lambda review: RubricLevel.objects.filter(
            criterion_id__in=ReviewScore.objects.filter(review_id=review).values("criterion_id")
        ).order_by("criterion", "points", "pk"),
        review=review.pk,
    )
    return scores, levels


def feedback_files(*, submission: Submission) -> list[ReviewFile]:
    """The files instructors attached to the review of a version, draft ones too (one
    query)."""
    return prepared.objects(
        ReviewFile,
        ("version_feedback_files",),
        lambda submission: ReviewFile.objects.filter(submission_id=submission).order_by("pk"),
        submission=submission.pk,
    )


# --- the review page: what comes with the version ---------------------------------------------


def review_page_reads(qs: QuerySet[Submission]) -> QuerySet[Submission]:
    """What the review page reads in the query that admits the reviewer
    (get_submission_for_reviewer's `extend`): the shared draft with who saved it last, the
    cohort's own marking settings, and whether the version has files, feedback files, other
    versions, a rubric and messages in its phase's thread, so a list that is empty costs no
    query of its own (review_page_prepare and the functions below read these)."""
    versions = Submission.objects.exclude(pk=OuterRef("pk")).filter(
        assignment_id=OuterRef("assignment_id")
    )
    return qs.select_related("review_draft__updated_by").annotate(
        **marking_columns(),
        any_files=Exists(SubmissionFile.objects.filter(submission_id=OuterRef("pk"))),
        any_feedback_files=Exists(ReviewFile.objects.filter(submission_id=OuterRef("pk"))),
        any_rubric=Exists(
            RubricCriterion.objects.filter(
                workshop_id=OuterRef("assignment__workshop_id"), phase=OuterRef("assignment__phase")
            )
        ),
        any_messages=Exists(
            PhaseComment.objects.filter(
                experiment_id=OuterRef("experiment_id"), phase=OuterRef("assignment__phase")
            )
        ),
        # As _versions_of finds them, with an experiment and without.
        any_team_versions=Exists(versions.filter(experiment_id=OuterRef("experiment_id"))),
        any_own_versions=Exists(
            versions.filter(learner_id=OuterRef("learner_id"), cohort_id=OuterRef("cohort_id"))
        ),
    )


def _any(submission: Submission, what: str) -> bool:
    """One of review_page_reads' any_* annotations."""
    return bool(getattr(submission, f"any_{what}"))


def review_page_prepare(submission: Submission) -> ReviewDraft | None:
    """For a version read with review_page_reads: its files (none asked for when it has
    none) and its marking settings set as with_files and marking_of would set them; returns
    the shared draft."""
    if _any(submission, "files"):
        with_files(submission)
    else:
        prepared.prefetched(submission, "files", [])
    marking_from_columns(submission)
    try:
        return submission.review_draft
    except ReviewDraft.DoesNotExist:
        return None


def review_page_rubric(submission: Submission) -> list[RubricCriterion]:
    """rubric() of the version's phase, asked for only when the phase has one."""
    if not _any(submission, "rubric"):
        return []
    return rubric(workshop_id=submission.assignment.workshop_id, phase=submission.assignment.phase)


def _other_versions(submission: Submission) -> bool:
    return _any(submission, "team_versions" if submission.experiment_id else "own_versions")


def review_page_versions(submission: Submission) -> list[Submission]:
    """version_list(), or the version alone when it has no other (no query)."""
    return version_list(submission=submission) if _other_versions(submission) else [submission]


def review_page_previous_levels(submission: Submission) -> dict[int, int]:
    """previous_levels(), asked for only when the version has others."""
    return previous_levels(submission=submission) if _other_versions(submission) else {}


def review_page_feedback_files(submission: Submission) -> list[ReviewFile]:
    """feedback_files(), asked for only when the version has some."""
    return feedback_files(submission=submission) if _any(submission, "feedback_files") else []


def review_page_thread(submission: Submission) -> list[PhaseComment]:
    """thread() of the version's phase, asked for only when it has messages."""
    if submission.experiment_id is None or not _any(submission, "messages"):
        return []
    return thread(experiment_id=submission.experiment_id, phase=submission.assignment.phase)
