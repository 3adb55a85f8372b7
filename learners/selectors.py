"""Reads for cohort tracking, with a fixed query count for any cohort size."""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from core import prepared
from core.db import no_jit
from core.models import User
from core.paging import PagedRows
from courses.models import Completion, Item, Module
from courses.selectors import assignment_ruled_items, completion_matrix
from workshops.models import Assignment, Review, Submission, phase_due_date

from .models import Cohort, Invitation, Membership, Nudge


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


class HeatCell(NamedTuple):
    """One learner's progress in one module: items done of the module's items."""

    module: Module
    done: int
    total: int

    @property
    def percent(self) -> int:
        return min(round(100 * self.done / self.total), 100) if self.total else 0

    @property
    def level(self) -> int:
        """0 nothing, 1 started, 2 about half, 3 most, 4 all: the heatmap's colour step."""
        if not self.total or not self.done:
            return 0
        if self.done >= self.total:
            return 4
        if 3 * self.done < self.total:
            return 1
        return 2 if 3 * self.done <= 2 * self.total else 3


class PhaseVersion:
    """The version that counts for a learner's phase as a page of the progress section prints
    it (learners.progress_page): its id and state."""

    __slots__ = ("pk", "status")

    def __init__(self, pk: int, status: str) -> None:
        self.pk = pk
        self.status = status

    def get_status_display(self) -> str:
        """As Submission's: the state's label in the active language."""
        return str(Submission.Status(self.status).label)


@dataclass
class LearnerRow:
    # A User; on a page of the heatmap (cohort_overview with `learners`) what was given.
    learner: Any
    cells: list[HeatCell] = field(default_factory=list)
    submissions: list[tuple[Assignment, Submission | PhaseVersion | None]] = field(
        default_factory=list
    )
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class CohortOverview:
    modules: Sequence[Module]
    assignments: list[Assignment]
    rows: list[LearnerRow]
    instructors: list[User]
    coordinators: list[User]


def cohort_learners(
    *, cohort: Cohort, query: str = "", organisation_id: int | None = None
) -> QuerySet[Membership]:
    """The cohort's learner memberships in name order, filtered by a name or email fragment and
    by organisation (for the paginated progress page)."""
    memberships = (
        Membership.objects.filter(cohort=cohort, role=Membership.Role.LEARNER)
        .select_related("user__organisation")
        .order_by("user__last_name", "user__first_name", "user__email", "pk")
    )
    if query:
        # unicode_icontains (core/lookups.py): "äijälä" finds "Äijälä" on SQLite too.
        for word in query.split()[:5]:
            memberships = memberships.filter(
                Q(user__first_name__unicode_icontains=word)
                | Q(user__last_name__unicode_icontains=word)
                | Q(user__email__unicode_icontains=word)
            )
    if organisation_id:
        memberships = memberships.filter(user__organisation_id=organisation_id)
    return memberships


class PageLearner:
    """A learner on a page of the progress heatmap: the few columns it prints, read as plain
    values (no User, Membership and Organisation instances for each of 50 rows)."""

    __slots__ = ("pk", "first_name", "last_name", "email", "organisation")

    def __init__(
        self, pk: int, first_name: str, last_name: str, email: str, organisation: str | None
    ) -> None:
        self.pk = pk
        self.first_name = first_name
        self.last_name = last_name
        self.email = email
        self.organisation = organisation  # its name, printed as the Organisation is

    @property
    def display_name(self) -> str:
        """As User.display_name: the full name (AbstractUser.get_full_name), else the email."""
        return f"{self.first_name} {self.last_name}".strip() or self.email


def cohort_organisations(*, cohort: Cohort) -> list[tuple[int, str]]:
    """(id, name) of the organisations the cohort's learners come from (one query)."""
    from core.models import Organisation

    return list(
        Organisation.objects.filter(
            people__memberships__cohort=cohort,
            people__memberships__role=Membership.Role.LEARNER,
        )
        .distinct()
        .order_by("name")
        .values_list("pk", "name")
    )


# Up to this many learner ids (a page of a list) a query is compiled once per number of ids
# (core.prepared); more (the rollup's batches) build it each time.
PAGED_IDS = 100


# The organisation filter's choices on the progress page are kept this long: finding them
# reads every learner of the cohort with their person (28 ms at 20,000 learners). A learner
# joining through the services clears them at once (rollup_join); a person's organisation
# changed elsewhere (sign-in through an organisation's provider, the admin) shows within this.
ORGANISATION_CHOICES_SECONDS = 10 * 60


def organisation_choices_key(cohort_id: int) -> str:
    return f"learners:organisation-choices:{cohort_id}"


def organisation_choices_of(*, cohort_ids: Sequence[int]) -> list[tuple[int, str]]:
    """The organisations the learners of any of these cohorts come from, in name order, from
    each cohort's cached choices (cohort_organisation_choices): one cache read for all of them,
    and one query for the cohorts not cached. They are cleared where a learner joins, leaves or
    moves to another organisation, so a list built from them (the review queue's filter) follows
    at once, where a cache of its own kept a moved person's old town for ten minutes."""
    from django.core.cache import cache

    from core.models import Organisation

    keys = {organisation_choices_key(pk): pk for pk in cohort_ids}
    found: dict[str, list[tuple[int, str]]] = cache.get_many(list(keys))
    missing = [pk for key, pk in keys.items() if key not in found]
    if missing:
        read: dict[int, list[tuple[int, str]]] = {pk: [] for pk in missing}
        for cohort_id, pk, name in (
            Organisation.objects.filter(
                people__memberships__cohort_id__in=missing,
                people__memberships__role=Membership.Role.LEARNER,
            )
            .values_list("people__memberships__cohort_id", "pk", "name")
            .distinct()
            .order_by("name", "pk")
        ):
            read[cohort_id].append((pk, name))
        cache.set_many(
            {organisation_choices_key(pk): rows for pk, rows in read.items()},
            ORGANISATION_CHOICES_SECONDS,
        )
        found.update({organisation_choices_key(pk): rows for pk, rows in read.items()})
    merged = {pk: name for rows in found.values() for pk, name in rows}
    return sorted(merged.items(), key=lambda row: (row[1], row[0]))


def cohort_organisation_choices(*, cohort: Cohort) -> list[tuple[int, str]]:
    """cohort_organisations for the progress page's filter, kept in the cache for
    ORGANISATION_CHOICES_SECONDS (no query while kept): organisation_choices_of one cohort."""
    return organisation_choices_of(cohort_ids=[cohort.pk])


def invitation_organisation_choices(*, cohort: Cohort) -> list[tuple[int, str]]:
    """(id, name) of the organisations the cohort's invitations name, for the invitation
    list's filter (one query)."""
    from core.models import Organisation

    return list(
        Organisation.objects.filter(
            pk__in=Invitation.objects.filter(cohort=cohort, organisation__isnull=False).values(
                "organisation_id"
            )
        )
        .order_by("name", "pk")
        .values_list("pk", "name")
    )


# What team_latest and team_latest_in read of each version (ordered by version, so the last
# one read for a learner and phase is the latest).
_VERSION_FIELDS = (
    "pk",
    "learner_id",
    "experiment_id",
    "assignment_id",
    "status",
    "version",
    "cycle",
    "submitted_at",
    "processed_at",
)


def _owners(submission: Submission, team: dict[int, list[int]]) -> list[int]:
    """Whom a version counts for: every member of the team it was sent in, else its author."""
    if submission.experiment_id is not None and submission.experiment_id in team:
        return team[submission.experiment_id]
    return [submission.learner_id]


def _scoped_versions(cohort: int, learner_ids: list[int], team_ids: list[int]) -> QuerySet[Any]:
    """The versions these learners sent in this cohort and those of these teams (this cohort's
    experiments: a version is always sent in its experiment's cohort), as one OR that
    PostgreSQL reads through the learner and experiment indexes (a BitmapOr). The cohort stays
    inside the learners' branch on purpose: `cohort = x AND (learners OR teams)` made the
    planner walk the cohort's index and filter every version of the cohort (12 ms, growing
    with it, at 20,000 learners, against 0.3 ms), and a list of ids rather than a subquery
    keeps the BitmapOr too (an OR with a subquery filtered them all as well: 30 ms)."""
    return Submission.objects.filter(
        Q(cohort_id=cohort, learner_id__in=learner_ids) | Q(experiment_id__in=team_ids)
    )


