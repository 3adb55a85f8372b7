"""The scores overview (#16 item 3): who may see it, what it shows, its filters, query budgets
and the learner's own row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.scores.conftest import populate
from workshops.models import CohortMarkingSettings

pytestmark = pytest.mark.django_db


def overview_url(cohort, **params):
    url = reverse("scores:overview", args=[cohort.pk])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def rows_of(response):
    return response.content.decode().count('data-testid="scores-row"')


# --- who may see it ---------------------------------------------------------------------------


def test_anonymous_goes_to_the_sign_in_page(client, cohort):
    for url in (overview_url(cohort), reverse("scores:mine")):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


def test_a_learner_cannot_see_the_overview(client_for, learner, cohort):
    assert client_for(learner).get(overview_url(cohort)).status_code == 403


def test_an_instructor_of_another_cohort_gets_404(client_for, other_instructor, cohort):
    client = client_for(other_instructor)
    assert client.get(overview_url(cohort)).status_code == 404
    assert client.get(reverse("scores:export", args=[cohort.pk, "csv"])).status_code == 404


def test_instructors_and_coordinators_of_the_cohort_see_it(
    client_for, instructor, coordinator, learner, cohort
):
    for person in (instructor, coordinator):
        response = client_for(person).get(overview_url(cohort))
        assert response.status_code == 200
        assert rows_of(response) == 1
        assert 'data-testid="tab-scores"' in response.content.decode()


def test_a_learner_sees_only_their_own_row(client_for, learner, other_learner, instructor, cohort):
    populate(cohort, instructor, learners=2, checks=1)
    response = client_for(learner).get(reverse("scores:mine"))
    assert response.status_code == 200
    html = response.content.decode()
    assert rows_of(response) == 1
    assert f'data-learner="{learner.pk}"' in html
    assert f'data-learner="{other_learner.pk}"' not in html
    assert other_learner.display_name not in html


def test_a_person_who_learns_in_no_cohort_has_no_own_results_page(client_for, instructor):
    assert client_for(instructor).get(reverse("scores:mine")).status_code == 404


def test_a_learner_cannot_download_the_export_nor_anothers_job(
    client_for, learner, coordinator, instructor, cohort
):
    from learners.models import ExportJob

    client = client_for(learner)
    assert client.get(reverse("scores:export", args=[cohort.pk, "xlsx"])).status_code == 403
    job = ExportJob.objects.create(
        cohort=cohort, requested_by=coordinator, what="scores", fmt="csv", status="done"
    )
    url = reverse("scores:export_job", args=[cohort.pk, job.pk])
    # Another member of staff of the same cohort does not get someone else's file.
    assert client_for(instructor).get(url).status_code == 404


# --- what it shows ----------------------------------------------------------------------------


def test_it_filters_by_municipality_and_by_phase(client_for, coordinator, instructor, cohort):
    here, there = (
        factories.OrganisationFactory(name="Hämeenlinna"),
        factories.OrganisationFactory(name="Tampere"),
    )
    populate(cohort, instructor, learners=2, checks=1, organisation=here)
    populate(cohort, instructor, learners=3, checks=1, organisation=there)
    # Two learners who have sent nothing yet.
    for _n in range(2):
        factories.MembershipFactory(cohort=cohort, user=factories.UserFactory(organisation=here))
    client = client_for(coordinator)
    assert rows_of(client.get(overview_url(cohort))) == 7
    assert rows_of(client.get(overview_url(cohort, org=here.pk))) == 4
    assert rows_of(client.get(overview_url(cohort, org=there.pk))) == 3
    by_phase = client.get(overview_url(cohort, phase=2)).content.decode()
    # Only the learners who reached phase 2, and only phase 2's column.
    assert by_phase.count('data-testid="scores-row"') == 5
    assert by_phase.count('data-testid="col-phase"') == 1
    assert rows_of(client.get(overview_url(cohort, phase=3))) == 0
    assert rows_of(client.get(overview_url(cohort, org=here.pk, phase=1))) == 2


def test_it_is_paged(client_for, coordinator, instructor, cohort):
    populate(cohort, instructor, learners=30, checks=1)
    client = client_for(coordinator)
    first = client.get(overview_url(cohort))
    assert rows_of(first) == 25
    assert 'data-testid="scores-pages"' in first.content.decode()
    assert rows_of(client.get(overview_url(cohort, page=2))) == 5


def test_blind_review_hides_the_reviewers_name(
    client_for, coordinator, learner, instructor, cohort
):
    populate(cohort, instructor, learners=1, checks=1)
    client = client_for(coordinator)
    assert instructor.display_name in client.get(overview_url(cohort)).content.decode()
    workshop = cohort.course.workshops.get()
    CohortMarkingSettings.objects.create(cohort=cohort, workshop=workshop, blind_review=True)
    html = client.get(overview_url(cohort)).content.decode()
    assert 'data-testid="phase-points"' in html
    assert instructor.display_name not in html
    # The other cohort of the same course keeps the course-wide setting.
    assert not workshop.blind_review


# --- query budgets ----------------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("page", ["overview", "mine"])
def test_the_pages_read_a_fixed_number_of_queries_at_any_size(
    client_for, coordinator, instructor, cohort, page, django_assert_num_queries
):
    """5 learners and 2 checks read as many queries as 60 learners and 6 checks: the page
    reads one page of rows, never the whole cohort's."""
    small = populate(cohort, instructor, learners=5, checks=2)
    person = coordinator if page == "overview" else small[0]
    url = overview_url(cohort) if page == "overview" else reverse("scores:mine")
    client = client_for(person)
    client.get(url)  # warm the per-process caches (content types, sessions)
    few, _response = count_queries(client, url)
    populate(cohort, instructor, learners=55, checks=6)
    many, response = count_queries(client, url)
    assert many == few, f"{page}: {few} queries at 5 learners, {many} at 60"
    # The session, and the person with the navigation's roles and unread badge (2); the
    # cohort (1; "mine": the cohorts she learns in); the columns: checks, their items, the
    # marking settings and the phases (4);
    # the rows: quiz attempts (1, a server-side cursor on PostgreSQL), the teams' members,
    # read once for the versions and the reviews, and the versions (2), reviews, their scores
    # and rubric levels (3), memberships (1) and certificates (1). The overview besides: the
    # learners' count and page (2), whether the person coordinates (1), her export jobs (1)
    # and the municipalities to filter by (1); the count of the cohort's learners that decides
    # the export is the pages' count (22 while it was counted again; 21 while the reviews read
    # the page's teams again). "Mine" reads the columns and the rows of all the cohorts the
    # learner is in at once (test_s13_own_results_queries), her teams once for the versions
    # and the reviews (16 while the reviews read them again). (24 allowed before.)
    with django_assert_num_queries(20 if page == "overview" else 15):
        client.get(url)
    if page == "overview":
        assert rows_of(response) == 25
        assert response.content.decode().count('data-testid="col-check"') == 6


def test_my_results_is_in_the_navigation_of_learners_only(client_for, learner, instructor, cohort):
    admin = factories.UserFactory(is_superuser=True, is_staff=True)
    link = 'data-testid="nav-my-results"'
    assert link in client_for(learner).get("/").content.decode()
    # The superuser passes every role check but has no row of their own: no link to a 404.
    assert link not in client_for(admin).get("/").content.decode()
    assert link not in client_for(instructor).get("/").content.decode()
