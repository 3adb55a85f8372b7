"""The progress rollup: what the summary, the at-risk list, the phase funnel and the cross-cohort
overview read instead of every learner's rows (#13).

Two tables (learners/models.py):

- `LearnerProgress`, one row per learner per cohort: items done of the course's items, the last
  activity, the oldest unanswered revision request and the first day an assignment is late (or
  a due phase waits on staff). The time-dependent at-risk rules are kept as the moment they
  start to hold, so the at-risk list is chosen in SQL for today, a page at a time.
- `CohortRollup`, one row per cohort: the headline figures, the per-organisation table, the
  review turnaround and the funnel's counts, summed from the learner rows by beat every minute
  (`rollup_sweep`) and shown with their age.

The services that change a learner's state call `rollup_touch` (one UPDATE that marks the
learner rows stale: a completion in courses.services, every experiment event in
workshops.services, joining and the cohort's dates here); the sweep recomputes stale rows with
the very rules of learners.selectors, scoped to those learners, and recounts touched cohorts.
`rollup_rebuild` (the `rollup_rebuild` command, nightly by beat) recomputes everything from
scratch, which also mends what no service touches (a person's organisation, an assignment's
due days edited by its author, a membership deleted in the admin).

Without a broker (the embedded default, and the tests) beat does not run: a page that reads
the rollup then brings the cohort's stale rows and figures up to date first (`rollup_for`).
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from core.db import no_jit
from courses.models import Item

from . import selectors
from .models import Cohort, CohortRollup, LearnerProgress, Membership

# Figures older than this are recounted by the sweep even when nothing touched them (the
# at-risk counts move with the clock); the page says how old they are.
ROLLUP_MAX_AGE = datetime.timedelta(minutes=10)
# Learner rows recomputed per scoped pass: a page of the rules' queries, never an IN list of
# a whole cohort.
BATCH = 500

_DATA_FIELDS = [
    "cohort",
    "user",
    "organisation",
    "joined_at",
    "done",
    "total",
    "last_activity_at",
    "revision_since",
    "overdue_on",
    "blocked_on",
    "refreshed_at",
]


# --- touching: one UPDATE in the caller's transaction ----------------------------------------


def rollup_touch(
    *,
    user_ids: Iterable[int] = (),
    cohort_id: int | None = None,
    course_id: int | None = None,
    experiment_id: int | None = None,
) -> int:
    """Mark learner rows stale after a change to their state (one UPDATE): the learners
    `user_ids` in the cohort `cohort_id` (every cohort of `course_id` they learn in), or the
    team of `experiment_id`, or the whole cohort when no one is named. The sweep recomputes
    them within a minute; a page without a broker does so before it reads."""
    rows = LearnerProgress.objects.filter(stale=False)
    if cohort_id is not None:
        rows = rows.filter(cohort_id=cohort_id)
    if course_id is not None:
        rows = rows.filter(cohort__course_id=course_id)
    if experiment_id is not None:
        from workshops.models import ExperimentMember

        rows = rows.filter(
            user_id__in=ExperimentMember.objects.filter(experiment_id=experiment_id).values(
                "user_id"
            )
        )
    ids = list(user_ids)
    if ids:
        rows = rows.filter(user_id__in=ids)
    elif experiment_id is None and cohort_id is None:
        return 0  # nobody named: nothing to mark (a course alone never marks every cohort)
    marked = rows.update(stale=True)
    if marked:
        # A hint: the rows are the truth, and the sweep finds them if the hint is lost.
        from core.outbox import publish_on_commit

        from .tasks import rollup_refresh_stale

        publish_on_commit(rollup_refresh_stale)
    return marked


def rollup_figures_stale(*, cohort_id: int) -> int:
    """The cohort's figures are to be recounted (its at-risk limits changed): one UPDATE."""
    return CohortRollup.objects.filter(cohort_id=cohort_id).update(stale=True)


