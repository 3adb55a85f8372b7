from celery import shared_task

from core.tasks import (
    EMAIL_TASK_OPTIONS,
    MAX_EMAIL_RETRIES,
    RETRY_TASK_OPTIONS,
    SWEEP_TASK_OPTIONS,
)

from . import outbox, services


@shared_task(**EMAIL_TASK_OPTIONS)
def invitation_send_email(self, invitation_id: int) -> bool:  # type: ignore[no-untyped-def]
    try:
        return services.invitation_send_email(invitation_id=invitation_id)
    except Exception as exc:
        if self.request.retries >= MAX_EMAIL_RETRIES:
            services.invitation_mark_failed(invitation_id=invitation_id, error=str(exc))
            return False
        raise


# Bulk work (queue "bulk"): long time limits; a transient error is retried with growing waits
# and the upload or job row stays the source of truth for the sweepers (learners/outbox.py).
BULK_TASK_OPTIONS = {**RETRY_TASK_OPTIONS, "time_limit": 30 * 60, "soft_time_limit": 29 * 60}


@shared_task(**BULK_TASK_OPTIONS)
def invitation_import_check(import_id: int) -> bool:
    return services.import_check(import_id=import_id)


@shared_task(**BULK_TASK_OPTIONS)
def invitation_import_apply(import_id: int) -> int:
    return services.import_apply(import_id=import_id)


@shared_task(**BULK_TASK_OPTIONS)
def export_build(job_id: int) -> bool:
    return services.export_build(job_id=job_id)


@shared_task(**SWEEP_TASK_OPTIONS)
def invitation_imports_sweep() -> int:
    """Beat: publish again the uploads whose check or apply lost its worker or its message."""
    return len(outbox.invitation_imports_sweep())


@shared_task(**SWEEP_TASK_OPTIONS)
def exports_sweep() -> int:
    """Beat: publish again the exports whose worker or message was lost."""
    return len(outbox.exports_sweep())
