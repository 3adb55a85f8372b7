"""Course tasks: thin wrappers that load by id and call a service."""

from celery import shared_task

from core.tasks import RETRY_TASK_OPTIONS, SWEEP_TASK_OPTIONS

from . import outbox, services


@shared_task(**RETRY_TASK_OPTIONS)
def certificate_issue(certificate_id: int) -> bool:
    """Issue one pending certificate (idempotent: a duplicate run finds nothing to claim)."""
    return services.certificate_issue(certificate_id=certificate_id)


@shared_task(**SWEEP_TASK_OPTIONS)
def certificate_retry_stalled() -> int:
    """Beat: queue again the certificates stuck pending or issuing (a worker died)."""
    return len(services.certificate_retry_stalled())


@shared_task(**RETRY_TASK_OPTIONS)
def certificate_name_refresh(certificate_id: int) -> bool:
    """After its holder's name changed: their name on the certificate, its credential and PDF
    (idempotent: a certificate already showing the current name is left alone)."""
    return services.certificate_name_refresh(certificate_id=certificate_id)


@shared_task(**SWEEP_TASK_OPTIONS)
def certificate_names_sweep() -> int:
    """Beat: queue the refresh of the certificates still showing an earlier name."""
    return len(services.certificate_names_sweep())


@shared_task(**RETRY_TASK_OPTIONS)
def completion_check_run(wanted_id: int) -> int | None:
    """Run one wanted completion check (courses/outbox.py) and delete its row (idempotent)."""
    return outbox.completion_check_run(wanted_id=wanted_id)


@shared_task(**SWEEP_TASK_OPTIONS)
def completion_checks_sweep() -> int:
    """Beat: publish again the completion checks still waiting after their period."""
    return len(outbox.completion_checks_sweep())


# Kept for messages published before the wanted-check rows existed.
@shared_task(**RETRY_TASK_OPTIONS)
def submission_completion_check(submission_id: int) -> int:
    """After a workshop decision: check course completion for the submission's whole team
    (idempotent: at most one certificate per learner and course). Returns how many hold one."""
    return len(services.submission_completion_check(submission_id=submission_id))


@shared_task(**RETRY_TASK_OPTIONS)
def completion_check(course_id: int, user_ids: list[int]) -> int:
    """After attendance is recorded: check course completion for these learners (idempotent)."""
    return len(services.completion_check(course_id=course_id, user_ids=user_ids))
