"""Who may reach cohorts, their learners and invitations; and the membership checks other apps'
access rules build on (`member`, `cohorts_for`, `learner_cohorts`).

Views load objects through the `get_*_for_*` helpers, which raise 404 for anything the person
may not reach. Roles themselves (`roles_of`, `has_role`, `require_role`) are in core.access;
this app tells core where memberships are read (`MEMBERSHIPS`, registered in apps.py).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404

from core import prepared
from core.access import STAFF_ROLES, MembershipSource, Role, has_role
from core.models import User
from courses.models import Course

from .models import Cohort, Invitation, InvitationImport, Membership


def member(role_or_roles: str | tuple[str, ...], user: User, cohort_ref: str = "pk") -> Exists:
    """The person holds one of the roles in the cohort that `cohort_ref` points to."""
    roles = (role_or_roles,) if isinstance(role_or_roles, str) else role_or_roles
    return Exists(Membership.objects.filter(cohort=OuterRef(cohort_ref), user=user, role__in=roles))


def cohorts_for(user: User, *roles: str) -> QuerySet[Cohort]:
    """Cohorts in which the person holds one of `roles`; all cohorts for the superuser."""
    qs = Cohort.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(member(roles, user))


def _roles(user: User) -> list[str]:
    return list(Membership.objects.filter(user=user).values_list("role", flat=True))


def _cohort_ids(user: User, roles: tuple[str, ...]) -> list[int]:
    return list(cohorts_for(user, *roles).values_list("pk", flat=True))


MEMBERSHIPS = MembershipSource(roles=_roles, cohort_ids=_cohort_ids)


def get_cohort_for_staff(user: User, pk: int) -> Cohort:
    """A cohort the person instructs or coordinates (or any, for the superuser), with
    `viewer_coordinates`: whether they may do a coordinator's things in it, and
    `viewer_is_author`: whether they author its course (read in the same query, see
    coordinates(); both True for the superuser)."""
    if user.is_superuser:
        cohort = get_object_or_404(Cohort.objects.select_related("course"), pk=pk)
        cohort.viewer_coordinates = True  # type: ignore[attr-defined]
        cohort.viewer_is_author = True  # type: ignore[attr-defined]
        return cohort
    # Every staff page starts here: its SQL is compiled once (core.prepared).
    found = prepared.objects(
        Cohort,
        ("learners.cohort_for_staff",),
        lambda user, pk: (
            cohorts_for(User(pk=user), *STAFF_ROLES)
            .filter(pk=pk)
            .select_related("course")
            .annotate(
                viewer_coordinates=member(Role.COORDINATOR, User(pk=user)),
                viewer_is_author=Exists(
                    Course.authors.through.objects.filter(course=OuterRef("course"), user=user)
                ),
            )
        ),
        user=user.pk,
        pk=pk,
    )
    if not found:
        raise Http404
    return found[0]


def coordinates(user: User, cohort: Cohort) -> bool:
    """The person coordinates the cohort (or is the superuser): for a cohort loaded by
    get_cohort_for_staff with no query, else one."""
    found = getattr(cohort, "viewer_coordinates", None)
    if found is not None:
        return bool(found)
    return cohorts_for(user, Role.COORDINATOR).filter(pk=cohort.pk).exists()


def learner_cohorts(user: User) -> QuerySet[Cohort]:
    return Cohort.objects.filter(member(Role.LEARNER, user)).select_related("course")


def get_cohort_for_coordinator(user: User, pk: int) -> Cohort:
    """Enrolment, invitations, logs and exports of a cohort: its coordinators and the superuser."""
    return get_object_or_404(cohorts_for(user, Role.COORDINATOR).select_related("course"), pk=pk)


def get_cohort_for_instructor(user: User, pk: int) -> Cohort:
    """Workshop sessions and attendance of a cohort: its instructors and the superuser."""
    return get_object_or_404(cohorts_for(user, Role.INSTRUCTOR).select_related("course"), pk=pk)


def can_create_cohorts(user: User) -> bool:
    """Anyone who coordinates a cohort may start a new one (and becomes its coordinator)."""
    return has_role(user, Role.COORDINATOR)


def get_learner_for_staff(user: User, cohort: Cohort, pk: int) -> User:
    """A learner of a cohort the person may follow (call get_cohort_for_staff first)."""
    return get_object_or_404(
        User.objects.select_related("organisation").filter(
            memberships__cohort=cohort, memberships__role=Role.LEARNER
        ),
        pk=pk,
    )


def get_invitation_for_coordinator(user: User, pk: int) -> Invitation:
    return get_object_or_404(
        Invitation.objects.filter(cohort__in=cohorts_for(user, Role.COORDINATOR).values("pk")),
        pk=pk,
    )


def get_import_for_coordinator(user: User, pk: int) -> InvitationImport:
    return get_object_or_404(
        InvitationImport.objects.select_related("cohort").filter(
            cohort__in=cohorts_for(user, Role.COORDINATOR).values("pk")
        ),
        pk=pk,
    )


def cohort_instructors(cohort_id: int) -> QuerySet[User]:
    """The cohort's instructors, the lead (the one who joined first) first."""
    return User.objects.filter(
        memberships__cohort_id=cohort_id, memberships__role=Role.INSTRUCTOR
    ).order_by("memberships__pk")


def is_cohort_lead(user: User, cohort_id: int) -> bool:
    """The lead instructor of a cohort is its first instructor (by membership); the lead, and
    the superuser, allocate reviewers and release feedback in the marking workflow."""
    if user.is_superuser:
        return True
    lead = cohort_instructors(cohort_id).values_list("pk", flat=True).first()
    return lead == user.pk


def cohorts_led_by(user: User) -> list[int]:
    """Ids of the cohorts in which the person is the lead instructor (all for the superuser)."""
    if user.is_superuser:
        return list(Cohort.objects.values_list("pk", flat=True))
    first = Membership.objects.filter(cohort=OuterRef("cohort"), role=Role.INSTRUCTOR).order_by(
        "pk"
    )
    return list(
        Membership.objects.filter(
            user=user, role=Role.INSTRUCTOR, pk=Subquery(first.values("pk")[:1])
        ).values_list("cohort_id", flat=True)
    )