def rollup_join(*, cohort_id: int, user_ids: Iterable[int], hint: bool = True) -> int:
    """New learners of a cohort get a stale row at once (two queries) and, as after a touch,
    the refresh is hinted after commit: the cohort's figures count them within a minute, with
    a broker or without (the sweep, which adds the rows it finds missing, passes `hint=False`:
    it recounts them itself)."""
    now = timezone.now()
    rows = [
        LearnerProgress(
            membership_id=pk,
            cohort_id=cohort_id,
            user_id=user_id,
            organisation_id=organisation_id,
            joined_at=joined_at,
            refreshed_at=now,
            stale=True,
        )
        for pk, user_id, organisation_id, joined_at in Membership.objects.filter(
            cohort_id=cohort_id, user_id__in=list(user_ids), role=Membership.Role.LEARNER
        ).values_list("pk", "user_id", "user__organisation_id", "joined_at")
    ]
    LearnerProgress.objects.bulk_create(rows, ignore_conflicts=True)
    if rows and hint:
        # A hint, as rollup_touch's: the rows are the truth, and the sweep finds them.
        from core.outbox import publish_on_commit

        from .tasks import rollup_refresh_stale

        publish_on_commit(rollup_refresh_stale)
    # The progress page's organisation filter lists a new learner's organisation at once.
    transaction.on_commit(
        lambda: cache.delete(selectors.organisation_choices_key(cohort_id)), robust=True
    )
    return len(rows)


# --- computing learner rows with the rules of learners.selectors -----------------------------


@no_jit()
def learner_rows(
    *,
    cohort: Cohort,
    user_ids: list[int] | None = None,
    now: datetime.datetime | None = None,
    due: selectors.Due | None = None,
) -> list[LearnerProgress]:
    """The rows of the cohort's learners (`user_ids`: only those, reading only their rows and
    their teams'), unsaved, in about a dozen queries for any number (`due`: the course's due
    phases when the caller has read them, selectors.due_assignments)."""
    from courses.selectors import assignment_ruled_items, completion_matrix

    now = now or timezone.now()
    memberships = Membership.objects.filter(cohort=cohort, role=Membership.Role.LEARNER)
    if user_ids is not None:
        memberships = memberships.filter(user_id__in=user_ids)
    found = list(
        memberships.values_list("pk", "user_id", "user__organisation_id", "joined_at").order_by(
            "pk"
        )
    )
    if not found:
        return []
    ids = [user_id for _pk, user_id, _org, _joined in found]
    scoped = user_ids is not None
    counts = Item.objects.filter(module__course_id=cohort.course_id).aggregate(
        total=Count("pk"),
        ruled=Count("pk", filter=Q(pk__in=assignment_ruled_items(course_id=cohort.course_id))),
    )
    matrix = completion_matrix(
        user_ids=ids if scoped else None,
        cohort=cohort,
        course=cohort.course,
        completions_only=not counts["ruled"],
    )
    last_completion, last_submission, _nudges = selectors._last_activity(
        cohort, ids if scoped else None
    )
    from workshops.models import Submission

    revisions: dict[int, datetime.datetime] = {}
    for (learner_id, _assignment_id), submission in selectors.team_latest(
        cohort=cohort,
        learner_ids=ids if scoped else None,
        statuses=(Submission.Status.REVISION_REQUESTED,),
    ).items():
        reviewed_at = submission.reviewed_at  # type: ignore[attr-defined]
        if reviewed_at is not None and (
            learner_id not in revisions or reviewed_at < revisions[learner_id]
        ):
            revisions[learner_id] = reviewed_at
    # A phase due before a learner joined is not theirs (selectors.owes_phase), as on the
    # at-risk page's reasons: the same `joined` rule for the list, its counts and nudges.
    dues = selectors.due_states(
        cohort=cohort,
        learner_ids=ids,
        scoped=scoped,
        joined={user_id: joined_at for _pk, user_id, _org, joined_at in found},
        due=due,
    )
    rows = []
    for pk, user_id, organisation_id, joined_at in found:
        moments = [m for m in (last_completion.get(user_id), last_submission.get(user_id)) if m]
        late = [d.due_on for d in dues.get(user_id, []) if d.blocked is None]
        blocked = [d.due_on for d in dues.get(user_id, []) if d.blocked is not None]
        rows.append(
            LearnerProgress(
                membership_id=pk,
                cohort_id=cohort.pk,
                user_id=user_id,
                organisation_id=organisation_id,
                joined_at=joined_at,
                done=sum(matrix.get(user_id, {}).values()),
                total=counts["total"],
                last_activity_at=max(moments) if moments else None,
                revision_since=revisions.get(user_id),
                overdue_on=min(late) if late else None,
                blocked_on=min(blocked) if blocked else None,
                refreshed_at=now,
            )
        )
    return rows


