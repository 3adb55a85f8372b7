"""The learners app's background work as outbox rows, with their sweepers (core/outbox.py).

- An *invitation upload* being checked or applied (InvitationImport checking / applying) is
  the source of truth for its task. The task refreshes `claimed_at` as it goes; the sweeper
  publishes it again when the claim is older than IMPORT_CLAIM_STALE (the worker died, the
  publish was lost) and its `next_attempt_at` has passed. Both tasks are idempotent.
- An *export job* (ExportJob pending / running): a pending job is published again after its
  period; a running one whose claim is older than the export's time limit goes back to pending.

The invitation emails themselves are the "mail" side (learners/tasks.py invitation_send_email).
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import outbox
from core.outbox import Backlog, CohortScope

from .models import ExportJob, Invitation, InvitationImport

IMPORTS = "imports"
EXPORTS = "exports"

# Longer than any batch of an import takes (each refreshes the claim): a claim this old has no
# live worker behind it.
IMPORT_CLAIM_STALE = datetime.timedelta(minutes=10)
# Longer than the export task's hard time limit (learners/tasks.py, 30 min).
EXPORT_CLAIM_STALE = datetime.timedelta(minutes=35)
# Failed exports are offered for a retry for a week; an older one is simply requested again.
EXPORT_FAILED_SHOWN = datetime.timedelta(days=7)

_WORKING = (InvitationImport.Status.CHECKING, InvitationImport.Status.APPLYING)


def _imports(scope: CohortScope) -> QuerySet[InvitationImport]:
    return outbox.scoped(InvitationImport.objects.filter(status__in=_WORKING), scope)


def _import_task(pk: int) -> None:
    from .tasks import invitation_import_apply, invitation_import_check

    status = InvitationImport.objects.filter(pk=pk).values_list("status", flat=True).first()
    if status == InvitationImport.Status.CHECKING:
        outbox.publish(invitation_import_check, pk)
    elif status == InvitationImport.Status.APPLYING:
        outbox.publish(invitation_import_apply, pk)


def invitation_imports_sweep(
    *, now: datetime.datetime | None = None, scope: CohortScope = None
) -> list[int]:
    """Beat: publish again the uploads whose check or apply has no live worker behind it."""
    now = now or timezone.now()
    stale = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - IMPORT_CLAIM_STALE)
    return outbox.sweep(
        _imports(scope).filter(stale), kind=IMPORTS, publish_row=_import_task, now=now
    )


def _imports_backlog(scope: CohortScope, now: datetime.datetime) -> Backlog:
    failed = Q(attempts__gte=outbox.max_attempts())
    working = ~failed & Q(claimed_at__gte=now - IMPORT_CLAIM_STALE)
    overdue = ~failed & ~working & Q(next_attempt_at__lt=outbox.overdue_before(IMPORTS, now))
    stats = _imports(scope).aggregate(
        pending=Count("pk", filter=~failed & ~working),
        queued=Count("pk", filter=working),
        failed=Count("pk", filter=failed),
        overdue=Count("pk", filter=overdue),
        oldest=Min("created_at"),
    )
    return Backlog(
        pending=stats["pending"],
        queued=stats["queued"],
        failed=stats["failed"],
        oldest=stats["oldest"],
        overdue=stats["overdue"],
    )


def _imports_retry(scope: CohortScope) -> int:
    now = timezone.now()
    stale = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - IMPORT_CLAIM_STALE)
    outbox.make_due(_imports(scope).filter(stale), now=now)
    return len(invitation_imports_sweep(now=now, scope=scope))


outbox.register(
    outbox.Kind(
        key=IMPORTS,
        label=_("Invitation uploads"),
        queue="bulk",
        backlog=_imports_backlog,
        retry=_imports_retry,
        sweeper="learners.tasks.invitation_imports_sweep",
        sweep=lambda now: invitation_imports_sweep(now=now),
        order=50,
    )
)


# --- exports -----------------------------------------------------------------------------------


def exports_sweep(*, now: datetime.datetime | None = None, scope: CohortScope = None) -> list[int]:
    """Beat: a running export whose worker is gone goes back to pending; pending exports whose
    task was lost are published again."""
    from .tasks import export_build

    now = now or timezone.now()
    outbox.scoped(
        ExportJob.objects.filter(
            status=ExportJob.Status.RUNNING, claimed_at__lt=now - EXPORT_CLAIM_STALE
        ),
        scope,
    ).update(status=ExportJob.Status.PENDING, claimed_at=None, next_attempt_at=now)
    pending = outbox.scoped(ExportJob.objects.filter(status=ExportJob.Status.PENDING), scope)
    return outbox.sweep(
        pending, kind=EXPORTS, publish_row=lambda pk: outbox.publish(export_build, pk), now=now
    )


def _exports_backlog(scope: CohortScope, now: datetime.datetime) -> Backlog:
    return outbox.job_backlog(
        outbox.scoped(ExportJob.objects.all(), scope),
        kind=EXPORTS,
        now=now,
        claim_stale=EXPORT_CLAIM_STALE,
        failed_shown=EXPORT_FAILED_SHOWN,
    )


def _exports_retry(scope: CohortScope) -> int:
    """A person's retry: failed exports are made again, waiting ones published now."""
    now = timezone.now()
    outbox.scoped(
        ExportJob.objects.filter(
            status=ExportJob.Status.FAILED, created_at__gte=now - EXPORT_FAILED_SHOWN
        ),
        scope,
    ).update(status=ExportJob.Status.PENDING, error="", finished_at=None, claimed_at=None)
    outbox.make_due(
        outbox.scoped(ExportJob.objects.filter(status=ExportJob.Status.PENDING), scope), now=now
    )
    return len(exports_sweep(now=now, scope=scope))


outbox.register(
    outbox.Kind(
        key=EXPORTS,
        label=_("Exports"),
        queue="bulk",
        backlog=_exports_backlog,
        retry=_exports_retry,
        sweeper="learners.tasks.exports_sweep",
        sweep=lambda now: exports_sweep(now=now),
        order=60,
    )
)


# --- invitation emails (core/mail.py's rows; learners/services.py invitation_emails_sweep) ------


def _invitations(scope: CohortScope) -> QuerySet[Invitation]:
    return outbox.scoped(Invitation.objects.filter(status=Invitation.Status.PENDING), scope)


def _invitation_emails_sweep(now: datetime.datetime) -> object:
    from .services import invitation_emails_sweep

    return invitation_emails_sweep(now=now)


def _invitation_emails_retry(scope: CohortScope) -> int:
    from .tasks import invitation_send_emails

    return outbox.email_retry(
        _invitations(scope),
        publish_batch=lambda ids: outbox.publish(invitation_send_emails, ids),
    )


outbox.register(
    outbox.Kind(
        key="invitation_emails",
        label=_("Invitation emails"),
        queue="email",
        backlog=lambda scope, now: outbox.email_backlog(_invitations(scope), now),
        retry=_invitation_emails_retry,
        sweeper="learners.tasks.invitation_emails_sweep",
        sweep=_invitation_emails_sweep,
        order=75,
    )
)
