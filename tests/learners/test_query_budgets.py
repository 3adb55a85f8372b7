"""Every coordinator page keeps the same number of queries for a cohort of 10 or 1,000 learners.

The cohorts are grown with bulk_create (tests/learners/bulk.py) with completions, experiments in
several states, reviews, attendance, nudges and notifications, so every query path is exercised.
`make bench` times the same pages with 1,000 learners.
"""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from learners.rollup import rollup_rebuild
from tests import factories
from tests.learners.bulk import grow_cohort

pytestmark = pytest.mark.django_db

# The queries each page takes, whatever the cohort's size: exactly, so that a query creeping
# back fails here as surely as one that grows with the cohort. Every page starts with the
# session, and the coordinator read with the navigation's roles and unread badge in one row
# (dashboard/auth.py), which the role checks read too (2); "(N before ...)" is the count before
# the navigation came with the person's row (a query of its own until then) or what the budget
# allowed when it had slack. Change one only with a reason in the comment.
# #11.1: the phase state is read per experiment team (one query more for the team members);
# at-risk also reads each team's open phase, so a phase waiting on a review is not the learner's.
# #11.13: the cohort page asks once whether the person authors the course (its course links).
# #13: get_cohort_for_staff reads whether the person coordinates the cohort in the cohort's own
# query (learners.access.coordinates), one query less on every page that asked it apart.
BUDGETS = {
    # Session and person (2), the cohort (1), then everything the progress section prints in
    # one statement (learners/progress_page.py), searched or not (1); the organisation
    # filter's choices with a cold cache (1; then kept ten minutes: 4 queries). A page number
    # past the end reads the last page with a second statement. (6 before.)
    "progress heatmap": 5,
    "progress table": 5,
    "progress filtered": 5,
    # Session and person (2), the cohort (1); the learners are chosen from the progress rollup
    # (its row, a COUNT, the page, the staff delays' COUNT: 4; their page is one more when
    # there are any, as a page of the others is: none here), then the rule reads only
    # those learners' rows (11: the teams' latest versions 2, the memberships 1, the due
    # phases 5, the last completion, version and reminder 3). Its rows are written in Python
    # (learners/templatetags/at_risk.py), which reads nothing more. (19 before.)
    "at risk": 18,
    # Session and person (2), the cohort (1), its rollup row with the figures (1), the
    # reviewers its turnaround names (1). (7 allowed before.)
    "summary": 5,
    # Session and person (2), the cohort (1), its rollup (1), a page of experiments (1) and
    # their teams (1). (7 before.)
    "experiment phases": 6,
    # Session and person (2), the cohort (1), its sessions (1), the counts per session and
    # status in a query of their own (narrow rows, 1), the learners' count and page (2).
    # (9 allowed before.)
    "attendance": 7,
    # Session and person (2), the cohort (1), the learner (1); one insert into the access log
    # the learner reads on "My data" (1, #14, privacy/); her memberships (1), the experiment
    # events (1), attendance (1), completions (1), her teams read as a list (1), so the
    # versions (1) and reviews (1) are found through their indexes; notifications (1) and
    # reminders (1). (16 allowed before.)
    "learner timeline": 14,
    # Two cohorts side by side: session and person (2), the cohorts' count and page (2) and
    # their rollup rows in one query (1), however many cohorts the page shows. (44 allowed
    # before, when it grew with the cohorts on the page.)
    "cross-cohort": 5,
    # Session and person (2), the cohort (1), its export jobs (1), the learners' count (1).
    # (7 allowed before.)
    "exports": 5,
    # Session and person (2), the cohort (1), the invitations' count (1; these cohorts have
    # none, so no page of them is read), the organisations the filter offers (1) and those the
    # invitation form offers (1, read through a server-side cursor on PostgreSQL), the imports
    # (1). (8 allowed before.)
    "invitations": 7,
}