def cohort_teams(*, cohort: Cohort, learner_ids: list[int] | None = None) -> dict[int, list[int]]:
    """{experiment id: the ids of the cohort's learners on its team} (`learner_ids`: of those
    learners only; one query, compiled once per number of ids for a page of them): whom a
    team's version counts for (_owners), as team_latest and the scores table's reviews read
    it."""
    from workshops.models import ExperimentMember

    # A page of learners (up to PAGED_IDS) runs SQL compiled once per number of ids.
    users = prepared.numbered("u", learner_ids or [])

    def member_rows(cohort: int, **users: int) -> QuerySet[Any]:
        members = ExperimentMember.objects.filter(cohort_id=cohort)
        if learner_ids is not None:
            members = members.filter(user_id__in=list(users.values()))
        return members.values_list("experiment_id", "user_id")

    if learner_ids is not None and len(learner_ids) <= PAGED_IDS:
        found = prepared.values(
            ExperimentMember,
            ("learners.team_members", len(users)),
            member_rows,
            cohort=cohort.pk,
            **users,
        )
    else:
        found = list(member_rows(cohort.pk, **users))
    team: dict[int, list[int]] = {}
    for experiment_id, user_id in found:
        team.setdefault(experiment_id, []).append(user_id)
    return team


def team_latest(
    *,
    cohort: Cohort,
    learner_ids: list[int] | None = None,
    statuses: Any = None,
    team: dict[int, list[int]] | None = None,
) -> dict[tuple[int, int], Submission]:
    """{(learner id, assignment id): the latest version that counts for the learner}: the one
    rule every staff view reads a learner's phase state by, in two queries for any size (one
    when the caller has read the `team` already: cohort_teams for the same learners).

    A version sent in an experiment counts for every member of its team (whoever of them sent
    it), so a team mate's approval is the learner's approval too; an answer sent without an
    experiment counts for its author only. `learner_ids` limits it to those learners (a page
    of the heatmap), `statuses` to versions in those states. Each Submission carries
    `reviewed_at` (its review's moment, or None) and `assignment_title`.
    """
    # A page of learners (up to PAGED_IDS) runs SQL compiled once per number of ids.
    paged = learner_ids is not None and len(learner_ids) <= PAGED_IDS
    users = prepared.numbered("u", learner_ids or [])
    if team is None:
        team = cohort_teams(cohort=cohort, learner_ids=learner_ids)
    teams = prepared.numbered("t", list(team))

    def versions(cohort: int, **ids: int) -> QuerySet[Submission]:
        if learner_ids is None:
            submissions = Submission.objects.filter(cohort_id=cohort)
        else:
            # The learners' and teams' versions through the learner and experiment indexes (a
            # BitmapOr): _scoped_versions.
            submissions = _scoped_versions(
                cohort,
                [v for k, v in ids.items() if k.startswith("u")],
                [v for k, v in ids.items() if k.startswith("t")],
            )
        return (
            submissions.annotate(
                reviewed_at=F("review__created_at"), assignment_title=F("assignment__title")
            )
            .only(*_VERSION_FIELDS)
            .order_by("version", "pk")
        )

    if paged:
        rows = prepared.objects(
            Submission,
            ("learners.team_versions", len(users), len(teams)),
            versions,
            cohort=cohort.pk,
            **users,
            **teams,
        )
    else:
        rows = list(versions(cohort.pk, **users, **teams))
    latest: dict[tuple[int, int], Submission] = {}
    for submission in rows:
        for owner in _owners(submission, team):
            latest[(owner, submission.assignment_id)] = submission
    if statuses is not None:
        latest = {k: s for k, s in latest.items() if s.status in statuses}
    return latest


def teams_in(*, cohorts: Sequence[int], learner_ids: list[int]) -> dict[int, list[int]]:
    """{experiment id: the ids of these learners on its team} in these cohorts (one query):
    whom a team's version counts for (_owners)."""
    from workshops.models import ExperimentMember

    team: dict[int, list[int]] = {}
    for experiment_id, user_id in ExperimentMember.objects.filter(
        cohort_id__in=cohorts, user_id__in=learner_ids
    ).values_list("experiment_id", "user_id"):
        team.setdefault(experiment_id, []).append(user_id)
    return team


def team_latest_in(
    *,
    cohorts: Sequence[int],
    learner_ids: list[int],
    team: dict[int, list[int]] | None = None,
) -> dict[tuple[int, int, int], Submission]:
    """{(cohort id, learner id, assignment id): the latest version that counts for the
    learner} in several cohorts at once, by team_latest's rule (a learner's own results in
    each of their cohorts), in two queries however many cohorts; one when the caller has read
    the `team` already (teams_in for the same cohorts and learners)."""
    if team is None:
        team = teams_in(cohorts=cohorts, learner_ids=learner_ids)
    rows = (
        Submission.objects.filter(cohort_id__in=cohorts)
        .filter(Q(learner_id__in=learner_ids) | Q(experiment_id__in=list(team)))
        .only("cohort_id", *_VERSION_FIELDS)
        .order_by("version", "pk")
    )
    latest: dict[tuple[int, int, int], Submission] = {}
    for submission in rows:
        for owner in _owners(submission, team):
            latest[(submission.cohort_id, owner, submission.assignment_id)] = submission
    return latest


def _overview_modules(course: int) -> QuerySet[Module]:
    return (
        Module.objects.filter(course_id=course)
        # What the page prints of a module: its title (the summary is long and unused).
        .only("pk", "course_id", "position", "title")
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
            ),
        )
        .order_by("position", "pk")
    )


def cohort_overview(
    *, cohort: Cohort, latest: Mapping[tuple[int, int], Submission] | None = None
) -> CohortOverview:
    """Each learner's progress per module and latest submission per assignment, for the whole
    cohort (the exports; a page of the progress section is learners.progress_page's).
    `latest`: team_latest of the whole cohort when the caller has read it already."""
    memberships = list(
        Membership.objects.filter(cohort=cohort)
        .select_related("user__organisation")
        .order_by("user__last_name", "user__first_name", "user__email")
    )
    learners = [m.user for m in memberships if m.role == Membership.Role.LEARNER]
    # The course's modules and assignments: queries of a fixed shape, compiled once.
    modules = prepared.objects(
        Module, ("learners.overview_modules",), _overview_modules, course=cohort.course_id
    )
    assignments = prepared.objects(
        Assignment,
        ("learners.overview_assignments",),
        # What the page prints of a phase (its instructions and settings are long and unused).
        lambda course: (
            Assignment.objects.filter(workshop__course_id=course)
            .only("pk", "workshop_id", "phase", "title")
            .order_by("phase", "pk")
        ),
        course=cohort.course_id,
    )
    # A whole cohort is joined by its id, never sent as an IN list of every learner.
    matrix = completion_matrix(cohort=cohort, course=cohort.course)
    if latest is None:
        latest = team_latest(cohort=cohort)
    rows = []
    # Annotated by _overview_modules (not on the Module type).
    item_counts = [(m, m.item_count) for m in modules]  # type: ignore[attr-defined]
    for learner in learners:
        row = LearnerRow(learner=learner)
        done_in = matrix.get(learner.pk, {})
        for module, item_count in item_counts:
            done = done_in.get(module.pk, 0)
            row.cells.append(HeatCell(module, done, item_count))
            row.done += done
            row.total += item_count
        row.submissions = [(a, latest.get((learner.pk, a.pk))) for a in assignments]
        rows.append(row)
    return CohortOverview(
        modules=modules,
        assignments=assignments,
        rows=rows,
        instructors=[m.user for m in memberships if m.role == Membership.Role.INSTRUCTOR],
        coordinators=[m.user for m in memberships if m.role == Membership.Role.COORDINATOR],
    )


