"""Email delivery through outages: a week of ordinary faults, one row and one email per event.

Time is moved by moving the rows' own clocks (`next_attempt_at`, `claimed_at`, `retry_until`)
back, which is exactly what the sweeper reads.
"""

from __future__ import annotations

import asyncio
import smtplib
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone

from core import mail as delivery
from learners.models import Invitation, Membership
from notifications import services
from notifications.models import Announcement, Notification
from notifications.tasks import (
    announcement_send_due,
    notification_retry_stalled,
    notification_send_email,
    notification_send_emails,
)
from tests import factories

pytestmark = pytest.mark.django_db


def queue_for(person, key="palaute-1", subject="Vastauksesi on arvioitu"):
    """A queued notification whose published task never ran (a lost hint)."""
    now = timezone.now()
    return Notification.objects.create(
        recipient=person,
        category=Notification.Category.REVIEWS,
        key=key,
        subject=subject,
        body="Ohjaaja on antanut palautetta.",
        next_attempt_at=now,
        retry_until=now + delivery.retry_window(),
    )


def move_clock_back(model, delta):
    """Everything the sweeper reads happened `delta` earlier: time has passed by `delta`."""
    for row in model.objects.all():
        fields = {
            name: getattr(row, name) - delta
            for name in ("next_attempt_at", "claimed_at", "retry_until", "created_at")
            if getattr(row, name) is not None
        }
        model.objects.filter(pk=row.pk).update(**fields)


class MailServer:
    """Every send goes through here: `down` refuses the connection like a stopped server."""

    def __init__(self):
        self.down = False
        self.attempts = 0


