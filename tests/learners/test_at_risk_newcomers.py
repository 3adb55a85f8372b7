"""A learner who joins a cohort late is not late for the phases that were due before they
joined (selectors.owes_phase): the at-risk page, its reasons, the summary's figures (live and
from the rollup) and a reminder all follow the same rule."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from learners import rollup, selectors
from learners.models import Membership, Nudge
from tests import factories
from workshops.models import Extension

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = timezone.localdate(NOW)


def ago(days):
    return NOW - datetime.timedelta(days=days)


@pytest.fixture
def running(cohort):
    """The cohort started 60 days ago and runs for 100 days more."""
    cohort.start_date = TODAY - datetime.timedelta(days=60)
    cohort.end_date = TODAY + datetime.timedelta(days=100)
    cohort.save()
    return cohort


@pytest.fixture
def due_ten_days_ago(running, course):
    workshop = factories.WorkshopFactory(course=course)
    return factories.AssignmentFactory(
        workshop=workshop, phase=1, title="Kuvaa kehittämishaasteesi", due_days=50
    )


def joined(cohort, days_ago, **fields):
    user = factories.UserFactory(**fields)
    membership = factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.LEARNER)
    Membership.objects.filter(pk=membership.pk).update(joined_at=ago(days_ago))
    return user


@pytest.fixture
def anna_and_bea(running, due_ten_days_ago):
    """Anna joined 20 days ago and sent nothing; Bea joined yesterday, 9 days after the phase
    was due."""
    anna = joined(running, 20, email="anna@example.fi", first_name="Anna", last_name="Aalto")
    bea = joined(running, 1, email="bea@example.fi", first_name="Bea", last_name="Berg")
    return anna, bea


def test_the_phase_is_due_ten_days_ago(running, due_ten_days_ago):
    # The world the other tests assume.
    from workshops.models import phase_due_date

    due = phase_due_date(assignment=due_ten_days_ago, cohort=running)
    assert due == TODAY - datetime.timedelta(days=10)


def test_a_learner_who_joined_after_a_phase_was_due_is_not_on_the_at_risk_page(
    client_for, coordinator, running, anna_and_bea
):
    anna, bea = anna_and_bea
    page = client_for(coordinator).get(reverse("learners:at_risk", args=[running.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="at-risk-anna@example.fi"' in html
    assert 'data-testid="at-risk-bea@example.fi"' not in html
    [row] = page.context["rows"]
    assert row.learner == anna
    assert row.overdue == ["Kuvaa kehittämishaasteesi"]
    assert "Kuvaa kehittämishaasteesi" in html
    # Bea is not waiting on an instructor for it either.
    assert page.context["delays"] == []


def test_the_summary_counts_only_the_learner_who_was_there_when_the_phase_was_due(
    client_for, coordinator, running, anna_and_bea
):
    page = client_for(coordinator).get(reverse("learners:dashboard", args=[running.pk]))
    assert page.status_code == 200
    summary = page.context["summary"]
    assert (summary.learners, summary.at_risk) == (2, 1)
    assert sum(o.at_risk for o in summary.organisations) == 1
    assert 'data-testid="figure-at-risk"' in page.content.decode()
    # The live summary (selectors.cohort_summary) agrees with the rollup's.
    live = selectors.cohort_summary(cohort=running, now=NOW)
    assert (live.learners, live.at_risk, live.waiting_on_staff) == (2, 1, 0)


def test_the_rollup_and_the_rule_choose_the_same_learners(running, anna_and_bea):
    anna, bea = anna_and_bea
    rollup.rollup_rebuild(cohorts=type(running).objects.filter(pk=running.pk), now=NOW)
    chosen = set(rollup.at_risk_candidates(cohort=running, now=NOW).values_list("user", flat=True))
    ruled = {r.learner.pk for r in selectors.at_risk(cohort=running, now=NOW)}
    assert chosen == ruled == {anna.pk}
    rows = {r.user_id: r for r in rollup.learner_rows(cohort=running, now=NOW)}
    assert rows[anna.pk].overdue_on == TODAY - datetime.timedelta(days=10)
    assert rows[bea.pk].overdue_on is None


def test_a_reminder_to_a_newcomer_names_no_phase_due_before_they_joined(
    client_for, coordinator, running, anna_and_bea, django_capture_on_commit_callbacks
):
    anna, bea = anna_and_bea
    client = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        for person in (anna, bea):
            client.post(reverse("learners:nudge", args=[running.pk, person.pk]))
    reasons = dict(Nudge.objects.filter(cohort=running).values_list("learner", "reasons"))
    assert "Kuvaa kehittämishaasteesi" in reasons[anna.pk]
    assert "Kuvaa kehittämishaasteesi" not in reasons[bea.pk]


def test_a_phase_due_on_the_day_a_learner_joined_or_later_is_theirs(
    running, course, due_ten_days_ago
):
    workshop = due_ten_days_ago.workshop
    factories.AssignmentFactory(workshop=workshop, phase=2, title="Ideoi", due_days=59)
    carl = joined(running, 1, first_name="Carl")  # yesterday, the day phase 2 was due
    [risk] = selectors.at_risk(cohort=running, now=NOW)
    assert risk.learner == carl
    assert risk.overdue == ["Ideoi"]


def test_an_extension_past_the_day_a_learner_joined_makes_the_phase_theirs(
    running, instructor, due_ten_days_ago
):
    from workshops import services as workshop_services

    dora = joined(running, 5, email="dora@example.fi", first_name="Dora")
    experiment = workshop_services.experiment_create(
        learner=dora, workshop=due_ten_days_ago.workshop, cohort=running, title="Kyyti"
    )
    assert selectors.at_risk(cohort=running, now=NOW) == []
    Extension.objects.create(
        experiment=experiment,
        phase=due_ten_days_ago.phase,
        due_on=TODAY - datetime.timedelta(days=2),
        granted_by=instructor,
    )
    [risk] = selectors.at_risk(cohort=running, now=NOW)
    assert risk.learner == dora
    assert risk.overdue == ["Kuvaa kehittämishaasteesi"]
