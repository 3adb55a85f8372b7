"""The coordinator pages at a larger cohort: progress from aggregates equal to the heatmap's,
no IN list of every learner, long lists paged, and the query count flat from 60 to 1,200
learners (the timings are `make bench`'s, never the suite's)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Completion, Item
from courses.selectors import completion_matrix, completions_only
from learners import selectors
from learners.rollup import rollup_rebuild
from tests import factories
from tests.learners.bulk import grow_cohort
from workshops.models import ExperimentMember, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(cohort, assignment):
    cohort.start_date = timezone.localdate() - datetime.timedelta(days=60)
    cohort.save()
    assignment.due_days = 14
    assignment.save()
    return cohort


def summary_from_heatmap(cohort):
    """The summary's progress figures as the heatmap computes them, row by row."""
    overview = selectors.cohort_overview(cohort=cohort)
    orgs = {}
    for row in overview.rows:
        name = row.learner.organisation.name if row.learner.organisation else "–"
        learners, done, total, finished = orgs.get(name, (0, 0, 0, 0))
        complete = bool(row.total) and row.done == row.total
        orgs[name] = (learners + 1, done + row.done, total + row.total, finished + complete)
    return sorted((name, *figures) for name, figures in orgs.items())


def test_the_summary_counts_progress_as_the_heatmap_does_with_teams_drafts_and_two_cohorts(
    started, course, instructor, assignment, other_cohort
):
    people = grow_cohort(cohort=started, learners=40, instructor=instructor)
    # A draft item counts in the course's total but nobody can do it.
    factories.ItemFactory(module=course.modules.first(), is_published=False)
    # An item done by a team mate's submission counts for the whole team.
    Item.objects.filter(pk=Item.objects.filter(module__course=course).first().pk).update(
        assignment=assignment, completion_rule=Item.Rule.SUBMITTED
    )
    mate = people[5]
    experiment = ExperimentMember.objects.get(user=people[4], cohort=started).experiment
    ExperimentMember.objects.filter(user=mate, cohort=started).update(experiment=experiment)
    # A learner also in another cohort of the course counts once, in this cohort's figures.
    factories.MembershipFactory(cohort=other_cohort, user=people[7])
    # Someone with no organisation.
    people[8].organisation = None
    people[8].save()
    summary = selectors.cohort_summary(cohort=started)
    figures = sorted(
        (o.name, o.learners, o.done, o.total, o.finished) for o in summary.organisations
    )
    assert figures == summary_from_heatmap(started)
    assert summary.learners == 40
    assert any(name == "–" for name, *_ in figures)
    assert Submission.objects.filter(experiment=experiment).exists()


def test_a_whole_cohort_is_counted_by_a_join_not_an_in_list_of_every_learner(
    started, course, instructor
):
    people = grow_cohort(cohort=started, learners=60, instructor=instructor)
    ids = [u.pk for u in people]
    with CaptureQueriesContext(connection) as by_join:
        by_cohort = completion_matrix(cohort=started, course=course)
    with CaptureQueriesContext(connection) as by_ids:
        assert by_cohort == completion_matrix(user_ids=ids, course=course)
    assert len(by_cohort) > 50
    # An IN list names the learners one after another in the SQL; the join names none.
    in_list = f"{ids[0]}, {ids[1]}, {ids[2]}"
    assert in_list in " ".join(q["sql"] for q in by_ids.captured_queries)
    assert in_list not in " ".join(q["sql"] for q in by_join.captured_queries)