@pytest.fixture
def server(monkeypatch):
    fake = MailServer()
    original = EmailMultiAlternatives.send

    def send(message, fail_silently=False):
        fake.attempts += 1
        if fake.down:
            raise ConnectionRefusedError(111, "Connection refused")
        return original(message, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    return fake


# --- the mail server is down for an hour ------------------------------------------------------


def test_an_hour_long_outage_is_retried_at_growing_intervals_and_sent_once_when_it_ends(
    learner, server
):
    notification = queue_for(learner)
    server.down = True
    waits = []
    elapsed = timedelta()
    while elapsed < timedelta(hours=1):
        published = notification_retry_stalled()
        notification.refresh_from_db()
        assert published == 1, f"the sweeper should publish the due row at {elapsed}"
        assert notification.email_status == Notification.EmailStatus.QUEUED
        wait = notification.next_attempt_at - timezone.now()
        waits.append(round(wait.total_seconds() / 60))
        # Until its next attempt the sweeper leaves it alone.
        assert notification_retry_stalled() == 0
        move_clock_back(Notification, wait + timedelta(seconds=1))
        elapsed += wait
    assert waits == [1, 2, 4, 8, 16, 32]
    assert notification.email_attempts == 6
    assert "Connection refused" in notification.email_error
    assert mail.outbox == []

    server.down = False
    notification_retry_stalled()
    notification_retry_stalled()

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.SENT
    assert notification.email_attempts == 7
    assert notification.email_error == ""
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == services.notification_message_id(
        notification
    )


def test_after_48_hours_of_failures_the_email_is_failed_and_shown_for_resending(
    learner, server, client_for, coordinator
):
    notification = queue_for(learner)
    server.down = True
    for _attempt in range(100):
        notification_retry_stalled()
        notification.refresh_from_db()
        if notification.email_status == Notification.EmailStatus.FAILED:
            break
        wait = notification.next_attempt_at - timezone.now()
        assert wait <= timedelta(hours=1)
        move_clock_back(Notification, wait + timedelta(seconds=1))
    assert notification.email_status == Notification.EmailStatus.FAILED
    # Six quick retries in the first hour, then hourly until the 48 hours are up.
    assert 50 <= notification.email_attempts <= 54
    assert "Connection refused" in notification.email_error

    response = client_for(coordinator).get(reverse("notifications:log"), {"status": "attention"})
    assert [n.pk for n in response.context["page"]] == [notification.pk]
    assert 'data-testid="log-resend"' in response.content.decode()


def test_a_batch_stops_at_a_server_that_is_down_instead_of_timing_out_per_message(
    learner, other_learner, instructor, server
):
    rows = [queue_for(person, key="tiedote") for person in (learner, other_learner, instructor)]
    server.down = True

    notification_send_emails([r.pk for r in rows])

    assert server.attempts == 1
    states = {r.pk: (r.email_status, r.email_attempts) for r in Notification.objects.order_by("pk")}
    assert list(states.values()) == [("queued", 1), ("queued", 0), ("queued", 0)]
    # All three wait for the same next attempt.
    assert Notification.objects.filter(next_attempt_at__gt=timezone.now()).count() == 3


# --- a worker dies mid-send -------------------------------------------------------------------


def test_a_row_stuck_sending_after_its_worker_died_is_recovered_and_sent_once(learner):
    notification = queue_for(learner)
    # A worker claimed it, then died: no task will ever finish it.
    Notification.objects.filter(pk=notification.pk).update(
        email_status=Notification.EmailStatus.SENDING,
        claimed_at=timezone.now(),
        email_attempts=1,
    )
    # While its worker could still be alive, the sweeper leaves it alone ...
    move_clock_back(Notification, delivery.sending_stale_after() - timedelta(seconds=30))
    assert notification_retry_stalled() == 0
    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.SENDING
    # ... and once past the email task's hard time limit plus a margin, it is sent again.
    move_clock_back(Notification, timedelta(seconds=31))
    assert notification_retry_stalled() == 1
    notification_retry_stalled()

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.SENT
    assert notification.email_attempts == 2
    assert len(mail.outbox) == 1


def test_a_task_delivered_twice_or_published_again_sends_one_email(learner, other_learner):
    rows = [queue_for(learner, key="a"), queue_for(other_learner, key="a")]
    ids = [r.pk for r in rows]

    assert notification_send_emails(ids) == 2
    assert notification_send_emails(ids) == 0
    assert notification_send_email(ids[0]) is False
    move_clock_back(Notification, timedelta(hours=3))
    assert notification_retry_stalled() == 0

    assert len(mail.outbox) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([learner.email, other_learner.email])


def test_the_sweeper_twice_at_once_publishes_each_due_row_once(learner, monkeypatch):
    notification = queue_for(learner)
    published = []
    monkeypatch.setattr(services, "publish", lambda task, ids: published.append(list(ids)) or True)

    first = services.notification_emails_sweep()
    second = services.notification_emails_sweep()

    assert first.published == [notification.pk]
    assert second.published == []
    assert published == [[notification.pk]]


# --- the mail server drops the connection after the data ---------------------------------------


class Sink:
    """A real SMTP server (aiosmtpd) that keeps every message; `mode` says how it answers."""

    def __init__(self):
        self.mode = "ok"
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope.content)
        if self.mode == "drop":
            # Accepted and stored, but the connection drops before the "250 OK" reply.
            server.transport.close()
        elif self.mode == "slow":
            await asyncio.sleep(3)
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sink(settings):
    handler = Sink()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "core.mail.SMTPBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 1
    yield handler
    controller.stop()


def message_ids(raw_messages):
    import email

    return [email.message_from_bytes(raw)["Message-ID"] for raw in raw_messages]


def test_a_reply_lost_after_the_data_is_not_resent_and_a_resend_is_the_same_message(
    learner, coordinator, client_for, sink, django_capture_on_commit_callbacks
):
    notification = queue_for(learner)
    sink.mode = "drop"

    assert notification_send_email(notification.pk) is False

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.UNCERTAIN
    assert notification.emailed_at is not None
    assert len(sink.messages) == 1
    # Nothing sends it again by itself, however long we wait.
    move_clock_back(Notification, timedelta(days=3))
    assert notification_retry_stalled() == 0
    assert len(sink.messages) == 1

    # The coordinator sees it and sends it again: the very same Message-ID.
    sink.mode = "ok"
    client = client_for(coordinator)
    page = client.get(reverse("notifications:log"), {"status": "attention"})
    assert [n.pk for n in page.context["page"]] == [notification.pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notifications:resend", args=[notification.pk]))
    assert response.status_code == 302

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.SENT
    assert len(sink.messages) == 2
    first, second = message_ids(sink.messages)
    assert first == second == services.notification_message_id(notification)


def test_a_server_that_stays_silent_after_the_data_is_given_up_within_email_timeout(learner, sink):
    notification = queue_for(learner)
    sink.mode = "slow"  # 3 s per message, EMAIL_TIMEOUT is 1 s

    notification_send_email(notification.pk)

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.UNCERTAIN
    assert "No reply after the message was sent" in notification.email_error


def test_a_refused_connection_is_retried_not_uncertain(learner, settings):
    settings.EMAIL_BACKEND = "core.mail.SMTPBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 1
    notification = queue_for(learner)

    notification_send_email(notification.pk)

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.QUEUED
    assert notification.email_attempts == 1


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (smtplib.SMTPRecipientsRefused({"x@example.fi": (550, b"no such user")}), "failed"),
        (smtplib.SMTPRecipientsRefused({"x@example.fi": (450, b"mailbox busy")}), "retry"),
        (smtplib.SMTPDataError(554, b"rejected"), "failed"),
        (smtplib.SMTPDataError(451, b"try later"), "retry"),
        (smtplib.SMTPServerDisconnected("gone"), "retry"),
        (delivery.SMTPReplyLost("no reply"), "uncertain"),
        (TimeoutError(), "retry"),
    ],
)
def test_each_kind_of_failure_has_its_rule(error, outcome):
    assert delivery.classify(error)[0].value == outcome


