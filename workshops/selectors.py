"""Reads for the workshops, with query counts that do not grow with the data."""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone
from modeltranslation import settings as mt_settings
from modeltranslation.utils import build_localized_fieldname

from core import prepared
from core.access import STAFF_ROLES
from core.ids import parse_id
from core.models import Organisation, User
from core.paging import PagedRows
from learners.access import cohorts_for
from learners.models import Cohort, Membership
from learners.selectors import organisation_choices_of
from workshops.access import assignment_editors, submissions_reviewable_by

from . import texts
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
    Workshop,
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
            return parse_id(query.get(name, ""))

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
    return _narrowed(submissions_reviewable_by(user), user, filters)


def _narrowed(qs: QuerySet[Submission], user: User, filters: QueueFilters) -> QuerySet[Submission]:
    """`qs` narrowed by every filter of the queue except the state."""
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


# The queue's tabs whose versions have been decided: their rows show the decision's date.
QUEUE_DECIDED = (Submission.Status.APPROVED, Submission.Status.REVISION_REQUESTED)


def _in_state(qs: QuerySet[Submission], status: str) -> QuerySet[Submission]:
    """`qs`'s versions that are in the queue's tab for `status`. A version sent back for a
    revision stays there only until a newer version of the same answer is sent (the service
    marks the earlier ones `superseded`): after that the revision is no longer outstanding.
    The (cohort, status) index of versions not superseded counts them without reading rows
    (looking for a newer version of each cost 15 ms at 20,000 learners, growing with them)."""
    qs = qs.filter(status=status)
    if status != Submission.Status.REVISION_REQUESTED:
        return qs
    return qs.filter(superseded=False)


def review_queue(*, user: User, filters: QueueFilters | None = None) -> QuerySet[Submission]:
    """Submissions of this instructor's cohorts in one state (waiting for a decision by
    default; sent back for a revision and not yet revised, see _in_state), filtered, the
    longest-waiting first."""
    filters = filters or QueueFilters()
    qs = _in_state(_filtered(user, filters), filters.status)
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


# --- the review queue's page (#13) ----------------------------------------------------------
#
# An instructor opens the queue many times a day. Its reads have a fixed shape for each choice
# of filters, so they are compiled once per process (core.prepared) and run with the person's,
# their cohorts' and the filters' ids: building and compiling the QuerySets cost more CPU than
# the database spent answering them. The versions are those of the cohorts the person
# instructs, as submissions_reviewable_by says, read as the list of those cohorts' ids that
# the page's filter has just read (queue_filter_options): PostgreSQL plans a query the more
# slowly the more tables it joins, and the membership check was one more. For the same reason
# the page's rows leave the learners to a query of their own (planning the page's query with
# them took 6 ms, longer than running it). The tests hold each read equal to the ORM's
# (tests/workshops/test_review_queue_reads.py).


@dataclass(frozen=True)
class QueueScope:
    """Whose queue: the person and the ids of the cohorts they instruct (every cohort, and no
    list, for the superuser)."""

    user: User
    cohorts: tuple[int, ...]

    @property
    def everything(self) -> bool:
        return bool(self.user.is_superuser)

    def ids(self, filters: QueueFilters) -> dict[str, int]:
        """The prepared queries' arguments: the cohorts as c0, c1..., the person when the
        filter is theirs ("allocated to me"), and the filters chosen by an id."""
        ids = {} if self.everything else prepared.numbered("c", self.cohorts)
        if filters.mine:
            ids["user"] = self.user.pk
        for name in ("cohort", "phase", "organisation"):
            value = getattr(filters, name)
            if value:
                ids[name] = value
        return ids

    def shape(self, filters: QueueFilters) -> tuple[Any, ...]:
        """What else changes the SQL: how many cohorts (the superuser's: none, all of them)
        and the choices that are not ids (the state, lateness, the marking state)."""
        return (
            self.everything,
            len(self.cohorts),
            filters.status,
            filters.late,
            filters.mine,
            filters.marking,
        )


