"""A person erased under privacy/ (the account anonymised and made inactive) is reminded of
nothing: a nudge to them is refused with the reason, and nothing is recorded or emailed."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from learners import services
from learners.models import Nudge
from notifications.models import Notification
from privacy import services as privacy_services
from tests.refusals import assert_refused

pytestmark = pytest.mark.django_db

REFUSAL = "This person's account has been closed, so no reminder can be sent to them."


@pytest.fixture
def started(cohort):
    cohort.start_date = timezone.localdate() - datetime.timedelta(days=60)
    cohort.save()
    return cohort


def erase(person, superuser):
    request = privacy_services.erasure_request(user=person, requested_by=person)
    privacy_services.erasure_carry_out(request=request, by=superuser)
    person.refresh_from_db()
    assert not person.is_active
    assert person.email.endswith("@erased.invalid")
    return person


def test_a_nudge_to_an_erased_learner_is_refused_and_sends_nothing(
    started, learner, coordinator, superuser, django_capture_on_commit_callbacks
):
    erased = erase(learner, superuser)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(services.EnrolmentError) as refusal,
    ):
        services.nudge_send(cohort=started, learner=erased, sent_by=coordinator)
    with translation.override("fi"):
        assert refusal.value.message == translation.gettext(REFUSAL)
    assert not Nudge.objects.exists()
    assert not Notification.objects.filter(recipient=erased).exists()
    assert mail.outbox == []


def test_a_nudge_to_an_active_learner_still_goes_out(
    started, learner, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.nudge_send(cohort=started, learner=learner, sent_by=coordinator)
    assert [m.to for m in mail.outbox] == [[learner.email]]
    # Replies go to the coordinator who sent it.
    assert mail.outbox[0].reply_to == [coordinator.email]


def test_replies_to_a_nudge_never_go_to_an_erased_coordinator(
    started, learner, instructor, coordinator, superuser, django_capture_on_commit_callbacks
):
    erase(coordinator, superuser)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.nudge_send(cohort=started, learner=learner, sent_by=instructor)
    assert len(mail.outbox) == 1
    assert not any(a.endswith("@erased.invalid") for a in mail.outbox[0].reply_to)


@pytest.mark.parametrize("htmx", [True, False])
def test_the_coordinators_nudge_button_answers_409_with_the_reason(
    started, learner, coordinator, superuser, client_for, htmx, django_capture_on_commit_callbacks
):
    erased = erase(learner, superuser)
    client = client_for(coordinator)
    headers = {"HX-Request": "true"} if htmx else {}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("learners:nudge", args=[started.pk, erased.pk]), headers=headers
        )
    assert_refused(response, 409, REFUSAL)
    assert "Muistutus lähetetty" not in response.content.decode()
    assert not Nudge.objects.exists()
    assert mail.outbox == []