# --- the coordinator's log ---------------------------------------------------------------------


def failed(person, key="epäonnistui"):
    notification = queue_for(person, key=key, subject="Tiedote")
    Notification.objects.filter(pk=notification.pk).update(
        email_status=Notification.EmailStatus.FAILED,
        email_attempts=52,
        email_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    return notification


def test_resending_from_the_log_twice_sends_one_email(
    client_for, coordinator, learner, django_capture_on_commit_callbacks
):
    notification = failed(learner)
    coordinator.language = "en"
    coordinator.save(update_fields=["language"])
    client = client_for(coordinator)
    url = reverse("notifications:resend", args=[notification.pk])
    log = reverse("notifications:log") + "?status=attention"

    # A double click: both before the worker has sent it.
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, {"next": log}, follow=True)
        client.post(url, {"next": log})
    assert first.redirect_chain[0] == (log, 302)
    assert "The email will be sent again in a moment." in first.content.decode()
    assert len(mail.outbox) == 1
    # Once it has left, another click changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(url, {"next": log}, follow=True)
    assert "needs no resending" in second.content.decode()
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.SENT
    # Sent now: it has left the "needs attention" list.
    assert list(second.context["page"]) == []


def test_the_log_offers_resend_only_where_it_helps(client_for, coordinator, learner):
    failing = failed(learner)
    sent = queue_for(learner, key="lähti")
    Notification.objects.filter(pk=sent.pk).update(email_status=Notification.EmailStatus.SENT)

    response = client_for(coordinator).get(reverse("notifications:log"))

    assert response.context["resendable"] == {failing.pk}
    assert response.content.decode().count('data-testid="log-resend"') == 1


