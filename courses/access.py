"""Who may see and edit courses, their items and images, and who may see or revoke certificates.

A course is open to its cohorts' members and its authors; drafts only to authors. Views load
objects through the `get_*_for_*` helpers, which raise 404 for anything the person may not
reach (so nobody can probe for existence).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from core.access import Role
from learners.access import cohorts_for, member
from learners.models import Cohort, Membership

from .models import Certificate, Course, CourseImage, Item

if TYPE_CHECKING:
    from core.access import AnyUser
    from core.models import User


def _authored(user: User, course_ref: str) -> Exists:
    return Exists(Course.authors.through.objects.filter(course=OuterRef(course_ref), user=user))


def courses_for_learner(user: User) -> QuerySet[Course]:
    return Course.objects.filter(
        Exists(
            Membership.objects.filter(cohort__course=OuterRef("pk"), user=user, role=Role.LEARNER)
        )
    )


def get_course_for_user(user: User, pk: int) -> Course:
    """A course is open to its cohorts' learners and staff, and to the superuser."""
    qs = Course.objects.all()
    if not user.is_superuser:
        qs = qs.filter(
            Exists(Membership.objects.filter(cohort__course=OuterRef("pk"), user=user))
            | _authored(user, "pk")
        )
    return get_object_or_404(qs, pk=pk)


def is_course_author(user: AnyUser, course: Course) -> bool:
    """Authors edit a course's content in the site and see its drafts; so does the superuser."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cache = user.__dict__.setdefault("_authored", {})
    if course.pk not in cache:
        cache[course.pk] = course.authors.filter(pk=user.pk).exists()
    return bool(cache[course.pk])


def get_course_for_author(user: User, pk: int) -> Course:
    """404 unless the person may author this course."""
    qs = Course.objects.all()
    if not user.is_superuser:
        qs = qs.filter(authors=user)
    return get_object_or_404(qs, pk=pk)


def can_import_courses(user: AnyUser) -> bool:
    """Importing a course archive creates a new course: for course authors and the superuser."""
    return user.is_authenticated and (user.is_superuser or user.authored_courses.exists())


def get_item_for_user(user: User, pk: int) -> Item:
    """An item is open to its course's cohort members; drafts (item or module) only to authors."""
    qs = Item.objects.select_related("module__course")
    if not user.is_superuser:
        author = _authored(user, "module__course")
        in_cohort = Exists(
            Membership.objects.filter(cohort__course=OuterRef("module__course"), user=user)
        )
        qs = qs.filter(author | (in_cohort & Q(is_published=True, module__is_published=True)))
    return get_object_or_404(qs, pk=pk)


def get_course_image_for_user(user: User, name: str) -> CourseImage:
    """An image of a text page: for whoever may see its course (its cohorts and authors)."""
    image = get_object_or_404(CourseImage.objects.only("course_id", "name", "file"), name=name)
    get_course_for_user(user, image.course_id)
    return image


def cohorts_for_release_extensions(user: User) -> QuerySet[Cohort]:
    """Cohorts whose learners' module release dates a person may shift: the cohort's
    instructors, the authors of its course and the superuser."""
    qs = Cohort.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(Q(member(Role.INSTRUCTOR, user)) | Q(_authored(user, "course")))


def get_cohort_for_release_extensions(user: User, pk: int) -> Cohort:
    return get_object_or_404(cohorts_for_release_extensions(user).select_related("course"), pk=pk)


def certificates_revocable_by(user: User) -> QuerySet[Certificate]:
    """Certificates a person may revoke: those of their coordinated cohorts' learners."""
    qs = Certificate.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(cohort__in=cohorts_for(user, Role.COORDINATOR).values("pk"))


def get_certificate_for_revoker(user: User, pk: int) -> Certificate:
    """404 unless the person coordinates the certificate holder's cohort (or is superuser)."""
    return get_object_or_404(
        certificates_revocable_by(user).select_related("user", "course", "cohort"), pk=pk
    )


def get_certificate_for_holder(user: User, code: str) -> Certificate:
    """A learner's own issued certificate (its PDF and credential): nobody else's."""
    return get_object_or_404(
        Certificate.objects.select_related("course"),
        code=code,
        user=user,
        status=Certificate.Status.ISSUED,
    )