def invitation_welcome(*, invitation: Any) -> dict[str, Any]:
    """What the invitation's landing page tells the person: the cohort with its course and
    dates, the coordinator who invited them (else the cohort's first coordinator), the role's
    label, and the other coordinators and instructors they will meet (one query for an
    invitation read with its cohort, course and inviter, as invitation_for_token reads it)."""
    cohort = invitation.cohort
    staff = list(
        Membership.objects.filter(
            cohort=cohort, role__in=(Membership.Role.COORDINATOR, Membership.Role.INSTRUCTOR)
        )
        .select_related("user")
        .order_by("role", "user__last_name", "user__first_name", "pk")
    )
    coordinators = [m.user for m in staff if m.role == Membership.Role.COORDINATOR]
    inviter = invitation.invited_by
    coordinator = (
        inviter
        if inviter is not None and any(u.pk == inviter.pk for u in coordinators)
        else next(iter(coordinators), inviter)
    )
    return {
        "welcome_cohort": cohort,
        "welcome_course": cohort.course,
        "welcome_coordinator": coordinator,
        "welcome_instructors": [m.user for m in staff if m.role == Membership.Role.INSTRUCTOR],
        "welcome_role": Membership.Role(invitation.role).label,
    }


# --- tracking --------------------------------------------------------------------------------


@dataclass
class AtRisk:
    learner: User
    last_activity: datetime.datetime | None
    reasons: list[str]
    nudged_today: bool = False
    last_nudge: datetime.date | None = None
    # The reasons as data, so a reminder can speak to the actual reason.
    inactive_days: int | None = None
    revisions: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)


@dataclass
class StaffDelay:
    """A due phase a learner's team cannot open because its previous version waits on staff:
    the instructor's delay, not the learner's."""

    learner: User
    experiment_id: int
    title: str  # the phase that cannot open
    waiting_title: str  # the phase whose version waits
    waiting_days: int


def _latest_by(rows: QuerySet[Any], person: str, moment: str) -> QuerySet[Any]:
    """(person id, latest `moment`) for each person among `rows`: one grouped aggregate."""
    grouped: QuerySet[Any] = rows.values(person).annotate(last=Max(moment))
    return grouped.values_list(person, "last").order_by()


def _last_activity(
    cohort: Cohort, learner_ids: list[int] | None = None
) -> tuple[dict[int, datetime.datetime], dict[int, datetime.datetime], dict[int, datetime.date]]:
    """{learner id: moment} of the last lesson done, version sent and nudge received in this
    cohort: three grouped aggregates (a correlated subquery per learner took 200 ms for a
    thousand learners on PostgreSQL). `learner_ids` limits them to those learners."""
    if learner_ids and len(learner_ids) <= 2 * PAGED_IDS:
        return _last_activity_of(cohort, learner_ids)
    completions_of: Any = Membership.objects.filter(
        cohort=cohort, role=Membership.Role.LEARNER
    ).values("user_id")
    submissions = Submission.objects.filter(cohort=cohort)
    nudges = Nudge.objects.filter(cohort=cohort)
    if learner_ids is not None:
        completions_of = list(learner_ids)
        submissions = submissions.filter(learner_id__in=learner_ids)
        nudges = nudges.filter(learner_id__in=learner_ids)
    completions = Completion.objects.filter(
        user_id__in=completions_of, item__module__course_id=cohort.course_id
    )
    return (
        dict(_latest_by(completions, "user_id", "completed_at")),
        dict(_latest_by(submissions, "learner_id", "submitted_at")),
        dict(_latest_by(nudges, "learner_id", "sent_on")),
    )


def _last_activity_of(
    cohort: Cohort, learner_ids: list[int]
) -> tuple[dict[int, datetime.datetime], dict[int, datetime.datetime], dict[int, datetime.date]]:
    """_last_activity for a page of learners (the at-risk page's page and its staff delays'
    learners, up to twice PAGED_IDS): the same three grouped reads, compiled once per number of
    ids (core.prepared) instead of built by the ORM on every request."""
    users = prepared.numbered("u", learner_ids)
    n = len(users)

    def completions(course: int, **users: int) -> QuerySet[Any]:
        rows = Completion.objects.filter(
            user_id__in=list(users.values()), item__module__course_id=course
        )
        return _latest_by(rows, "user_id", "completed_at")

    def submitted(cohort: int, **users: int) -> QuerySet[Any]:
        rows = Submission.objects.filter(cohort_id=cohort, learner_id__in=list(users.values()))
        return _latest_by(rows, "learner_id", "submitted_at")

    def nudged(cohort: int, **users: int) -> QuerySet[Any]:
        rows = Nudge.objects.filter(cohort_id=cohort, learner_id__in=list(users.values()))
        return _latest_by(rows, "learner_id", "sent_on")

    return (
        dict(
            prepared.values(
                Completion,
                ("learners.last_completions", n),
                completions,
                course=cohort.course_id,
                **users,
            )
        ),
        dict(
            prepared.values(
                Submission, ("learners.last_versions", n), submitted, cohort=cohort.pk, **users
            )
        ),
        dict(
            prepared.values(Nudge, ("learners.last_nudges", n), nudged, cohort=cohort.pk, **users)
        ),
    )


def learner_memberships(cohort: Cohort | int) -> QuerySet[Membership]:
    """The cohort's learners with their people and organisations, in name order (one query)."""
    return (
        Membership.objects.filter(cohort=cohort, role=Membership.Role.LEARNER)
        .select_related("user__organisation")
        .order_by("user__last_name", "user__first_name", "user__email")
    )


def at_risk(
    *,
    cohort: Cohort,
    now: datetime.datetime | None = None,
    learner_ids: list[int] | None = None,
    latest: Mapping[tuple[int, int], Submission] | None = None,
) -> list[AtRisk]:
    """Learners who seem stuck, each with the reasons, in eleven queries for any cohort size.
    Nobody in a cohort that has ended: its learners are alumni, not stuck."""
    return at_risk_and_delays(cohort=cohort, now=now, learner_ids=learner_ids, latest=latest)[0]