def _scoped(everything: bool, filters: QueueFilters, **ids: int) -> QuerySet[Submission]:
    """_filtered with the cohorts, the person and the filters' ids as prepared.* passes them."""
    qs = Submission.objects.all()
    if not everything:
        qs = qs.filter(cohort_id__in=[v for k, v in ids.items() if k[0] == "c" and k[1:].isdigit()])
    chosen = dataclasses.replace(
        filters,
        cohort=ids.get("cohort"),
        phase=ids.get("phase"),
        organisation=ids.get("organisation"),
    )
    return _narrowed(qs, User(pk=ids.get("user")), chosen)


_COUNT_ALL = Func(function="COUNT", template="COUNT(*)", output_field=IntegerField())


def queue_counts(*, scope: QueueScope, filters: QueueFilters | None = None) -> dict[str, int]:
    """How many versions of the instructor's cohorts are in each state, under the other
    filters chosen (one query, compiled once per choice of filters; the pager's count is the
    chosen state's). Each state is counted apart, on the index of cohort and state alone:
    grouping the cohorts' versions by state hashed every one of them (8 ms at 20,000 learners,
    2.5 ms for the five counts)."""
    filters = filters or QueueFilters()
    # The state is not a filter here: one compiled query serves every tab.
    any_state = dataclasses.replace(filters, status=Submission.Status.RECEIVED)
    states = Submission.Status.values
    wide = scope.everything

    def build(person: int, **ids: int) -> QuerySet[Any]:
        def count(state: str) -> Subquery:
            versions = _in_state(_scoped(wide, any_state, **ids), state).order_by()
            # COUNT(*) without a GROUP BY: one row, read from the index alone.
            return Subquery(versions.annotate(n=_COUNT_ALL).values("n"))

        # One row: the person's own, with a count for each state.
        return (
            User.objects.filter(pk=person)
            .order_by()
            .annotate(**{f"n_{n}": count(state) for n, state in enumerate(states)})
            .values_list(*(f"n_{n}" for n in range(len(states))))
        )

    found = prepared.values(
        User,
        ("workshops.queue_counts", *scope.shape(any_state)),
        build,
        person=scope.user.pk,
        **scope.ids(filters),
    )
    return dict(zip(states, found[0], strict=True)) if found else dict.fromkeys(states, 0)


# The phase's title in every language: only() names a related model's translated field without
# the columns modeltranslation reads it from (each row would read them in a query of its own).
_ASSIGNMENT_TITLE = (
    "assignment__title",
    *(
        build_localized_fieldname("assignment__title", lang)
        for lang in mt_settings.AVAILABLE_LANGUAGES
    ),
)

# What a row of the queue shows (the rest of each row is left unread: the answer's text, the
# phase's instructions, the cohort's and the people's other columns).
_QUEUE_ROW_FIELDS = (
    "assignment_id",
    "cohort_id",
    "learner_id",
    "experiment_id",
    "version",
    "is_late",
    "status",
    "submitted_at",
    "processed_at",
    "assignment__workshop_id",
    *_ASSIGNMENT_TITLE,
    # The course-wide marking defaults, for a cohort without settings of its own.
    "assignment__workshop__marking_workflow",
    "assignment__workshop__second_check",
    "assignment__workshop__blind_review",
    "experiment__title",
    "marking__state",
    "marking__reviewer__first_name",
    "marking__reviewer__last_name",
    "marking__reviewer__email",
)


def _file_count() -> Coalesce:
    """How many files a version has (all of them, as the queue always counted)."""
    files = (
        SubmissionFile.objects.filter(submission=OuterRef("pk"))
        .order_by()
        .values("submission")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(files), 0)


def _people(**ids: int) -> QuerySet[User]:
    return (
        User.objects.filter(pk__in=ids.values())
        .select_related("organisation")
        .only("first_name", "last_name", "email", "organisation__name")
        .order_by()
    )


