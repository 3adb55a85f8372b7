"""The privacy app's background work as outbox rows, with their sweeper (core/outbox.py).

A *personal data archive* (DataExport pending / running) is the source of truth for its task:
a pending one is published again after its period; a running one whose claim is older than the
task's time limit goes back to pending.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import outbox
from core.outbox import Backlog, CohortScope

from .models import DataExport

KIND = "data_exports"
# Longer than the task's hard time limit (learners.tasks.BULK_TASK_OPTIONS, 30 min).
CLAIM_STALE = datetime.timedelta(minutes=35)
FAILED_SHOWN = datetime.timedelta(days=7)


def _rows(scope: CohortScope):  # noqa: ANN202 - a QuerySet of DataExport
    # Archives belong to a person, not a cohort: a coordinator sees those of their cohorts'
    # members; the superuser (scope None) all.
    rows = DataExport.objects.all()
    if scope is not None:
        rows = rows.filter(user__memberships__cohort_id__in=list(scope)).distinct()
    return rows


def data_exports_sweep(
    *, now: datetime.datetime | None = None, scope: CohortScope = None
) -> list[int]:
    """Beat: a running archive whose worker is gone goes back to pending; pending archives
    whose task was lost are published again."""
    from .tasks import data_export_build

    now = now or timezone.now()
    _rows(scope).filter(status=DataExport.Status.RUNNING, claimed_at__lt=now - CLAIM_STALE).update(
        status=DataExport.Status.PENDING, claimed_at=None, next_attempt_at=now
    )
    return outbox.sweep(
        DataExport.objects.filter(
            status=DataExport.Status.PENDING,
            pk__in=_rows(scope).values("pk"),
        ),
        kind=KIND,
        publish_row=lambda pk: outbox.publish(data_export_build, pk),
        now=now,
    )


def _backlog(scope: CohortScope, now: datetime.datetime) -> Backlog:
    return outbox.job_backlog(
        DataExport.objects.filter(pk__in=_rows(scope).values("pk")),
        kind=KIND,
        now=now,
        claim_stale=CLAIM_STALE,
        failed_shown=FAILED_SHOWN,
    )


def _retry(scope: CohortScope) -> int:
    """A person's retry: failed archives are made again, waiting ones published now."""
    now = timezone.now()
    DataExport.objects.filter(
        pk__in=_rows(scope).values("pk"),
        status=DataExport.Status.FAILED,
        created_at__gte=now - FAILED_SHOWN,
    ).update(status=DataExport.Status.PENDING, error="", finished_at=None, claimed_at=None)
    outbox.make_due(
        DataExport.objects.filter(
            pk__in=_rows(scope).values("pk"), status=DataExport.Status.PENDING
        ),
        now=now,
    )
    return len(data_exports_sweep(now=now, scope=scope))


outbox.register(
    outbox.Kind(
        key=KIND,
        label=_("Personal data archives"),
        queue="bulk",
        backlog=_backlog,
        retry=_retry,
        sweeper="privacy.tasks.data_exports_sweep",
        sweep=lambda now: data_exports_sweep(now=now),
        order=65,
    )
)