@no_jit()
def at_risk_and_delays(
    *,
    cohort: Cohort,
    now: datetime.datetime | None = None,
    learner_ids: list[int] | None = None,
    latest: Mapping[tuple[int, int], Submission] | None = None,
    due: Due | None = None,
) -> tuple[list[AtRisk], list[StaffDelay]]:
    """The at-risk learners and, apart from them, the due phases that wait on an instructor's
    review (eleven queries for any cohort size). A phase that cannot open because its previous
    version has not been reviewed is the instructor's delay: it never flags the learner.

    This is the rule itself, computed from the cohort's rows: the pages read the learners it
    flags from the rollup (learners/rollup.py) and call it with `learner_ids` (a page of them)
    for the reasons, so it reads only those learners' rows.

    What the caller has read already is not read again: `latest`, team_latest of the same
    learners (the progress export reads it for its phase columns too), and `due`, the course's
    due phases (due_assignments: the at-risk page shares them with the rollup's refresh)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if cohort.has_ended(today):
        return [], []
    inactive_since = now - datetime.timedelta(days=cohort.inactivity_days)
    revision_since = now - datetime.timedelta(days=cohort.revision_days)
    started = datetime.datetime.combine(
        cohort.start_date, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    # Latest versions (of the learner's team) still waiting for a revision, asked long enough
    # ago: a team mate's newer version answers the request for the whole team.
    waiting_revision: dict[int, list[str]] = {}
    revision = (Submission.Status.REVISION_REQUESTED,)
    if latest is None:
        latest = team_latest(cohort=cohort, learner_ids=learner_ids, statuses=revision)
    for (learner_id, _assignment_id), submission in latest.items():
        if submission.status not in revision:
            continue
        # reviewed_at and assignment_title are annotated by the query above.
        reviewed_at = submission.reviewed_at  # type: ignore[attr-defined]
        if reviewed_at is not None and reviewed_at < revision_since:
            waiting_revision.setdefault(learner_id, []).append(
                submission.assignment_title  # type: ignore[attr-defined]
            )
    if learner_ids and len(learner_ids) <= 2 * PAGED_IDS:
        # A page of learners (the at-risk page's page and its staff delays' learners): the
        # query compiled once per number of ids (core.prepared).
        users = prepared.numbered("u", learner_ids)
        memberships = prepared.objects(
            Membership,
            ("learners.at_risk_members", len(users)),
            lambda cohort, **users: learner_memberships(cohort).filter(
                user_id__in=list(users.values())
            ),
            cohort=cohort.pk,
            **users,
        )
    else:
        members = learner_memberships(cohort)
        if learner_ids is not None:
            members = members.filter(user_id__in=learner_ids)
        memberships = list(members)
    overdue, blocked = _overdue_assignments(
        cohort=cohort,
        today=today,
        joined={m.user_id: m.joined_at for m in memberships},
        scoped=learner_ids is not None,
        due=due,
    )
    last_completion, last_submission, last_nudges = _last_activity(cohort, learner_ids)
    rows = []
    delays = []
    for membership in memberships:
        learner = membership.user
        moments = [
            m for m in (last_completion.get(learner.pk), last_submission.get(learner.pk)) if m
        ]
        last = max(moments) if moments else None
        reasons = []
        inactive_days = None
        reference = last or max(membership.joined_at, started)
        if started <= now and reference < inactive_since:
            inactive_days = (now - reference).days
            reasons.append(
                ngettext(
                    "No activity for %(days)d day",
                    "No activity for %(days)d days",
                    inactive_days,
                )
                % {"days": inactive_days}
            )
        revisions = sorted(waiting_revision.get(learner.pk, []))
        for title in revisions:
            reasons.append(
                _("Revision requested over %(days)d days ago and not sent: %(title)s")
                % {"days": cohort.revision_days, "title": title}
            )
        late = overdue.get(learner.pk, [])
        for title in late:
            reasons.append(_("Overdue: %(title)s") % {"title": title})
        for experiment_id, title, waiting_title, ready_at in blocked.get(learner.pk, []):
            delays.append(
                StaffDelay(
                    learner=learner,
                    experiment_id=experiment_id,
                    title=title,
                    waiting_title=waiting_title,
                    waiting_days=max((now - ready_at).days, 0) if ready_at else 0,
                )
            )
        if reasons:
            last_nudge = last_nudges.get(learner.pk)
            rows.append(
                AtRisk(
                    learner=learner,
                    last_activity=last,
                    reasons=reasons,
                    nudged_today=last_nudge == today,
                    last_nudge=last_nudge,
                    inactive_days=inactive_days,
                    revisions=revisions,
                    overdue=late,
                )
            )
    return rows, delays


Blocked = tuple[int, str, str, datetime.datetime | None]


class DueState(NamedTuple):
    """An assignment with a due date that a learner (nor their team) has not sent: from which
    day it is late (`due_on`: the later of the phase's due date and the team's extension), and,
    when the team's open phase waits on staff, why it cannot be sent (`blocked`)."""

    title: str
    due_on: datetime.date
    blocked: Blocked | None


def owes_phase(*, due_on: datetime.date, joined_on: datetime.date | None) -> bool:
    """A phase is the learner's to send only if it was still open when they joined: one due
    before the (local) day they joined the cohort was never late for them, as a late enrolment
    in Moodle or Canvas starts from the enrolment. One due on that day or later is theirs."""
    return joined_on is None or due_on >= joined_on


def _due_assignment_rows(course: int) -> QuerySet[Assignment]:
    return Assignment.objects.filter(workshop__course_id=course, due_days__isnull=False).only(
        "pk", "title", "due_days", "phase", "workshop_id"
    )


# The course's due phases, read when first asked (due_assignments behind functools.cache).
Due = Callable[[], list[Assignment]]


def due_assignments(*, cohort: Cohort) -> list[Assignment]:
    """The course's phases with due days (one query, compiled once): what due_states reads
    first. A page that both refreshes the rollup and reads the reasons (the at-risk page)
    reads them once and passes them to both as `due`."""
    return prepared.objects(
        Assignment, ("learners.due_assignments",), _due_assignment_rows, course=cohort.course_id
    )


def due_states(
    *,
    cohort: Cohort,
    learner_ids: list[int],
    scoped: bool = True,
    joined: Mapping[int, datetime.datetime] | None = None,
    due: Due | None = None,
) -> dict[int, list[DueState]]:
    """{learner id: [DueState]} for every assignment of the course with a due date, whatever
    today is (five queries): a version sent by a team mate counts for the whole team, an
    instructor's extension for the learner's experiment moves the due date, and a phase that
    cannot open because the team's open phase waits on staff is blocked, not late. With
    `scoped`, only the rows of `learner_ids` and their teams are read, else the cohort's.

    `joined` ({learner id: when they joined the cohort}, which every caller that decides who
    is at risk passes) leaves out the phases due before a learner joined (`owes_phase`): a
    newcomer is neither late nor waiting on staff for them. `due`: due_assignments of the
    cohort when the caller has read them (else they are read here)."""
    from workshops.models import Experiment, ExperimentMember, Extension

    # A page of learners (the at-risk page's page and its staff delays' learners) reads through
    # queries compiled once per number of ids (core.prepared); more (the rollup's batches, the
    # whole cohort) build them each time.
    paged = scoped and len(learner_ids) <= 2 * PAGED_IDS

    def read(kind: Any, model: Any, key: tuple[Any, ...], build: Any, **args: int) -> list[Any]:
        return kind(model, key, build, **args) if paged else list(build(**args))

    dated = [
        (a, due_on)
        for a in (due or (lambda: due_assignments(cohort=cohort)))()
        if (due_on := phase_due_date(assignment=a, cohort=cohort)) is not None
    ]
    if not dated or not learner_ids:
        return {}
    users = prepared.numbered("u", learner_ids) if scoped else {}

    def of(prefix: str, ids: dict[str, int]) -> list[int]:
        return [pk for name, pk in ids.items() if name.startswith(prefix)]

    def member_rows(cohort: int, **ids: int) -> QuerySet[Any]:
        members = ExperimentMember.objects.filter(cohort_id=cohort)
        if scoped:
            members = members.filter(user_id__in=of("u", ids))
        return members.values_list("user_id", "workshop_id", "experiment_id")

    experiment_of = {
        (user_id, workshop_id): experiment_id
        for user_id, workshop_id, experiment_id in read(
            prepared.values,
            ExperimentMember,
            ("learners.due_members", len(users)),
            member_rows,
            cohort=cohort.pk,
            **users,
        )
    }
    team_ids = sorted(set(experiment_of.values()))
    teams = prepared.numbered("t", team_ids) if scoped else {}
    assignments = prepared.numbered("a", [a.pk for a, _due in dated])

    def submission_rows(cohort: int, **ids: int) -> QuerySet[Any]:
        submissions = (
            _scoped_versions(cohort, of("u", ids), of("t", ids))
            if scoped
            else Submission.objects.filter(cohort_id=cohort)
        )
        submissions = submissions.filter(assignment_id__in=of("a", ids)).exclude(
            status=Submission.Status.REJECTED
        )
        return submissions.values_list("learner_id", "experiment_id", "assignment_id")

    sent_by_learner: set[tuple[int, int]] = set()
    sent_by_experiment: set[tuple[int, int]] = set()
    experiment_id: int | None
    for learner_id, experiment_id, assignment_id in read(
        prepared.values,
        Submission,
        ("learners.due_versions", len(users), len(assignments), len(teams)),
        submission_rows,
        cohort=cohort.pk,
        **users,
        **assignments,
        **teams,
    ):
        sent_by_learner.add((learner_id, assignment_id))
        if experiment_id:
            sent_by_experiment.add((experiment_id, assignment_id))

    def experiment_rows(cohort: int, **ids: int) -> QuerySet[Any]:
        # Each experiment's open phase with the state of its latest version in this cycle.
        open_latest = Submission.objects.filter(
            experiment=OuterRef("pk"),
            cycle=OuterRef("cycle"),
            assignment__phase=OuterRef("phase"),
        ).order_by("-version", "-pk")
        rows = Experiment.objects.filter(cohort_id=cohort)
        if scoped:
            rows = rows.filter(pk__in=of("t", ids))
        return rows.annotate(
            open_status=Subquery(open_latest.values("status")[:1]),
            open_title=Subquery(open_latest.values("assignment__title")[:1]),
            open_ready_at=Subquery(
                open_latest.annotate(ready_at=Coalesce("processed_at", "submitted_at")).values(
                    "ready_at"
                )[:1]
            ),
        ).only("pk", "phase", "cycle", "status")

    def extension_rows(cohort: int, **ids: int) -> QuerySet[Any]:
        extensions = Extension.objects.filter(experiment__cohort_id=cohort)
        if scoped:
            extensions = extensions.filter(experiment_id__in=of("t", ids))
        return extensions.values_list("experiment_id", "phase", "due_on")

    experiments = {
        e.pk: e
        for e in read(
            prepared.objects,
            Experiment,
            ("learners.due_experiments", len(teams)),
            experiment_rows,
            cohort=cohort.pk,
            **teams,
        )
    }
    waits_on_staff = (
        Submission.Status.PROCESSING,
        Submission.Status.RECEIVED,
        Submission.Status.APPROVED,
    )
    extended = {
        (experiment_id, phase): due_on
        for experiment_id, phase, due_on in read(
            prepared.values,
            Extension,
            ("learners.due_extensions", len(teams)),
            extension_rows,
            cohort=cohort.pk,
            **teams,
        )
    }
    result: dict[int, list[DueState]] = {}
    for learner_id in learner_ids:
        joined_at = joined.get(learner_id) if joined is not None else None
        joined_on = timezone.localdate(joined_at) if joined_at is not None else None
        for a, phase_due in dated:
            if (learner_id, a.pk) in sent_by_learner:
                continue
            due_on = phase_due
            blocked: Blocked | None = None
            experiment_id = experiment_of.get((learner_id, a.workshop_id))
            if experiment_id is not None:
                if (experiment_id, a.pk) in sent_by_experiment:
                    continue
                extension = extended.get((experiment_id, a.phase))
                if extension is not None:
                    # Late once both the phase's date and the extension have passed.
                    due_on = max(phase_due, extension)
                experiment = experiments.get(experiment_id)
                if (
                    experiment is not None
                    and experiment.is_active
                    and experiment.phase < a.phase
                    and experiment.open_status in waits_on_staff
                ):
                    blocked = (
                        experiment_id,
                        a.title,
                        experiment.open_title,
                        experiment.open_ready_at,
                    )
            if not owes_phase(due_on=due_on, joined_on=joined_on):
                continue
            result.setdefault(learner_id, []).append(DueState(a.title, due_on, blocked))
    return result


