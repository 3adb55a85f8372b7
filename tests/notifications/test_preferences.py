"""Preferences per category, digests in the recipient's time zone, unsubscribe, log, badge,
announcements."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications import services
from notifications.models import Announcement, Mode, Notification, NotificationPreference
from notifications.tasks import announcement_send_due, notification_build_digests
from tests import factories

pytestmark = pytest.mark.django_db

HELSINKI = ZoneInfo("Europe/Helsinki")


def notify(person, key="e1", category=Notification.Category.REVIEWS):
    announcement = Announcement(
        cohort=factories.CohortFactory.build(name="Ryhmä"),
        author=factories.UserFactory.build(first_name="Kaisa", last_name="K"),
        subject=f"Tiedote {key}",
        body="Tervetuloa!",
        send_at=timezone.now(),
    )
    return services.notification_notify(
        recipient=person,
        category=category,
        key=key,
        template="announcement",
        context={"announcement": announcement},
    )


def set_mode(person, category, mode, tz="Europe/Helsinki"):
    NotificationPreference.objects.update_or_create(
        user=person, defaults={"email_modes": {category: mode}, "timezone": tz}
    )
    person.__dict__.pop("_notification_preference", None)


def test_immediately_sends_one_email_with_unsubscribe_headers_and_both_parts(
    learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(learner)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = email.extra_headers["List-Unsubscribe"].strip("<>")
    assert "/notifications/unsubscribe/" in link
    assert link in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert link in html


def test_off_keeps_the_notification_in_the_app_but_sends_no_email(
    learner, django_capture_on_commit_callbacks
):
    set_mode(learner, Notification.Category.REVIEWS, Mode.OFF)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(learner)
    assert notification.email_status == Notification.EmailStatus.SKIPPED
    assert mail.outbox == []
    assert notification in Notification.objects.filter(recipient=learner)


def test_the_defaults_differ_by_category(learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        gallery = notify(learner, key="g", category=Notification.Category.GALLERY)
        peer = notify(learner, key="p", category=Notification.Category.PEER_REVIEW)
    assert (gallery.email_status, gallery.digest_mode) == ("digest", "weekly")
    assert (peer.email_status, peer.digest_mode) == ("digest", "daily")
    assert mail.outbox == []


def at(year, month, day, hour, tz=HELSINKI):
    return datetime.datetime(year, month, day, hour, 5, tzinfo=tz)


def test_a_daily_digest_goes_out_at_seven_in_the_recipients_time_zone_once(
    learner, django_capture_on_commit_callbacks
):
    set_mode(learner, Notification.Category.REVIEWS, Mode.DAILY)
    learner.language = "en"
    learner.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(learner, key="a")
        notify(learner, key="b")
    Notification.objects.update(created_at=at(2026, 10, 5, 20))
    # 06:05 in Helsinki: not yet.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.digests_build_due(now=at(2026, 10, 6, 6)) == 0
    assert mail.outbox == []
    # 07:05: one digest; beat firing twice (or the task run twice) changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.digests_build_due(now=at(2026, 10, 6, 7)) == 1
        assert services.digests_build_due(now=at(2026, 10, 6, 7)) == 0
        assert notification_build_digests() == 0
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert "Your daily summary: 2 notifications" in email.subject
    assert "Tiedote a" in email.body
    assert "Tiedote b" in email.body
    digest = Notification.objects.get(kind=Notification.Kind.DIGEST)
    assert digest.key == "digest-daily-2026-10-06"
    assert set(Notification.objects.filter(digest=digest).values_list("key", flat=True)) == {
        "a",
        "b",
    }
    assert Notification.objects.filter(email_status="digested").count() == 2
    # A digest is not a notification of its own in the centre.
    assert services.notification_mark_read(recipient=learner) == 2


def test_the_digest_follows_the_recipients_own_time_zone(
    learner, django_capture_on_commit_callbacks
):
    set_mode(learner, Notification.Category.REVIEWS, Mode.DAILY, tz="America/New_York")
    with django_capture_on_commit_callbacks(execute=True):
        notify(learner)
    Notification.objects.update(created_at=at(2026, 10, 5, 20))
    # 07:05 in Helsinki is 00:05 in New York: not yet.
    assert services.digests_build_due(now=at(2026, 10, 6, 7)) == 0
    new_york = ZoneInfo("America/New_York")
    assert services.digests_build_due(now=at(2026, 10, 6, 7, tz=new_york)) == 1


def test_a_weekly_digest_waits_for_monday(learner, django_capture_on_commit_callbacks):
    set_mode(learner, Notification.Category.REVIEWS, Mode.WEEKLY)
    with django_capture_on_commit_callbacks(execute=True):
        notify(learner)
    Notification.objects.update(created_at=at(2026, 10, 7, 12))
    assert services.digests_build_due(now=at(2026, 10, 10, 8)) == 0  # Saturday
    with django_capture_on_commit_callbacks(execute=True):
        assert services.digests_build_due(now=at(2026, 10, 12, 7)) == 1  # Monday
    assert Notification.objects.get(kind="digest").key == "digest-weekly-2026-W42"
    assert len(mail.outbox) == 1


def test_one_click_unsubscribe_turns_the_category_off(
    client, learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(learner)
    link = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = link.split("testserver")[-1].replace("http://127.0.0.1:8000", "")
    # Mail clients POST without a CSRF token (RFC 8058).
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert b'data-testid="unsubscribe-done"' in response.content
    learner.__dict__.pop("_notification_preference", None)
    assert services.preference_for(learner).mode_for(Notification.Category.REVIEWS) == Mode.OFF
    learner.__dict__.pop("_notification_preference", None)
    with django_capture_on_commit_callbacks(execute=True):
        notify(learner, key="later")
    assert len(mail.outbox) == 1
    # Other categories still email.
    assert (
        services.preference_for(learner).mode_for(Notification.Category.DEADLINES) == "immediately"
    )


def test_a_forged_unsubscribe_link_changes_nothing(client, learner):
    token = services.unsubscribe_token(user=learner, categories=["reviews"])
    response = client.post(reverse("notifications:unsubscribe", args=[token[:-2] + "xx"]))
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_the_settings_page_saves_each_category(client_for, learner):
    client = client_for(learner)
    data = {"time_zone": "Europe/Stockholm"}
    data.update({f"mode_{c}": "weekly" for c in Notification.Category.values})
    data["mode_reviews"] = "off"
    assert client.post(reverse("notifications:preferences"), data).status_code == 302
    preference = NotificationPreference.objects.get(user=learner)
    assert preference.timezone == "Europe/Stockholm"
    assert preference.mode_for("reviews") == "off"
    assert preference.mode_for("gallery") == "weekly"
    data["time_zone"] = "Mars/Olympus"
    assert client.post(reverse("notifications:preferences"), data).status_code == 400


def test_the_badge_endpoint_counts_only_ones_own_unread(client_for, learner, other_learner):
    for i in range(3):
        Notification.objects.create(
            recipient=learner, category="reviews", key=f"k{i}", subject="s", body="b"
        )
    Notification.objects.create(
        recipient=other_learner, category="reviews", key="x", subject="s", body="b"
    )
    response = client_for(learner).get(
        reverse("notifications:badge"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert b">3<" in response.content
    page = client_for(learner).get(reverse("notifications:list")).content.decode()
    assert 'hx-get="/notifications/badge/"' in page


def test_the_log_shows_failures_of_ones_own_cohorts_only(
    client_for, coordinator, learner, outsider_learner, django_assert_num_queries
):
    Notification.objects.create(
        recipient=learner,
        category="deadlines",
        key="r1",
        subject="Muistutus",
        body="b",
        email_status="failed",
        email_error="550 mailbox full",
        email_attempts=6,
    )
    Notification.objects.create(
        recipient=outsider_learner,
        category="deadlines",
        key="r2",
        subject="Toisen ryhmän",
        body="b",
    )
    client = client_for(coordinator)
    response = client.get(reverse("notifications:log"), {"q": "oona", "status": "failed"})
    html = response.content.decode()
    assert "Muistutus" in html
    assert "550 mailbox full" in html
    assert "Toisen ryhmän" not in client.get(reverse("notifications:log")).content.decode()
    for _i in range(30):
        person = factories.UserFactory()
        factories.MembershipFactory(cohort=learner.memberships.first().cohort, user=person)
        Notification.objects.create(
            recipient=person, category="reviews", key="k", subject="s", body="b"
        )
    # The session, and the coordinator with the navigation's roles and unread badge (2); the
    # count (1) and the page (1) of her own cohorts' notifications. (10 allowed before.)
    with django_assert_num_queries(4):
        assert client.get(reverse("notifications:log")).status_code == 200


@pytest.mark.parametrize("who", ["learner", "instructor"])
def test_the_log_is_for_coordinators_only(request, client_for, who):
    response = client_for(request.getfixturevalue(who)).get(reverse("notifications:log"))
    assert response.status_code == 403


def test_an_announcement_now_reaches_every_member_once(
    client_for,
    coordinator,
    learner,
    other_learner,
    instructor,
    outsider_learner,
    cohort,
    django_capture_on_commit_callbacks,
):
    client = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("notifications:announcements", args=[cohort.pk]),
            {"subject": "Työpaja siirtyy", "body": "Uusi aika on torstaina."},
        )
    assert response.status_code == 302
    announcement = Announcement.objects.get()
    assert announcement.status == Announcement.Status.SENT
    recipients = set(Notification.objects.values_list("recipient__email", flat=True))
    assert recipients == {learner.email, other_learner.email, instructor.email}
    # Running the send again (a duplicate task) changes nothing.
    Announcement.objects.update(status="sending")
    services.announcement_send(announcement_id=announcement.pk)
    assert Notification.objects.count() == 3
    assert len(mail.outbox) == 3


def test_a_scheduled_announcement_waits_for_the_beat_scan(
    client_for, instructor, learner, cohort, django_capture_on_commit_callbacks
):
    later = timezone.localtime() + datetime.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(instructor).post(
            reverse("notifications:announcements", args=[cohort.pk]),
            {
                "subject": "Muistutus",
                "body": "Huomenna",
                "send_at": later.strftime("%Y-%m-%dT%H:%M"),
            },
        )
    assert not Notification.objects.exists()
    assert announcement_send_due() == 0
    Announcement.objects.update(send_at=timezone.now() - datetime.timedelta(minutes=1))
    assert announcement_send_due() == 1
    assert Notification.objects.filter(recipient=learner).count() == 1
    assert announcement_send_due() == 0


def test_outsiders_cannot_announce_to_a_cohort(client_for, other_instructor, cohort):
    response = client_for(other_instructor).post(
        reverse("notifications:announcements", args=[cohort.pk]), {"subject": "x", "body": "y"}
    )
    assert response.status_code == 404
    assert not Announcement.objects.exists()
