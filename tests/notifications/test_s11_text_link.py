"""The plain-text part of a notification email links through the signed follow link too
(session 11), so following either part's link marks the notification read. The row's stored
text keeps the page's own address: the app's list hides that line as the item's own link."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from notifications import services
from notifications.models import Mode, Notification, NotificationPreference

pytestmark = pytest.mark.django_db

POST_URL = "/discussions/posts/41/"


def reply(person, *, excerpt="Samaa mieltä.", url=POST_URL) -> Notification:
    return services.notification_notify(
        recipient=person,
        category=Notification.Category.DISCUSSIONS,
        key=f"text-link-{url}",
        template="discussion_reply",
        context={
            "author_name": "Maija",
            "thread": SimpleNamespace(title="Kyläkoulut"),
            "excerpt": excerpt,
        },
        url=url,
    )


@pytest.fixture
def emailed(learner, django_capture_on_commit_callbacks):
    """Send the notification `reply(learner, ...)` makes at once; returns it and its email."""
    NotificationPreference.objects.update_or_create(
        user=learner,
        defaults={"email_modes": {Notification.Category.DISCUSSIONS: Mode.IMMEDIATELY}},
    )
    learner.__dict__.pop("_notification_preference", None)

    def send(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            notification = reply(learner, **kwargs)
        notification.refresh_from_db()
        assert notification.email_status == Notification.EmailStatus.SENT
        return notification, mail.outbox[-1]

    return send


def page_address(url: str = POST_URL) -> str:
    return f"{settings.SITE_URL}{url}"


def test_the_text_part_gives_the_signed_follow_link(emailed):
    notification, email = emailed()
    follow = services.notification_follow_url(notification)
    assert f"Lue vastaus: {follow}\n" in email.body
    assert page_address() not in email.body


def test_the_text_parts_link_marks_the_notification_read(client_for, learner, emailed):
    notification, email = emailed()
    [link] = re.findall(r"Lue vastaus: (\S+)", email.body)
    response = client_for(learner).get(link.removeprefix(settings.SITE_URL))
    assert response.status_code == 302
    assert response["Location"] == POST_URL
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_the_stored_text_keeps_the_pages_own_address(client_for, learner, emailed):
    notification, _email = emailed()
    assert f"Lue vastaus: {page_address()}" in notification.body
    # ... which the app's list shows as a link of its own, not as a line of text.
    listing = client_for(learner).get(reverse("notifications:list")).content.decode()
    assert "Lue vastaus:" not in listing


def test_an_address_that_only_starts_like_the_pages_is_left_alone(emailed):
    excerpt = (
        f"Liite: {page_address()}liite.pdf ja sama ketju (ks. {page_address()}). "
        f"Toinen: {page_address('/discussions/posts/410/')}"
    )
    notification, email = emailed(excerpt=excerpt)
    follow = services.notification_follow_url(notification)
    assert f"Liite: {page_address()}liite.pdf ja" in email.body
    assert f"(ks. {follow})." in email.body
    assert f"Toinen: {page_address('/discussions/posts/410/')}" in email.body


def test_a_notification_without_a_page_here_keeps_its_text(emailed):
    outside = "https://evil.example/phish"
    notification, email = emailed(url=outside)
    assert "/notifications/follow/" not in email.body
    assert email.body.startswith(notification.body)
