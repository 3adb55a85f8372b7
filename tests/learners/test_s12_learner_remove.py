"""A coordinator takes a learner out of a cohort in the product: from the learner's page, after
a confirmation that says what happens. The learner's work stays, she is told (replies go to the
coordinator), the cohort's pages and figures stop counting her, and only the cohort's
coordinators can do it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Completion, Item
from learners import rollup
from learners.access import learner_cohorts
from learners.models import CohortRollup, LearnerProgress, Membership
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaving(cohort, learner, other_learner):
    """`learner` has done a lesson; the cohort's figures were counted with her in them."""
    item = Item.objects.filter(module__course=cohort.course).first()
    Completion.objects.create(user=learner, item=item)
    rollup.rollup_rebuild(cohorts=cohort.__class__.objects.filter(pk=cohort.pk))
    assert CohortRollup.objects.get(cohort=cohort).learners == 2
    return learner


def remove_url(cohort, person):
    return reverse("learners:learner_remove", args=[cohort.pk, person.pk])


def test_a_coordinator_removes_a_learner_after_confirming_and_the_cohort_stops_counting_her(
    client_for, coordinator, cohort, leaving, other_learner, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    timeline = client.get(reverse("learners:timeline", args=[cohort.pk, leaving.pk]))
    assert f'href="{remove_url(cohort, leaving)}"' in timeline.content.decode()

    confirm = client.get(remove_url(cohort, leaving))

    assert confirm.status_code == 200
    assert 'data-testid="learner-remove-form"' in confirm.content.decode()
    assert Membership.objects.filter(cohort=cohort, user=leaving).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remove_url(cohort, leaving))

    assert response["Location"] == reverse("learners:cohort_detail", args=[cohort.pk])
    assert not Membership.objects.filter(cohort=cohort, user=leaving).exists()
    assert cohort not in learner_cohorts(leaving)
    # Her work stays.
    assert Completion.objects.filter(user=leaving).count() == 1
    # She is told, and a reply goes to the coordinator who removed her.
    notice = Notification.objects.get(recipient=leaving)
    assert notice.reply_to == coordinator.email
    assert cohort.name in notice.body
    # The cohort's pages stop listing her at once; its figures are marked to be recounted.
    assert not LearnerProgress.objects.filter(cohort=cohort, user=leaving).exists()
    assert CohortRollup.objects.get(cohort=cohort).stale
    progress = client.get(reverse("learners:cohort_detail", args=[cohort.pk]))
    assert progress.context["page"].paginator.count == 1
    assert client.get(reverse("learners:timeline", args=[cohort.pk, leaving.pk])).status_code == 404
    # The recount (beat, within a minute) counts her no more.
    rollup.rollup_sweep()
    summary = client.get(reverse("learners:dashboard", args=[cohort.pk]))
    assert summary.context["summary"].learners == 1
    assert 'data-testid="figure-learners">1<' in summary.content.decode()

    # A second click (a double click, an old tab) changes nothing and says so.
    again = client.post(remove_url(cohort, leaving))
    assert again["Location"] == reverse("learners:cohort_detail", args=[cohort.pk])
    assert Notification.objects.filter(recipient=leaving).count() == 1
    assert Membership.objects.filter(cohort=cohort, user=other_learner).exists()


def test_the_figures_are_recounted_within_a_minute_without_a_broker(
    client_for, coordinator, cohort, leaving
):
    client = client_for(coordinator)
    client.post(remove_url(cohort, leaving))
    # A minute later the summary page recounts the touched figures itself (no beat running).
    CohortRollup.objects.filter(cohort=cohort).update(
        refreshed_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    summary = client.get(reverse("learners:dashboard", args=[cohort.pk]))
    assert summary.context["summary"].learners == 1


@pytest.mark.parametrize("who", ["instructor", "other_learner", "other_coordinator"])
def test_only_the_cohorts_coordinators_remove_a_learner(
    request, client_for, cohort, other_cohort, learner, who
):
    if who == "other_coordinator":
        person = factories.UserFactory()
        factories.MembershipFactory(cohort=other_cohort, user=person, role="coordinator")
    else:
        person = request.getfixturevalue(who)
    client = client_for(person)
    assert client.get(remove_url(cohort, learner)).status_code in (403, 404)
    assert client.post(remove_url(cohort, learner)).status_code in (403, 404)
    assert Membership.objects.filter(cohort=cohort, user=learner).exists()
    assert not Notification.objects.exists()


def test_staff_cannot_be_removed_this_way_and_a_get_changes_nothing(
    client_for, coordinator, instructor, cohort, learner
):
    client = client_for(coordinator)
    assert client.get(remove_url(cohort, instructor)).status_code == 404
    response = client.post(remove_url(cohort, instructor))
    assert response["Location"] == reverse("learners:cohort_detail", args=[cohort.pk])
    assert Membership.objects.filter(cohort=cohort, user=instructor, role="instructor").exists()
    assert client.get(remove_url(cohort, learner)).status_code == 200
    assert Membership.objects.filter(cohort=cohort, user=learner).exists()
