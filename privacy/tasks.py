"""Background work of the privacy app (queue `bulk`); each task loads by id and calls a
service, and every one is idempotent."""

from celery import shared_task

from core.tasks import SWEEP_TASK_OPTIONS
from learners.tasks import BULK_TASK_OPTIONS

from . import outbox, services


@shared_task(**BULK_TASK_OPTIONS)
def data_export_build(export_id: int) -> bool:
    """Make one person's archive; a duplicate finds it claimed and stops."""
    return services.data_export_build(export_id=export_id)


@shared_task(**SWEEP_TASK_OPTIONS)
def data_exports_sweep() -> int:
    """Beat: publish again the archives whose worker or message was lost."""
    return len(outbox.data_exports_sweep())


@shared_task(**SWEEP_TASK_OPTIONS)
def data_exports_expire() -> int:
    """Beat, hourly: remove archives kept PRIVACY_EXPORT_KEEP_DAYS."""
    return services.data_exports_expire()


@shared_task(**BULK_TASK_OPTIONS)
def erasures_carry_out_due() -> int:
    """Beat, hourly: carry out erasure requests whose grace period has passed."""
    return services.erasures_carry_out_due()


@shared_task(**BULK_TASK_OPTIONS)
def retention_apply() -> int:
    """Beat, daily: apply the retention periods; returns how many rows were removed."""
    run = services.retention_apply()
    return sum(run.removed.values()) if run else 0