def test_another_cohorts_coordinator_cannot_resend(client_for, learner, other_cohort):
    stranger = factories.UserFactory()
    factories.MembershipFactory(
        cohort=other_cohort, user=stranger, role=Membership.Role.COORDINATOR
    )
    notification = failed(learner)

    response = client_for(stranger).post(reverse("notifications:resend", args=[notification.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.FAILED


@pytest.mark.parametrize("who", ["learner", "instructor"])
def test_learners_and_instructors_cannot_resend(request, client_for, who, other_learner):
    notification = failed(other_learner)
    person = request.getfixturevalue(who)

    response = client_for(person).post(reverse("notifications:resend", args=[notification.pk]))

    assert response.status_code == 403
    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.FAILED


def test_resend_needs_a_post_and_the_superuser_may_resend_anything(
    client_for, superuser, outsider_learner, django_capture_on_commit_callbacks
):
    notification = failed(outsider_learner)
    client = client_for(superuser)
    url = reverse("notifications:resend", args=[notification.pk])
    assert client.get(url).status_code == 405

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302

    assert len(mail.outbox) == 1


def test_the_log_keeps_its_queries_flat_with_more_failures(
    client_for, coordinator, cohort, django_assert_num_queries
):
    # The session, and the coordinator with the navigation's roles and unread badge (2); the
    # count (1) and the page (1) of her cohorts' notifications, with their people, for 3
    # failures or 33. (12 allowed before.)
    budget = 4
    people = [factories.MembershipFactory(cohort=cohort).user for _ in range(3)]
    for i, person in enumerate(people):
        failed(person, key=f"f{i}")
    client = client_for(coordinator)
    client.get(reverse("notifications:log"))  # warm the session
    with django_assert_num_queries(budget):
        client.get(reverse("notifications:log"), {"status": "attention"})
    more = [factories.MembershipFactory(cohort=cohort).user for _ in range(30)]
    for i, person in enumerate(more):
        failed(person, key=f"g{i}")
    with django_assert_num_queries(budget):
        response = client.get(reverse("notifications:log"), {"status": "attention"})
    assert len(response.context["page"]) == 33


# --- invitations -------------------------------------------------------------------------------


def test_invitations_left_queued_by_a_dead_worker_are_sent_by_the_sweeper(cohort, coordinator):
    from learners import services as learner_services
    from learners.tasks import invitation_emails_sweep

    # An import's batch was committed but its worker died before publishing or sending.
    invitations = [
        learner_services.invitation_invite(
            cohort=cohort, invited_by=coordinator, email=f"kutsuttu{i}@example.fi"
        )
        for i in range(30)
    ]
    Invitation.objects.filter(pk=invitations[0].pk).update(
        email_status=Invitation.EmailStatus.SENDING, claimed_at=timezone.now()
    )
    assert mail.outbox == []
    assert invitation_emails_sweep() == 0  # within their grace period

    move_clock_back(Invitation, delivery.sending_stale_after() + timedelta(seconds=1))
    assert invitation_emails_sweep() == 30
    assert invitation_emails_sweep() == 0

    assert len(mail.outbox) == 30
    assert len({m.to[0] for m in mail.outbox}) == 30
    assert not Invitation.objects.exclude(email_status=Invitation.EmailStatus.SENT).exists()
    ids = {m.extra_headers["Message-ID"] for m in mail.outbox}
    assert len(ids) == 30


def test_an_invitation_resent_after_a_delivery_gets_a_new_message_id(
    cohort, coordinator, django_capture_on_commit_callbacks
):
    from learners import services as learner_services

    with django_capture_on_commit_callbacks(execute=True):
        invitation = learner_services.invitation_invite(
            cohort=cohort, invited_by=coordinator, email="uusi@example.fi"
        )
    with django_capture_on_commit_callbacks(execute=True):
        learner_services.invitation_resend(invitation=invitation)
    assert len(mail.outbox) == 2
    first, second = (m.extra_headers["Message-ID"] for m in mail.outbox)
    assert first != second
    invitation.refresh_from_db()
    assert invitation.send_count == 2


# --- announcements: chunked fan-out ------------------------------------------------------------


def add_learners(cohort, count, languages=("fi",)):
    from core.models import User

    users = User.objects.bulk_create(
        [
            User(
                email=f"joukko{cohort.pk}-{i}@example.fi",
                first_name=f"Oppija{i}",
                language=languages[i % len(languages)],
            )
            for i in range(count)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(cohort=cohort, user=u, role=Membership.Role.LEARNER) for u in users]
    )
    return users


def test_an_announcement_to_700_reaches_each_once_even_when_every_chunk_runs_twice(
    cohort, coordinator, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_CHUNK_SIZE = 250
    learners = add_learners(cohort, 700, languages=("fi", "sv", "en"))
    real_publish = services.publish
    chunks = []

    def publish_twice(task, *args):
        if task.name.endswith("announcement_send_chunk"):
            chunks.append(len(args[1]))
            real_publish(task, *args)  # the broker delivers it twice
        return real_publish(task, *args)

    monkeypatch.setattr(services, "publish", publish_twice)
    renders = []
    real_render = services._render_in
    monkeypatch.setattr(
        services,
        "_render_in",
        lambda language, **kw: renders.append(language) or real_render(language, **kw),
    )

    with django_capture_on_commit_callbacks(execute=True):
        announcement = services.announcement_create(
            cohort=cohort,
            author=coordinator,
            subject="Työpaja siirtyy",
            body="Torstaina.",
            send_at=None,
        )

    assert chunks == [250, 250, 200]
    rows = Notification.objects.filter(key=f"announcement-{announcement.pk}")
    assert rows.count() == 700
    assert set(rows.values_list("recipient_id", flat=True)) == {u.pk for u in learners}
    assert len(mail.outbox) == 700
    assert len({m.to[0] for m in mail.outbox}) == 700
    # Rendered once per language in each chunk, never per person.
    assert len(renders) <= 2 * 3 * 3
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects[learners[0].email] == subjects[learners[3].email]
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.SENT
    assert announcement.recipient_count == 700


def test_creating_an_announcement_costs_the_same_queries_for_10_and_300_learners(
    client_for, coordinator, cohort, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(coordinator)
    url = reverse("notifications:announcements", args=[cohort.pk])
    client.get(url)
    counts = []
    add_learners(cohort, 10)
    for size in (10, 300):
        if size == 300:
            _more(cohort, 290)
        with (
            django_capture_on_commit_callbacks(execute=False) as hooks,
            CaptureQueriesContext(connection) as queries,
        ):
            response = client.post(url, {"subject": f"Tiedote {size}", "body": "Hei"})
        assert response.status_code == 302
        assert len(hooks) == 1  # one task published after commit, whatever the cohort size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 12


def _more(cohort, count):
    from core.models import User

    users = User.objects.bulk_create(
        [User(email=f"lisää{i}@example.fi", first_name="Lisä") for i in range(count)]
    )
    Membership.objects.bulk_create([Membership(cohort=cohort, user=u) for u in users])


def test_beat_and_a_duplicate_task_claim_a_due_announcement_once(cohort, coordinator, learner):
    announcement = Announcement.objects.create(
        cohort=cohort,
        author=coordinator,
        subject="Muistutus",
        body="Huomenna",
        send_at=timezone.now() - timedelta(minutes=1),
    )

    assert services.announcement_send(announcement_id=announcement.pk) == 1
    assert services.announcement_send(announcement_id=announcement.pk) == 0
    assert announcement_send_due() == 0
    assert Notification.objects.filter(recipient=learner).count() == 1
    assert len(mail.outbox) == 1


def test_a_fan_out_whose_worker_died_is_taken_over_and_finishes_the_rest(
    cohort, coordinator, monkeypatch, settings
):
    people = add_learners(cohort, 30)
    announcement = Announcement.objects.create(
        cohort=cohort,
        author=coordinator,
        subject="Tiedote",
        body="Hei",
        send_at=timezone.now() - timedelta(minutes=1),
    )
    # The fan-out published its chunks, but the worker died after the first one ran.
    real_publish = services.publish
    ran = []

    def die_after_first(task, *args):
        if task.name.endswith("announcement_send_chunk") and ran:
            return True  # lost with the worker
        ran.append(args)
        return real_publish(task, *args)

    monkeypatch.setattr(services, "publish", die_after_first)
    settings.NOTIFICATION_CHUNK_SIZE = 10
    services.announcement_send(announcement_id=announcement.pk)
    monkeypatch.setattr(services, "publish", real_publish)
    assert Notification.objects.count() == 10
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.SENDING

    # A running fan-out is left alone; a stale one is taken over once.
    assert announcement_send_due() == 0
    Announcement.objects.filter(pk=announcement.pk).update(
        claimed_at=timezone.now() - services.ANNOUNCEMENT_STALE - timedelta(seconds=1)
    )
    assert announcement_send_due() == 1
    assert announcement_send_due() == 0

    assert Notification.objects.count() == 30
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.SENT
    assert announcement.recipient_count == 30


def test_digests_for_many_people_are_built_in_chunks_and_sent_once(cohort, settings):
    import datetime
    from zoneinfo import ZoneInfo

    from notifications.models import Mode, NotificationPreference

    settings.NOTIFICATION_CHUNK_SIZE = 2
    people = add_learners(cohort, 5)
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(
                user=p, email_modes={Notification.Category.PEER_REVIEW: Mode.DAILY}
            )
            for p in people
        ]
    )
    evening = datetime.datetime(2026, 10, 5, 20, tzinfo=ZoneInfo("Europe/Helsinki"))
    for person in people:
        services.notification_notify(
            recipient=person,
            category=Notification.Category.PEER_REVIEW,
            key="vertaispalaute-1",
            template="announcement",
            context={"announcement": Announcement(subject="Vertaispalaute", body="Uusi")},
        )
    Notification.objects.update(created_at=evening)
    morning = evening + datetime.timedelta(hours=11)

    # Five people, two to a chunk: three chunk tasks, none of them counted here.
    assert services.digests_build_due(now=morning) == 0
    assert services.digests_build_due(now=morning) == 0

    digests = Notification.objects.filter(kind=Notification.Kind.DIGEST)
    assert digests.count() == 5
    assert set(digests.values_list("email_status", flat=True)) == {"sent"}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)


def test_the_email_summary_counts_each_state_in_two_queries(
    learner, other_learner, cohort, coordinator, django_assert_num_queries
):
    from notifications.selectors import email_outbox_summary

    failed(learner, key="x")
    queue_for(learner, key="y")
    uncertain = queue_for(other_learner, key="z")
    Notification.objects.filter(pk=uncertain.pk).update(
        email_status=Notification.EmailStatus.UNCERTAIN
    )
    Invitation.objects.create(
        cohort=cohort, email="kutsu@example.fi", expires_at=timezone.now() + timedelta(days=3)
    )

    with django_assert_num_queries(2):
        summary = email_outbox_summary()

    notifications = summary["notification_email"]
    assert {state: v["count"] for state, v in notifications.items()} == {
        "queued": 1,
        "sending": 0,
        "failed": 1,
        "uncertain": 1,
    }
    assert notifications["failed"]["oldest"] is not None
    assert summary["invitation_email"]["queued"]["count"] == 1


def test_a_failed_digest_is_in_the_log_and_can_be_sent_again(
    client_for, coordinator, learner, django_capture_on_commit_callbacks
):
    digest = failed(learner, key="digest-daily-2026-10-06")
    Notification.objects.filter(pk=digest.pk).update(
        kind=Notification.Kind.DIGEST, subject="Päivän kooste"
    )
    client = client_for(coordinator)

    response = client.get(reverse("notifications:log"), {"status": "attention"})
    assert [n.pk for n in response.context["page"]] == [digest.pk]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("notifications:resend", args=[digest.pk]))

    assert [m.to for m in mail.outbox] == [[learner.email]]


# --- the broker is down when the hint is published ---------------------------------------------


@pytest.fixture
def broker_down(monkeypatch):
    """Every publish fails as if Redis were restarting."""
    from celery.app.task import Task
    from kombu.exceptions import OperationalError

    def refuse(self, *args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", refuse)
    return monkeypatch


def test_an_announcement_made_while_the_broker_is_down_is_saved_and_sent_by_beat_later(
    client_for,
    coordinator,
    learner,
    other_learner,
    cohort,
    broker_down,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coordinator).post(
            reverse("notifications:announcements", args=[cohort.pk]),
            {"subject": "Työpaja siirtyy", "body": "Torstaina."},
        )
    assert response.status_code == 302
    announcement = Announcement.objects.get()
    assert announcement.status == Announcement.Status.SCHEDULED
    assert mail.outbox == []

    broker_down.undo()  # Redis is back
    assert announcement_send_due() == 1
    assert announcement_send_due() == 0

    assert sorted(m.to[0] for m in mail.outbox) == sorted([learner.email, other_learner.email])
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.SENT


def test_a_notification_whose_hint_was_lost_is_sent_by_the_sweeper_after_its_grace(
    learner, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notification_notify(
            recipient=learner,
            category=Notification.Category.REVIEWS,
            key="palaute-7",
            template="announcement",
            context={"announcement": Announcement(subject="Palaute", body="Katso palaute")},
        )
    broker_down.undo()
    assert notification.email_status == Notification.EmailStatus.QUEUED
    assert notification_retry_stalled() == 0  # its task may still be on its way
    move_clock_back(Notification, delivery.HINT_GRACE)
    assert notification_retry_stalled() == 1

    assert [m.to for m in mail.outbox] == [[learner.email]]


def test_a_database_restart_while_marking_an_email_sent_does_not_leave_it_sending(
    learner, monkeypatch
):
    from django.db import OperationalError
    from django.db.models import QuerySet

    notification = queue_for(learner)
    real_update = QuerySet.update
    failures = []

    def update(self, **fields):
        # The first two "sent" marks meet a database that is restarting.
        if fields.get("email_status") == "sent" and len(failures) < 2:
            failures.append(fields)
            raise OperationalError("server closed the connection unexpectedly")
        return real_update(self, **fields)

    monkeypatch.setattr(QuerySet, "update", update)

    assert notification_send_email(notification.pk) is True

    notification.refresh_from_db()
    assert len(failures) == 2
    assert notification.email_status == Notification.EmailStatus.SENT
    assert len(mail.outbox) == 1
