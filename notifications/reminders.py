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
from workshops.models import phase_due_date

from .models import Notification
from .services import notification_notify

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
    phase: int
    due_on: datetime.date
    days_left: int
    offset: int
    learners: list[User] = field(default_factory=list)

    @property
    def key(self) -> str:
        e = self.experiment
        # The due date is part of the key: an extension arms the reminders again.
        return f"deadline-e{e.pk}-c{e.cycle}-p{self.phase}-{self.due_on.isoformat()}-d{self.offset}"


def deadline_reminders_due(*, today: datetime.date) -> list[DueReminder]:
    """Open phases due within the reminder window whose next step is the learners' own.

    A phase is waiting on its learners when nothing was sent for it in the current cycle or
    the latest version came back (rejected, revision requested). Five queries, however many.
    """
    from workshops.models import (
        Assignment,
        Experiment,
        ExperimentMember,
        Extension,
        Phase,
        Submission,
    )

    offsets = reminder_days()
    if not offsets:
        return []
    horizon = today + datetime.timedelta(days=max(offsets))
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
        if due_on is None or not today <= due_on <= horizon:
            continue
        days_left = (due_on - today).days
        # The nearest offset not yet passed: a missed run still reminds, once per offset.
        offset = min(o for o in offsets if days_left <= o)
        candidates[experiment.pk] = DueReminder(
            experiment=experiment,
            phase=Phase(experiment.phase),
            due_on=due_on,
            days_left=days_left,
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


def deadline_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Beat: remind learners days before a phase is due (settings.DEADLINE_REMINDER_DAYS)."""
    now = now or _now()
    if _too_early(now):
        return 0
    reminders = deadline_reminders_due(today=timezone.localdate(now))
    already = set(
        Notification.objects.filter(key__in={r.key for r in reminders}).values_list(
            "recipient_id", "key"
        )
    )
    sent = 0
    for reminder in reminders:
        for learner in reminder.learners:
            if (learner.pk, reminder.key) in already:
                continue
            notification_notify(
                recipient=learner,
                category=Notification.Category.DEADLINES,
                key=reminder.key,
                template="deadline_reminder",
                context={
                    "experiment": reminder.experiment,
                    "cohort": reminder.experiment.cohort,
                    "phase_label": reminder.phase.label,  # type: ignore[attr-defined]
                    "due_on": reminder.due_on,
                    "days_left": reminder.days_left,
                },
                url=reverse("workshops:experiment", args=[reminder.experiment.pk]),
            )
            sent += 1
    return sent


# --- reviews waiting, and escalation past the cohort's review target ------------------------


def _waiting_submissions(now: datetime.datetime) -> list[Any]:
    from workshops.models import Submission

    return list(
        Submission.objects.filter(
            status=Submission.Status.RECEIVED, cohort__end_date__gte=timezone.localdate(now)
        )
        .select_related("assignment", "cohort", "learner", "experiment")
        .order_by("submitted_at", "pk")
    )


def _staff_by_cohort(cohort_ids: set[int], role: str) -> dict[int, list[User]]:
    from learners.models import Membership

    staff: dict[int, list[User]] = defaultdict(list)
    for membership in Membership.objects.filter(
        cohort_id__in=cohort_ids, role=role, user__is_active=True
    ).select_related("user"):
        staff[membership.cohort_id].append(membership.user)
    return staff


def _days_waiting(submission: Any, now: datetime.datetime) -> int:
    return (now - submission.submitted_at).days


def review_waiting_notices_send(*, now: datetime.datetime | None = None) -> int:
    """Beat: one notice a day per instructor listing every submission that waits for review.

    Grouped on purpose: an instructor with twelve new answers gets one message, not twelve.
    """
    from learners.models import Membership

    now = now or _now()
    if _too_early(now):
        return 0
    submissions = _waiting_submissions(now)
    if not submissions:
        return 0
    instructors = _staff_by_cohort({s.cohort_id for s in submissions}, Membership.Role.INSTRUCTOR)
    waiting: dict[int, list[Any]] = defaultdict(list)
    people: dict[int, User] = {}
    for submission in submissions:
        submission.days_waiting = _days_waiting(submission, now)
        submission.over_target = submission.days_waiting > submission.cohort.review_target_days
        for instructor in instructors.get(submission.cohort_id, []):
            waiting[instructor.pk].append(submission)
            people[instructor.pk] = instructor
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
    from learners.models import Membership

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
