"""An announcement form sent twice (a double click, Back and send) sends one announcement: the
form's one-time token is saved with it (unique per cohort), and a repeat answers with the
announcement already sent instead of emailing everyone again."""

from __future__ import annotations

import datetime
import re
import threading
import uuid
from collections import Counter

import pytest
from django.contrib import messages
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications import selectors, services
from notifications.models import Announcement, Notification

pytestmark = pytest.mark.django_db


def url(cohort):
    return reverse("notifications:announcements", args=[cohort.pk])


def opened_form(client, cohort) -> dict[str, str]:
    """The form as the page gives it: its hidden one-time token and a message."""
    html = client.get(url(cohort)).content.decode()
    assert "data-submit-once" in html
    assert "js/submit-once.js" in html
    [token] = re.findall(r'name="form_token" value="([0-9a-f-]{36})"', html)
    return {"form_token": token, "subject": "Työpaja siirtyy", "body": "Uusi aika on torstaina."}


def send(client, cohort, form):
    """Send the form as the browser does, and follow on to the page it leads to."""
    return client.post(url(cohort), form, follow=True)


def levels(response) -> list[int]:
    """The levels of the messages the page shows (success: sent; info: already sent)."""
    return [m.level for m in response.context["messages"]]


def test_a_double_click_sends_the_announcement_once(
    client_for,
    coordinator,
    learner,
    other_learner,
    instructor,
    other_instructor,
    outsider_learner,
    cohort,
    other_cohort,
    django_capture_on_commit_callbacks,
):
    client = client_for(coordinator)
    form = opened_form(client, cohort)
    with django_capture_on_commit_callbacks(execute=True):
        first = send(client, cohort, form)
    with django_capture_on_commit_callbacks(execute=True):
        second = send(client, cohort, form)

    assert first.redirect_chain == second.redirect_chain == [(url(cohort), 302)]
    assert levels(first) == [messages.SUCCESS]
    assert levels(second) == [messages.INFO]  # "already sent", not a second "sent"
    announcement = Announcement.objects.get()
    assert announcement.status == Announcement.Status.SENT
    per_person = Counter(m.to[0] for m in mail.outbox)
    assert per_person == {learner.email: 1, other_learner.email: 1, instructor.email: 1}
    assert Notification.objects.filter(recipient=learner).count() == 1

    assert second.content.decode().count('data-testid="announcement"') == 1
    # A fresh form is a new announcement.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(cohort), {**opened_form(client, cohort), "subject": "Toinen asia"})
    assert Announcement.objects.count() == 2
    assert Counter(m.to[0] for m in mail.outbox)[learner.email] == 2

    # The first form's token, sent by another cohort's instructor: not theirs to send to, and
    # to their own cohort it is a new announcement that says nothing of the other one.
    client = client_for(other_instructor)
    denied = client.post(url(cohort), {**form, "subject": "Salainen aihe"})
    assert denied.status_code == 404
    assert Announcement.objects.filter(cohort=cohort).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        own = send(client, other_cohort, {**form, "subject": "Oma aihe"})
    assert levels(own) == [messages.SUCCESS]
    assert Announcement.objects.get(cohort=other_cohort).subject == "Oma aihe"
    assert "Työpaja siirtyy" not in own.content.decode()
    per_person = Counter(m.to[0] for m in mail.outbox)
    assert per_person[outsider_learner.email] == 1
    assert per_person[learner.email] == 2


def test_the_same_form_sent_again_after_its_time_passed_answers_with_what_it_sent(
    client_for, coordinator, learner, cohort, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    soon = timezone.localtime() + datetime.timedelta(minutes=30)
    form = {**opened_form(client, cohort), "send_at": soon.strftime("%Y-%m-%dT%H:%M")}
    assert levels(send(client, cohort, form)) == [messages.SUCCESS]
    scheduled = Announcement.objects.get()
    assert scheduled.status == Announcement.Status.SCHEDULED

    # Back, then send again an hour later: the time in the form has passed by now.
    late = timezone.localtime() - datetime.timedelta(minutes=30)
    with django_capture_on_commit_callbacks(execute=True):
        again = send(client, cohort, {**form, "send_at": late.strftime("%Y-%m-%dT%H:%M")})
    assert again.redirect_chain == [(url(cohort), 302)]
    assert levels(again) == [messages.INFO]
    assert list(Announcement.objects.values_list("pk", flat=True)) == [scheduled.pk]
    assert not mail.outbox


def test_a_repeat_that_finds_nothing_yet_is_stopped_by_the_constraint(
    coordinator, learner, cohort, monkeypatch, django_capture_on_commit_callbacks
):
    """The other request saved its row after this one looked: the unique token refuses the
    second row and the answer is the first announcement."""
    form = {"subject": "Muistutus", "body": "Huomenna", "send_at": None}
    token = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True) as first_hooks:
        first = services.announcement_create(cohort=cohort, author=coordinator, token=token, **form)
    assert len(first_hooks) == 1

    looked_up = []

    def not_yet(**kwargs):
        looked_up.append(kwargs)
        if len(looked_up) == 1:
            return None  # the other request's row was not committed when this one looked
        return Announcement.objects.filter(form_token=kwargs["token"]).first()

    monkeypatch.setattr(selectors, "announcement_created_with", not_yet)
    with (
        django_capture_on_commit_callbacks(execute=True) as hooks,
        pytest.raises(services.AnnouncementAlreadySent) as repeat,
    ):
        services.announcement_create(cohort=cohort, author=coordinator, token=token, **form)
    assert repeat.value.announcement.pk == first.pk
    assert not hooks  # nothing more published
    assert Announcement.objects.count() == 1
    assert Counter(m.to[0] for m in mail.outbox) == {learner.email: 1}


@pytest.mark.django_db(transaction=True)
def test_two_clicks_arriving_together_send_one_announcement(
    coordinator, learner, other_learner, cohort
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes the write lock at the start of each transaction anyway")
    setup = Client()
    setup.force_login(coordinator)
    form = opened_form(setup, cohort)
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    errors: list[Exception] = []

    def click() -> None:
        try:
            client = Client()
            client.force_login(coordinator)
            barrier.wait(timeout=10)
            statuses.append(client.post(url(cohort), form).status_code)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert statuses == [302, 302]
    assert Announcement.objects.count() == 1
    assert Counter(m.to[0] for m in mail.outbox) == {learner.email: 1, other_learner.email: 1}


def test_a_broken_form_token_is_refused_with_a_message_and_sends_nothing(
    client_for, coordinator, learner, cohort, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    form = {**opened_form(client, cohort), "form_token": "not-a-token"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(cohort), form)
    assert response.status_code == 400
    html = response.content.decode()
    assert "alert-danger" in html  # said above the form, as a hidden field shows no error
    assert not Announcement.objects.exists()
    assert not mail.outbox
