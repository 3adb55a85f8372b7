"""The demo's cohorts and their people: the main cohort with the README's accounts, and for
coordinators a second cohort with learners from several municipalities, varied progress (some
at risk), sent and pending notifications, invitations and announcements.

Idempotent: update_or_create / get_or_create throughout.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from core.models import Organisation, User
from courses.models import Completion, Course, Item
from demo.accounts import ACCOUNTS, DEMO_DOMAIN, demo_account
from learners.models import Cohort, Invitation, Membership, Nudge
from notifications.models import Announcement, Notification
from notifications.services import notification_render
from workshops import services as workshop_services
from workshops.models import (
    Assignment,
    Experiment,
    ExperimentEvent,
    ExperimentMember,
    Phase,
    Review,
    Submission,
    phase_due_date,
)
from workshops.reminders import start_reminder_key
from workshops.selectors import review_queue

MAIN_COHORT = "Alueagentti 2026 – syksyn ryhmä"


def seed_main_cohort(course: Course) -> Cohort:
    """The autumn cohort the README's accounts belong to, running until the end of May."""
    today = timezone.localdate()
    cohort, _ = Cohort.objects.update_or_create(
        course=course,
        name=MAIN_COHORT,
        defaults={
            "start_date": date(today.year, 9, 1) if today.month >= 9 else today,
            "end_date": date(today.year + 1, 5, 31),
        },
    )
    return cohort


def seed_main_members(*, cohort: Cohort, organisations: dict[str, Organisation]) -> dict[str, User]:
    """The demo accounts (demo.accounts.ACCOUNTS), each a member of the main cohort in their
    role (the superuser is no member); returns them by email local part."""
    users = {}
    for local, first_name, last_name, org_name, role in ACCOUNTS:
        user = demo_account(
            local, first_name, last_name, organisations[org_name], superuser=role == "superuser"
        )
        users[local] = user
        if role != "superuser":
            Membership.objects.update_or_create(cohort=cohort, user=user, defaults={"role": role})
    return users


# (local part, first, last, organisation, share of lessons done, days since last activity)
SPRING_LEARNERS = [
    ("anna.nieminen", "Anna", "Nieminen", "Akaan kaupunki", 0.9, 2),
    ("pekka.lehtonen", "Pekka", "Lehtonen", "Janakkalan kunta", 0.5, 5),
    ("tiina.heikkinen", "Tiina", "Heikkinen", "Nokian kaupunki", 0.2, 25),
    ("juha.salo", "Juha", "Salo", "Lopen kunta", 0.0, 40),
    ("maria.koskinen", "Maria", "Koskinen", "Vantaan kaupunki", 0.6, 1),
    ("ville.rantanen", "Ville", "Rantanen", "Pirkkalan kunta", 0.35, 18),
]


def _person(local: str, first: str, last: str, org: str) -> User:
    organisation, _ = Organisation.objects.get_or_create(
        name=org, defaults={"kind": Organisation.Kind.MUNICIPALITY}
    )
    return demo_account(local, first, last, organisation)