def pages(cohort, learner):
    return {
        "progress heatmap": reverse("learners:cohort_detail", args=[cohort.pk]),
        "progress table": reverse("learners:cohort_detail", args=[cohort.pk]) + "?view=table",
        "progress filtered": reverse("learners:cohort_detail", args=[cohort.pk])
        + f"?q=Oppija&org={learner.organisation_id}",
        "at risk": reverse("learners:at_risk", args=[cohort.pk]),
        "summary": reverse("learners:dashboard", args=[cohort.pk]),
        "experiment phases": reverse("learners:funnel", args=[cohort.pk]),
        "attendance": reverse("learners:attendance", args=[cohort.pk]),
        "learner timeline": reverse("learners:timeline", args=[cohort.pk, learner.pk]),
        "cross-cohort": reverse("learners:cross_cohort"),
        "exports": reverse("learners:exports", args=[cohort.pk]),
        "invitations": reverse("learners:invitations", args=[cohort.pk]),
    }


def count_queries(client, url):
    # With nothing kept in the cache (the progress page keeps its organisation filter's
    # choices for ten minutes): the most a request can take.
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


def test_every_coordinator_page_takes_the_same_queries_for_10_or_1000_learners(
    client_for, cohort, coordinator, instructor, assignment
):
    cohort.start_date = timezone.localdate() - datetime.timedelta(days=60)
    cohort.save()
    assignment.due_days = 14
    assignment.save()
    second = factories.CohortFactory(course=cohort.course, name="Kevät 2027")
    factories.MembershipFactory(cohort=second, user=coordinator, role="coordinator")
    people = grow_cohort(cohort=cohort, learners=10, instructor=instructor)
    grow_cohort(cohort=second, learners=10, instructor=instructor)
    client = client_for(coordinator)
    urls = pages(cohort, people[0])
    # The summary, at-risk, phase and cross-cohort figures come from the progress rollup that
    # beat keeps (learners/rollup.py); bulk rows bypass the services, so rebuild it as beat does.
    rollup_rebuild()
    small = {name: count_queries(client, url) for name, url in urls.items()}
    grow_cohort(cohort=cohort, learners=990, instructor=instructor)
    grow_cohort(cohort=second, learners=990, instructor=instructor)
    rollup_rebuild()
    large = {name: count_queries(client, url) for name, url in urls.items()}
    grew = {name: (small[name], large[name]) for name in urls if large[name] != small[name]}
    assert not grew, f"query count grew with the cohort (10 -> 1,000 learners): {grew}"
    off = {name: (n, BUDGETS[name]) for name, n in large.items() if n != BUDGETS[name]}
    assert not off, f"(queries, budget) differ: {off}"


def test_a_page_number_past_the_end_or_not_a_number_shows_a_real_page(
    client_for, cohort, coordinator, instructor
):
    """The page's learners are read with their count in one query (#13); a page past the end
    shows the last page, as Django's Paginator does, and anything else the first."""
    people = grow_cohort(cohort=cohort, learners=120, instructor=instructor)
    client = client_for(coordinator)
    url = reverse("learners:cohort_detail", args=[cohort.pk])

    def names(**params):
        page = client.get(url, params).context["page"]
        return page.number, page.paginator.count, [p.email for p in page.object_list]

    first = names()
    assert first[:2] == (1, 120)
    assert len(first[2]) == 50
    last = names(page=3)
    assert last[:2] == (3, 120)
    assert len(last[2]) == 20
    assert not set(last[2]) & set(first[2])
    assert names(page=9) == last
    assert names(page=0) == last  # Paginator.get_page: a number below 1 is the last page
    assert names(page="x") == first
    org = people[0].organisation
    of_org = names(org=org.pk)
    assert of_org[:2] == (1, 40)
    assert names(page=2, org=org.pk) == of_org


def test_the_progress_page_shows_fifty_learners_a_page_and_filters_them(
    client_for, cohort, coordinator, instructor
):
    people = grow_cohort(cohort=cohort, learners=120, instructor=instructor)
    client = client_for(coordinator)
    url = reverse("learners:cohort_detail", args=[cohort.pk])
    first = client.get(url).content.decode()
    assert first.count('<th scope="row">') == 50
    assert 'data-testid="progress-count">120 ' in first
    third = client.get(url, {"page": 3}).content.decode()
    assert third.count('<th scope="row">') == 20
    org = people[0].organisation
    filtered = client.get(url, {"org": org.pk, "view": "table"}).content.decode()
    assert filtered.count('<th scope="row">') == 40
    assert 'data-view="table"' in filtered
    one = client.get(url, {"q": people[7].email}).content.decode()
    assert one.count('<th scope="row">') == 1
    assert people[7].display_name in one
