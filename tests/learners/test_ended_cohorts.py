"""A cohort whose end date is past: its learners are alumni. Nobody is listed at risk, nobody is
nudged or reminded of deadlines, and the cross-cohort view shows the cohort as ended with its
progress as it is. Also: the phases page's days read the same way in every row, and the demo's
dates tell a believable story."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Completion, Item
from learners import selectors
from learners.models import Cohort, Membership, Nudge
from notifications.models import Notification
from tests.refusals import assert_refused
from workshops.reminders import deadline_reminders_due

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = timezone.localdate(NOW)


def ago(days):
    return NOW - datetime.timedelta(days=days)


@pytest.fixture
def ended(cohort, learner):
    """The cohort ran from 200 to 30 days ago; its learner stopped 60 days ago."""
    cohort.start_date = TODAY - datetime.timedelta(days=200)
    cohort.end_date = TODAY - datetime.timedelta(days=30)
    cohort.save()
    learner.memberships.update(joined_at=ago(200))
    item = Item.objects.filter(module__course=cohort.course).first()
    completion = Completion.objects.create(user=learner, item=item)
    Completion.objects.filter(pk=completion.pk).update(completed_at=ago(60))
    return cohort


def test_learners_of_an_ended_cohort_are_not_at_risk(ended, learner):
    assert selectors.at_risk(cohort=ended, now=NOW) == []
    # The same learner, had the cohort still been running, would be listed for inactivity.
    Cohort.objects.filter(pk=ended.pk).update(end_date=TODAY + datetime.timedelta(days=30))
    ended.refresh_from_db()
    assert [r.learner for r in selectors.at_risk(cohort=ended, now=NOW)] == [learner]


def test_the_cohort_summary_of_an_ended_cohort_counts_nobody_at_risk(ended):
    summary = selectors.cohort_summary(cohort=ended, now=NOW)
    assert summary.learners == 1
    assert summary.at_risk == 0
    assert summary.percent > 0  # progress figures as they are


def test_an_ended_cohorts_learner_cannot_be_nudged(client_for, coordinator, ended, learner):
    response = client_for(coordinator).post(reverse("learners:nudge", args=[ended.pk, learner.pk]))
    assert_refused(response, 409, "This cohort has ended; its learners are no longer reminded.")
    assert not Nudge.objects.exists()
    assert not Notification.objects.filter(recipient=learner).exists()


def test_the_at_risk_page_of_an_ended_cohort_lists_nobody_and_offers_no_reminders(
    client_for, coordinator, ended
):
    page = client_for(coordinator).get(reverse("learners:at_risk", args=[ended.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="at-risk-empty"' in html
    assert 'data-testid="nudge"' not in html


def test_deadline_reminders_skip_experiments_of_an_ended_cohort(ended, learner, assignment):
    from workshops import services as workshop_services

    assignment.due_days = 202  # two days from now, counted from the cohort's start
    assignment.save()
    experiment = workshop_services.experiment_create(
        learner=learner, workshop=assignment.workshop, cohort=ended, title="Kylätalo"
    )
    assert all(r.experiment.pk != experiment.pk for r in deadline_reminders_due(today=TODAY))
    # Had the cohort still been running, the learner would have been reminded.
    Cohort.objects.filter(pk=ended.pk).update(end_date=TODAY + datetime.timedelta(days=30))
    assert any(r.experiment.pk == experiment.pk for r in deadline_reminders_due(today=TODAY))


def test_the_cross_cohort_view_shows_an_ended_cohort_as_ended_not_at_risk(
    client_for, coordinator, ended, other_cohort
):
    Membership.objects.create(
        cohort=other_cohort, user=coordinator, role=Membership.Role.COORDINATOR
    )
    html = client_for(coordinator).get(reverse("learners:cross_cohort")).content.decode()
    rows = {
        name: html[html.index(name) :].split("</tr>")[0] for name in (ended.name, other_cohort.name)
    }
    assert 'data-testid="cohort-ended"' in rows[ended.name]
    assert reverse("learners:at_risk", args=[ended.pk]) not in rows[ended.name]
    assert 'data-testid="cohort-ended"' not in rows[other_cohort.name]
    assert reverse("learners:at_risk", args=[other_cohort.pk]) in rows[other_cohort.name]


def test_the_cross_cohort_view_is_only_for_coordinators(client_for, learner, ended):
    response = client_for(learner).get(reverse("learners:cross_cohort"))
    assert response.status_code in (403, 404)


def test_median_days_in_a_phase_read_with_one_decimal_in_every_row(
    client_for, coordinator, cohort, learner, other_learner, assignment
):
    from workshops import services as workshop_services
    from workshops.models import ExperimentEvent

    for person, days, title in ((learner, 4, "Kyyti"), (other_learner, 7, "Kirjasto")):
        experiment = workshop_services.experiment_create(
            learner=person, workshop=assignment.workshop, cohort=cohort, title=title
        )
        ExperimentEvent.objects.filter(experiment=experiment).update(created_at=ago(days))
    html = client_for(coordinator).get(reverse("learners:funnel", args=[cohort.pk])).content
    row = html.decode().split('data-testid="funnel-phase-1"')[1].split("</tr>")[0]
    assert "5,5" in row  # the median of 4 and 7 days, in Finnish
    assert ">7<" in row  # the longest, whole days


def test_the_demo_spreads_days_in_phase_and_last_activity(demo_data):
    main = Cohort.objects.get(name="Alueagentti 2026 – syksyn ryhmä")
    funnel = selectors.experiment_funnel(cohort=main)
    days = {row.days_in_phase for row in funnel.experiments}
    assert len(days) >= 3
    assert min(days) > 0
    for row in funnel.experiments:
        assert row.waiting_days <= row.days_in_phase
    last = {r.last_activity.date() for r in selectors.at_risk(cohort=main) if r.last_activity}
    assert len(last) >= 2
    assert timezone.localdate() not in last
    # The ended spring cohort's alumni are not listed at risk.
    ended = Cohort.objects.filter(end_date__lt=timezone.localdate())
    assert ended.exists()
    assert all(selectors.at_risk(cohort=c) == [] for c in ended)
