"""Grow a cohort to hundreds or thousands of learners quickly (bulk_create), with every kind of
row the coordinator pages read: completions, experiments in several states, reviews, workshop
attendance, nudges and notifications. Used by the query-budget tests and by `make bench`."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

_counter = itertools.count()


def grow_cohort(*, cohort, learners: int, instructor, organisations=None) -> list:
    """Add `learners` learners to the cohort and return them (a handful of queries per call)."""
    from core.models import Organisation, User
    from courses.models import Completion, Item
    from learners.models import Membership, Nudge
    from notifications.models import Notification
    from workshops.models import (
        Assignment,
        Attendance,
        Experiment,
        ExperimentEvent,
        ExperimentMember,
        Review,
        Submission,
        Workshop,
        WorkshopSession,
    )

    now = timezone.now()
    batch = next(_counter)
    if organisations is None:
        organisations = [
            Organisation.objects.get_or_create(name=name)[0]
            for name in ("Akaan kaupunki", "Lopen kunta", "Nokian kaupunki")
        ]
    people = [
        User(
            email=f"bulk{batch}-{i}@example.fi",
            first_name=f"Oppija{i}",
            last_name=f"Erä{batch}",
            organisation=organisations[i % len(organisations)],
        )
        for i in range(learners)
    ]
    User.objects.bulk_create(people)
    people = list(User.objects.filter(email__startswith=f"bulk{batch}-").order_by("pk"))
    Membership.objects.bulk_create(
        [Membership(cohort=cohort, user=u, role=Membership.Role.LEARNER) for u in people]
    )
    Membership.objects.filter(cohort=cohort, user__in=people).update(
        joined_at=now - datetime.timedelta(days=40)
    )
    items = list(Item.objects.filter(module__course_id=cohort.course_id).order_by("pk"))
    Completion.objects.bulk_create(
        [
            Completion(user=u, item=item)
            for n, u in enumerate(people)
            for item in items[: n % (len(items) + 1)]
        ]
    )
    # Some learners idle for a month: at risk.
    Completion.objects.filter(user__in=people[::3]).update(
        completed_at=now - datetime.timedelta(days=30)
    )
    workshop = Workshop.objects.filter(course_id=cohort.course_id).order_by("pk").first()
    if workshop is None:
        return people
    assignment = Assignment.objects.filter(workshop=workshop).order_by("phase", "pk").first()
    experiments = [
        Experiment(workshop=workshop, cohort=cohort, title=f"Kokeilu {i}", created_by=u)
        for i, u in enumerate(people)
    ]
    Experiment.objects.bulk_create(experiments)
    experiments = list(
        Experiment.objects.filter(cohort=cohort, created_by__in=people).order_by("created_by_id")
    )
    ExperimentMember.objects.bulk_create(
        [
            ExperimentMember(
                experiment=e, user_id=e.created_by_id, cohort=cohort, workshop=workshop
            )
            for e in experiments
        ]
    )
    ExperimentEvent.objects.bulk_create(
        [
            ExperimentEvent(
                experiment=e, actor_id=e.created_by_id, kind="created", phase=1, cycle=1
            )
            for e in experiments
        ]
    )
    if assignment is not None:
        statuses = ["received", "approved", "revision", None]
        Submission.objects.bulk_create(
            [
                Submission(
                    assignment=assignment,
                    cohort=cohort,
                    learner_id=e.created_by_id,
                    experiment=e,
                    text="Haaste",
                    status=statuses[n % 4],
                    processed_at=now - datetime.timedelta(days=n % 9),
                )
                for n, e in enumerate(experiments)
                if statuses[n % 4]
            ]
        )
        Review.objects.bulk_create(
            [
                Review(submission=s, reviewer=instructor, decision="approve", feedback="Hyvä")
                for s in Submission.objects.filter(
                    cohort=cohort, learner__in=people, status__in=["approved", "revision"]
                )
            ]
        )
    sessions = list(WorkshopSession.objects.filter(cohort=cohort))
    if not sessions:
        sessions = [
            WorkshopSession.objects.create(
                workshop=workshop,
                cohort=cohort,
                title=f"Työpaja {n}",
                starts_at=now - datetime.timedelta(days=20 - 7 * n),
                ends_at=now - datetime.timedelta(days=20 - 7 * n, hours=-3),
            )
            for n in range(3)
        ]
    Attendance.objects.bulk_create(
        [
            Attendance(
                session=s,
                learner=u,
                status=("present", "absent", "excused")[n % 3],
                recorded_by=instructor,
            )
            for n, u in enumerate(people)
            for s in sessions[:2]
        ]
    )
    Nudge.objects.bulk_create(
        [
            Nudge(cohort=cohort, learner=u, sent_by=instructor, sent_on=timezone.localdate())
            for u in people[::6]
        ]
    )
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=u,
                category=Notification.Category.DEADLINES,
                key=f"bulk-{batch}-{u.pk}",
                subject="Muistutus",
                body="Muistutus.",
                email_status=("sent", "failed", "digest")[n % 3],
            )
            for n, u in enumerate(people)
        ]
    )
    return people
