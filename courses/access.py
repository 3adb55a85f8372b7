"""Who may see and edit courses, their items and images, and who may see or revoke certificates.

A course is open to its cohorts' members and its authors; drafts only to authors. Views load
objects through the `get_*_for_*` helpers, which raise 404 for anything the person may not
reach (so nobody can probe for existence).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from core import prepared
from core.access import Role
from core.models import User as UserModel
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


def _in_course(user: User, course_ref: str, role: str | None = None) -> Exists:
    """The person holds a role (`role`, or any) in a cohort of the course `course_ref` names."""
    memberships = Membership.objects.filter(cohort__course=OuterRef(course_ref), user=user)
    return Exists(memberships if role is None else memberships.filter(role=role))


def _remember_author(user: User, course: Course, is_author: bool) -> None:
    # The cache is_course_author reads, so the page's later author check runs no query.
    user.__dict__.setdefault("_authored", {})[course.pk] = is_author


def _course_query(user_id: int | None, pk: int) -> QuerySet[Course]:
    qs = Course.objects.filter(pk=pk)
    if user_id is None:  # the superuser: every course, an author of each
        return qs
    person = UserModel(pk=user_id)
    return qs.filter(_in_course(person, "pk") | _authored(person, "pk")).annotate(
        viewer_is_author=_authored(person, "pk"),
        viewer_coordinates=_in_course(person, "pk", Role.COORDINATOR),
        viewer_instructs=_in_course(person, "pk", Role.INSTRUCTOR),
    )


def get_course_for_user(user: User, pk: int) -> Course:
    """A course is open to its cohorts' learners and staff, and to the superuser.

    One query, compiled once (core/prepared.py), which also tells whether the person is an
    author of the course (`is_course_author` then reads no more) and whether they coordinate
    or teach one of its cohorts (`viewer_coordinates`, `viewer_instructs`: True for the
    superuser)."""
    if user.is_superuser:
        found = prepared.objects(
            Course, ("course_for_superuser",), lambda pk: _course_query(None, pk), pk=pk
        )
    else:
        found = prepared.objects(
            Course, ("course_for_user",), _course_query, user_id=user.pk, pk=pk
        )
    if not found:
        raise Http404("No Course matches the given query.")
    course = found[0]
    flags: Any = course  # the annotations above
    if user.is_superuser:
        flags.viewer_is_author = flags.viewer_coordinates = flags.viewer_instructs = True
    _remember_author(user, course, flags.viewer_is_author)
    return course


def staff_here(course: Course) -> tuple[bool, bool]:
    """(coordinates, teaches): whether the person `get_course_for_user` loaded `course` for is
    a coordinator, an instructor of one of its cohorts (both for the superuser)."""
    flags: Any = course
    return bool(flags.viewer_coordinates), bool(flags.viewer_instructs)


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


def _item_query(user_id: int | None, pk: int) -> QuerySet[Item]:
    qs = Item.objects.select_related("module__course").filter(pk=pk)
    if user_id is None:  # the superuser
        return qs
    person = UserModel(pk=user_id)
    author = _authored(person, "module__course")
    in_cohort = _in_course(person, "module__course")
    return qs.filter(
        author | (in_cohort & Q(is_published=True, module__is_published=True))
    ).annotate(viewer_is_author=_authored(person, "module__course"))


def get_item_for_user(user: User, pk: int) -> Item:
    """An item is open to its course's cohort members; drafts (item or module) only to authors.

    One query compiled once (core/prepared.py), with the item's module and course and
    whether the person authors the course (`is_course_author` then reads no more)."""
    if user.is_superuser:
        found = prepared.objects(
            Item, ("item_for_superuser",), lambda pk: _item_query(None, pk), pk=pk
        )
    else:
        found = prepared.objects(Item, ("item_for_user",), _item_query, user_id=user.pk, pk=pk)
    if not found:
        raise Http404("No Item matches the given query.")
    item = found[0]
    flags: Any = item  # the annotation above
    _remember_author(user, item.module.course, user.is_superuser or flags.viewer_is_author)
    return item


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
