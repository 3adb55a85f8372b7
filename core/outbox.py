"""Publishing Celery tasks as hints after commit.

The row written with the user's action (a pending file, a queued notification, a "check wanted"
marker, an import or export job) is the source of truth. The task published after the commit is
only a hint that the work can start now: if the broker is down, the publish failure is logged and
swallowed, so a committed write never answers 500, and a beat sweeper finds the row later.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

logger = logging.getLogger("alueagentti.outbox")


# After a failed publish this process leaves the broker alone for a few seconds: a learner's
# submit with three files during an outage waits for one failed connection, not three, and the
# sweepers publish the rows once the broker is back.
PUBLISH_PAUSE_SECONDS = 10.0
_paused_until = 0.0


def publish(task: Any, *args: Any, **options: Any) -> bool:
    """Publish `task(*args)` now; log and return False when the broker cannot take it.

    `options` are passed to `apply_async` (for example `queue` or `countdown`).
    """
    global _paused_until
    eager = bool(
        getattr(getattr(getattr(task, "app", None), "conf", None), "task_always_eager", True)
    )
    if not eager and time.monotonic() < _paused_until:
        logger.warning(
            "publish of %s%r skipped: the broker failed moments ago; the sweeper will pick it up",
            getattr(task, "name", task),
            args,
        )
        return False
    try:
        task.apply_async(args=args, **options)
    except Exception:  # any broker or connection error: the sweeper will find the row
        if not eager:
            _paused_until = time.monotonic() + PUBLISH_PAUSE_SECONDS
        logger.warning(
            "publish of %s%r failed; the sweeper will pick it up",
            getattr(task, "name", task),
            args,
            exc_info=True,
        )
        return False
    return True


def publish_on_commit(task: Any, *args: Any, **options: Any) -> None:
    """Publish `task(*args)` after the current transaction commits, as a hint.

    A failing publish never raises into the response and never stops the transaction's other
    on-commit hooks (each hook is its own `robust` callback).
    """
    transaction.on_commit(PublishHint(task, args, options), robust=True)


@dataclass(frozen=True)
class PublishHint:
    """The on-commit hook of `publish_on_commit`; tests read `task` and `args` from the hooks
    that `django_capture_on_commit_callbacks` captured."""

    task: Any
    args: tuple[Any, ...]
    options: dict[str, Any]

    def __call__(self) -> None:
        publish(self.task, *self.args, **self.options)


# --- retries with growing intervals ----------------------------------------------------------


def outbox_period(kind: str) -> datetime.timedelta:
    """The sweeper period of a kind (settings.OUTBOX_PERIODS, seconds): how often its beat
    sweeper runs, and how long a row may wait before the sweeper publishes it again."""
    periods: dict[str, int] = getattr(settings, "OUTBOX_PERIODS", {})
    return datetime.timedelta(seconds=periods.get(kind, 300))


def backoff(period: datetime.timedelta, attempts: int) -> datetime.timedelta:
    """The wait before the next sweep of a row already published `attempts` times: the period,
    doubled at each attempt, at most OUTBOX_MAX_BACKOFF seconds."""
    cap = datetime.timedelta(seconds=getattr(settings, "OUTBOX_MAX_BACKOFF", 3600))
    return min(period * (2 ** max(attempts - 1, 0)), cap)


def first_attempt_at(kind: str) -> datetime.datetime:
    """When the sweeper first looks at a row written now (its task normally finishes first)."""
    return timezone.now() + outbox_period(kind)


def max_attempts() -> int:
    """Sweeps after which a row counts as failed and waits for a person (the stuck-work page)."""
    return int(getattr(settings, "OUTBOX_MAX_ATTEMPTS", 10))


def sweep(
    rows: QuerySet[Any],
    *,
    kind: str,
    publish_row: Callable[[int], object],
    now: datetime.datetime | None = None,
    limit: int = 500,
) -> list[int]:
    """Publish again the rows of `rows` whose `next_attempt_at` has passed.

    `rows` are the waiting rows of one kind; their model has `attempts` and `next_attempt_at`;
    `publish_row(pk)` publishes the row's task (with `publish`, so a broker outage is logged).
    Each row is claimed with a conditional update on the values read, so two sweeps running at
    once (a doubled beat) publish it once; the claim also schedules the following sweep with a
    growing interval. Rows swept `max_attempts()` times are left for a person. Returns the ids
    published.
    """
    now = now or timezone.now()
    model = rows.model
    period = outbox_period(kind)
    due = (
        rows.filter(next_attempt_at__lte=now, attempts__lt=max_attempts())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "attempts", "next_attempt_at")[:limit]
    )
    published = []
    for pk, attempts, next_at in list(due):
        claimed = model.objects.filter(pk=pk, attempts=attempts, next_attempt_at=next_at).update(
            attempts=attempts + 1, next_attempt_at=now + backoff(period, attempts + 1)
        )
        if claimed:
            publish_row(pk)
            published.append(pk)
    if published:
        logger.info("sweeper %s published %s waiting rows again", kind, len(published))
    return published


def make_due(rows: QuerySet[Any], *, now: datetime.datetime | None = None) -> int:
    """A person's retry: the rows (failed ones included) are due now with their count reset."""
    return rows.update(attempts=0, next_attempt_at=now or timezone.now())