def _overdue_assignments(
    *,
    cohort: Cohort,
    today: datetime.date,
    joined: Mapping[int, datetime.datetime],
    scoped: bool = False,
    due: Due | None = None,
) -> tuple[dict[int, list[str]], dict[int, list[Blocked]]]:
    """({learner id: [assignment titles]} past their due date with nothing sent, {learner id:
    [(experiment id, title, waiting phase title, waiting since)]} of due phases that cannot
    open because the team's open phase waits on staff), in five queries (due_states on the
    day `today`) for the learners of `joined` ({learner id: when they joined})."""
    result: dict[int, list[str]] = {}
    blocked: dict[int, list[Blocked]] = {}
    states = due_states(
        cohort=cohort, learner_ids=list(joined), scoped=scoped, joined=joined, due=due
    )
    for learner_id, rows in states.items():
        for state in rows:
            if state.due_on >= today:
                continue
            if state.blocked is not None:
                blocked.setdefault(learner_id, []).append(state.blocked)
            else:
                result.setdefault(learner_id, []).append(state.title)
    return result, blocked


@dataclass
class OrganisationSummary:
    name: str
    learners: int = 0
    done: int = 0
    total: int = 0
    finished: int = 0
    at_risk: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class CohortSummary:
    learners: int
    percent: int
    finished: int
    waiting_reviews: int
    at_risk: int
    organisations: list[OrganisationSummary]
    turnaround: list[tuple[User, int, float]]  # (instructor, reviews, median hours)
    # Learners whose due phase cannot open because a review is late: the staff's delay.
    waiting_on_staff: int = 0
    # When the figures were counted, for a summary read from the rollup (None: just now).
    refreshed_at: datetime.datetime | None = None


def cohort_progress(*, cohort: Cohort) -> list[tuple[int, str, int, int]]:
    """(learner id, organisation name or "–", items done, items in the course) for every learner
    of the cohort, in three queries: the done counts are one aggregate joined by the cohort's id
    (completion_matrix's rule; Completion rows alone when no item counts a submission), no
    heatmap rows, no submissions read into Python."""

    counts = Item.objects.filter(module__course_id=cohort.course_id).aggregate(
        total=Count("pk"),
        ruled=Count("pk", filter=Q(pk__in=assignment_ruled_items(course_id=cohort.course_id))),
    )
    matrix = completion_matrix(
        cohort=cohort, course=cohort.course, completions_only=not counts["ruled"]
    )
    total = counts["total"]
    done = {user_id: sum(modules.values()) for user_id, modules in matrix.items()}
    return [
        (user_id, name or "–", done.get(user_id, 0), total)
        for user_id, name in Membership.objects.filter(
            cohort=cohort, role=Membership.Role.LEARNER
        ).values_list("user_id", "user__organisation__name")
    ]


@no_jit()
def cohort_summary(*, cohort: Cohort, now: datetime.datetime | None = None) -> CohortSummary:
    """Headline figures, the per-municipality table and review turnaround, in fixed queries.
    Progress comes from aggregates (cohort_progress), not from the heatmap's rows."""
    progress = cohort_progress(cohort=cohort)
    rows, delays = at_risk_and_delays(cohort=cohort, now=now)
    risky = {r.learner.pk for r in rows}
    by_org: dict[str, OrganisationSummary] = {}
    done = total = finished = 0
    for user_id, name, learner_done, learner_total in progress:
        org = by_org.setdefault(name, OrganisationSummary(name=name))
        org.learners += 1
        org.done += learner_done
        org.total += learner_total
        complete = bool(learner_total) and learner_done == learner_total
        org.finished += complete
        org.at_risk += user_id in risky
        done += learner_done
        total += learner_total
        finished += complete
    return CohortSummary(
        learners=len(progress),
        percent=round(100 * done / total) if total else 0,
        finished=finished,
        waiting_reviews=Submission.objects.filter(
            cohort=cohort, status=Submission.Status.RECEIVED
        ).count(),
        at_risk=len(risky),
        organisations=sorted(by_org.values(), key=lambda o: o.name),
        turnaround=review_turnaround(cohorts=[cohort.pk]),
        waiting_on_staff=len({d.learner.pk for d in delays}),
    )


def review_turnaround(*, cohorts: list[int]) -> list[tuple[User, int, float]]:
    """Median hours from the answer being ready for review (its files checked) to feedback,
    per instructor (one query). A version whose files are still being checked is not yet
    waiting for anyone, so that time is not the reviewer's."""
    times: dict[int, list[float]] = {}
    reviewers: dict[int, User] = {}
    for review in (
        Review.objects.filter(submission__cohort_id__in=cohorts)
        .select_related("reviewer", "submission")
        .only(
            "created_at",
            "submission__submitted_at",
            "submission__processed_at",
            "reviewer__first_name",
            "reviewer__last_name",
            "reviewer__email",
        )
    ):
        ready = review.submission.processed_at or review.submission.submitted_at
        hours = (review.created_at - ready).total_seconds() / 3600
        times.setdefault(review.reviewer_id, []).append(max(hours, 0.0))
        reviewers[review.reviewer_id] = review.reviewer
    return sorted(
        (
            (reviewers[pk], len(values), round(statistics.median(values), 1))
            for pk, values in times.items()
        ),
        key=lambda t: t[0].display_name,
    )


def cohort_start(cohort: Cohort) -> datetime.datetime:
    """The first moment of the cohort's start date in the site's time zone."""
    return datetime.datetime.combine(
        cohort.start_date, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )


@dataclass
class TimelineEvent:
    when: datetime.datetime
    kind: str
    text: str
    url: str = ""


