from celery import shared_task

from core.tasks import EMAIL_TASK_OPTIONS, MAX_EMAIL_RETRIES

from . import services


@shared_task(**EMAIL_TASK_OPTIONS)
def invitation_send_email(self, invitation_id: int) -> bool:  # type: ignore[no-untyped-def]
    try:
        return services.invitation_send_email(invitation_id=invitation_id)
    except Exception as exc:
        if self.request.retries >= MAX_EMAIL_RETRIES:
            services.invitation_mark_failed(invitation_id=invitation_id, error=str(exc))
            return False
        raise


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=29 * 60)
def invitation_import_check(import_id: int) -> bool:
    return services.import_check(import_id=import_id)


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=29 * 60)
def invitation_import_apply(import_id: int) -> int:
    return services.import_apply(import_id=import_id)


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=29 * 60)
def export_build(job_id: int) -> bool:
    return services.export_build(job_id=job_id)