# --- the registry of kinds, for the stuck-work page and the health endpoint ----------------


@dataclass(frozen=True)
class Backlog:
    """How much work of one kind waits. `queued`: handed to a worker (claimed, in progress);
    `pending`: written and waiting for a worker; `failed`: automatic retries gave up; `oldest`:
    when the oldest waiting (pending or queued) row was written; `overdue`: waiting rows the
    sweeper should already have published again (their sweep time is a period behind)."""

    pending: int = 0
    queued: int = 0
    failed: int = 0
    oldest: datetime.datetime | None = None
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.queued + self.failed


# `None` means every cohort (the superuser); otherwise the ids of the cohorts in view.
CohortScope = Collection[int] | None


@dataclass(frozen=True)
class Kind:
    """One kind of outbox row: how to count its backlog and how a person retries it."""

    key: str
    label: Any  # a lazy translated string
    queue: str
    backlog: Callable[[CohortScope, datetime.datetime], Backlog]
    # Make the scope's waiting and failed rows due now and sweep them; returns how many.
    retry: Callable[[CohortScope], int]
    sweeper: str = ""  # the beat task's name
    order: int = 100
    # The sweeper as a plain function of the time (tests and the fault suite move time).
    sweep: Callable[[datetime.datetime], object] | None = None


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Called by each app's `outbox` module (found by `autodiscover`)."""
    _KINDS[kind.key] = kind
    return kind


def kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.key))


def get_kind(key: str) -> Kind | None:
    return _KINDS.get(key)


def sweep_all(now: datetime.datetime | None = None) -> dict[str, object]:
    """Run every kind's sweeper once, as beat would (at `now`); returns each one's result."""
    now = now or timezone.now()
    return {kind.key: kind.sweep(now) for kind in kinds() if kind.sweep is not None}


