"""The staff's way into courses: every course a person teaches, coordinates or authors, with
links to the course pages each of their roles may use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from core.access import STAFF_ROLES, Role
from core.http import AuthenticatedHttpRequest
from learners.models import Cohort, Membership

from .models import Course


@dataclass
class StaffCohort:
    cohort: Cohort
    is_instructor: bool = False
    is_coordinator: bool = False


@dataclass
class StaffCourse:
    course: Course
    is_author: bool = False
    cohorts: list[StaffCohort] = field(default_factory=list)
    workshops: list[Any] = field(default_factory=list)


def staff_courses(user: Any) -> list[StaffCourse]:
    """The courses a person reaches as instructor, coordinator or author (every course for the
    superuser), each with the cohorts and the person's roles in them: four queries."""
    authored = set(user.authored_courses.values_list("pk", flat=True))
    rows: dict[int, StaffCourse] = {}
    if user.is_superuser:
        for cohort in Cohort.objects.select_related("course").order_by("-start_date", "name"):
            row = rows.setdefault(cohort.course_id, StaffCourse(cohort.course, is_author=True))
            row.cohorts.append(StaffCohort(cohort, is_instructor=True, is_coordinator=True))
        courses = Course.objects.exclude(pk__in=list(rows)).order_by("title")
    else:
        by_cohort: dict[int, StaffCohort] = {}
        for membership in (
            Membership.objects.filter(user=user, role__in=STAFF_ROLES)
            .select_related("cohort__course")
            .order_by("-cohort__start_date", "cohort__name")
        ):
            cohort = membership.cohort
            row = rows.setdefault(
                cohort.course_id,
                StaffCourse(cohort.course, is_author=cohort.course_id in authored),
            )
            entry = by_cohort.get(cohort.pk)
            if entry is None:
                entry = by_cohort[cohort.pk] = StaffCohort(cohort)
                row.cohorts.append(entry)
            entry.is_instructor |= membership.role == Role.INSTRUCTOR
            entry.is_coordinator |= membership.role == Role.COORDINATOR
        courses = Course.objects.filter(pk__in=authored - set(rows)).order_by("title")
    for course in courses:
        rows[course.pk] = StaffCourse(course, is_author=user.is_superuser or course.pk in authored)
    # The workshops, for the links to their marking settings (the cohort's own for a lead
    # instructor, the course-wide defaults for an author): one query.
    from workshops.models import Workshop

    for workshop in Workshop.objects.filter(course_id__in=list(rows)).order_by("title"):
        rows[workshop.course_id].workshops.append(workshop)
    return sorted(rows.values(), key=lambda r: r.course.title.casefold())


@login_required
def course_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Instructors, coordinators, course authors and the superuser: their courses with links to
    the outline, editing, completion criteria, extensions, certificates and import. 403 for
    everyone else (learners find their courses on the dashboard)."""
    user = request.user
    rows = staff_courses(user)
    if not rows and not user.is_superuser:
        raise PermissionDenied
    return render(
        request,
        "courses/course_list.html",
        {
            "rows": rows,
            "can_import": user.is_superuser or any(r.is_author for r in rows),
        },
    )