def seed(*, course: Course, cohort: Cohort, users: dict[str, Any]) -> None:
    now = timezone.now()
    today = timezone.localdate()
    spring, _ = Cohort.objects.update_or_create(
        course=course,
        name="Alueagentti – pilottiryhmä",
        defaults={
            "start_date": today - timedelta(days=35),
            "end_date": today + timedelta(days=200),
            "inactivity_days": 14,
            "revision_days": 10,
        },
    )
    for local, role in [
        ("koordinaattori", Membership.Role.COORDINATOR),
        ("ohjaaja", Membership.Role.INSTRUCTOR),
    ]:
        Membership.objects.update_or_create(
            cohort=spring, user=users[local], defaults={"role": role}
        )
    items = list(
        Item.objects.filter(module__course=course).order_by("module__position", "position")
    )
    for local, first, last, org, share, idle in SPRING_LEARNERS:
        person = _person(local, first, last, org)
        Membership.objects.update_or_create(
            cohort=spring, user=person, defaults={"role": Membership.Role.LEARNER}
        )
        Membership.objects.filter(cohort=spring, user=person).update(
            joined_at=now - timedelta(days=36)
        )
        for item in items[: int(len(items) * share)]:
            completion, _ = Completion.objects.get_or_create(user=person, item=item)
            Completion.objects.filter(pk=completion.pk).update(
                completed_at=now - timedelta(days=idle)
            )
        users[local] = person

    # Notifications: one sent, one waiting for the daily digest; the real reminders below.
    Notification.objects.filter(key="demo-reminder").delete()  # replaced by a real reminder
    for local, key, subject, status, error in [
        ("anna.nieminen", "demo-welcome", "Tervetuloa pilottiryhmään", "sent", ""),
        ("pekka.lehtonen", "demo-gallery", "Uusi kysymys galleriassa", "digest", ""),
    ]:
        Notification.objects.update_or_create(
            recipient=users[local],
            key=key,
            defaults={
                "category": Notification.Category.ADMINISTRATION,
                "subject": subject,
                "body": subject + ".",
                "email_status": status,
                "digest_mode": "daily" if status == "digest" else "",
                "email_error": error,
                "email_attempts": 6 if status == "failed" else (1 if status == "sent" else 0),
                "emailed_at": now if status == "sent" else None,
            },
        )
    Announcement.objects.update_or_create(
        cohort=spring,
        subject="Tervetuloa pilottiryhmään!",
        defaults={
            "author": users["koordinaattori"],
            "body": (
                "Ensimmäinen työpaja pidetään Hämeenlinnassa. Tuo mukaan oma kehittämishaasteesi."
            ),
            "send_at": now - timedelta(days=34),
            "status": Announcement.Status.SENT,
            "sent_at": now - timedelta(days=34),
            "recipient_count": len(SPRING_LEARNERS) + 1,
        },
    )
    Announcement.objects.update_or_create(
        cohort=cohort,
        subject="Syksyn ensimmäinen työpaja",
        defaults={
            "author": users["koordinaattori"],
            "body": "Tervetuloa! Ensimmäinen työpaja pidetään kuukauden kuluttua.",
            "send_at": now + timedelta(days=7),
            "status": Announcement.Status.SCHEDULED,
        },
    )
    Invitation.objects.update_or_create(
        cohort=spring,
        email=f"kutsuttu@{DEMO_DOMAIN}",
        defaults={
            "first_name": "Kalle",
            "last_name": "Kutsuttu",
            "organisation": Organisation.objects.filter(name="Kangasalan kaupunki").first(),
            "invited_by": users["koordinaattori"],
            "expires_at": now + timedelta(days=30),
            "email_status": Invitation.EmailStatus.SENT,
            "send_count": 1,
            "emailed_at": now,
        },
    )
    _seed_experiments(course=course, spring=spring, users=users, now=now)
    _seed_reminders(course=course, spring=spring, cohort=cohort, users=users)
    _spread_activity(cohort=cohort, now=now)
    for group in (cohort, spring):
        _spread_experiments(cohort=group, now=now)


# (learner, experiment title, challenge, days since the answer was ready for review)
SPRING_EXPERIMENTS = [
    (
        "anna.nieminen",
        "Kylien yhteiskyyti Akaassa",
        "Sivukylien ikäihmiset eivät pääse asioimaan keskustaan ilman omaa autoa.",
        2,
    ),
    (
        "maria.koskinen",
        "Yrittäjien aamukahvit verkossa",
        "Pienyrittäjät eivät ehdi kunnan tilaisuuksiin työpäivän aikana.",
        9,
    ),
    ("pekka.lehtonen", "Kirjaston iltapäivät nuorille", "", None),
]


def _seed_experiments(
    *, course: Course, spring: Cohort, users: dict[str, Any], now: datetime
) -> None:
    """Experiments in the pilot cohort: one answer waiting two days, one past the review
    target (escalated to the coordinator), one experiment started with nothing sent yet."""
    first = (
        Assignment.objects.filter(workshop__course=course, phase=Phase.CHALLENGE)
        .select_related("workshop")
        .order_by("pk")
        .first()
    )
    if first is None:
        return
    for local, title, challenge, waited in SPRING_EXPERIMENTS:
        person = users[local]
        member = ExperimentMember.objects.filter(
            user=person, cohort=spring, workshop=first.workshop
        ).first()
        experiment = (
            member.experiment
            if member
            else workshop_services.experiment_create(
                learner=person,
                workshop=first.workshop,
                cohort=spring,
                title=title,
                challenge=challenge,
            )
        )
        if waited is None:
            continue
        ready = now - timedelta(days=waited)
        submission, _ = Submission.objects.get_or_create(
            experiment=experiment,
            assignment=first,
            version=1,
            defaults={
                "cohort": spring,
                "learner": person,
                "cycle": experiment.cycle,
                "text": challenge,
                "status": Submission.Status.RECEIVED,
            },
        )
        Submission.objects.filter(pk=submission.pk).update(
            submitted_at=ready - timedelta(minutes=3), processed_at=ready
        )