def _save(rows: list[LearnerProgress]) -> None:
    # An upsert that leaves `stale` alone: a touch that came in while these were computed
    # keeps its mark and is recomputed next time.
    LearnerProgress.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["membership"],
        update_fields=[f for f in _DATA_FIELDS if f not in ("cohort", "user")],
    )


def rollup_refresh_learners(
    *, cohort: Cohort, user_ids: list[int], due: selectors.Due | None = None
) -> int:
    """Recompute these learners' rows (claimed first: their stale mark is cleared before the
    rules are read, so a touch during the computation marks them again)."""
    done = 0
    for start in range(0, len(user_ids), BATCH):
        batch = user_ids[start : start + BATCH]
        LearnerProgress.objects.filter(cohort=cohort, user_id__in=batch).update(stale=False)
        rows = learner_rows(cohort=cohort, user_ids=batch, due=due)
        _save(rows)
        # Someone who is no longer a learner of the cohort (a role changed) has no row.
        LearnerProgress.objects.filter(cohort=cohort, user_id__in=batch).exclude(
            membership_id__in=[r.membership_id for r in rows]
        ).delete()
        done += len(rows)
    return done


# --- the cohort's figures, summed from its learner rows --------------------------------------


def at_risk_q(cohort: Cohort, now: datetime.datetime) -> Q | None:
    """The at-risk rule of selectors.at_risk_and_delays over LearnerProgress rows on `now`, as
    SQL; None when nobody can be at risk (the cohort has ended). `overdue_on` already leaves
    out the phases due before the learner joined (learner_rows, selectors.owes_phase)."""
    today = timezone.localdate(now)
    if cohort.has_ended(today):
        return None
    started = selectors.cohort_start(cohort)
    inactive_since = now - datetime.timedelta(days=cohort.inactivity_days)
    rule = Q(revision_since__lt=now - datetime.timedelta(days=cohort.revision_days)) | Q(
        overdue_on__lt=today
    )
    if started <= now:
        # No activity since the later of joining and the cohort's start.
        rule |= Q(last_activity_at__lt=inactive_since)
        if started < inactive_since:
            rule |= Q(last_activity_at__isnull=True, joined_at__lt=inactive_since)
    return rule


def staff_delay_q(cohort: Cohort, now: datetime.datetime) -> Q | None:
    """Learners with a due phase that waits on an instructor's review, on `now`."""
    today = timezone.localdate(now)
    return None if cohort.has_ended(today) else Q(blocked_on__lt=today)


def _never() -> Q:
    return Q(pk__in=[])