def learner_timeline(*, cohort: Cohort, learner: User, limit: int = 300) -> list[TimelineEvent]:
    """Everything that happened for one learner in one cohort, newest first (nine queries):
    joining, lessons done, versions sent, reviews, experiment milestones, workshop attendance,
    notifications and nudges."""
    from workshops.badges import decision_state
    from workshops.models import Attendance, ExperimentEvent

    events: list[TimelineEvent] = []
    membership = (
        Membership.objects.filter(cohort=cohort, user=learner).only("joined_at", "role").first()
    )
    if membership is not None:
        events.append(
            TimelineEvent(
                membership.joined_at,
                "joined",
                _("Joined the cohort as %(role)s") % {"role": membership.get_role_display()},
            )
        )
    milestones = (
        ExperimentEvent.Kind.CREATED,
        ExperimentEvent.Kind.MEMBER_ADDED,
        ExperimentEvent.Kind.PIVOT,
        ExperimentEvent.Kind.NEW_CYCLE,
        ExperimentEvent.Kind.EXTENSION,
        ExperimentEvent.Kind.COMPLETED,
    )
    for event in (
        ExperimentEvent.objects.filter(
            experiment__cohort=cohort, experiment__members__user=learner, kind__in=milestones
        )
        .select_related("experiment")
        .order_by("-created_at")[:limit]
    ):
        events.append(
            TimelineEvent(
                event.created_at,
                "experiment",
                _("%(what)s: %(title)s")
                % {"what": event.get_kind_display(), "title": event.experiment.title},
                reverse("workshops:experiment", args=[event.experiment_id]),
            )
        )
    for record in (
        Attendance.objects.filter(learner=learner, session__cohort=cohort)
        .select_related("session")
        .order_by("-session__starts_at")[:limit]
    ):
        events.append(
            TimelineEvent(
                record.session.starts_at,
                "attendance",
                _("Workshop session %(title)s: %(status)s")
                % {"title": record.session.title, "status": record.get_status_display()},
            )
        )
    for c in (
        Completion.objects.filter(user=learner, item__module__course_id=cohort.course_id)
        .select_related("item")
        .order_by("-completed_at")[:limit]
    ):
        events.append(
            TimelineEvent(c.completed_at, "completion", _("Completed: %(t)s") % {"t": c.item.title})
        )
    # The versions of the learner's experiment teams count as theirs, whoever sent them.
    from workshops.models import ExperimentMember

    # The teams' ids as a list, not a subquery: an OR with a subquery read every version (and
    # review) of the cohort; with the ids PostgreSQL reads the learner's and the teams' rows
    # through their indexes (11 and 10 ms -> under 1 ms each at 20,000 learners).
    teams = list(
        ExperimentMember.objects.filter(cohort=cohort, user=learner).values_list(
            "experiment_id", flat=True
        )
    )
    for s in (
        Submission.objects.filter(Q(learner=learner) | Q(experiment_id__in=teams), cohort=cohort)
        .select_related("assignment", "learner")
        .order_by("-submitted_at")[:limit]
    ):
        values = {"v": s.version, "t": s.assignment.title, "status": s.get_status_display()}
        events.append(
            TimelineEvent(
                s.submitted_at,
                "submission",
                _("Sent version %(v)d of %(t)s (%(status)s)") % values
                if s.learner_id == learner.pk
                else _("%(who)s sent version %(v)d of %(t)s for the team (%(status)s)")
                % {**values, "who": s.learner.display_name},
                reverse("workshops:submission_detail", args=[s.pk]),
            )
        )
    for r in (
        Review.objects.filter(
            Q(submission__learner=learner) | Q(submission__experiment_id__in=teams),
            submission__cohort=cohort,
        )
        .select_related("submission__assignment", "reviewer")
        .order_by("-created_at")[:limit]
    ):
        events.append(
            TimelineEvent(
                r.created_at,
                "review",
                _("%(who)s: %(decision)s – %(t)s")
                % {
                    "who": r.reviewer.display_name,
                    "decision": decision_state(r.decision),
                    "t": r.submission.assignment.title,
                },
                reverse("workshops:submission_detail", args=[r.submission_id]),
            )
        )
    from notifications.models import Notification

    for n in (
        # Notifications carry no cohort: show those since the learner joined this one, so
        # staff do not read about the learner's earlier cohorts.
        Notification.objects.filter(
            recipient=learner,
            created_at__gte=membership.joined_at if membership else cohort_start(cohort),
        )
        .exclude(kind=Notification.Kind.DIGEST)
        .order_by("-created_at")[:limit]
    ):
        events.append(
            TimelineEvent(
                n.created_at,
                "notification",
                _("Notified: %(subject)s (email: %(status)s)")
                % {"subject": n.subject, "status": n.get_email_status_display()},
            )
        )
    for nudge in Nudge.objects.filter(learner=learner, cohort=cohort).select_related("sent_by"):
        events.append(
            TimelineEvent(
                nudge.created_at,
                "nudge",
                _("Nudged by %(who)s")
                % {"who": nudge.sent_by.display_name if nudge.sent_by else "–"},
            )
        )
    events.sort(key=lambda e: e.when, reverse=True)
    return events[:limit]


# --- experiment phase funnel -----------------------------------------------------------------

# Who the next step of an experiment waits on.
WAITING_LEARNER = "learner"
WAITING_REVIEWER = "reviewer"
WAITING_INSTRUCTOR = "instructor"
WAITING_NOBODY = "done"


def waiting_labels() -> dict[str, str]:
    return {
        WAITING_LEARNER: pgettext("waiting on", "Learner"),
        WAITING_REVIEWER: pgettext("waiting on", "Reviewer"),
        WAITING_INSTRUCTOR: pgettext("waiting on", "Instructor"),
        WAITING_NOBODY: pgettext("waiting on", "Nobody (completed)"),
    }


@dataclass
class FunnelExperiment:
    experiment: Any
    members: list[PageLearner]  # the team, in the order they joined
    phase: int
    phase_label: str
    days_in_phase: int
    waiting_on: str
    waiting_label: str
    waiting_days: int


