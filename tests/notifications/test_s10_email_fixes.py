"""Notification emails as their reader gets them: in the reader's language down to the HTML's
`lang`, a digest that greets once and keeps each item's link whole (and clickable), an
unsubscribe page that names whose emails it changes, and email links that mark the
notification read when its recipient follows them."""

import datetime
import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from notifications import services
from notifications.models import Mode, Notification, NotificationPreference

pytestmark = pytest.mark.django_db

HELSINKI = ZoneInfo("Europe/Helsinki")
MORNING = datetime.datetime(2026, 10, 6, 7, 5, tzinfo=HELSINKI)
POST_URL = "/discussions/posts/41/"
LONG = " ".join(["Kyläkoulun lakkauttaminen pidentää koulumatkoja."] * 12)  # about 600 chars


def reply(person, key="discussion-post-41", excerpt="Samaa mieltä.", url=POST_URL):
    return services.notification_notify(
        recipient=person,
        category=Notification.Category.DISCUSSIONS,
        key=key,
        template="discussion_reply",
        context={
            "author_name": "Maija",
            "thread": SimpleNamespace(title="Kyläkoulut"),
            "excerpt": excerpt,
        },
        url=url,
    )


def immediately(person):
    NotificationPreference.objects.update_or_create(
        user=person, defaults={"email_modes": {Notification.Category.DISCUSSIONS: Mode.IMMEDIATELY}}
    )
    person.__dict__.pop("_notification_preference", None)


def html_of(email):
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    return html


def path_of(address):
    return address.removeprefix(settings.SITE_URL)


# --- 1. the HTML email's language ------------------------------------------------------------


@pytest.mark.parametrize(("language", "greeting"), [("sv", "Hej Oona,"), ("en", "Hello Oona,")])
def test_an_html_email_says_it_is_in_the_recipients_language(
    learner, language, greeting, django_capture_on_commit_callbacks
):
    learner.language = language
    learner.save()
    immediately(learner)
    with django_capture_on_commit_callbacks(execute=True):
        reply(learner)
    html = html_of(mail.outbox[0])
    assert greeting in html
    assert f'<html lang="{language}">' in html


def test_a_finnish_email_still_says_fi(learner, django_capture_on_commit_callbacks):
    immediately(learner)
    with django_capture_on_commit_callbacks(execute=True):
        reply(learner)
    assert '<html lang="fi">' in html_of(mail.outbox[0])


def test_a_bulk_message_says_each_readers_language(learner, other_learner):
    other_learner.language = "sv"
    other_learner.save()
    services.notification_notify_many(
        recipients=[learner, other_learner],
        category=Notification.Category.DISCUSSIONS,
        key="discussion-post-7",
        template="discussion_reply",
        context={"author_name": "Maija", "thread": SimpleNamespace(title="K"), "excerpt": "x"},
        url=POST_URL,
    )
    rows = {n.recipient_id: n.html_body for n in Notification.objects.all()}
    assert '<html lang="fi">' in rows[learner.pk]
    assert '<html lang="sv">' in rows[other_learner.pk]


def test_a_digest_says_the_recipients_language(learner, django_capture_on_commit_callbacks):
    learner.language = "en"
    learner.save()
    reply(learner)
    Notification.objects.update(created_at=MORNING - datetime.timedelta(hours=10))
    with django_capture_on_commit_callbacks(execute=True):
        services.digests_build_due(now=MORNING)
    assert '<html lang="en">' in html_of(mail.outbox[0])


# --- 2. digests ---------------------------------------------------------------------------------


@pytest.fixture
def digest_email(learner, django_capture_on_commit_callbacks):
    """Oona's daily digest of two discussion replies, the first of them long."""
    reply(learner, key="discussion-post-41", excerpt=LONG)
    reply(learner, key="discussion-post-42", excerpt="Lyhyt vastaus.", url="/discussions/posts/42/")
    Notification.objects.update(created_at=MORNING - datetime.timedelta(hours=10))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.digests_build_due(now=MORNING) == 1
    [email] = mail.outbox
    return email


def test_a_digest_greets_its_reader_once(digest_email):
    assert digest_email.body.count("Hei Oona,") == 1
    assert html_of(digest_email).count("Hei Oona,") == 1


def test_a_long_item_is_shortened_but_keeps_its_link(digest_email):
    first = Notification.objects.get(key="discussion-post-41")
    link = services.notification_follow_url(first)
    assert LONG not in digest_email.body
    assert "Kyläkoulun lakkauttaminen" in digest_email.body
    assert f"Avaa Alueagentissa: {link}" in digest_email.body
    second = Notification.objects.get(key="discussion-post-42")
    assert services.notification_follow_url(second) in digest_email.body
    assert "Lyhyt vastaus." in digest_email.body
    # The item's own "Read the reply: <address>" line is not cut in half or repeated.
    assert "Lue vastaus:" not in digest_email.body


def test_the_html_digest_links_each_item(digest_email):
    html = html_of(digest_email)
    hrefs = re.findall(r'<a href="([^"]+)">Avaa Alueagentissa</a>', html)
    assert hrefs == [
        services.notification_follow_url(Notification.objects.get(key=key)).replace("&", "&amp;")
        for key in ("discussion-post-41", "discussion-post-42")
    ]


