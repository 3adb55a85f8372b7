"""Who may see and do what in the discussions.

A cohort's discussion area (its threads, questions and posts) is open to the cohort's members
in every role (learners, instructors, coordinators) and to the superuser; everyone else gets
404, so nobody can probe for a thread. Staff of the cohort (instructors and coordinators) pin
threads and posts and hide posts; a question's answer is marked by its asker or by an
instructor of the cohort.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from core.access import STAFF_ROLES, Role
from learners.models import Cohort, Membership

from .models import Post, Thread

if TYPE_CHECKING:
    from core.models import User


def discussion_cohorts(user: User) -> QuerySet[Cohort]:
    """Cohorts whose discussion area the person may open: those they belong to in any role
    (all cohorts for the superuser)."""
    qs = Cohort.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(Exists(Membership.objects.filter(cohort=OuterRef("pk"), user=user)))


def get_cohort_for_discussions(user: User, pk: int) -> Cohort:
    return get_object_or_404(discussion_cohorts(user).select_related("course"), pk=pk)


def threads_visible_to(user: User) -> QuerySet[Thread]:
    """Threads of the cohorts the person belongs to."""
    qs = Thread.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(Exists(Membership.objects.filter(cohort=OuterRef("cohort_id"), user=user)))


def get_thread_for_user(user: User, pk: int) -> Thread:
    return get_object_or_404(
        threads_visible_to(user).select_related("cohort__course", "item", "author"), pk=pk
    )


def get_post_for_user(user: User, pk: int) -> Post:
    return get_object_or_404(
        Post.objects.filter(thread__in=threads_visible_to(user)).select_related(
            "thread__cohort", "author"
        ),
        pk=pk,
    )


def _role_in(user: User, cohort_id: int) -> str | None:
    """The person's role in the cohort (cached per request on the user)."""
    cache: dict[int, str | None] = user.__dict__.setdefault("_discussion_roles", {})
    if cohort_id not in cache:
        cache[cohort_id] = (
            Membership.objects.filter(cohort_id=cohort_id, user=user)
            .values_list("role", flat=True)
            .first()
        )
    return cache[cohort_id]


def is_moderator(user: User, cohort_id: int) -> bool:
    """Instructors and coordinators of the cohort (and the superuser) pin and hide."""
    return user.is_superuser or _role_in(user, cohort_id) in STAFF_ROLES


def can_mark_answer(user: User, thread: Thread) -> bool:
    """A question's asker, an instructor of its cohort, or the superuser."""
    if thread.kind != Thread.Kind.QUESTION:
        return False
    return (
        user.is_superuser
        or thread.author_id == user.pk
        or _role_in(user, thread.cohort_id) == Role.INSTRUCTOR
    )


def may_post(user: User, cohort_id: int) -> bool:
    """Every member of the cohort may write; the superuser reads and moderates only."""
    return _role_in(user, cohort_id) is not None


def get_post_for_moderator(user: User, pk: int) -> Post:
    """404 outside the post's cohort; 403 for a member who does not moderate it."""
    post = get_post_for_user(user, pk)
    if not is_moderator(user, post.thread.cohort_id):
        raise PermissionDenied
    return post