@no_jit()
def rollup_recount(*, cohort: Cohort, now: datetime.datetime | None = None) -> CohortRollup:
    """Sum the cohort's learner rows into its CohortRollup with the review turnaround and the
    funnel's counts (four queries and a write, in the sweep, never in a page with a broker)."""
    from workshops.models import Submission

    now = now or timezone.now()
    risky = at_risk_q(cohort, now) or _never()
    delayed = staff_delay_q(cohort, now) or _never()
    organisations = []
    learners = done = total = finished = at_risk = waiting_on_staff = 0
    for row in (
        LearnerProgress.objects.filter(cohort=cohort)
        .values("organisation__name")
        .annotate(
            n=Count("pk"),
            done_sum=Sum("done"),
            total_sum=Sum("total"),
            finished_n=Count("pk", filter=Q(total__gt=0, done=F("total"))),
            risky_n=Count("pk", filter=risky),
            delayed_n=Count("pk", filter=delayed),
        )
        .order_by("organisation__name")
    ):
        organisations.append(
            [
                row["organisation__name"] or "–",
                row["n"],
                row["done_sum"] or 0,
                row["total_sum"] or 0,
                row["finished_n"],
                row["risky_n"],
            ]
        )
        learners += row["n"]
        done += row["done_sum"] or 0
        total += row["total_sum"] or 0
        finished += row["finished_n"]
        at_risk += row["risky_n"]
        waiting_on_staff += row["delayed_n"]
    # Two organisations of the same name are one row, as the summary always showed them.
    merged: dict[str, list[Any]] = {}
    for name, *figures in organisations:
        if name in merged:
            merged[name] = [name, *(a + b for a, b in zip(merged[name][1:], figures, strict=True))]
        else:
            merged[name] = [name, *figures]
    values = {
        "learners": learners,
        "done": done,
        "total": total,
        "finished": finished,
        "at_risk": at_risk,
        "waiting_on_staff": waiting_on_staff,
        "waiting_reviews": Submission.objects.filter(
            cohort=cohort, status=Submission.Status.RECEIVED
        ).count(),
        "organisations": sorted(merged.values(), key=lambda o: o[0]),
        "turnaround": _turnaround(cohort),
        "funnel": [
            [phase, waiting, opened_on.isoformat(), n, learners_n or 0]
            for phase, waiting, opened_on, n, learners_n in selectors.funnel_groups(cohort=cohort)
        ],
        "refreshed_at": now,
        "stale": False,
    }
    rollup, _created = CohortRollup.objects.update_or_create(cohort=cohort, defaults=values)
    return rollup


def _turnaround(cohort: Cohort) -> list[list[Any]]:
    from workshops.models import Review

    times: dict[int, list[float]] = {}
    for reviewer_id, created_at, processed_at, submitted_at in Review.objects.filter(
        submission__cohort=cohort
    ).values_list(
        "reviewer_id", "created_at", "submission__processed_at", "submission__submitted_at"
    ):
        ready = processed_at or submitted_at
        hours = (created_at - ready).total_seconds() / 3600
        times.setdefault(reviewer_id, []).append(max(hours, 0.0))
    return [[pk, len(values), round(statistics.median(values), 1)] for pk, values in times.items()]


# --- sweeping and rebuilding -----------------------------------------------------------------


def _join_missing(cohort: Cohort) -> int:
    """Learners of the cohort who have no row yet (they joined without a service, or before
    the cohort's figures were first counted) get a stale one, so that the recount that follows
    counts every learner, not only those who joined since (one query when none is missing)."""
    missing = list(
        Membership.objects.filter(
            cohort=cohort, role=Membership.Role.LEARNER, progress__isnull=True
        ).values_list("user_id", flat=True)
    )
    return rollup_join(cohort_id=cohort.pk, user_ids=missing, hint=False) if missing else 0