@dataclass
class FunnelPhase:
    phase: int
    label: str
    experiments: int = 0
    learners: int = 0
    # {days in the phase: experiments}: the median comes from the counts, so a phase of
    # 20,000 experiments costs what one of twenty does.
    day_counts: dict[int, int] = field(default_factory=dict)
    waiting: dict[str, int] = field(default_factory=dict)

    def _nth_day(self, index: int) -> int:
        seen = 0
        for day in sorted(self.day_counts):
            seen += self.day_counts[day]
            if index < seen:
                return day
        raise IndexError(index)

    @property
    def median_days(self) -> float | None:
        n = sum(self.day_counts.values())
        if not n:
            return None
        if n % 2:
            return round(float(self._nth_day(n // 2)), 1)
        return round((self._nth_day(n // 2 - 1) + self._nth_day(n // 2)) / 2, 1)

    @property
    def longest_days(self) -> int | None:
        return max(self.day_counts) if self.day_counts else None

    @property
    def days(self) -> list[int]:
        """Each experiment's days in the phase, sorted (built from the counts on demand)."""
        return [day for day in sorted(self.day_counts) for _n in range(self.day_counts[day])]


class FunnelExperiments(PagedRows[FunnelExperiment]):
    """The cohort's experiments with their phase clock and whom each waits on, read a page at
    a time: the length is one COUNT, a slice reads that slice's experiments (their latest
    version and opening event as subqueries) and its teams, two queries for any size."""

    def __init__(self, *, cohort: Cohort, today: datetime.date, count: int | None = None) -> None:
        self.cohort = cohort
        self.today = today
        self._count = count

    def __len__(self) -> int:
        if self._count is None:
            from workshops.models import Experiment

            self._count = Experiment.objects.filter(cohort=self.cohort).count()
        return self._count

    def _rows(self, start: int | None, stop: int | None) -> list[FunnelExperiment]:
        from workshops.models import Experiment, ExperimentMember, Phase

        def build(*, cohort: int) -> QuerySet[Any]:
            # The page's experiments are picked first by their own columns (a top-N sort of
            # narrow rows), then only those get the latest-version subqueries: sorting the
            # annotated rows computed every experiment's subqueries before the LIMIT. A page
            # (LIMIT 100, then its teams) stays under PostgreSQL's JIT threshold.
            page = (
                Experiment.objects.filter(cohort_id=cohort)
                .order_by("phase", "title", "pk")
                .values("pk")[start:stop]
            )
            # Only what a row shows: whom it waits on is worked out below from the latest
            # version (`_waiting_on`), so the SQL's `waiting` and its subqueries are left out.
            return (
                Experiment.objects.filter(cohort_id=cohort, pk__in=page)
                .only("title", "phase", "cycle", "status", "created_at")
                .annotate(**_phase_clock())
                .order_by("phase", "title", "pk")
            )

        # Compiled once per page position (core.prepared): building these subqueries cost
        # more CPU than PostgreSQL spends answering them. (Any: the annotations are not on
        # the model's type.)
        experiments: list[Any] = prepared.objects(
            Experiment, ("learners.funnel_rows", start, stop), build, cohort=self.cohort.pk
        )
        teams: dict[int, list[PageLearner]] = {}
        if experiments:
            ids = prepared.numbered("e", (e.pk for e in experiments))
            for experiment_id, user_id, first_name, last_name, email in prepared.values(
                ExperimentMember,
                ("learners.funnel_teams", len(ids)),
                lambda **experiment_ids: (
                    ExperimentMember.objects.filter(experiment_id__in=list(experiment_ids.values()))
                    .order_by("joined_at", "pk")
                    .values_list(
                        "experiment_id",
                        "user_id",
                        "user__first_name",
                        "user__last_name",
                        "user__email",
                    )
                ),
                **ids,
            ):
                teams.setdefault(experiment_id, []).append(
                    PageLearner(user_id, first_name, last_name, email, None)
                )
        labels = waiting_labels()
        phase_labels = {p.value: str(p.label) for p in Phase}
        today = self.today
        local = timezone.get_current_timezone()
        rows = []
        for experiment in experiments:
            waiting = _waiting_on(
                experiment=experiment,
                status=experiment.latest_status,
                marking=experiment.latest_marking,
            )
            since = experiment.opened_at or experiment.created_at
            waiting_since = (
                experiment.latest_at
                if waiting in (WAITING_REVIEWER, WAITING_INSTRUCTOR) and experiment.latest_at
                else since
            )
            rows.append(
                FunnelExperiment(
                    experiment=experiment,
                    members=teams.get(experiment.pk, []),
                    phase=experiment.phase,
                    phase_label=phase_labels[experiment.phase],
                    days_in_phase=max((today - since.astimezone(local).date()).days, 0),
                    waiting_on=waiting,
                    waiting_label=labels[waiting],
                    waiting_days=max((today - waiting_since.astimezone(local).date()).days, 0),
                )
            )
        return rows

    def _slice(self, start: int, stop: int) -> list[FunnelExperiment]:
        return self._rows(start, stop)

    def __iter__(self) -> Iterator[FunnelExperiment]:
        return iter(self._rows(None, None))


@dataclass
class Funnel:
    phases: list[FunnelPhase]
    experiments: Sequence[FunnelExperiment]
    completed: int
    waiting_totals: dict[str, int]


def _waiting_on(*, experiment: Any, status: str | None, marking: str | None) -> str:
    if experiment.status == experiment.Status.COMPLETED:
        return WAITING_NOBODY
    if status is None or status in Submission.RESUBMITTABLE:
        return WAITING_LEARNER
    if status in (Submission.Status.RECEIVED, Submission.Status.PROCESSING):
        # With the marking workflow a version marked ready waits for an instructor's release.
        return WAITING_INSTRUCTOR if marking == "ready" else WAITING_REVIEWER
    # Approved but the phase is still open: an instructor has to move the experiment on.
    return WAITING_INSTRUCTOR


def _phase_clock() -> dict[str, Subquery]:
    """An experiment's annotations: when its phase opened (`opened_at`) and its latest version
    of the phase (`latest_status`, `latest_at` when it was ready for review, `latest_marking`)."""
    from workshops.models import ExperimentEvent

    opened_kinds = [
        ExperimentEvent.Kind.CREATED,
        ExperimentEvent.Kind.APPROVED,
        ExperimentEvent.Kind.PIVOT,
        ExperimentEvent.Kind.NEW_CYCLE,
    ]
    opened = (
        ExperimentEvent.objects.filter(experiment=OuterRef("pk"), kind__in=opened_kinds)
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    latest = Submission.objects.filter(
        experiment=OuterRef("pk"),
        cycle=OuterRef("cycle"),
        assignment__phase=OuterRef("phase"),
    ).order_by("-version", "-pk")
    return {
        "opened_at": Subquery(opened),
        "latest_status": Subquery(latest.values("status")[:1]),
        # Waiting on a reviewer starts when the version is ready for review.
        "latest_at": Subquery(
            latest.annotate(ready_at=Coalesce("processed_at", "submitted_at")).values("ready_at")[
                :1
            ]
        ),
        "latest_marking": Subquery(latest.values("marking__state")[:1]),
    }


def _funnel_experiments(*, cohort: Cohort) -> QuerySet[Any]:
    """The cohort's experiments annotated with when their phase opened, their latest version
    of the phase (status, ready moment, marking) and, in SQL, whom they wait on (`waiting`,
    the same rule as `_waiting_on`)."""
    from workshops.models import Experiment

    return (
        Experiment.objects.filter(cohort=cohort)
        .annotate(**_phase_clock())
        .annotate(
            waiting=Case(
                When(status=Experiment.Status.COMPLETED, then=Value(WAITING_NOBODY)),
                When(latest_status__isnull=True, then=Value(WAITING_LEARNER)),
                When(
                    latest_status__in=list(Submission.RESUBMITTABLE),
                    then=Value(WAITING_LEARNER),
                ),
                When(
                    latest_status__in=[
                        Submission.Status.RECEIVED,
                        Submission.Status.PROCESSING,
                    ],
                    latest_marking="ready",
                    then=Value(WAITING_INSTRUCTOR),
                ),
                When(
                    latest_status__in=[
                        Submission.Status.RECEIVED,
                        Submission.Status.PROCESSING,
                    ],
                    then=Value(WAITING_REVIEWER),
                ),
                default=Value(WAITING_INSTRUCTOR),
                output_field=CharField(),
            ),
            opened_on=TruncDate(Coalesce("opened_at", "created_at")),
        )
        .order_by("phase", "title", "pk")
    )


def funnel_groups(*, cohort: Cohort) -> list[tuple[int, str, datetime.date, int, int | None]]:
    """(phase, whom it waits on, the day the phase opened, experiments, their members) of the
    cohort's experiments: one GROUP BY (the rollup keeps its result, learners/rollup.py)."""
    from workshops.models import ExperimentMember

    team_size = (
        ExperimentMember.objects.filter(experiment=OuterRef("pk"))
        .order_by()
        .values("experiment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    with no_jit():
        return list(
            _funnel_experiments(cohort=cohort)
            .annotate(team_size=Coalesce(Subquery(team_size), 0))
            .order_by()
            .values_list("phase", "waiting", "opened_on")
            .annotate(n=Count("pk"), learners=Sum("team_size"))
        )


@no_jit()
def experiment_funnel(
    *,
    cohort: Cohort,
    today: datetime.date | None = None,
    groups: Sequence[Sequence[Any]] | None = None,
) -> Funnel:
    """Which phase each experiment of the cohort is in, since when, and whom it waits on.

    The counts per phase come from SQL aggregates: experiments grouped by phase, whom they
    wait on and the day their phase opened, with their team members summed (at most
    phases x 4 x the cohort's days rows, not one per experiment; the median and longest are
    taken from those day counts). The experiment rows are a sequence read a page at a time
    (`FunnelExperiments`). One query for any cohort size, plus two per page shown; none with
    `groups` (the rollup's funnel_groups, the opening day as a date or an ISO string)."""
    from workshops.models import Phase

    today = today or timezone.localdate()
    labels = waiting_labels()
    phases = {p.value: FunnelPhase(phase=p.value, label=str(p.label)) for p in Phase}
    completed = 0
    totals = dict.fromkeys(labels, 0)
    if groups is None:
        groups = funnel_groups(cohort=cohort)
    count = 0
    for phase_value, waiting, opened, n, learners in groups:
        opened_on = datetime.date.fromisoformat(opened) if isinstance(opened, str) else opened
        count += n
        totals[waiting] += n
        if waiting == WAITING_NOBODY:
            completed += n
            continue
        phase = phases[phase_value]
        phase.experiments += n
        phase.learners += learners or 0
        day = max((today - opened_on).days, 0)
        phase.day_counts[day] = phase.day_counts.get(day, 0) + n
        phase.waiting[waiting] = phase.waiting.get(waiting, 0) + n
    return Funnel(
        phases=list(phases.values()),
        experiments=FunnelExperiments(cohort=cohort, today=today, count=count),
        completed=completed,
        waiting_totals=totals,
    )


# --- workshop attendance ---------------------------------------------------------------------


# Every percentage here follows the attendance rule of courses.selectors (attendance_percent):
# present (watched the recording where it counts) of the held sessions recorded and not
# excused; a session is held once it has started. `absent` is the rest of that base (absent,
# or watched where the recording does not count).


@dataclass
class SessionAttendance:
    session: Any
    present: int
    absent: int
    excused: int
    unrecorded: int
    held: bool = True

    @property
    def percent(self) -> int | None:
        from courses.selectors import attendance_percent

        if not self.held:
            return None
        return attendance_percent(attended=self.present, counted=self.present + self.absent)


@dataclass
class LearnerAttendance:
    learner: User | PageLearner
    present: int = 0
    absent: int = 0
    excused: int = 0
    held: int = 0

    @property
    def unrecorded(self) -> int:
        """Held sessions with nothing recorded for the learner: not counted against them."""
        return max(self.held - self.present - self.absent - self.excused, 0)

    @property
    def percent(self) -> int | None:
        from courses.selectors import attendance_percent

        return attendance_percent(attended=self.present, counted=self.present + self.absent)


class AttendanceLearners(PagedRows[LearnerAttendance]):
    """The cohort's learners with their attendance, read a page at a time: its length is one
    COUNT, a slice reads only that slice's memberships and their attendance grouped by status
    (two queries for any cohort size), so a page of 100 costs the same at 20,000 learners."""

    def __init__(self, *, cohort: Cohort, held_ids: list[int]) -> None:
        self.cohort = cohort
        self.held_ids = held_ids
        self._count: int | None = None

    def _memberships(self) -> QuerySet[Membership]:
        return Membership.objects.filter(cohort=self.cohort, role=Membership.Role.LEARNER).order_by(
            "user__last_name", "user__first_name", "user__email", "pk"
        )

    def __len__(self) -> int:
        if self._count is None:
            self._count = Membership.objects.filter(
                cohort=self.cohort, role=Membership.Role.LEARNER
            ).count()
        return self._count

    def _rows(self, memberships: QuerySet[Membership]) -> list[LearnerAttendance]:
        from courses.selectors import attendance_counted
        from workshops.models import Attendance, attended_filter

        # Each learner's counts over the held sessions as correlated subqueries in the page's
        # own query: PostgreSQL computes them for the rows left after ORDER BY ... LIMIT only
        # (a JOIN with GROUP BY would aggregate every learner before the limit).
        def counted(status: str) -> Coalesce:
            # "present" is attended: present, or watched where the workshop lets it count;
            # "counted" the attendance rule's base (recorded, not excused).
            which = {
                "present": attended_filter(
                    allowed="session__workshop__recording_counts_as_attendance"
                ),
                "counted": attendance_counted(),
            }.get(status, Q(status=status))
            n = (
                Attendance.objects.filter(
                    which, learner_id=OuterRef("user_id"), session_id__in=self.held_ids
                )
                .order_by()
                .values("learner_id")
                .annotate(n=Count("pk"))
                .values("n")
            )
            return Coalesce(Subquery(n, output_field=IntegerField()), 0)

        counts = {f"n_{status}": counted(status) for status in ("present", "counted", "excused")}
        # A page (LIMIT 100) stays under PostgreSQL's JIT threshold: no JIT-off transaction.
        # Only the columns shown are read (PageLearner): sorting 20,000 whole rows of
        # memberships, people and organisations for a page cost 20 ms more than these.
        return [
            LearnerAttendance(
                learner=PageLearner(*row[:5]),
                held=len(self.held_ids),
                present=row[5],
                # Absent, or watched where the recording does not count: the rest of the base.
                absent=row[6] - row[5],
                excused=row[7],
            )
            for row in memberships.values_list(
                "user_id",
                "user__first_name",
                "user__last_name",
                "user__email",
                "user__organisation__name",
            ).annotate(**counts)
        ]

    def _slice(self, start: int, stop: int) -> list[LearnerAttendance]:
        return self._rows(self._memberships()[start:stop])

    def __iter__(self) -> Iterator[LearnerAttendance]:
        return iter(self._rows(self._memberships()))


@dataclass
class AttendanceOverview:
    sessions: list[SessionAttendance]
    learners: Sequence[LearnerAttendance]
    held: int
    present: int
    recorded: int
    # The attendance rule's base over the held sessions: recorded, not excused.
    counted: int = 0

    @property
    def percent(self) -> int | None:
        from courses.selectors import attendance_percent

        return attendance_percent(attended=self.present, counted=self.counted)


@no_jit()
def cohort_attendance(
    *, cohort: Cohort, now: datetime.datetime | None = None
) -> AttendanceOverview:
    """Attendance per session with totals in two queries for any size; the learners with their
    own counts as a sequence read a page at a time (`AttendanceLearners`).

    Every percentage (per session, per learner, the headline) is the attendance rule's
    (courses.selectors.attendance_percent), the same as the course's attendance criterion:
    present of the held (started) sessions recorded and not excused; a session nobody recorded
    counts against no one. The headline's present and base are the sums of the sessions'.
    """
    from courses.selectors import session_held
    from workshops.models import Attendance, WorkshopSession

    now = now or timezone.now()
    sessions = list(
        WorkshopSession.objects.filter(cohort=cohort)
        .select_related("workshop")
        .annotate(is_held=Case(When(session_held(now=now), then=Value(True)), default=Value(False)))
        .order_by("starts_at", "pk")
    )
    # The counts per session and status as narrow rows (session id, status, n): grouping the
    # sessions' whole rows joined to every attendance of the cohort cost 25 ms at 20,000
    # learners, these about a fifth of it; counted from the (session, status) index alone.
    by_status: dict[tuple[int, str], int] = {
        (session_id, status): n
        for session_id, status, n in Attendance.objects.filter(
            session_id__in=[s.pk for s in sessions]
        )
        .values_list("session_id", "status")
        .annotate(n=Count("*"))
        .order_by()
    }
    learners = AttendanceLearners(cohort=cohort, held_ids=[s.pk for s in sessions if s.is_held])
    learner_count = len(learners)
    held_ids = set(learners.held_ids)
    session_rows = []
    for s in sessions:
        present, absent, excused, watched = (
            by_status.get((s.pk, status), 0)
            for status in (
                Attendance.Status.PRESENT,
                Attendance.Status.ABSENT,
                Attendance.Status.EXCUSED,
                Attendance.Status.WATCHED,
            )
        )
        # Watching the recording counts as present where the workshop allows it, and as not
        # attending (absent) elsewhere; either way the learner is recorded and counted. (The
        # attendance rule's attended_filter / attendance_counted, folded here from the narrow
        # rows above so the counts still come from the index alone.)
        if s.workshop.recording_counts_as_attendance:
            present += watched
        else:
            absent += watched
        session_rows.append(
            SessionAttendance(
                session=s,
                present=present,
                absent=absent,
                excused=excused,
                unrecorded=max(learner_count - present - absent - excused, 0)
                if s.pk in held_ids
                else 0,
                held=s.pk in held_ids,
            )
        )
    held_rows = [r for r in session_rows if r.held]
    return AttendanceOverview(
        sessions=session_rows,
        learners=learners,
        held=len(held_ids),
        present=sum(r.present for r in held_rows),
        recorded=sum(r.present + r.absent + r.excused for r in held_rows),
        counted=sum(r.present + r.absent for r in held_rows),
    )
