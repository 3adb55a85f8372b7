from typing import Any

from celery import Task, shared_task

from core.outbox import publish
from core.tasks import (
    EMAIL_TASK_OPTIONS,
    RETRY_TASK_OPTIONS,
    SWEEP_TASK_OPTIONS,
    TaskOptions,
)

from . import outbox, services


@shared_task(**EMAIL_TASK_OPTIONS)
def invitation_send_email(self: Task[Any, Any], invitation_id: int) -> bool:
    """Send one queued invitation (a mail-server failure is recorded on the row, not raised)."""
    return services.invitation_send_email(invitation_id=invitation_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def invitation_send_emails(self: Task[Any, Any], invitation_ids: list[int]) -> int:
    """Send a batch over one connection; what its time budget left goes to a task of its own."""
    delivery = services.invitations_send_emails(invitation_ids=invitation_ids)
    if delivery.left:
        publish(invitation_send_emails, delivery.left)
    return len(delivery.sent)


@shared_task(**SWEEP_TASK_OPTIONS)
def invitation_emails_sweep() -> int:
    """Beat, every minute: invitation emails left queued or stuck `sending` (a worker died, the
    broker was down) are published again in batches; 48 hours of retries, then failed."""
    return len(services.invitation_emails_sweep().published)


# Bulk work (queue "bulk"): long time limits; a transient error is retried with growing waits
# and the upload or job row stays the source of truth for the sweepers (learners/outbox.py).
BULK_TASK_OPTIONS: TaskOptions = {
    **RETRY_TASK_OPTIONS,
    "time_limit": 30 * 60,
    "soft_time_limit": 29 * 60,
}


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


@shared_task(**SWEEP_TASK_OPTIONS)
def rollup_refresh_stale() -> int:
    """After a service touched learners' progress rows (a hint; the sweep is the fallback)."""
    from . import rollup

    return rollup.rollup_refresh_stale()


@shared_task(**SWEEP_TASK_OPTIONS)
def rollup_sweep() -> dict[str, int]:
    """Beat, every minute: recompute the progress rows services touched and recount the
    figures of touched cohorts and of running ones older than ten minutes (learners/rollup.py)."""
    from . import rollup

    return rollup.rollup_sweep()


@shared_task(**BULK_TASK_OPTIONS)
def rollup_rebuild() -> int:
    """Beat, nightly: the whole progress rollup from scratch (mends what no service touches)."""
    from . import rollup

    return rollup.rollup_rebuild()
