"""Notifications: a row first, one email per event, retries that give up cleanly, a private list."""

import re
from datetime import timedelta
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone

from notifications import services
from notifications.models import Notification
from notifications.tasks import notification_send_email
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(learner, cohort, assignment):
    return factories.SubmissionFactory(
        learner=learner, cohort=cohort, assignment=assignment, status="rejected"
    )


def notify(recipient, submission, key="submission-rejected-1"):
    return services.notification_notify(
        recipient=recipient,
        category=Notification.Category.REVIEWS,
        key=key,
        template="submission_rejected",
        context={"submission": submission},
        url=reverse("workshops:submission_detail", args=[submission.pk]),
    )


def make(recipient, subject="Ilmoitus", url="", **fields):
    return Notification.objects.create(
        recipient=recipient,
        category=Notification.Category.REVIEWS,
        key=f"key-{subject}",
        subject=subject,
        body="Viesti",
        url=url,
        **fields,
    )


def unread_badge(html):
    """The number in the navigation's notification badge, or None when there is no badge."""
    link = re.search(r'<a class="nav-link" href="/notifications/">(.*?)</a>', html, re.DOTALL)
    assert link, "no notifications link in the navigation"
    badge = re.search(r'<span class="badge[^"]*">(\d+)', link[1])
    return int(badge[1]) if badge else None


def fail_to_send(self, fail_silently=False):
    raise SMTPException("421 palvelin ei vastaa")


@pytest.fixture
def failing_smtp(monkeypatch):
    """Every email fails as if the mail server were down; returns the list of attempts."""
    calls = []

    def send(self, fail_silently=False):
        calls.append(self.subject)
        fail_to_send(self)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    return calls


# --- recording and sending -------------------------------------------------------------------