def autodiscover() -> None:
    """Import every installed app's `outbox` module, which registers its kinds."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("outbox")


def scoped(rows: QuerySet[Any], scope: CohortScope, field: str = "cohort_id") -> QuerySet[Any]:
    return rows if scope is None else rows.filter(**{f"{field}__in": list(scope)})


def overdue_before(kind: str, now: datetime.datetime) -> datetime.datetime:
    """Waiting rows due for a sweep before this moment have missed one: the work is late."""
    return now - outbox_period(kind)


def attempts_backlog(rows: QuerySet[Any], *, kind: str, now: datetime.datetime) -> Backlog:
    """The backlog of rows swept by `sweep` (`attempts`, `next_attempt_at`, `created_at`): each
    waits until its automatic tries run out, then counts as failed."""
    failed = Q(attempts__gte=max_attempts())
    stats = rows.aggregate(
        waiting=Count("pk", filter=~failed),
        failed=Count("pk", filter=failed),
        overdue=Count("pk", filter=~failed & Q(next_attempt_at__lt=overdue_before(kind, now))),
        oldest=Min("created_at"),
    )
    return Backlog(
        pending=stats["waiting"],
        failed=stats["failed"],
        oldest=stats["oldest"],
        overdue=stats["overdue"],
    )


def job_backlog(
    rows: QuerySet[Any],
    *,
    kind: str,
    now: datetime.datetime,
    claim_stale: datetime.timedelta,
    failed_shown: datetime.timedelta,
) -> Backlog:
    """The backlog of job rows (exports, personal data archives): `status` pending / running /
    failed, `claimed_at` while running. A pending job out of automatic tries counts as failed,
    as does a failed one younger than `failed_shown`; a running one is late once its claim is
    older than `claim_stale` plus a sweeper period."""
    exhausted = Q(status="pending", attempts__gte=max_attempts())
    pending = Q(status="pending") & ~exhausted
    running = Q(status="running")
    late = overdue_before(kind, now)
    stats = rows.filter(status__in=("pending", "running", "failed")).aggregate(
        pending=Count("pk", filter=pending),
        queued=Count("pk", filter=running),
        failed=Count(
            "pk", filter=Q(status="failed", created_at__gte=now - failed_shown) | exhausted
        ),
        overdue=Count(
            "pk",
            filter=(pending & Q(next_attempt_at__lt=late))
            | (running & Q(claimed_at__lt=late - claim_stale)),
        ),
        oldest=Min("created_at", filter=pending | running),
    )
    return Backlog(
        pending=stats["pending"],
        queued=stats["queued"],
        failed=stats["failed"],
        oldest=stats["oldest"],
        overdue=stats["overdue"],
    )


# --- the worker heartbeat ----------------------------------------------------------------------

HEARTBEAT = "worker"


def heartbeat_write(now: datetime.datetime | None = None) -> datetime.datetime:
    from .models import Heartbeat

    now = now or timezone.now()
    Heartbeat.objects.update_or_create(name=HEARTBEAT, defaults={"beat_at": now})
    return now


def heartbeat_read() -> datetime.datetime | None:
    from .models import Heartbeat

    return Heartbeat.objects.filter(name=HEARTBEAT).values_list("beat_at", flat=True).first()


# --- health ------------------------------------------------------------------------------------


def _broker_status() -> str:
    if not getattr(settings, "CELERY_BROKER_URL", ""):
        return "in-process"
    from config.celery import app

    try:
        with app.connection_for_write(url=settings.CELERY_BROKER_URL) as connection:
            connection.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=2
            )
    except Exception:  # any failure to connect means the broker cannot take work now
        logger.warning("health: the broker cannot be reached", exc_info=True)
        return "unavailable"
    return "ok"


def health(now: datetime.datetime | None = None) -> dict[str, Any]:
    """What /healthz reports: `down` when the database does not answer; `degraded` when the
    broker cannot be reached, no worker has beaten for three heartbeat periods, or work of any
    kind has waited a sweeper period past its sweep time; `ok` otherwise."""
    from django.db import connection

    now = now or timezone.now()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # the database is the one thing the site cannot work without
        logger.exception("health: the database does not answer")
        return {"status": "down", "database": "unavailable"}
    report: dict[str, Any] = {"status": "ok", "database": "ok", "broker": _broker_status()}
    problems = report["broker"] == "unavailable"
    if report["broker"] == "in-process":
        report["worker"] = {"status": "in-process"}
    else:
        beat_at = heartbeat_read()
        period = int(getattr(settings, "WORKER_HEARTBEAT_PERIOD", 60))
        if beat_at is None:
            report["worker"] = {"status": "not seen"}
            problems = True
        else:
            age = max(0, int((now - beat_at).total_seconds()))
            late = age > 3 * period
            report["worker"] = {"status": "late" if late else "ok", "heartbeat_age_seconds": age}
            problems = problems or late
    late_work: dict[str, dict[str, Any]] = {}
    for kind in kinds():
        try:
            backlog = kind.backlog(None, now)
        except Exception:  # a kind that cannot be counted is reported, never a 500
            logger.exception("health: the backlog of %s could not be counted", kind.key)
            late_work[kind.key] = {"error": True}
            continue
        if backlog.overdue:
            late_work[kind.key] = {
                "overdue": backlog.overdue,
                "oldest_age_seconds": (
                    int((now - backlog.oldest).total_seconds()) if backlog.oldest else None
                ),
            }
    report["late_work"] = late_work
    if problems or late_work:
        report["status"] = "degraded"
    return report


# --- email rows (core/mail.py): queued -> sending -> sent / failed / uncertain -------------------

# Failed emails are offered for a retry for a week; older ones stay in the notification log.
EMAIL_FAILED_SHOWN = datetime.timedelta(days=7)


def email_backlog(rows: QuerySet[Any], now: datetime.datetime) -> Backlog:
    """The backlog of a model with core/mail.py's email columns (notifications, invitations).
    Late: queued and due for over a sweeper period (a minute, core.mail's sweep), or sending
    past the point where the sweeper should have taken it back."""

    from . import mail

    queued = Q(email_status="queued")
    sending = Q(email_status="sending")
    grace = datetime.timedelta(minutes=2)
    stats = rows.filter(
        queued | sending | Q(email_status="failed", created_at__gte=now - EMAIL_FAILED_SHOWN)
    ).aggregate(
        pending=Count("pk", filter=queued),
        queued=Count("pk", filter=sending),
        failed=Count("pk", filter=Q(email_status="failed")),
        overdue=Count(
            "pk",
            filter=(queued & Q(next_attempt_at__lt=now - grace))
            | (sending & Q(claimed_at__lt=now - mail.sending_stale_after() - grace)),
        ),
        oldest=Min("created_at", filter=queued | sending),
    )
    return Backlog(
        pending=stats["pending"],
        queued=stats["queued"],
        failed=stats["failed"],
        oldest=stats["oldest"],
        overdue=stats["overdue"],
    )


def email_retry(rows: QuerySet[Any], *, publish_batch: Callable[[list[int]], Any]) -> int:
    """A person's retry: recent failed emails are queued again with a fresh retry window (the
    same Message-ID), and core.mail's sweeper publishes every due one of `rows` now."""
    from . import mail

    now = timezone.now()
    rows.filter(email_status="failed", created_at__gte=now - EMAIL_FAILED_SHOWN).update(
        email_status="queued", next_attempt_at=now, retry_until=now + mail.retry_window()
    )
    rows.filter(email_status="queued").update(next_attempt_at=now)
    return len(mail.sweep(queryset=rows, publish_batch=publish_batch, now=now).published)
