"""Issue #11 item 13: staff reach every course page by links, each role only the links it may
use, and learners see none of them."""

import re

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

HREF = re.compile(
    r'<a [^>]*href="([^"#]+)"[^>]*data-testid="([\w-]+)"|'
    r'<a [^>]*data-testid="([\w-]+)"[^>]*href="([^"#]+)"'
)


def links(html):
    """{data-testid: href} of the page's links that carry a test id."""
    found = {}
    for m in HREF.finditer(html):
        href, testid = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        found.setdefault(testid, href)
    return found


COURSE_PAGES = {
    "link-outline",
    "link-edit",
    "link-criteria",
    "link-import",
    "link-extensions",
    "link-certificates",
}


def crawl(client, cohort):
    """From the dashboard, through the navigation's course entry and the cohort page, every
    course link answers 200; returns the test ids reached."""
    home = client.get("/").content.decode()
    nav = links(home)
    assert "nav-courses" in nav
    course_list = client.get(nav["nav-courses"])
    assert course_list.status_code == 200
    listed = links(course_list.content.decode())
    reached = set()
    for testid, href in listed.items():
        if testid in (
            "course-marking-defaults",
            "course-outline",
            "course-edit",
            "course-criteria",
            "cohort-extensions",
            "cohort-certificates",
            "staff-import-course",
        ):
            assert client.get(href).status_code == 200, (testid, href)
            reached.add(testid)
    page = client.get(reverse("learners:cohort_detail", args=[cohort.pk])).content.decode()
    on_cohort = links(page)
    assert on_cohort["cohort-course"] == reverse("courses:detail", args=[cohort.course_id])
    for testid, href in on_cohort.items():
        if testid in COURSE_PAGES:
            assert client.get(href).status_code == 200, (testid, href)
            reached.add(testid)
    return reached


def test_an_instructor_reaches_the_outline_and_their_cohorts_extensions(
    client_for, instructor, cohort
):
    reached = crawl(client_for(instructor), cohort)
    assert reached == {"course-outline", "cohort-extensions", "link-outline", "link-extensions"}


def test_a_coordinator_reaches_the_outline_and_the_cohorts_certificates_and_revoking(
    client_for, coordinator, cohort, learner
):
    from django.utils import timezone

    from courses.models import Certificate

    Certificate.objects.create(
        user=learner,
        course=cohort.course,
        cohort=cohort,
        code="STAF-F123",
        status=Certificate.Status.ISSUED,
        issued_at=timezone.now(),
    )
    client = client_for(coordinator)
    reached = crawl(client, cohort)
    assert reached == {"course-outline", "cohort-certificates", "link-outline", "link-certificates"}
    page = client.get(reverse("certificates:cohort", args=[cohort.pk])).content.decode()
    revoke = links(page)["revoke-link"]
    assert client.get(revoke).status_code == 200


def test_a_course_author_also_edits_sets_criteria_and_imports(
    client_for, instructor, cohort, assignment
):
    cohort.course.authors.add(instructor)
    reached = crawl(client_for(instructor), cohort)
    assert {
        "course-edit",
        "course-criteria",
        "course-marking-defaults",
        "staff-import-course",
        "link-edit",
        "link-criteria",
        "link-import",
    } <= reached


def test_the_superuser_reaches_every_course_page(client_for, superuser, cohort):
    reached = crawl(client_for(superuser), cohort)
    assert {
        "course-outline",
        "course-edit",
        "course-criteria",
        "cohort-extensions",
        "cohort-certificates",
        "staff-import-course",
        "link-edit",
        "link-criteria",
        "link-import",
        "link-extensions",
        "link-certificates",
    } <= reached


def test_learners_see_no_staff_course_links_and_the_course_list_is_closed(
    client_for, learner, cohort
):
    client = client_for(learner)
    home = links(client.get("/").content.decode())
    assert "nav-courses" not in home
    assert client.get(reverse("courses:list")).status_code == 403
    assert client.get(reverse("learners:cohort_detail", args=[cohort.pk])).status_code in (
        403,
        404,
    )


def test_an_instructor_of_another_cohort_sees_only_their_own_cohort(
    client_for, other_instructor, cohort, other_cohort
):
    page = client_for(other_instructor).get(reverse("courses:list")).content.decode()
    assert f'data-cohort="{other_cohort.pk}"' in page
    assert f'data-cohort="{cohort.pk}"' not in page


def test_the_course_list_takes_the_same_queries_for_one_or_many_cohorts(
    client_for, coordinator, course, django_assert_num_queries
):
    # The session, and the coordinator with the navigation's roles (2); the courses (1); her
    # memberships with their cohorts (1); the courses' workshops (1). (9 allowed before.)
    budget = 5
    client = client_for(coordinator)
    client.get(reverse("courses:list"))
    with django_assert_num_queries(budget):
        assert client.get(reverse("courses:list")).status_code == 200
    for n in range(10):
        other = factories.CohortFactory(course=course, name=f"Ryhmä {n}")
        factories.MembershipFactory(cohort=other, user=coordinator, role="coordinator")
        other_course = factories.CourseFactory(title=f"Kurssi {n}")
        factories.MembershipFactory(
            cohort=factories.CohortFactory(course=other_course),
            user=coordinator,
            role="instructor",
        )
    with django_assert_num_queries(budget):
        page = client.get(reverse("courses:list")).content.decode()
    assert page.count('data-testid="staff-course"') == 11
