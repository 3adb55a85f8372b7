"""The pages an email's links open for a signed-out reader speak the email's language: the
one-click unsubscribe page, and the sign-in page a follow link leads to (then the page itself).
A reader with a language of their own (signed in, or the language cookie) keeps it; someone
else holding the link learns the language and nothing more of whom it was sent to."""

from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from notifications import services
from notifications.models import Mode, Notification, NotificationPreference
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TARGET = "/notifications/settings/"
SWEDISH_BANNER = "Du har loggat in som"


def html_lang(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.fixture
def swedish_email(learner, django_capture_on_commit_callbacks):
    """Oona reads Swedish; a reply notice is emailed to her at once. Returns the notification,
    the follow link and the unsubscribe link of the email, as paths."""
    learner.language = "sv"
    learner.save(update_fields=["language"])
    NotificationPreference.objects.create(
        user=learner, email_modes={Notification.Category.DISCUSSIONS: Mode.IMMEDIATELY}
    )
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notification_notify(
            recipient=learner,
            category=Notification.Category.DISCUSSIONS,
            key="discussion-post-7",
            template="discussion_reply",
            context={
                "author_name": "Maija",
                "thread": SimpleNamespace(title="Kyläkoulut"),
                "excerpt": "Samaa mieltä.",
            },
            url=TARGET,
        )
    [email] = mail.outbox
    html, _mimetype = email.alternatives[0]
    assert '<html lang="sv">' in html
    [follow] = set(re.findall(r'href="([^"]*/notifications/follow/[^"]+)"', html))
    unsubscribe = email.extra_headers["List-Unsubscribe"].strip("<>")
    return SimpleNamespace(
        notification=notification,
        follow=follow.replace("&amp;", "&").removeprefix(settings.SITE_URL),
        unsubscribe=unsubscribe.removeprefix(settings.SITE_URL),
    )


def test_the_unsubscribe_page_speaks_the_recipients_language_in_a_fresh_browser(
    client, client_for, learner, other_learner, swedish_email
):
    page = client.get(swedish_email.unsubscribe)
    assert page.status_code == 200
    assert html_lang(page) == "sv"
    assert page["Content-Language"] == "sv"
    assert "Avsluta prenumeration" in page.content.decode()  # "Unsubscribe"

    done = client.post(swedish_email.unsubscribe)
    assert html_lang(done) == "sv"
    assert 'data-testid="unsubscribe-done"' in done.content.decode()
    learner.__dict__.pop("_notification_preference", None)
    assert services.preference_for(learner).mode_for("discussions") == Mode.OFF

    # A reader with a language of their own keeps it: the cookie, or theirs when signed in.
    chosen = Client()
    chosen.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert html_lang(chosen.get(swedish_email.unsubscribe)) == "en"
    page = client_for(other_learner).get(swedish_email.unsubscribe)
    assert html_lang(page) == "fi"
    assert 'data-testid="unsubscribe-other-account"' in page.content.decode()


def test_the_follow_link_leads_to_a_swedish_sign_in_and_then_to_the_page(
    client, learner, swedish_email
):
    response = client.get(swedish_email.follow)
    assert response.status_code == 302
    login = response["Location"]
    assert urlsplit(login).path == reverse("account_login")
    assert parse_qs(urlsplit(login).query)["next"] == [swedish_email.follow]

    page = client.get(login)
    assert html_lang(page) == "sv"
    # A mistyped password: the page answering it is Swedish too.
    wrong = client.post(login, {"login": learner.email, "password": "väärin"})
    assert wrong.status_code == 200
    assert html_lang(wrong) == "sv"

    landed = client.post(login, {"login": learner.email, "password": PASSWORD}, follow=True)
    assert [url for url, _status in landed.redirect_chain] == [swedish_email.follow, TARGET]
    assert html_lang(landed) == "sv"
    assert SWEDISH_BANNER in landed.content.decode()
    swedish_email.notification.refresh_from_db()
    assert swedish_email.notification.read_at is not None
    learner.refresh_from_db()
    assert learner.language == "sv"


def test_someone_else_holding_the_link_learns_the_language_and_nothing_else(
    client, learner, other_learner, swedish_email
):
    login = client.get(swedish_email.follow)["Location"]
    page = client.get(login)
    html = page.content.decode()
    assert html_lang(page) == "sv"
    for revealing in (learner.email, "o***@example.fi", learner.first_name, learner.last_name):
        assert revealing not in html

    # Olli (Finnish) signs in with it: his own language stays, and the link is not his.
    answer = client.post(login, {"login": other_learner.email, "password": PASSWORD}, follow=True)
    assert answer.status_code == 403
    assert 'data-testid="follow-other-account"' in answer.content.decode()
    assert html_lang(answer) == "fi"
    other_learner.refresh_from_db()
    assert other_learner.language == "fi"
    swedish_email.notification.refresh_from_db()
    assert swedish_email.notification.read_at is None
