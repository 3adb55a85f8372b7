"""Reads of the privacy app, each a fixed number of queries however much data there is."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import OuterRef, QuerySet, Subquery

from learners.models import Membership

from .models import AccessLogEntry, DataExport, ErasureRequest

if TYPE_CHECKING:
    from core.models import User

EXPORTS_SHOWN = 5


def exports_of(user: User) -> list[DataExport]:
    """The person's latest archives (one query)."""
    return list(DataExport.objects.filter(user=user).defer("error")[:EXPORTS_SHOWN])


def access_log_of(user: User) -> QuerySet[AccessLogEntry]:
    """Who opened the person's work, newest first, with the viewer's role in that cohort."""
    role = Membership.objects.filter(user=OuterRef("viewer"), cohort=OuterRef("cohort")).values(
        "role"
    )[:1]
    return (
        AccessLogEntry.objects.filter(learner=user)
        .select_related("viewer", "cohort")
        .annotate(viewer_role=Subquery(role))
        .order_by("-created_at", "-pk")
    )


def open_erasure_of(user: User) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(user=user, status=ErasureRequest.Status.REQUESTED).first()


def erasures_visible_to(user: User) -> QuerySet[ErasureRequest]:
    """Every request for the superuser; for a coordinator, those of people who are members of a
    cohort they coordinate."""
    qs = ErasureRequest.objects.select_related("user", "requested_by", "erased_by").order_by(
        "status", "-created_at", "-pk"
    )
    if user.is_superuser:
        return qs
    coordinated = Membership.objects.filter(user=user, role=Membership.Role.COORDINATOR).values(
        "cohort_id"
    )
    members = Membership.objects.filter(cohort_id__in=coordinated).values("user_id")
    return qs.filter(user_id__in=members)


def cohorts_by_person(viewer: User, requests: Iterable[ErasureRequest]) -> dict[int, list[str]]:
    """The names of the cohorts (of those the viewer sees) of each requesting person."""
    user_ids = {r.user_id for r in requests}
    memberships = Membership.objects.filter(user_id__in=user_ids).select_related("cohort")
    if not viewer.is_superuser:
        memberships = memberships.filter(
            cohort__memberships__user=viewer,
            cohort__memberships__role=Membership.Role.COORDINATOR,
        )
    names: dict[int, list[str]] = defaultdict(list)
    for m in memberships.order_by("cohort__name"):
        names[m.user_id].append(f"{m.cohort.name} ({m.get_role_display()})")
    return dict(names)
