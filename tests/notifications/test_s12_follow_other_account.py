"""Someone signed in with another account who opens a person's email link (forwarded, or on a
shared computer) is told the link is for another account and may sign out and continue as its
recipient, instead of landing on a page that 404s for them. The notification stays unread."""

from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

from notifications import services
from notifications.models import Notification
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TARGET = "/notifications/settings/"


@pytest.fixture
def notice(learner):
    """Oona's notification and the follow link her email gives for it (a path)."""
    notification = services.notification_notify(
        recipient=learner,
        category=Notification.Category.DISCUSSIONS,
        key="discussion-post-9",
        template="discussion_reply",
        context={
            "author_name": "Maija",
            "thread": SimpleNamespace(title="Kyläkoulut"),
            "excerpt": "Samaa mieltä.",
        },
        url=TARGET,
    )
    link = services.notification_follow_url(notification).removeprefix(settings.SITE_URL)
    return notification, link


def test_another_account_is_told_whose_link_it_is_and_can_sign_out_and_continue(
    client, learner, other_learner, notice
):
    notification, link = notice
    client.force_login(other_learner)

    page = client.get(link)
    assert page.status_code == 403
    html = page.content.decode()
    assert 'data-testid="follow-other-account"' in html
    assert "o***@example.fi" in html  # whose link it is, masked as on the unsubscribe page
    assert learner.email not in html
    [form] = re.findall(r'<form[^>]*data-testid="follow-sign-out-form">.*?</form>', html, re.S)
    assert f'action="{reverse("account_logout")}"' in form
    assert f'name="next" value="{link}"' in form
    assert f'href="{TARGET}" data-testid="follow-anyway"' in html
    notification.refresh_from_db()
    assert notification.read_at is None

    # Sign out and continue: to the sign-in page, and on to the page as Oona.
    signed_out = client.post(reverse("account_logout"), {"next": link}, follow=True)
    login = signed_out.redirect_chain[-1][0]
    assert urlsplit(login).path == reverse("account_login")
    assert parse_qs(urlsplit(login).query)["next"] == [link]
    notification.refresh_from_db()
    assert notification.read_at is None

    landed = client.post(login, {"login": learner.email, "password": PASSWORD}, follow=True)
    assert [url for url, _status in landed.redirect_chain] == [link, TARGET]
    assert landed.status_code == 200
    notification.refresh_from_db()
    assert notification.read_at is not None
