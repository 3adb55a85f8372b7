"""The courses' background work as outbox rows, with their sweepers (core/outbox.py).

- A *completion check wanted* (CompletionCheckWanted) is written with whatever may finish the
  course (an approval, a sent answer, attendance). Its task runs the idempotent completion
  check and deletes the row; `completion_checks_sweep` publishes the task again while it waits.
- A *pending certificate* (Certificate pending/issuing) is issued by `certificate_issue`;
  `certificate_retry_stalled` (courses/services.py) re-queues one stuck past ten minutes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import outbox
from core.outbox import Backlog, CohortScope

from .models import Certificate, CompletionCheckWanted

KIND = "completion"


def completion_check_want(
    *,
    course_id: int | None = None,
    submission_id: int | None = None,
    user_ids: Iterable[int] = (),
    cohort_id: int | None = None,
) -> CompletionCheckWanted | None:
    """Write a wanted completion check in the caller's transaction and publish its task after
    commit, as a hint. With `submission_id`, the course and cohort are the submission's: a
    caller that has the submission in hand gives them (no query); otherwise they are read, and
    a submission that no longer exists wants no check."""
    if submission_id is not None and course_id is None:
        from workshops.models import Submission

        found = (
            Submission.objects.filter(pk=submission_id)
            .values_list("assignment__workshop__course_id", "cohort_id")
            .first()
        )
        if found is None:
            return None
        course_id, cohort_id = found
    if course_id is None:
        return None
    wanted = CompletionCheckWanted.objects.create(
        course_id=course_id,
        cohort_id=cohort_id,
        submission_id=submission_id,
        user_ids=sorted(set(user_ids)),
    )
    from .tasks import completion_check_run

    outbox.publish_on_commit(completion_check_run, wanted.pk)
    return wanted


def completion_check_run(*, wanted_id: int) -> int | None:
    """Run one wanted check (idempotent: one certificate per learner and course) and delete
    its row. Returns how many of the learners hold a certificate, None if already done."""
    from . import services

    wanted = CompletionCheckWanted.objects.filter(pk=wanted_id).first()
    if wanted is None:
        return None
    if wanted.submission_id is not None:
        found = services.submission_completion_check(submission_id=wanted.submission_id)
    else:
        found = services.completion_check(course_id=wanted.course_id, user_ids=wanted.user_ids)
    CompletionCheckWanted.objects.filter(pk=wanted_id).delete()
    return len(found)


def completion_checks_sweep(
    *, now: datetime.datetime | None = None, scope: CohortScope = None
) -> list[int]:
    """Beat: publish again the wanted checks whose task was lost (see core.outbox.sweep)."""
    from .tasks import completion_check_run as task

    rows = outbox.scoped(CompletionCheckWanted.objects.all(), scope)
    return outbox.sweep(rows, kind=KIND, publish_row=lambda pk: outbox.publish(task, pk), now=now)


def _completion_backlog(scope: CohortScope, now: datetime.datetime) -> Backlog:
    return outbox.attempts_backlog(
        outbox.scoped(CompletionCheckWanted.objects.all(), scope), kind=KIND, now=now
    )


def _completion_retry(scope: CohortScope) -> int:
    now = timezone.now()
    outbox.make_due(outbox.scoped(CompletionCheckWanted.objects.all(), scope), now=now)
    return len(completion_checks_sweep(now=now, scope=scope))


outbox.register(
    outbox.Kind(
        key=KIND,
        label=_("Course completion checks"),
        queue="default",
        backlog=_completion_backlog,
        retry=_completion_retry,
        sweeper="courses.tasks.completion_checks_sweep",
        sweep=lambda now: completion_checks_sweep(now=now),
        order=30,
    )
)


# --- certificates: the pending certificate is the row ----------------------------------------


def _certificate_backlog(scope: CohortScope, now: datetime.datetime) -> Backlog:
    from .services import CERTIFICATE_STALLED_AFTER

    rows = outbox.scoped(Certificate.objects.all(), scope)
    pending = Q(status=Certificate.Status.PENDING)
    issuing = Q(status=Certificate.Status.ISSUING)
    late = now - CERTIFICATE_STALLED_AFTER - outbox.outbox_period("certificates")
    stats = rows.filter(pending | issuing).aggregate(
        pending=Count("pk", filter=pending),
        queued=Count("pk", filter=issuing),
        overdue=Count(
            "pk",
            filter=Q(claimed_at__lt=late) | Q(claimed_at__isnull=True, created_at__lt=late),
        ),
        oldest=Min("created_at"),
    )
    return Backlog(
        pending=stats["pending"],
        queued=stats["queued"],
        oldest=stats["oldest"],
        overdue=stats["overdue"],
    )


def _certificates_sweep(now: datetime.datetime) -> list[int]:
    from .services import certificate_retry_stalled

    return certificate_retry_stalled(now=now)


def _certificate_retry(scope: CohortScope) -> int:
    from .services import certificate_retry_stalled

    rows = outbox.scoped(Certificate.objects.all(), scope).filter(
        status__in=(Certificate.Status.PENDING, Certificate.Status.ISSUING)
    )
    return len(certificate_retry_stalled(only=rows.values_list("pk", flat=True)[:500]))


outbox.register(
    outbox.Kind(
        key="certificates",
        label=_("Certificates being issued"),
        queue="default",
        backlog=_certificate_backlog,
        retry=_certificate_retry,
        sweeper="courses.tasks.certificate_retry_stalled",
        sweep=_certificates_sweep,
        order=40,
    )
)