def _learners(ids: Iterable[int]) -> dict[int, User]:
    """The page's learners with their organisations, by id (one query, none for no one)."""
    ordered = sorted(ids)
    if not ordered:
        return {}
    found = prepared.objects(
        User, ("workshops.queue_learners", len(ordered)), _people, **prepared.numbered("u", ordered)
    )
    return {u.pk: u for u in found}


class QueuePage(PagedRows[Submission]):
    """The queue's versions for a Paginator, the longest-waiting first: its length is the
    chosen state's count (from queue_counts, so the pager asks nothing), and a slice reads
    that slice in two queries, compiled once per page and choice of filters. Each version
    comes with its phase and workshop, experiment, marking and reviewer (and on the decided
    tabs its review's date), how many files it has (`file_count`) and its cohort's marking
    settings (`settings_marking`, see cohort_settings.marking_from_columns) in the first; its
    learner and their organisation in the second; its cohort from `cohorts` (the filter's,
    read already)."""

    def __init__(
        self,
        *,
        scope: QueueScope,
        filters: QueueFilters,
        count: int,
        cohorts: Iterable[Cohort],
    ) -> None:
        self.scope = scope
        self.filters = filters
        self.count_ = count
        self.cohorts = {c.pk: c for c in cohorts}

    def __len__(self) -> int:
        return self.count_

    def _slice(self, start: int, stop: int) -> list[Submission]:
        scope, filters = self.scope, self.filters
        wide = scope.everything

        decided = filters.status in QUEUE_DECIDED
        related: tuple[str, ...] = ("assignment__workshop", "experiment", "marking__reviewer")
        fields: tuple[str, ...] = _QUEUE_ROW_FIELDS
        if decided:  # the decision's date, shown instead of the waiting time
            related, fields = (*related, "review"), (*fields, "review__created_at")

        def build(**ids: int) -> QuerySet[Submission]:
            return (
                _in_state(_scoped(wide, filters, **ids), filters.status)
                .select_related(*related)
                .only(*fields)
                .annotate(file_count=_file_count(), **marking_columns())
                .order_by("submitted_at", "pk")[start:stop]
            )

        key = ("workshops.queue_rows", *scope.shape(filters), start, stop)
        rows = prepared.objects(Submission, key, build, **scope.ids(filters))
        learners = _learners({s.learner_id for s in rows})
        for row in rows:
            row.settings_marking = marking_from_columns(row)
            row.learner = learners[row.learner_id]
            cohort = self.cohorts.get(row.cohort_id)
            if cohort is not None:  # always, but the row would read it itself
                row.cohort = cohort
        return rows


def _queue_cohorts(*, user: int) -> QuerySet[Cohort]:
    """The cohorts the person instructs with `lead_id`: the user id of each one's lead
    instructor (its first instructor, as learners.access.cohorts_led_by says)."""
    first = Membership.objects.filter(
        cohort=OuterRef("pk"), role=Membership.Role.INSTRUCTOR
    ).order_by("pk")
    return (
        cohorts_for(User(pk=user), Membership.Role.INSTRUCTOR)
        .only("name")
        .annotate(lead_id=Subquery(first.values("user_id")[:1]))
        .order_by("-start_date", "name")
    )


def _queue_all_cohorts() -> QuerySet[Cohort]:
    """The cohorts for the superuser, who instructs and leads every one."""
    return Cohort.objects.only("name").order_by("-start_date", "name")


def queue_filter_options(*, user: User) -> dict[str, list[Any]]:
    """The cohorts and the learners' organisations the queue can be filtered by, and `led`:
    the ids of the cohorts the person leads (one query, and one more when a cohort's
    municipalities are not in the cache).

    Which organisations have a learner in the instructor's cohorts is a question over every
    membership of those cohorts (PostgreSQL hashes them all: 24 ms at 20,000 learners, 1 at
    1,000). Each cohort's answer is the progress page's cached filter, cleared when a learner
    joins, leaves or moves to another organisation (learners.selectors.organisation_choices_of),
    so the queue's drop-down follows at once and a new cohort shows its municipalities."""
    if user.is_superuser:
        cohorts = prepared.objects(Cohort, ("workshops.queue_cohorts",), _queue_all_cohorts)
        led = [c.pk for c in cohorts]
    else:
        cohorts = prepared.objects(
            Cohort, ("workshops.queue_cohorts",), _queue_cohorts, user=user.pk
        )
        led = [c.pk for c in cohorts if c.lead_id == user.pk]  # type: ignore[attr-defined]
    rows = organisation_choices_of(cohort_ids=sorted(c.pk for c in cohorts))
    organisations = [Organisation(pk=pk, name=name) for pk, name in rows]
    return {
        "cohorts": cohorts,
        "organisations": organisations,
        "phases": list(Phase.choices),
        "led": led,
    }


