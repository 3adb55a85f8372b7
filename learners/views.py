from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.permissions import STAFF_ROLES, cohorts_for, get_cohort_for_staff, require_role

from . import selectors


@require_role(*STAFF_ROLES)
def cohort_list(request: HttpRequest) -> HttpResponse:
    """Coordinators and instructors: the cohorts they are attached to."""
    cohorts = selectors.cohorts_with_counts(cohorts_for(request.user, *STAFF_ROLES))
    return render(request, "learners/cohort_list.html", {"cohorts": cohorts})


@require_role(*STAFF_ROLES)
def cohort_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Coordinators and instructors of this cohort: progress and submissions per learner."""
    cohort = get_cohort_for_staff(request.user, pk)
    return render(
        request,
        "learners/cohort_detail.html",
        {"cohort": cohort, "overview": selectors.cohort_overview(cohort=cohort)},
    )