def rows_on(client, url, marker, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode().count(marker)


def test_the_at_risk_attendance_and_phase_lists_show_100_a_page(
    client_for, started, coordinator, instructor
):
    grow_cohort(cohort=started, learners=480, instructor=instructor)
    # Learners since the cohort started, so phase 1 (due 46 days ago) is late for them.
    started.memberships.update(joined_at=timezone.now() - datetime.timedelta(days=60))
    client = client_for(coordinator)
    risky = len(selectors.at_risk(cohort=started))
    assert risky > 100
    url = reverse("learners:at_risk", args=[started.pk])
    first = rows_on(client, url, '<tr data-testid="at-risk-')
    second = rows_on(client, url, '<tr data-testid="at-risk-', page=2)
    last = rows_on(client, url, '<tr data-testid="at-risk-', page=99)
    assert first == 100
    assert second == min(100, risky - 100)
    assert last == (risky - 1) % 100 + 1
    assert "?page=2" in client.get(url).content.decode()

    url = reverse("learners:attendance", args=[started.pk])
    assert rows_on(client, url, '<tr data-testid="learner-') == 100
    assert rows_on(client, url, '<tr data-testid="learner-', page=5) == 80
    url = reverse("learners:funnel", args=[started.pk])
    assert rows_on(client, url, '<tr data-testid="funnel-row-') == 100
    assert rows_on(client, url, '<tr data-testid="funnel-row-', page=5) == 80


def test_the_paged_lists_are_refused_to_a_learner_and_another_cohorts_staff(
    client_for, started, learner, other_instructor
):
    for person in (learner, other_instructor):
        client = client_for(person)
        for name in ("at_risk", "attendance", "funnel", "dashboard"):
            response = client.get(reverse(f"learners:{name}", args=[started.pk]), {"page": 2})
            assert response.status_code in (403, 404), (person, name)


# Each page's queries at 60 and 1,200 learners: the same, and exactly these. Every page: the
# session, and the coordinator with the navigation's roles and unread badge (2), the cohort
# with whether she coordinates it (1); tests/learners/test_query_budgets.py names the rest
# ("summary", "at risk", "experiment phases", "attendance"). The summary reads the cohort's
# rollup row (1) and the reviewers its turnaround names (1). "(N allowed before)": what the
# budget allowed when it had slack, before the navigation came with the person's row.
BUDGETS = {
    "dashboard": 5,  # (7 allowed before.)
    "at_risk": 18,  # (20 allowed before.)
    "funnel": 6,  # (7 allowed before.)
    "attendance": 7,  # (9 allowed before.)
}


def test_the_summary_at_risk_phase_and_attendance_queries_do_not_grow_to_1200_learners(
    client_for, started, coordinator, instructor, django_assert_num_queries
):
    grow_cohort(cohort=started, learners=60, instructor=instructor)
    client = client_for(coordinator)
    urls = {name: reverse(f"learners:{name}", args=[started.pk]) for name in BUDGETS}

    def counts():
        found = {}
        for name, url in urls.items():
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url, {"page": 2}).status_code == 200
            found[name] = len(ctx)
        return found

    rollup_rebuild()  # as beat keeps it (bulk rows bypass the services' touches)
    small = counts()
    grow_cohort(cohort=started, learners=1140, instructor=instructor)
    rollup_rebuild()
    large = counts()
    assert large == small, "query count grew with the cohort"
    for name, url in urls.items():
        with django_assert_num_queries(BUDGETS[name], info=name):
            client.get(url)


def test_without_assignment_rules_progress_is_counted_from_completions_with_the_same_figures(
    started, course, instructor, other_cohort
):
    people = grow_cohort(cohort=started, learners=40, instructor=instructor)
    assert completions_only(course=course)
    # A draft item and a draft module: done by some, counted by nobody.
    draft = factories.ItemFactory(module=course.modules.first(), is_published=False)
    hidden = factories.ModuleFactory(course=course, is_published=False)
    hidden_item = factories.ItemFactory(module=hidden)
    Completion.objects.create(user=people[3], item=draft)
    Completion.objects.create(user=people[3], item=hidden_item)
    # A learner in another cohort of the course, with a completion there too (same course).
    factories.MembershipFactory(cohort=other_cohort, user=people[7])
    fast = completion_matrix(cohort=started, course=course, completions_only=True)
    assert fast == completion_matrix(cohort=started, course=course)
    summary = selectors.cohort_summary(cohort=started)
    figures = sorted(
        (o.name, o.learners, o.done, o.total, o.finished) for o in summary.organisations
    )
    assert figures == summary_from_heatmap(started)
    assert sum(o.done for o in summary.organisations) > 0