def _record(
    *,
    recipient: User,
    key: str,
    category: str,
    template: str,
    context: dict[str, Any],
    url: str,
    status: str,
    when: datetime,
    error: str = "",
) -> None:
    """A notification row as the scans and services make it, in the recipient's language,
    dated in the past, without sending any email."""
    subject, body, html_body = notification_render(
        recipient=recipient, template=template, context=context, url=url
    )
    row, _ = Notification.objects.update_or_create(
        recipient=recipient,
        key=key,
        defaults={
            "category": category,
            "subject": subject[:255],
            "body": body,
            "html_body": html_body,
            "url": url,
            "email_status": status,
            "digest_mode": "daily" if status == Notification.EmailStatus.DIGEST else "",
            "email_error": error,
            "email_attempts": {"sent": 1, "failed": 6}.get(status, 0),
            "emailed_at": when if status == Notification.EmailStatus.SENT else None,
        },
    )
    Notification.objects.filter(pk=row.pk).update(created_at=when)


def _seed_reminders(
    *, course: Course, spring: Cohort, cohort: Cohort, users: dict[str, Any]
) -> None:
    """Reminders as the scheduled scans sent them: learners of the pilot cohort reminded to
    start their experiment (one email failed, for the notification log), a nudge to a learner
    at risk, and the instructor's grouped review-waiting notice of today."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    first = (
        Assignment.objects.filter(workshop__course=course, phase=Phase.CHALLENGE)
        .select_related("workshop")
        .order_by("pk")
        .first()
    )
    due_on = phase_due_date(assignment=first, cohort=spring)
    if first is not None and due_on is not None and due_on - timedelta(days=3) <= today:
        for local, status, error in [
            ("juha.salo", Notification.EmailStatus.SENT, ""),
            ("ville.rantanen", Notification.EmailStatus.SENT, ""),
            ("tiina.heikkinen", Notification.EmailStatus.FAILED, "550 5.1.1 Mailbox unavailable"),
        ]:
            _record(
                recipient=users[local],
                key=start_reminder_key(
                    cohort_id=spring.pk, workshop_id=first.workshop_id, due_on=due_on, offset=3
                ),
                category=Notification.Category.DEADLINES,
                template="deadline_reminder",
                context={
                    "experiment": None,
                    "workshop": first.workshop,
                    "cohort": spring,
                    "phase_label": first.get_phase_display(),
                    "due_on": due_on,
                    "days_left": 3,
                },
                url=reverse("workshops:assignment", args=[first.pk]),
                status=status,
                error=error,
                when=datetime.combine(due_on - timedelta(days=3), time(7, 5), tzinfo=tz),
            )
    # A nudge three days ago to the learner who has done nothing since the start.
    juha, coordinator = users["juha.salo"], users["koordinaattori"]
    nudged_on = today - timedelta(days=3)
    nudge, _ = Nudge.objects.update_or_create(
        cohort=spring,
        learner=juha,
        sent_on=nudged_on,
        defaults={"sent_by": coordinator, "reasons": "Ei toimintaa 32 päivään"},
    )
    when = datetime.combine(nudged_on, time(10, 30), tzinfo=tz)
    Nudge.objects.filter(pk=nudge.pk).update(created_at=when)
    _record(
        recipient=juha,
        key=f"nudge-{spring.pk}-{nudged_on.isoformat()}",
        category=Notification.Category.DEADLINES,
        template="nudge",
        context={"cohort": spring, "sender": coordinator},
        url=reverse("core:home"),
        status=Notification.EmailStatus.SENT,
        when=when,
    )
    # Today's grouped notice to the instructor, listing what waits in their cohorts.
    # The queue's own selector: the notice counts what the instructor finds in the queue.
    waiting = list(review_queue(user=users["ohjaaja"]))
    now = timezone.now()
    for submission in waiting:
        ready = submission.processed_at or submission.submitted_at
        # As workshops.reminders marks them for the notice (not model fields).
        submission.days_waiting = (now - ready).days
        submission.over_target = submission.days_waiting > submission.cohort.review_target_days
    for submission in waiting:
        if not submission.over_target:
            continue
        for membership in Membership.objects.filter(
            cohort=submission.cohort, role=Membership.Role.COORDINATOR
        ).select_related("user"):
            _record(
                recipient=membership.user,
                key=f"review-overdue-{submission.pk}",
                category=Notification.Category.REVIEWS,
                template="review_escalation",
                context={"submission": submission, "cohort": submission.cohort},
                url=reverse(
                    "learners:timeline", args=[submission.cohort_id, submission.learner_id]
                ),
                status=Notification.EmailStatus.SENT,
                when=min(now, datetime.combine(today, time(7, 5), tzinfo=tz)),
            )
    if waiting:
        _record(
            recipient=users["ohjaaja"],
            key=f"reviews-waiting-{today.isoformat()}",
            category=Notification.Category.REVIEWS,
            template="reviews_waiting",
            context={"submissions": waiting, "count": len(waiting)},
            url=reverse("workshops:review_queue"),
            status=Notification.EmailStatus.SENT,
            when=min(now, datetime.combine(today, time(7, 5), tzinfo=tz)),
        )


# Main cohort: days since each learner last did something (a lesson or a version sent), so the
# at-risk list shows a believable mix rather than everyone active today.
MAIN_LAST_ACTIVE = {
    "mikko.laine": 4,
    "laura.virtanen": 2,
    "oppija": 6,
    "sanna.korhonen": 20,
    "jari.makinen": 23,
}
# Days since the last decision for experiments whose latest version is not waiting for review.
DECIDED_DAYS_AGO = 11
# Days from starting an experiment (or a decision) to the next version being ready.
STEP_DAYS = 9


def _spread_activity(*, cohort: Cohort, now: datetime) -> None:
    """Date the main cohort's lesson completions and memberships across the weeks since its
    start (earlier seeds stamp them with the moment of seeding), keeping the order in which
    each learner did the lessons."""
    start = datetime.combine(cohort.start_date, time(9, 0), tzinfo=timezone.get_current_timezone())
    memberships = Membership.objects.filter(cohort=cohort, role=Membership.Role.LEARNER)
    memberships.filter(joined_at__gt=start).update(joined_at=start - timedelta(days=5))
    for membership in memberships.select_related("user"):
        idle = MAIN_LAST_ACTIVE.get(membership.user.email.split("@")[0])
        if idle is None:
            continue
        last = now - timedelta(days=idle, hours=3)
        completions = list(
            Completion.objects.filter(
                user=membership.user, item__module__course_id=cohort.course_id
            ).order_by("completed_at", "pk")
        )
        if not completions:
            continue
        span = max((last - start).total_seconds(), 0)
        step = span / len(completions)
        for i, completion in enumerate(completions):
            when = start + timedelta(seconds=step * (i + 1))
            Completion.objects.filter(pk=completion.pk).update(completed_at=when)


def _spread_experiments(*, cohort: Cohort, now: datetime) -> None:
    """A coherent history for each active experiment of the cohort: versions sent before they
    were ready, decided some days later, each approved phase recorded as approved, and the
    experiment started some days before its first version. A version still waiting for review
    keeps its own date (the demo's waiting times and escalations depend on it), so days in a
    phase differ from one experiment to the next."""
    earliest = datetime.combine(
        cohort.start_date, time(9, 0), tzinfo=timezone.get_current_timezone()
    ) + timedelta(days=3)
    waiting = (Submission.Status.RECEIVED, Submission.Status.PROCESSING)
    for experiment in Experiment.objects.filter(cohort=cohort, status=Experiment.Status.ACTIVE):
        versions = list(
            Submission.objects.filter(experiment=experiment)
            .select_related("assignment")
            .order_by("cycle", "assignment__phase", "version", "pk")
        )
        if versions and versions[-1].status in waiting and versions[-1].processed_at:
            # The next version's readiness comes a step after the last decision.
            end, decided = versions[-1].processed_at, versions[:-1]
        else:
            # The last decision was some days ago.
            end, decided = now - timedelta(days=DECIDED_DAYS_AGO), versions
        # Fit the history between the cohort's first days and `end`.
        steps = len(decided) + 1
        step = min(timedelta(days=STEP_DAYS), max(end - earliest, timedelta(days=steps)) / steps)
        review_takes = min(timedelta(days=2), step / 2)
        last = end if versions[len(decided) :] else end - review_takes
        first_ready = last
        for i, version in enumerate(decided):
            ready = (
                last
                - step * (len(decided) - i)
                + (timedelta(0) if versions[len(decided) :] else step)
            )
            first_ready = min(first_ready, ready)
            Submission.objects.filter(pk=version.pk).update(
                submitted_at=ready - timedelta(minutes=3), processed_at=ready
            )
            decided_at = ready + review_takes
            review = Review.objects.filter(submission=version).select_related("reviewer").first()
            if review is None:
                continue
            Review.objects.filter(pk=review.pk).update(created_at=decided_at)
            if (
                review.decision == Review.Decision.APPROVE
                and version.assignment.phase < experiment.phase
            ):
                event, _ = ExperimentEvent.objects.get_or_create(
                    experiment=experiment,
                    kind=ExperimentEvent.Kind.APPROVED,
                    phase=version.assignment.phase,
                    cycle=version.cycle,
                    defaults={"actor": review.reviewer, "note": f"v{version.version}"},
                )
                ExperimentEvent.objects.filter(pk=event.pk).update(created_at=decided_at)
        for version in versions[len(decided) :]:
            if version.submitted_at and version.submitted_at > end:
                Submission.objects.filter(pk=version.pk).update(
                    submitted_at=end - timedelta(minutes=3)
                )
        ExperimentEvent.objects.filter(
            experiment=experiment, kind=ExperimentEvent.Kind.CREATED
        ).update(created_at=first_ready - timedelta(days=5))
