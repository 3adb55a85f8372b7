"""The stuck-work page: background work that waits, per kind, with a retry for each kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import AuthenticatedHttpRequest

from . import outbox
from .access import Role, cohort_ids_for, has_role
from .outbox import CohortScope

if TYPE_CHECKING:
    from .models import User


def _scope(user: User) -> CohortScope:
    """Every cohort for the superuser, the coordinated cohorts for a coordinator; 403 else."""
    if user.is_superuser:
        return None
    if not has_role(user, Role.COORDINATOR):
        raise PermissionDenied
    return cohort_ids_for(user, Role.COORDINATOR)


@login_required
def stuck_work(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The superuser (all work) and coordinators (the work of their cohorts only): per kind,
    how many items wait, are in progress or failed, and how old the oldest is."""
    scope = _scope(request.user)
    now = timezone.now()
    rows = []
    for kind in outbox.kinds():
        backlog = kind.backlog(scope, now)
        rows.append({"kind": kind, "backlog": backlog})
    return render(
        request,
        "core/stuck_work.html",
        {"rows": rows, "now": now, "all_cohorts": scope is None},
    )


@require_POST
@login_required
def stuck_work_retry(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    """The superuser and coordinators (their cohorts' items only): publish the waiting and
    failed items of one kind again now, through its sweeper."""
    scope = _scope(request.user)
    kind = outbox.get_kind(key)
    if kind is None:
        raise Http404
    count = kind.retry(scope)
    if count:
        messages.success(
            request,
            _("%(kind)s: %(count)s items were sent to be processed again.")
            % {"kind": kind.label, "count": count},
        )
    else:
        messages.info(request, _("%(kind)s: nothing was waiting.") % {"kind": kind.label})
    return redirect("core:stuck_work")