def test_announcing_the_same_event_twice_makes_one_row_and_one_email(
    learner, submission, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(learner, submission)
        second = notify(learner, submission)
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_same_event_reaches_each_person_once(
    learner, other_learner, submission, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(learner, submission)
        notify(other_learner, submission)
        notify(learner, submission, key="another-event")
    assert Notification.objects.filter(recipient=learner).count() == 2
    assert Notification.objects.filter(recipient=other_learner).count() == 1
    assert len(mail.outbox) == 3


def test_the_email_is_sent_only_after_the_transaction_commits(
    learner, submission, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = notify(learner, submission)
    assert mail.outbox == []
    assert notification.email_status == Notification.EmailStatus.QUEUED
    assert len(callbacks) == 1


def test_sending_the_same_notification_twice_sends_one_email(
    learner, submission, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        notification = notify(learner, submission)

    assert services.notification_send_email(notification_id=notification.pk) is True
    assert services.notification_send_email(notification_id=notification.pk) is False
    assert notification_send_email(notification.pk) is False

    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.SENT
    assert notification.email_attempts == 1
    assert notification.emailed_at is not None
    email = mail.outbox[0]
    assert email.to == [learner.email]
    assert email.subject == f"[Alueagentti] {notification.subject}"
    assert email.alternatives[0][1] == "text/html"


def test_a_failing_mail_server_leaves_the_row_queued_with_the_error(
    learner, submission, failing_smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        notification = notify(learner, submission)

    before = timezone.now()
    assert services.notification_send_email(notification_id=notification.pk) is False

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.QUEUED
    assert notification.email_attempts == 1
    assert "421 palvelin ei vastaa" in notification.email_error
    assert notification.emailed_at is None
    # The first retry waits a minute; the row keeps trying for 48 hours.
    assert before + timedelta(seconds=59) < notification.next_attempt_at
    assert notification.next_attempt_at < timezone.now() + timedelta(seconds=61)
    assert notification.retry_until > timezone.now() + timedelta(hours=47)
    assert mail.outbox == []


def test_a_retry_after_a_failure_sends_and_clears_the_error(
    learner, submission, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        notification = notify(learner, submission)
    with monkeypatch.context() as patch:
        patch.setattr(EmailMultiAlternatives, "send", fail_to_send)
        assert services.notification_send_email(notification_id=notification.pk) is False

    assert services.notification_send_email(notification_id=notification.pk) is True

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.SENT
    assert notification.email_attempts == 2
    assert notification.email_error == ""
    assert len(mail.outbox) == 1


def test_the_task_records_a_mail_server_failure_instead_of_raising_it(
    learner, submission, failing_smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        notification = notify(learner, submission)

    result = notification_send_email.apply(args=[notification.pk])

    # One attempt, no Celery retry chain: the sweeper owns the next attempt.
    assert result.get() is False
    assert len(failing_smtp) == 1
    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.QUEUED
    assert notification.email_attempts == 1
    assert Notification.objects.filter(recipient=learner).count() == 1


def test_a_person_without_an_email_address_gets_the_notification_but_no_email(
    submission, django_capture_on_commit_callbacks
):
    person = factories.UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(person, submission)
    assert notification.email_status == Notification.EmailStatus.SKIPPED
    assert mail.outbox == []


# --- the notification pages -------------------------------------------------------------------


def test_the_list_shows_only_ones_own_notifications(client_for, learner, other_learner):
    make(learner, subject="Sinun ilmoituksesi")
    make(other_learner, subject="Jonkun muun ilmoitus")

    response = client_for(learner).get(reverse("notifications:list"))

    assert response.status_code == 200
    assert [n.subject for n in response.context["page"]] == ["Sinun ilmoituksesi"]
    html = response.content.decode()
    assert "Sinun ilmoituksesi" in html
    assert "Jonkun muun ilmoitus" not in html
    assert "Ilmoitukset" in html


def test_opening_a_notification_marks_it_read_and_follows_its_link(client_for, learner, submission):
    url = reverse("workshops:submission_detail", args=[submission.pk])
    notification = make(learner, url=url)
    other = make(learner, subject="Toinen")

    response = client_for(learner).post(reverse("notifications:open", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == url
    notification.refresh_from_db()
    other.refresh_from_db()
    assert notification.read_at is not None
    assert other.read_at is None


@pytest.mark.parametrize("url", ["https://evil.example/phish", "//evil.example/", ""])
def test_opening_a_notification_never_leaves_the_site(client_for, learner, url):
    notification = make(learner, url=url)
    response = client_for(learner).post(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == reverse("notifications:list")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_needs_a_post(client_for, learner):
    notification = make(learner, url="/")
    response = client_for(learner).get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_touches_only_ones_own(client_for, learner, other_learner):
    mine = [make(learner, subject=f"Oma {i}") for i in range(3)]
    theirs = make(other_learner, subject="Muu")
    response = client_for(learner).post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(pk__in=[n.pk for n in mine], read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_navigation_badge_counts_unread_notifications(client_for, learner, other_learner):
    client = client_for(learner)
    assert unread_badge(client.get(reverse("core:home")).content.decode()) is None

    first, *_ = [make(learner, subject=f"Oma {i}") for i in range(3)]
    make(other_learner, subject="Muu")
    assert unread_badge(client.get(reverse("core:home")).content.decode()) == 3

    client.post(reverse("notifications:open", args=[first.pk]))
    assert unread_badge(client.get(reverse("notifications:list")).content.decode()) == 2

    client.post(reverse("notifications:read_all"))
    assert unread_badge(client.get(reverse("core:home")).content.decode()) is None


def test_the_list_is_paginated_newest_first(client_for, learner):
    for i in range(30):
        make(learner, subject=f"Ilmoitus {i:02d}")
    client = client_for(learner)
    first_page = [n.subject for n in client.get(reverse("notifications:list")).context["page"]]
    second = client.get(reverse("notifications:list"), {"page": 2}).context["page"]
    assert len(first_page) == 25
    assert first_page[0] == "Ilmoitus 29"
    assert [n.subject for n in second] == [f"Ilmoitus {i:02d}" for i in range(4, -1, -1)]