def rollup_refresh_cohort(
    *, cohort: Cohort, now: datetime.datetime | None = None, due: selectors.Due | None = None
) -> int:
    """Recompute the cohort's stale learner rows (with a row for each learner who has none),
    then its figures (what the sweep does for a touched cohort). Returns the learner rows
    recomputed."""
    _join_missing(cohort)
    stale = list(
        LearnerProgress.objects.filter(cohort=cohort, stale=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    done = rollup_refresh_learners(cohort=cohort, user_ids=stale, due=due) if stale else 0
    rollup_recount(cohort=cohort, now=now)
    return done


# Figures counted less than this ago are only marked stale when rows change again (a busy
# cohort is recounted once a minute, not after every click).
RECOUNT_AFTER = datetime.timedelta(minutes=1)


def rollup_refresh_stale(*, now: datetime.datetime | None = None) -> int:
    """After a touch (the hint task): recompute every stale learner row, then recount each
    cohort whose figures are over a minute old, or mark them stale for the sweep."""
    now = now or timezone.now()
    cohort_ids = set(
        LearnerProgress.objects.filter(stale=True)
        .values_list("cohort_id", flat=True)
        .distinct()
        .order_by()
    )
    rows = 0
    for cohort in Cohort.objects.filter(pk__in=cohort_ids).select_related("course"):
        _join_missing(cohort)
        stale = list(
            LearnerProgress.objects.filter(cohort=cohort, stale=True)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
        rows += rollup_refresh_learners(cohort=cohort, user_ids=stale)
        recent = CohortRollup.objects.filter(cohort=cohort, refreshed_at__gte=now - RECOUNT_AFTER)
        if not recent.update(stale=True):
            rollup_recount(cohort=cohort, now=now)
    return rows


def rollup_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Beat, every minute: add rows for learners who have none (joined without a service),
    recompute stale rows, and recount the cohorts touched, never counted, or counted more than
    ROLLUP_MAX_AGE ago while running (their at-risk figures move with the clock)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    missing: dict[int, list[int]] = {}
    for cohort_id, user_id in Membership.objects.filter(
        role=Membership.Role.LEARNER, progress__isnull=True
    ).values_list("cohort_id", "user_id"):
        missing.setdefault(cohort_id, []).append(user_id)
    for cohort_id, user_ids in missing.items():
        rollup_join(cohort_id=cohort_id, user_ids=user_ids, hint=False)
    due = set(
        LearnerProgress.objects.filter(stale=True)
        .values_list("cohort_id", flat=True)
        .distinct()
        .order_by()
    )
    due |= set(
        Cohort.objects.filter(
            Q(rollup__isnull=True)
            | Q(rollup__stale=True)
            | Q(rollup__refreshed_at__lt=now - ROLLUP_MAX_AGE, end_date__gte=today)
        ).values_list("pk", flat=True)
    )
    rows = 0
    for cohort in Cohort.objects.filter(pk__in=due).select_related("course").order_by("pk"):
        rows += rollup_refresh_cohort(cohort=cohort, now=now)
    return {"cohorts": len(due), "rows": rows}


def rollup_rebuild(
    *, cohorts: QuerySet[Cohort] | None = None, now: datetime.datetime | None = None
) -> int:
    """Recompute every learner row and figure of these cohorts (all by default) from scratch:
    the `rollup_rebuild` command, nightly beat and `make bench`'s builder. Returns the rows."""
    now = now or timezone.now()
    rows = 0
    for cohort in (cohorts if cohorts is not None else Cohort.objects.all()).select_related(
        "course"
    ):
        rows += _rebuild(cohort=cohort, now=now)
    return rows


@transaction.atomic
def _rebuild(*, cohort: Cohort, now: datetime.datetime, due: selectors.Due | None = None) -> int:
    """Recompute every learner row and the figures of one cohort (rollup_rebuild's step)."""
    computed = learner_rows(cohort=cohort, now=now, due=due)
    LearnerProgress.objects.filter(cohort=cohort).exclude(
        membership_id__in=Membership.objects.filter(
            cohort=cohort, role=Membership.Role.LEARNER
        ).values("pk")
    ).delete()
    LearnerProgress.objects.filter(cohort=cohort).update(stale=False)
    _save(computed)
    rollup_recount(cohort=cohort, now=now)
    return len(computed)


# --- reading ---------------------------------------------------------------------------------


def _outdated(rollup: CohortRollup, now: datetime.datetime) -> bool:
    """Without a broker (no beat) a page recounts figures marked stale over a minute ago, or
    counted over an hour ago; with one, the sweep does."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        return False
    age = now - rollup.refreshed_at
    return (rollup.stale and age > RECOUNT_AFTER) or age > datetime.timedelta(hours=1)


def rollup_for(cohort: Cohort, *, due: selectors.Due | None = None) -> CohortRollup:
    """The cohort's rollup for a page (one query): built at once the first time, and without
    a broker recounted when outdated (`_outdated`). `due`: the course's due phases when the
    page reads them too (selectors.due_assignments, the at-risk page's reasons), so that a
    refresh does not read them again."""
    rollup = CohortRollup.objects.filter(cohort=cohort).first()
    if rollup is None:
        _rebuild(cohort=cohort, now=timezone.now(), due=due)
        return CohortRollup.objects.get(cohort=cohort)
    if _outdated(rollup, timezone.now()):
        rollup_refresh_cohort(cohort=cohort, due=due)
        rollup = CohortRollup.objects.get(cohort=cohort)
    return rollup


def rollups_for(cohorts: list[Cohort]) -> dict[int, CohortRollup]:
    """{cohort id: rollup} for a page of cohorts: one query when they are up to date."""
    found = {r.cohort_id: r for r in CohortRollup.objects.filter(cohort__in=cohorts)}
    now = timezone.now()
    for cohort in cohorts:
        rollup = found.get(cohort.pk)
        if rollup is None or _outdated(rollup, now):
            found[cohort.pk] = rollup_for(cohort)
    return found


def rollup_summary(*, rollup: CohortRollup) -> selectors.CohortSummary:
    """The summary page's figures from the cohort's rollup (one query for the reviewers)."""
    from core.models import User

    reviewers = User.objects.in_bulk([pk for pk, _n, _hours in rollup.turnaround])
    return selectors.CohortSummary(
        learners=rollup.learners,
        percent=rollup.percent,
        finished=rollup.finished,
        waiting_reviews=rollup.waiting_reviews,
        at_risk=rollup.at_risk,
        organisations=[
            selectors.OrganisationSummary(
                name=name, learners=n, done=done, total=total, finished=finished, at_risk=risky
            )
            for name, n, done, total, finished, risky in rollup.organisations
        ],
        turnaround=sorted(
            ((reviewers[pk], n, hours) for pk, n, hours in rollup.turnaround if pk in reviewers),
            key=lambda t: t[0].display_name,
        ),
        waiting_on_staff=rollup.waiting_on_staff,
        refreshed_at=rollup.refreshed_at,
    )


def _by_name(rows: QuerySet[LearnerProgress]) -> QuerySet[LearnerProgress]:
    return rows.order_by("user__last_name", "user__first_name", "user__email", "pk")


def at_risk_candidates(
    *, cohort: Cohort, now: datetime.datetime | None = None
) -> QuerySet[LearnerProgress]:
    """The learners the rule flags today, chosen in SQL from the rollup, in name order (page
    it: the reasons are read for a page of them, selectors.at_risk(learner_ids=...))."""
    rule = at_risk_q(cohort, now or timezone.now())
    rows = LearnerProgress.objects.filter(cohort=cohort)
    return _by_name(rows.filter(rule) if rule is not None else rows.none())


def staff_delay_candidates(
    *, cohort: Cohort, now: datetime.datetime | None = None
) -> QuerySet[LearnerProgress]:
    """Learners with a due phase that waits on an instructor's review, in name order."""
    rule = staff_delay_q(cohort, now or timezone.now())
    rows = LearnerProgress.objects.filter(cohort=cohort)
    return _by_name(rows.filter(rule) if rule is not None else rows.none())
