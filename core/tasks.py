"""Celery options shared by the platform's tasks."""

from collections.abc import Sequence
from typing import Literal, TypedDict

from celery import shared_task
from django.db import InterfaceError, OperationalError

from core.mail import email_task_time_limit


class TaskOptions(TypedDict, total=False):
    """The `shared_task` options used here, typed so that celery-types checks each task."""

    acks_late: bool
    autoretry_for: Sequence[type[BaseException]]
    retry_backoff: bool | int
    retry_backoff_max: int
    retry_jitter: bool
    max_retries: int | None
    time_limit: int
    soft_time_limit: int


class BoundTaskOptions(TaskOptions):
    """Options of a task that receives itself (`bind=True`) as its first argument."""

    bind: Literal[True]


# Email tasks never retry a mail-server failure through Celery: the row records it and gets its
# next attempt (`next_attempt_at`, growing intervals for EMAIL_RETRY_HOURS), which the beat
# sweeper publishes (core/mail.py). Celery retries only a database hiccup before the claim, and
# the time limit bounds a hung server (EMAIL_TIMEOUT per step, EMAIL_BATCH_SECONDS per batch).
EMAIL_TASK_OPTIONS: BoundTaskOptions = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
    "time_limit": email_task_time_limit(),
    "soft_time_limit": email_task_time_limit() - 15,
}

# Tasks that only touch the database or files: transient trouble (a dropped or restarting
# database connection, a full disk for a moment) is retried with growing waits; the work itself
# is idempotent. Django closes a broken connection at the next task, so the retry reconnects.
# The longest wait (retry_backoff_max) must stay below the broker's visibility timeout.
TRANSIENT_ERRORS = (ConnectionError, TimeoutError, OSError, OperationalError, InterfaceError)
RETRY_TASK_OPTIONS: TaskOptions = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "retry_jitter": True,
    "max_retries": 5,
}

# Beat scans (sweepers, reminders): the next beat runs them again anyway, so a transient error
# is retried a few times quickly and then left to the next run.
SWEEP_TASK_OPTIONS: TaskOptions = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 3,
}


@shared_task(**SWEEP_TASK_OPTIONS)
def worker_heartbeat() -> str:
    """Beat, every minute: proves that beat, the broker and a worker all run (see /healthz)."""
    from .outbox import heartbeat_write

    return heartbeat_write().isoformat()


@shared_task(**SWEEP_TASK_OPTIONS)
def staged_uploads_expire() -> int:
    """Beat, hourly: files sent ahead of a form and not used within a day are removed."""
    from .staged_uploads import staged_uploads_expire as expire

    return expire()
