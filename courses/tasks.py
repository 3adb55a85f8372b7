"""Course tasks: thin wrappers that load by id and call a service."""

from celery import shared_task

from core.tasks import RETRY_TASK_OPTIONS

from . import services


@shared_task(**RETRY_TASK_OPTIONS)
def certificate_issue(certificate_id: int) -> bool:
    """Issue one pending certificate (idempotent: a duplicate run finds nothing to claim)."""
    return services.certificate_issue(certificate_id=certificate_id)


@shared_task(acks_late=True)
def certificate_retry_stalled() -> int:
    """Beat: queue again the certificates stuck pending or issuing (a worker died)."""
    return len(services.certificate_retry_stalled())


@shared_task(**RETRY_TASK_OPTIONS)
def submission_completion_check(submission_id: int) -> int:
    """After a workshop decision: check course completion for the submission's whole team
    (idempotent: at most one certificate per learner and course). Returns how many hold one."""
    return len(services.submission_completion_check(submission_id=submission_id))


@shared_task(**RETRY_TASK_OPTIONS)
def completion_check(course_id: int, user_ids: list[int]) -> int:
    """After attendance is recorded: check course completion for these learners (idempotent)."""
    return len(services.completion_check(course_id=course_id, user_ids=user_ids))
