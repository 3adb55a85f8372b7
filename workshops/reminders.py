"""Scheduled scans that turn due dates and waiting reviews into notifications.

Beat runs these every hour; nothing is scheduled with a countdown. Each notification has a key
that names the event (the phase, its due date and the offset; the day's queue; the overdue
submission), so a scan that runs twice, or two workers that overlap, notify nobody twice.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.models import User
from learners.models import Cohort, Membership
from notifications.models import Notification
from notifications.services import (
    notification_notify,
    notification_notify_many,
    notifications_publish_emails,
)

from .cohort_settings import attach
from .models import (
    Assignment,
    Experiment,
    ExperimentMember,
    Extension,
    Phase,
    Submission,
    phase_due_date,
)
from .selectors import review_queue

# Days before a phase's due date on which its learners are reminded.
DEFAULT_REMINDER_DAYS = (3, 1)
# Scans start notifying at this local hour, so nobody gets a reminder in the night.
SEND_FROM_HOUR = 7


def reminder_days() -> tuple[int, ...]:
    days = getattr(settings, "DEADLINE_REMINDER_DAYS", DEFAULT_REMINDER_DAYS)
    return tuple(sorted({int(d) for d in days if int(d) >= 0}))


def _now() -> datetime.datetime:
    """The scans' clock (tests move it)."""
    return timezone.now()


def _too_early(now: datetime.datetime) -> bool:
    return timezone.localtime(now).hour < SEND_FROM_HOUR


# --- deadline reminders ----------------------------------------------------------------------


@dataclass
class DueReminder:
    experiment: Any
    phase: Phase
    due_on: datetime.date
    days_left: int
    offset: int
    learners: list[User] = field(default_factory=list)

    @property
    def key(self) -> str:
        e = self.experiment
        # The due date is part of the key: an extension arms the reminders again.
        return f"deadline-e{e.pk}-c{e.cycle}-p{self.phase}-{self.due_on.isoformat()}-d{self.offset}"

    @property
    def start_key(self) -> str:
        """The key this learner's reminder had before the experiment existed (phase 1 only):
        someone reminded to start, who then starts the same day, is not reminded again."""
        e = self.experiment
        return start_reminder_key(
            cohort_id=e.cohort_id, workshop_id=e.workshop_id, due_on=self.due_on, offset=self.offset
        )


def start_reminder_key(
    *, cohort_id: int, workshop_id: int, due_on: datetime.date, offset: int
) -> str:
    return f"deadline-start-k{cohort_id}-w{workshop_id}-{due_on.isoformat()}-d{offset}"


@dataclass
class StartReminder:
    """Phase 1 is due soon and these learners of the cohort have not started an experiment."""

    cohort: Any
    workshop: Any
    assignment: Any
    due_on: datetime.date
    days_left: int
    offset: int
    learners: list[User] = field(default_factory=list)

    @property
    def key(self) -> str:
        return start_reminder_key(
            cohort_id=self.cohort.pk,
            workshop_id=self.workshop.pk,
            due_on=self.due_on,
            offset=self.offset,
        )


def _offset_for(*, today: datetime.date, due_on: datetime.date | None) -> int | None:
    """The nearest reminder offset not yet passed, or None outside the reminder window.
    A missed run still reminds, once per offset."""
    offsets = reminder_days()
    if due_on is None or not offsets:
        return None
    days_left = (due_on - today).days
    if not 0 <= days_left <= max(offsets):
        return None
    return min(o for o in offsets if days_left <= o)


def deadline_reminders_due(*, today: datetime.date) -> list[DueReminder]:
    """Open phases due within the reminder window whose next step is the learners' own.

    A phase is waiting on its learners when nothing was sent for it in the current cycle or
    the latest version came back (rejected, revision requested). Five queries, however many.
    """
    if not reminder_days():
        return []
    experiments = list(
        Experiment.objects.filter(
            status=Experiment.Status.ACTIVE, cohort__end_date__gte=today
        ).select_related("cohort")
    )
    if not experiments:
        return []
    assignments: dict[tuple[int, int], Assignment] = {}
    for assignment in Assignment.objects.filter(
        workshop_id__in={e.workshop_id for e in experiments}
    ).order_by("-pk"):
        assignments[(assignment.workshop_id, assignment.phase)] = assignment  # lowest pk wins
    extensions = {
        (experiment_id, phase): due_on
        for experiment_id, phase, due_on in Extension.objects.filter(
            experiment__in=experiments
        ).values_list("experiment_id", "phase", "due_on")
    }
    candidates: dict[int, DueReminder] = {}
    for experiment in experiments:
        due_on = phase_due_date(
            assignment=assignments.get((experiment.workshop_id, experiment.phase)),
            cohort=experiment.cohort,
            extension=extensions.get((experiment.pk, experiment.phase)),
        )
        offset = _offset_for(today=today, due_on=due_on)
        if offset is None or due_on is None:
            continue
        candidates[experiment.pk] = DueReminder(
            experiment=experiment,
            phase=Phase(experiment.phase),
            due_on=due_on,
            days_left=(due_on - today).days,
            offset=offset,
        )
    if not candidates:
        return []
    latest: dict[int, str] = {}
    for experiment_id, phase, cycle, status in (
        Submission.objects.filter(experiment_id__in=candidates)
        .order_by("version", "pk")
        .values_list("experiment_id", "assignment__phase", "cycle", "status")
    ):
        reminder = candidates[experiment_id]
        if phase == reminder.phase and cycle == reminder.experiment.cycle:
            latest[experiment_id] = status
    for experiment_id, status in latest.items():
        if status not in Submission.RESUBMITTABLE:
            del candidates[experiment_id]  # sent and with a reviewer, or already approved
    for member in ExperimentMember.objects.filter(experiment_id__in=candidates).select_related(
        "user"
    ):
        if member.user.is_active:
            candidates[member.experiment_id].learners.append(member.user)
    return [r for r in candidates.values() if r.learners]