def _recently_reviewed(everything: bool, limit: int, **ids: int) -> QuerySet[Submission]:
    reviews = Review.objects.filter(
        submission__status__in=[Submission.Status.APPROVED, Submission.Status.REVISION_REQUESTED]
    )
    if not everything:  # the cohorts the person instructs, as submissions_reviewable_by
        reviews = reviews.filter(submission__cohort_id__in=ids.values())
    newest = reviews.order_by("-created_at").values("submission_id")[:limit]
    return (
        Submission.objects.filter(pk__in=newest)
        .select_related("assignment__workshop", "learner", "review__reviewer")
        .only(
            "assignment_id",
            "cohort_id",
            "learner_id",
            "version",
            "status",
            "assignment__workshop_id",
            *_ASSIGNMENT_TITLE,
            "assignment__workshop__marking_workflow",
            "assignment__workshop__second_check",
            "assignment__workshop__blind_review",
            "learner__first_name",
            "learner__last_name",
            "learner__email",
            "review__created_at",
            # Who reviewed it, as the list names them (display_name).
            "review__reviewer__first_name",
            "review__reviewer__last_name",
            "review__reviewer__email",
        )
        .annotate(**marking_columns())
        .order_by()
    )


def recently_reviewed(*, scope: QueueScope, limit: int = 10) -> list[Submission]:
    """The instructor's cohorts' versions most recently approved or sent back, the newest
    review first, with their cohort's marking settings (`settings_marking`). One query, compiled
    once, that reads `limit` rows whatever the cohorts' size: the newest reviews, walked by
    their date's index in a subquery, then those versions with what the queue shows (ordering
    the versions' join instead would sort every reviewed version)."""
    wide = scope.everything
    if not wide and not scope.cohorts:
        return []
    rows = prepared.objects(
        Submission,
        ("workshops.recently_reviewed", wide, len(scope.cohorts), limit),
        lambda **ids: _recently_reviewed(wide, limit, **ids),
        **({} if wide else prepared.numbered("c", scope.cohorts)),
    )
    for row in rows:
        row.settings_marking = marking_from_columns(row)
    return sorted(rows, key=lambda s: (s.review.created_at, s.review.pk), reverse=True)


def _cohort_instructors(**ids: int) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(cohort_id__in=ids.values(), role=Membership.Role.INSTRUCTOR)
        .select_related("user")
        .only("cohort_id", "user__first_name", "user__last_name", "user__email")
        .order_by("pk")
    )


def _workshops_of(**ids: int) -> QuerySet[Workshop]:
    return (
        Workshop.objects.filter(course__cohorts__pk__in=ids.values())
        .distinct()
        .only("title")
        .order_by("title")
    )


