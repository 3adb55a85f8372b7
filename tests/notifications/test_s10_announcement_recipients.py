"""An announcement reaches the cohort's people whose accounts are in use: someone erased under
privacy/ (anonymised and made inactive) is neither counted nor notified nor emailed."""

import pytest
from django.core import mail
from django.urls import reverse

from notifications import services
from notifications.models import Announcement, Notification
from privacy import services as privacy_services

pytestmark = pytest.mark.django_db


def erase(person, superuser):
    request = privacy_services.erasure_request(user=person, requested_by=person)
    privacy_services.erasure_carry_out(request=request, by=superuser)
    person.refresh_from_db()
    assert not person.is_active
    return person


def test_an_announcement_leaves_out_an_erased_member(
    client_for,
    coordinator,
    learner,
    other_learner,
    instructor,
    superuser,
    cohort,
    django_capture_on_commit_callbacks,
):
    erased = erase(learner, superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coordinator).post(
            reverse("notifications:announcements", args=[cohort.pk]),
            {"subject": "Työpaja siirtyy", "body": "Uusi aika on torstaina."},
        )
    assert response.status_code == 302
    announcement = Announcement.objects.get()
    assert announcement.status == Announcement.Status.SENT
    assert announcement.recipient_count == 2
    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert recipients == {other_learner.pk, instructor.pk}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([other_learner.email, instructor.email])
    assert not any(erased.email in m.to for m in mail.outbox)
    page = client_for(coordinator).get(reverse("notifications:announcements", args=[cohort.pk]))
    assert "2 vastaanottajaa" in page.content.decode()


def test_a_member_erased_before_a_scheduled_announcement_is_due_gets_nothing(
    coordinator, learner, other_learner, superuser, cohort, django_capture_on_commit_callbacks
):
    announcement = services.announcement_create(
        cohort=cohort, author=coordinator, subject="Muistutus", body="Huomenna", send_at=None
    )
    # Erased after the announcement was written, before its fan-out ran.
    erase(learner, superuser)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.announcement_send(announcement_id=announcement.pk) == 1
    announcement.refresh_from_db()
    assert announcement.recipient_count == 1
    assert announcement.status == Announcement.Status.SENT
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [other_learner.pk]


def test_a_deactivated_account_is_left_out_too(coordinator, learner, other_learner, cohort):
    learner.is_active = False
    learner.save(update_fields=["is_active"])
    announcement = services.announcement_create(
        cohort=cohort, author=coordinator, subject="Muistutus", body="Huomenna", send_at=None
    )
    services.announcement_send(announcement_id=announcement.pk)
    announcement.refresh_from_db()
    assert announcement.recipient_count == 1
    assert not Notification.objects.filter(recipient=learner).exists()
