"""Who may see and do what: the one place where access rules live.

Views load objects through the `get_*_for_user` helpers, which raise 404 for anything the person
may not reach (so nobody can probe for existence), and guard role pages with `require_role`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from learners.models import Cohort, Membership

if TYPE_CHECKING:
    from core.models import User
    from courses.models import Course, Item
    from workshops.models import Assignment, Submission, SubmissionFile

Role = Membership.Role
STAFF_ROLES = (Role.INSTRUCTOR, Role.COORDINATOR)


def roles_of(user: Any) -> frozenset[str]:
    """The roles a person holds in any cohort, computed once per request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_cohort_roles", None)
    if cached is None:
        cached = frozenset(Membership.objects.filter(user=user).values_list("role", flat=True))
        user._cohort_roles = cached
    return cached


def has_role(user: Any, role: str) -> bool:
    return user.is_authenticated and (user.is_superuser or role in roles_of(user))


def require_role(
    *roles: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Let a signed-in person in only if they hold one of `roles` somewhere (or are superuser)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not any(has_role(request.user, role) for role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _member(role_or_roles: str | tuple[str, ...], user: User, cohort_ref: str = "pk") -> Exists:
    roles = (role_or_roles,) if isinstance(role_or_roles, str) else role_or_roles
    return Exists(Membership.objects.filter(cohort=OuterRef(cohort_ref), user=user, role__in=roles))


# --- cohorts -------------------------------------------------------------------------------


def cohorts_for(user: User, *roles: str) -> QuerySet[Cohort]:
    """Cohorts in which the person holds one of `roles`; all cohorts for the superuser."""
    qs = Cohort.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(_member(roles, user))


def get_cohort_for_staff(user: User, pk: int) -> Cohort:
    return get_object_or_404(cohorts_for(user, *STAFF_ROLES).select_related("course"), pk=pk)


def learner_cohorts(user: User) -> QuerySet[Cohort]:
    return Cohort.objects.filter(_member(Role.LEARNER, user)).select_related("course")


# --- course content ------------------------------------------------------------------------


def courses_for_learner(user: User) -> QuerySet[Course]:
    from courses.models import Course

    return Course.objects.filter(
        Exists(
            Membership.objects.filter(cohort__course=OuterRef("pk"), user=user, role=Role.LEARNER)
        )
    )


def get_course_for_user(user: User, pk: int) -> Course:
    """A course is open to its cohorts' learners and staff, and to the superuser."""
    from courses.models import Course

    qs = Course.objects.all()
    if not user.is_superuser:
        qs = qs.filter(Exists(Membership.objects.filter(cohort__course=OuterRef("pk"), user=user)))
    return get_object_or_404(qs, pk=pk)


def get_item_for_user(user: User, pk: int) -> Item:
    from courses.models import Item

    qs = Item.objects.select_related("module__course")
    if not user.is_superuser:
        qs = qs.filter(
            Exists(Membership.objects.filter(cohort__course=OuterRef("module__course"), user=user))
        )
    return get_object_or_404(qs, pk=pk)


# --- workshops -----------------------------------------------------------------------------


def get_assignment_for_learner(user: User, pk: int) -> tuple[Assignment, Cohort]:
    """The assignment and the learner's cohort that runs its course; 404 for anyone else."""
    from workshops.models import Assignment

    assignment = get_object_or_404(Assignment.objects.select_related("workshop__course"), pk=pk)
    cohort = (
        learner_cohorts(user)
        .filter(course_id=assignment.workshop.course_id)
        .order_by("-start_date")
        .first()
    )
    if cohort is None:
        from django.http import Http404

        raise Http404
    return assignment, cohort


def submissions_visible_to(user: User) -> QuerySet[Submission]:
    """A learner sees their own work; instructors and coordinators their cohorts' work."""
    from workshops.models import Submission

    qs = Submission.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(Q(learner=user) | Q(_member(STAFF_ROLES, user, "cohort_id")))


def submissions_reviewable_by(user: User) -> QuerySet[Submission]:
    from workshops.models import Submission

    qs = Submission.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(_member(Role.INSTRUCTOR, user, "cohort_id"))


def get_submission_for_user(user: User, pk: int) -> Submission:
    return get_object_or_404(
        submissions_visible_to(user).select_related(
            "assignment__workshop", "cohort", "learner__organisation"
        ),
        pk=pk,
    )


def get_submission_for_reviewer(user: User, pk: int) -> Submission:
    return get_object_or_404(
        submissions_reviewable_by(user).select_related(
            "assignment__workshop", "cohort", "learner__organisation"
        ),
        pk=pk,
    )


def can_review(user: User, submission: Submission) -> bool:
    return submissions_reviewable_by(user).filter(pk=submission.pk).exists()


def get_file_for_user(user: User, pk: int) -> SubmissionFile:
    """Whoever may see the submission gets its files once they have passed the check; a file
    still being checked or rejected (it may be an executable in disguise) only its uploader."""
    from workshops.models import SubmissionFile

    return get_object_or_404(
        SubmissionFile.objects.filter(submission__in=submissions_visible_to(user)).filter(
            Q(status=SubmissionFile.Status.ACCEPTED) | Q(submission__learner=user)
        ),
        pk=pk,
    )