def test_a_digest_item_without_a_greeting_or_a_link_keeps_its_text(
    learner, django_capture_on_commit_callbacks
):
    Notification.objects.create(
        recipient=learner,
        category=Notification.Category.DISCUSSIONS,
        key="no-greeting",
        subject="Tiedote",
        body="Hei kaikki, tervetuloa syksyn jaksolle!",
        email_status=Notification.EmailStatus.DIGEST,
        digest_mode=Mode.DAILY,
    )
    Notification.objects.update(created_at=MORNING - datetime.timedelta(hours=10))
    with django_capture_on_commit_callbacks(execute=True):
        services.digests_build_due(now=MORNING)
    [email] = mail.outbox
    assert "Hei kaikki, tervetuloa syksyn jaksolle!" in email.body
    assert "/notifications/follow/" not in email.body


# --- 3. unsubscribe names the account -----------------------------------------------------------


SETTINGS_LINK = 'data-testid="unsubscribe-settings"'


def unsubscribe_path(person):
    token = services.unsubscribe_token(user=person, categories=["discussions"])
    return reverse("notifications:unsubscribe", args=[token])


def test_someone_elses_unsubscribe_link_names_their_account_and_not_ones_settings(
    client_for, learner, other_learner
):
    client = client_for(learner)
    path = unsubscribe_path(other_learner)

    before = client.get(path).content.decode()
    assert "o***@example.fi" in before
    assert "olli@example.fi" not in before
    assert 'data-testid="unsubscribe-other-account"' in before
    assert SETTINGS_LINK not in before

    after = client.post(path).content.decode()
    assert 'data-testid="unsubscribe-done"' in after
    assert "o***@example.fi" in after
    assert "Et saa enää" not in after
    assert SETTINGS_LINK not in after
    other_learner.__dict__.pop("_notification_preference", None)
    assert services.preference_for(other_learner).mode_for("discussions") == Mode.OFF
    assert not NotificationPreference.objects.filter(user=learner).exists()


def test_ones_own_unsubscribe_link_links_to_ones_settings(client_for, learner):
    client = client_for(learner)
    before = client.get(unsubscribe_path(learner)).content.decode()
    assert "o***@example.fi" in before
    assert 'data-testid="unsubscribe-other-account"' not in before
    assert SETTINGS_LINK in before
    after = client.post(unsubscribe_path(learner)).content.decode()
    assert "o***@example.fi" in after
    assert SETTINGS_LINK in after


def test_a_signed_out_unsubscribe_names_the_account(client, other_learner):
    response = client.post(unsubscribe_path(other_learner))
    html = response.content.decode()
    assert 'data-testid="unsubscribe-done"' in html
    assert "o***@example.fi" in html
    assert SETTINGS_LINK not in html


# --- 4. following an email's link marks the notification read ------------------------------------


@pytest.fixture
def emailed(learner, django_capture_on_commit_callbacks):
    """Oona's notification, emailed at once; returns it and the HTML link she got."""
    immediately(learner)
    with django_capture_on_commit_callbacks(execute=True):
        notification = reply(learner)
    html = html_of(mail.outbox[0])
    [link] = re.findall(r'<a href="([^"]+)">Lue vastaus</a>', html)
    return notification, path_of(link.replace("&amp;", "&"))


def test_the_recipient_following_the_email_link_reads_it_and_lands_on_the_page(
    client_for, learner, emailed
):
    notification, link = emailed
    other = reply(learner, key="another")

    response = client_for(learner).get(link)

    assert response.status_code == 302
    assert response["Location"] == POST_URL
    notification.refresh_from_db()
    other.refresh_from_db()
    assert notification.read_at is not None
    assert other.read_at is None


def test_a_signed_out_recipient_signs_in_first_and_then_lands_there(client, learner, emailed):
    notification, link = emailed
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    location = urlsplit(response["Location"])
    assert parse_qs(location.query)["next"] == [link]
    notification.refresh_from_db()
    assert notification.read_at is None

    client.force_login(learner)
    response = client.get(link)
    assert response["Location"] == POST_URL
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_someone_else_following_the_link_is_told_it_is_for_another_account(
    client_for, other_learner, emailed
):
    notification, link = emailed
    response = client_for(other_learner).get(link)
    assert response.status_code == 403
    assert 'data-testid="follow-other-account"' in response.content.decode()
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_forged_follow_link_is_404(client_for, learner, emailed):
    notification, link = emailed
    forged = reverse("notifications:follow", args=[f"{notification.pk + 1}:forged"])
    assert client_for(learner).get(forged).status_code == 404


def test_the_plain_text_links_through_the_follow_link_and_the_row_keeps_the_address(emailed):
    # The text part's link marks the notice read too (session 11); the stored body keeps the
    # page's own address, which the app's list hides as the item's own link.
    notification, _link = emailed
    assert services.notification_follow_url(notification) in mail.outbox[0].body
    assert f"{settings.SITE_URL}{POST_URL}" in notification.body