def queue_marking(*, user: User, submissions: list[Submission], led: list[int]) -> dict[str, Any]:
    """For the queue: the cohorts the person leads (`led`, from queue_filter_options), each
    led cohort's instructors to allocate from (set on each row as `allocatable`), whether any
    row uses the workflow or blind review, and the workshops whose marking settings the lead
    may change. Two queries when the person leads a cohort, none otherwise; each row's marking
    settings came with it (QueuePage)."""
    leads = set(led)
    on_page = sorted({s.cohort_id for s in submissions if s.cohort_id in leads})
    instructors: dict[int, list[User]] = {}
    if on_page:
        for row in prepared.objects(
            Membership,
            ("workshops.queue_instructors", len(on_page)),
            _cohort_instructors,
            **prepared.numbered("c", on_page),
        ):
            instructors.setdefault(row.cohort_id, []).append(row.user)
    for submission in submissions:
        # For the rows: whom this submission can be allocated to (not a model field).
        submission.allocatable = instructors.get(submission.cohort_id, [])
    workshops: list[Workshop] = []
    if led and not user.is_superuser:
        workshops = prepared.objects(
            Workshop,
            ("workshops.queue_workshops_led", len(led)),
            _workshops_of,
            **prepared.numbered("c", sorted(led)),
        )
    return {
        "led_cohorts": led,
        "any_workflow": any(s.settings_marking.marking_workflow for s in submissions),
        "any_blind": any(s.settings_marking.blind_review for s in submissions),
        "workshops_led": workshops,
    }


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


def _versions_with_review_files(**ids: int) -> QuerySet[Submission]:
    return _versions_of(**ids).annotate(
        # The files the team was sent with each version's review (review_page_versions).
        any_review_files=Exists(
            ReviewFile.objects.filter(
                submission_id=OuterRef("pk"), review_id__isnull=False
            ).exclude(status=ReviewFile.Status.REJECTED)
        )
    )