def start_reminders_due(*, today: datetime.date) -> list[StartReminder]:
    """Phase 1 of a workshop due within the reminder window in a running cohort, with the
    cohort's learners who have no experiment in it yet (and no answer sent without one).

    Five queries, however many cohorts and learners.
    """

    if not reminder_days():
        return []
    cohorts = list(Cohort.objects.filter(end_date__gte=today))
    if not cohorts:
        return []
    first_phase: dict[int, Assignment] = {}
    for assignment in (
        Assignment.objects.filter(
            phase=Phase.CHALLENGE,
            due_days__isnull=False,
            workshop__course_id__in={c.course_id for c in cohorts},
        )
        .select_related("workshop")
        .order_by("-pk")
    ):
        first_phase[assignment.workshop_id] = assignment  # lowest pk wins, as for experiments
    candidates: dict[tuple[int, int], StartReminder] = {}
    for cohort in cohorts:
        for assignment in first_phase.values():
            if assignment.workshop.course_id != cohort.course_id:
                continue
            due_on = phase_due_date(assignment=assignment, cohort=cohort)
            offset = _offset_for(today=today, due_on=due_on)
            if offset is None or due_on is None:
                continue
            candidates[(cohort.pk, assignment.workshop_id)] = StartReminder(
                cohort=cohort,
                workshop=assignment.workshop,
                assignment=assignment,
                due_on=due_on,
                days_left=(due_on - today).days,
                offset=offset,
            )
    if not candidates:
        return []
    cohort_ids = {cohort_id for cohort_id, _workshop_id in candidates}
    started = set(
        ExperimentMember.objects.filter(cohort_id__in=cohort_ids).values_list(
            "cohort_id", "workshop_id", "user_id"
        )
    )
    answered = set(
        Submission.objects.filter(
            cohort_id__in=cohort_ids,
            assignment_id__in={r.assignment.pk for r in candidates.values()},
        )
        .exclude(status=Submission.Status.REJECTED)
        .values_list("cohort_id", "assignment__workshop_id", "learner_id")
    )
    for membership in (
        Membership.objects.filter(
            cohort_id__in=cohort_ids, role=Membership.Role.LEARNER, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")
    ):
        for (cohort_id, workshop_id), reminder in candidates.items():
            if cohort_id != membership.cohort_id:
                continue
            who = (cohort_id, workshop_id, membership.user_id)
            if who not in started and who not in answered:
                reminder.learners.append(membership.user)
    return [r for r in candidates.values() if r.learners]


def deadline_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Beat: remind learners days before a phase is due (settings.DEADLINE_REMINDER_DAYS),
    including the learners who have not started their experiment when phase 1 is due."""
    now = now or _now()
    if _too_early(now):
        return 0
    today = timezone.localdate(now)
    reminders = deadline_reminders_due(today=today)
    starts = start_reminders_due(today=today)
    keys = {r.key for r in reminders} | {r.key for r in starts}
    keys |= {r.start_key for r in reminders if r.phase == 1}
    already = set(Notification.objects.filter(key__in=keys).values_list("recipient_id", "key"))
    sent = 0
    queued: list[int] = []
    for start in starts:
        # A whole cohort may not have started: one render per language, rows in one insert,
        # emails in batches (notifications.services.notification_notify_many).
        learners = [p for p in start.learners if (p.pk, start.key) not in already]
        queued += notification_notify_many(
            recipients=learners,
            category=Notification.Category.DEADLINES,
            key=start.key,
            template="deadline_reminder",
            context={
                "experiment": None,
                "workshop": start.workshop,
                "cohort": start.cohort,
                "phase_label": Phase(start.assignment.phase).label,
                "due_on": start.due_on,
                "days_left": start.days_left,
            },
            url=reverse("workshops:assignment", args=[start.assignment.pk]),
        )
        sent += len(learners)
    notifications_publish_emails(queued)
    for reminder in reminders:
        for learner in reminder.learners:
            if (learner.pk, reminder.key) in already:
                continue
            if reminder.phase == 1 and (learner.pk, reminder.start_key) in already:
                continue  # reminded to start this phase for this offset already
            notification_notify(
                recipient=learner,
                category=Notification.Category.DEADLINES,
                key=reminder.key,
                template="deadline_reminder",
                context={
                    "experiment": reminder.experiment,
                    "cohort": reminder.experiment.cohort,
                    "phase_label": reminder.phase.label,
                    "due_on": reminder.due_on,
                    "days_left": reminder.days_left,
                },
                url=reverse("workshops:experiment", args=[reminder.experiment.pk]),
            )
            sent += 1
    return sent


# --- reviews waiting, and escalation past the cohort's review target ------------------------


def _waiting_submissions(now: datetime.datetime) -> list[Any]:
    return list(
        Submission.objects.filter(
            status=Submission.Status.RECEIVED, cohort__end_date__gte=timezone.localdate(now)
        )
        .select_related("assignment", "cohort", "learner", "experiment")
        .order_by("submitted_at", "pk")
    )


def _staff_by_cohort(cohort_ids: set[int], role: str) -> dict[int, list[User]]:

    staff: dict[int, list[User]] = defaultdict(list)
    for membership in Membership.objects.filter(
        cohort_id__in=cohort_ids, role=role, user__is_active=True
    ).select_related("user"):
        staff[membership.cohort_id].append(membership.user)
    return staff


def _days_waiting(submission: Any, now: datetime.datetime) -> int:
    """Waiting starts when the answer is ready for review: once its files have been checked
    (`processed_at`), not when the learner pressed send. The cohort's review turnaround and
    the phase funnel (learners.selectors) count from the same moment."""
    return (now - (submission.processed_at or submission.submitted_at)).days


def review_waiting_notices_send(*, now: datetime.datetime | None = None) -> int:
    """Beat: one notice a day per instructor listing every submission that waits for review.

    Grouped on purpose: an instructor with twelve new answers gets one message, not twelve.
    """

    now = now or _now()
    if _too_early(now):
        return 0
    submissions = _waiting_submissions(now)
    if not submissions:
        return 0

    instructors = _staff_by_cohort({s.cohort_id for s in submissions}, Membership.Role.INSTRUCTOR)
    waiting: dict[int, list[Any]] = defaultdict(list)
    people: dict[int, User] = {}
    for instructor in {u.pk: u for staff in instructors.values() for u in staff}.values():
        # The same selector as the review queue and the dashboard, so the notice's count is
        # the number the instructor then finds in the queue.
        for submission in review_queue(user=instructor):
            # Shown by the notice's template beside each submission (not model fields).
            days_waiting = _days_waiting(submission, now)
            submission.days_waiting = days_waiting
            submission.over_target = days_waiting > submission.cohort.review_target_days
            waiting[instructor.pk].append(submission)
            people[instructor.pk] = instructor

    # Blind or not as each submission's cohort chose (one query for every list).
    attach([s for items in waiting.values() for s in items], peer=False)
    key = f"reviews-waiting-{timezone.localdate(now).isoformat()}"
    already = set(
        Notification.objects.filter(key=key, recipient_id__in=people).values_list(
            "recipient_id", flat=True
        )
    )
    sent = 0
    for pk, items in waiting.items():
        if pk in already:
            continue
        notification_notify(
            recipient=people[pk],
            category=Notification.Category.REVIEWS,
            key=key,
            template="reviews_waiting",
            context={"submissions": items, "count": len(items)},
            url=reverse("workshops:review_queue"),
        )
        sent += 1
    return sent


def review_escalations_send(*, now: datetime.datetime | None = None) -> int:
    """Beat: tell the cohort's coordinators, once per submission, that it waits past the target."""

    now = now or _now()
    if _too_early(now):
        return 0
    overdue = []
    for submission in _waiting_submissions(now):
        submission.days_waiting = _days_waiting(submission, now)
        if submission.days_waiting > submission.cohort.review_target_days:
            overdue.append(submission)
    if not overdue:
        return 0
    coordinators = _staff_by_cohort({s.cohort_id for s in overdue}, Membership.Role.COORDINATOR)
    keys = {f"review-overdue-{s.pk}" for s in overdue}
    already = set(Notification.objects.filter(key__in=keys).values_list("recipient_id", "key"))
    sent = 0
    for submission in overdue:
        key = f"review-overdue-{submission.pk}"
        for coordinator in coordinators.get(submission.cohort_id, []):
            if (coordinator.pk, key) in already:
                continue
            notification_notify(
                recipient=coordinator,
                category=Notification.Category.REVIEWS,
                key=key,
                template="review_escalation",
                context={"submission": submission, "cohort": submission.cohort},
                url=reverse(
                    "learners:timeline", args=[submission.cohort_id, submission.learner_id]
                ),
            )
            sent += 1
    return sent