def version_list(*, submission: Submission) -> list[Submission]:
    """versions() as a list, without their files (the review page shows the versions'
    numbers, states and the previous text), each with `any_review_files`, whether its review
    has files that are listed to the team: one query, compiled once."""
    ids = _version_ids(submission)
    return prepared.objects(
        Submission,
        ("versions", "experiment" in ids),
        _versions_with_review_files,
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


def _lf(text: str) -> str:
    """`text` with every line ending (CRLF, CR) written as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level differences as (operation, text): 'same', 'removed', 'added', or 'gap' (a
    space that keeps a removed and an added word apart in the text)."""
    # Browsers send form text with CRLF line endings, other paths store LF: a paragraph break
    # is the same break either way, so only real changes are marked.
    a, b = TOKEN.findall(_lf(old)), TOKEN.findall(_lf(new))
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
    """Load the version's files with the version each kept file came from and who added it
    (one query)."""
    prepared.prefetched(
        submission,
        "files",
        prepared.objects(
            SubmissionFile,
            ("with_files",),
            lambda submission: (
                SubmissionFile.objects.filter(submission_id=submission)
                .select_related("carried_from__submission", "added_by")
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
    query (previous_scores)."""
    return {
        score.criterion_id: score.level  # type: ignore[attr-defined] # annotated
        for score in previous_scores(submission=submission)
        if score.criterion_id is not None and score.level is not None  # type: ignore[attr-defined]
    }


def previous_scores(*, submission: Submission) -> list[ReviewScore]:
    """The rubric scores of the newest earlier version's review in the same phase, with their
    criteria, each annotated with `level`, the id of its criterion's level of the same points
    today (None if there is none), as previous_levels matches them: one query, compiled
    once."""
    ids = _version_ids(submission)

    def build(version: int, **ids: int) -> QuerySet[ReviewScore]:
        earlier = (
            _versions_of(**ids)
            .filter(version__lt=version, review__isnull=False)
            .values("review")[:1]
        )
        level = RubricLevel.objects.filter(
            criterion_id=OuterRef("criterion_id"), points=OuterRef("points")
        ).values("pk")[:1]
        return (
            ReviewScore.objects.filter(review_id=Subquery(earlier))
            .select_related("criterion")
            .annotate(level=Subquery(level))
            .order_by("pk")
        )

    return prepared.objects(
        ReviewScore,
        ("previous_scores", "experiment" in ids),
        build,
        version=submission.version,
        **ids,
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
    prepared.prefetched(review, "files", review_files(review=review))
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


def _files_of_review(review: int) -> QuerySet[ReviewFile]:
    return ReviewFile.objects.filter(review_id=review).order_by("pk")


def review_files(*, review: Review) -> list[ReviewFile]:
    """The files attached to a review, refused ones too (one query, compiled once)."""
    return prepared.objects(ReviewFile, ("feedback_files",), _files_of_review, review=review.pk)


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
    review with its reviewer once the version is decided, the cohort's own marking settings,
    and whether the version has files, feedback files, other versions, a rubric and messages
    in its phase's thread, so a list that is empty costs no query of its own
    (review_page_prepare and the functions below read these)."""
    versions = Submission.objects.exclude(pk=OuterRef("pk")).filter(
        assignment_id=OuterRef("assignment_id")
    )
    return qs.select_related("review_draft__updated_by", "review__reviewer").annotate(
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


# Read once for the review page and handed on through the version: the rubric (for the
# previous round's scores in the reader's language) and the previous round's scores (for
# the form's starting levels and the "Feedback on version n" box).
_PAGE_RUBRIC = "review_page_rubric"
_PAGE_PREVIOUS_SCORES = "review_page_previous_scores"


def review_page_rubric(submission: Submission) -> list[RubricCriterion]:
    """rubric() of the version's phase, asked for only when the phase has one."""
    if not _any(submission, "rubric"):
        return []
    criteria = rubric(
        workshop_id=submission.assignment.workshop_id, phase=submission.assignment.phase
    )
    submission.__dict__[_PAGE_RUBRIC] = criteria
    return criteria


def _other_versions(submission: Submission) -> bool:
    return _any(submission, "team_versions" if submission.experiment_id else "own_versions")


def review_page_versions(submission: Submission) -> list[Submission]:
    """version_list(), or the version alone when it has no other (no query). The previous
    version's review comes with its rubric scores (`review.scores.all()`), their texts in the
    reader's language, when the phase has a rubric: read with the levels the form started
    from, or in one query when a draft gave them; and with its files (`review.files.all()`),
    in one query asked for only when the versions' query found some to list."""
    if not _other_versions(submission):
        return [submission]
    versions = version_list(submission=submission)
    previous = next((v for v in versions if v.version < submission.version), None)
    review = getattr(previous, "review", None) if previous is not None else None
    if review is not None:
        scores: list[ReviewScore] = []
        if _any(submission, "rubric"):
            scores = [
                s for s in _review_page_previous_scores(submission) if s.review_id == review.pk
            ]
            criteria: list[RubricCriterion] = submission.__dict__.get(_PAGE_RUBRIC) or []
            levels = [level for c in criteria for level in c.levels.all()]
            texts.scores_in_language(review=review, scores=scores, levels=levels)
        prepared.prefetched(review, "scores", scores)
        listed = getattr(previous, "any_review_files", False)
        files = review_files(review=review) if listed else []
        prepared.prefetched(review, "files", files)
    return versions


def review_page_previous_levels(submission: Submission) -> dict[int, int]:
    """previous_levels(), asked for only when the version has others; read with the
    previous round's scores, which review_page_versions then shows."""
    if not _other_versions(submission):
        return {}
    return {
        score.criterion_id: level
        for score in _review_page_previous_scores(submission)
        if score.criterion_id is not None and (level := getattr(score, "level", None)) is not None
    }


def _review_page_previous_scores(submission: Submission) -> list[ReviewScore]:
    """previous_scores(), read once for the page."""
    scores: list[ReviewScore] | None = submission.__dict__.get(_PAGE_PREVIOUS_SCORES)
    if scores is None:
        scores = submission.__dict__[_PAGE_PREVIOUS_SCORES] = previous_scores(submission=submission)
    return scores


def review_page_feedback_files(submission: Submission) -> list[ReviewFile]:
    """feedback_files(), asked for only when the version has some."""
    return feedback_files(submission=submission) if _any(submission, "feedback_files") else []


def review_page_thread(submission: Submission) -> list[PhaseComment]:
    """thread() of the version's phase, asked for only when it has messages."""
    if submission.experiment_id is None or not _any(submission, "messages"):
        return []
    return thread(experiment_id=submission.experiment_id, phase=submission.assignment.phase)
