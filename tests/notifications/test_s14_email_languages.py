"""Every email the platform sends, as a reader whose profile language is English or Swedish
gets it: the subject and both parts in that language (no Finnish sentence of the interface
left over, dates written the reader's way), every link absolute on SITE_URL and opening a
page for its reader, and a plain-text part without leftover HTML or template syntax.

Each kind is triggered through the service that sends it in the product, with everyone in
the cohort reading the same language, so whoever an email goes to is checked. The cohort's
course, workshop and assignment have Swedish and English titles, as a bilingual course has.
"""

from __future__ import annotations

import datetime
import html as html_lib
import re
from collections.abc import Callable
from types import SimpleNamespace
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import trans_real

from core.models import User
from courses import services as course_services
from courses.models import Certificate
from discussions import services as discussion_services
from learners import services as learner_services
from learners.models import Membership
from notifications import services as notification_services
from notifications.models import Mode, Notification, NotificationPreference
from portfolio import services as portfolio_services
from portfolio.models import Card
from tests import factories
from workshops import marking, peer, reminders, services_team
from workshops import services as workshop_services
from workshops.models import ExperimentMember, PeerReview, Phase

pytestmark = pytest.mark.django_db

HELSINKI = ZoneInfo("Europe/Helsinki")
# The cohort starts on 2026-09-01 and phase 1 is due 14 days later.
DUE = datetime.date(2026, 9, 15)


# --- what a Finnish leftover looks like ------------------------------------------------------

_SPLIT = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|[“”\"'«»:.,;!?()\[\]\n–—…/]")
_finnish: list[str] = []


def finnish_fragments() -> list[str]:
    """Every stretch of Finnish interface text (14 characters or more between placeholders
    and punctuation) that the Swedish and English translations of the same message do not
    share: finding one in an email means a Finnish text was left in it."""
    if not _finnish:
        catalogs = {lang: trans_real.translation(lang)._catalog for lang in ("fi", "sv", "en")}
        found = set()
        for key, finnish in catalogs["fi"].items():
            msgid = key[0] if isinstance(key, tuple) else key
            others = " ".join(
                [str(msgid)] + [str(catalogs[lang].get(key) or "") for lang in ("sv", "en")]
            )
            for piece in _SPLIT.split(str(finnish)):
                piece = piece.strip()
                if len(piece) >= 14 and re.search(r"[a-zåäö]", piece) and piece not in others:
                    found.add(piece)
        _finnish.extend(sorted(found))
    return _finnish


# The Finnish names of what this module's emails name by a short word: the phases, and the
# Finnish titles of the bilingual course's pieces (world below).
FINNISH_TITLES = ["Verkostot", "Kokeilevan kehittämisen työpajat", "Kuvaa kehittämishaasteesi"]


def finnish_words() -> list[str]:
    with translation.override("fi"):
        return [str(label) for label in Phase.labels] + FINNISH_TITLES


# --- the world --------------------------------------------------------------------------------


def person(cohort, role, email, first_name, language, **fields):
    user = factories.UserFactory(email=email, first_name=first_name, language=language, **fields)
    factories.MembershipFactory(cohort=cohort, user=user, role=role)
    # Every email at once, whatever the category's default (a digest for peer review, ...).
    NotificationPreference.objects.create(
        user=user, email_modes={c: Mode.IMMEDIATELY for c in Notification.Category.values}
    )
    return user


@pytest.fixture(params=["en", "sv"])
def world(request, db, settings):
    """A bilingual cohort where everyone reads `language`: Oona and Kaisa on one team, Olli in
    the cohort, Irma its (lead) instructor, Ilkka a second instructor, Kerttu its coordinator."""
    language = request.param
    course = factories.CourseFactory(
        title="Alueagentti", title_sv="Regionagenten", title_en="Regional agent"
    )
    module = factories.ModuleFactory(course=course, position=0)
    item = factories.ItemFactory(
        module=module,
        position=0,
        title="Verkostot",
        title_sv="Nätverk",
        title_en="Networks",
    )
    cohort = factories.CohortFactory(course=course, name="Syksy 2026")
    workshop = factories.WorkshopFactory(
        course=course,
        title="Kokeilevan kehittämisen työpajat",
        title_sv="Verkstäder för experimentell utveckling",
        title_en="Experimental development workshops",
    )
    assignment = factories.AssignmentFactory(
        workshop=workshop,
        phase=1,
        title="Kuvaa kehittämishaasteesi",
        title_sv="Beskriv din utvecklingsutmaning",
        title_en="Describe your development challenge",
        due_days=14,
    )
    roles = Membership.Role
    people = SimpleNamespace(
        learner=person(cohort, roles.LEARNER, "oona@example.fi", "Oona", language),
        mate=person(cohort, roles.LEARNER, "kaisa@example.fi", "Kaisa", language),
        other=person(cohort, roles.LEARNER, "olli@example.fi", "Olli", language),
        instructor=person(cohort, roles.INSTRUCTOR, "irma@example.fi", "Irma", language),
        second=person(cohort, roles.INSTRUCTOR, "ilkka@example.fi", "Ilkka", language),
    )
    # The coordinator of Oona's municipality: the one who approves her team's public card.
    people.coordinator = person(
        cohort,
        roles.COORDINATOR,
        "kerttu@example.fi",
        "Kerttu",
        language,
        organisation=people.learner.organisation,
    )
    return SimpleNamespace(
        language=language,
        course=course,
        item=item,
        cohort=cohort,
        workshop=workshop,
        assignment=assignment,
        **vars(people),
    )


def experiment_of(w):
    experiment = workshop_services.experiment_create(
        learner=w.learner,
        workshop=w.workshop,
        cohort=w.cohort,
        title="Liityntäkyyti asemalle",
        challenge="Kylistä on vaikea päästä asemalle.",
    )
    ExperimentMember.objects.create(
        experiment=experiment, user=w.mate, cohort=w.cohort, workshop=w.workshop
    )
    return experiment


def submitted(w, experiment=None):
    return workshop_services.submission_submit(
        learner=w.learner,
        assignment=w.assignment,
        cohort=w.cohort,
        text="Haasteeni on matkaketjujen toimivuus.",
        experiment=experiment or experiment_of(w),
    )


def card_of(w, experiment=None):
    card = portfolio_services.card_create(experiment=experiment or experiment_of(w))
    Card.objects.filter(pk=card.pk).update(
        summary="Kyläläiset pääsevät asemalle kimppakyydillä.", scope=Card.Scope.NETWORK
    )
    card.refresh_from_db()
    return card


# --- one trigger per kind of email ------------------------------------------------------------


def invitation(w, client):
    learner_services.invitation_invite(
        cohort=w.cohort, invited_by=w.coordinator, email="aino@example.fi", language=w.language
    )


def on_site():
    """A request made on the site's own address (allauth's links follow the request's)."""
    return {"HTTP_HOST": urlsplit(settings.SITE_URL).netloc}


def password_reset(w, client):
    cache.clear()  # allauth's rate limit
    client.post(reverse("account_reset_password"), {"email": w.learner.email}, **on_site())


def email_confirmation(w, client):
    EmailAddress.objects.filter(user=w.learner).update(verified=False)
    cache.clear()  # allauth's rate limit (one email a key in 3 minutes) lives in the cache
    client.post(
        reverse("account_login"),
        {"login": w.learner.email, "password": factories.PASSWORD},
        **on_site(),
    )


def cohort_removed(w, client):
    membership = Membership.objects.get(user=w.learner, cohort=w.cohort)
    learner_services.membership_remove(membership=membership, by=w.coordinator)


def nudge(w, client):
    learner_services.nudge_send(cohort=w.cohort, learner=w.learner, sent_by=w.coordinator)


def announcement(w, client):
    notification_services.announcement_create(
        cohort=w.cohort,
        author=w.coordinator,
        subject="Lähijakso siirtyy",
        body="Tapaamme tiistaina.",
        send_at=None,
    )


def digest(w, client):
    NotificationPreference.objects.filter(user=w.learner).update(
        email_modes={Notification.Category.DISCUSSIONS: Mode.DAILY}
    )
    w.learner.__dict__.pop("_notification_preference", None)
    thread = discussion_services.thread_start(
        cohort=w.cohort, author=w.learner, title="Kyläkoulut", body="Mitä mieltä olette?"
    )
    discussion_services.post_reply(thread=thread, author=w.other, body="Samaa mieltä.")
    morning = datetime.datetime(2026, 10, 6, 7, 5, tzinfo=HELSINKI)
    Notification.objects.update(created_at=morning - datetime.timedelta(hours=10))
    notification_services.digests_build_due(now=morning)


def certificate_issued(w, client):
    certificate = Certificate.objects.create(
        user=w.learner, course=w.course, cohort=w.cohort, code="TEST-1234-ABCD"
    )
    course_services.certificate_issue(certificate_id=certificate.pk)


def submission_reviewed_revise(w, client):
    workshop_services.submission_review(
        submission=submitted(w), reviewer=w.instructor, decision="revise", feedback="Tarkenna."
    )


def submission_reviewed_approve(w, client):
    workshop_services.submission_review(
        submission=submitted(w), reviewer=w.instructor, decision="approve", feedback="Hyvä."
    )


def submission_rejected(w, client):
    workshop_services.submission_submit(
        learner=w.learner,
        assignment=w.assignment,
        cohort=w.cohort,
        text="Haasteeni on matkaketjujen toimivuus.",
        experiment=experiment_of(w),
        upload=SimpleUploadedFile("liite.pdf", b"MZ\x90\x00 not a pdf at all"),
    )


def experiment_member_added(w, client):
    experiment = workshop_services.experiment_create(
        learner=w.learner, workshop=w.workshop, cohort=w.cohort, title="Liityntäkyyti"
    )
    workshop_services.experiment_add_member(experiment=experiment, by=w.learner, email=w.mate.email)


def experiment_pivot(w, client):
    experiment = experiment_of(w)
    experiment.phase = 3
    experiment.save(update_fields=["phase"])
    workshop_services.experiment_pivot(
        experiment=experiment, by=w.instructor, to_phase=1, note="Palataan alkuun."
    )


def team_version_sent(w, client):
    submitted(w)


def phase_comment(w, client):
    workshop_services.phase_comment_add(
        experiment=experiment_of(w), phase=1, author=w.learner, text="Katsotko tämän?"
    )


def team_member_left(w, client):
    experiment = experiment_of(w)
    member = ExperimentMember.objects.get(experiment=experiment, user=w.mate)
    services_team.experiment_member_remove(member=member, by=None)


def team_member_removed(w, client):
    experiment = experiment_of(w)
    member = ExperimentMember.objects.get(experiment=experiment, user=w.mate)
    services_team.experiment_member_remove(member=member, by=w.learner)


def review_allocated(w, client):
    marking.marking_allocate(submission=submitted(w), reviewer=w.second, by=w.instructor)


def peer_review_assigned(w, client):
    # The same notice peer.peer_allocate sends (its context is the assignment only).
    review = PeerReview.objects.create(submission=submitted(w), reviewer=w.other)
    notification_services.notification_notify(
        recipient=w.other,
        category=Notification.Category.PEER_REVIEW,
        key=f"peer-review-assigned-{review.pk}",
        template="peer_review_assigned",
        context={"assignment": w.assignment},
        url=reverse("workshops:peer_review", args=[review.pk]),
    )


def peer_review_reminder(w, client):
    review = PeerReview.objects.create(submission=submitted(w), reviewer=w.other)
    PeerReview.objects.filter(pk=review.pk).update(
        assigned_at=datetime.datetime(2026, 9, 1, 9, tzinfo=HELSINKI)
    )
    peer.peer_starvation_guard(now=datetime.datetime(2026, 9, 20, 9, tzinfo=HELSINKI))


def peer_feedback_received(w, client):
    review = PeerReview.objects.create(submission=submitted(w), reviewer=w.other)
    peer.peer_review_give(
        review=review, by=w.other, works="Selkeä.", question="Kuka ajaa?", suggestion=""
    )


def deadline_reminder(w, client):
    experiment_of(w)
    # Olli too has an experiment of his own: this is the reminder of a phase due, not to start.
    workshop_services.experiment_create(
        learner=w.other, workshop=w.workshop, cohort=w.cohort, title="Kyytipiste"
    )
    reminders.deadline_reminders_send(
        now=datetime.datetime(2026, 9, 12, 9, tzinfo=HELSINKI)  # three days before
    )


def deadline_start_reminder(w, client):
    reminders.deadline_reminders_send(now=datetime.datetime(2026, 9, 12, 9, tzinfo=HELSINKI))


def _waiting(w):
    submission = submitted(w)
    moment = submission.submitted_at + datetime.timedelta(days=20)
    return submission, moment.astimezone(HELSINKI).replace(hour=9)


def reviews_waiting(w, client):
    submission, now = _waiting(w)
    reminders.review_waiting_notices_send(now=now)


def review_escalation(w, client):
    submission, now = _waiting(w)
    reminders.review_escalations_send(now=now)


def discussion_question(w, client):
    discussion_services.thread_start(
        cohort=w.cohort, author=w.learner, title="Aloitus", body="Miten aloitan?", item=w.item
    )


def discussion_reply(w, client):
    thread = discussion_services.thread_start(
        cohort=w.cohort, author=w.learner, title="Kyläkoulut", body="Mitä mieltä olette?"
    )
    discussion_services.post_reply(thread=thread, author=w.other, body="Samaa mieltä.")


def discussion_hidden(w, client):
    thread = discussion_services.thread_start(
        cohort=w.cohort, author=w.learner, title="Kyläkoulut", body="Mitä mieltä olette?"
    )
    post = discussion_services.post_reply(thread=thread, author=w.other, body="Asiaton viesti.")
    discussion_services.post_hide(post=post, by=w.instructor, reason="Asiaton.")


def discussion_answer(w, client):
    thread = discussion_services.thread_start(
        cohort=w.cohort, author=w.learner, title="Aloitus", body="Miten aloitan?", item=w.item
    )
    post = discussion_services.post_reply(thread=thread, author=w.other, body="Kysy naapurilta.")
    discussion_services.thread_mark_answer(thread=thread, by=w.learner, post=post)


def portfolio_name_consent(w, client):
    portfolio_services.card_names_ask(card=card_of(w), by=w.learner)


def portfolio_approval_requested(w, client):
    portfolio_services.card_publish(
        card=card_of(w), by=w.learner, scope=Card.Scope.PUBLIC, consent=True
    )


def _pending(w):
    card = card_of(w)
    portfolio_services.card_publish(card=card, by=w.learner, scope=Card.Scope.PUBLIC, consent=True)
    return card


def portfolio_approved(w, client):
    portfolio_services.card_approve(card=_pending(w), by=w.coordinator)
    return [w.learner.email, w.mate.email]  # the request to approve: the case below


def portfolio_rejected(w, client):
    portfolio_services.card_reject(card=_pending(w), by=w.coordinator, reason="Nimiä näkyy.")
    return [w.learner.email, w.mate.email]


def portfolio_approval_requested_then_decided(w, client):
    """The coordinator follows the request's link after the card was decided (by another
    coordinator, or in another tab)."""
    portfolio_services.card_approve(card=_pending(w), by=w.coordinator)
    return [w.coordinator.email]


def portfolio_question(w, client):
    portfolio_services.card_ask(card=card_of(w), author=w.other, text="Miten kyydit toimivat?")


def portfolio_answer(w, client):
    card = card_of(w)
    portfolio_services.card_ask(card=card, author=w.other, text="Miten kyydit toimivat?")
    portfolio_services.card_ask(card=card, author=w.learner, text="Sovellus kokoaa kyydit.")


def portfolio_adapted(w, client):
    card = card_of(w)
    theirs = workshop_services.experiment_create(
        learner=w.other, workshop=w.workshop, cohort=w.cohort, title="Kyytipiste"
    )
    portfolio_services.card_adapt(card=card, by=w.other, experiment=theirs)


TRIGGERS: dict[str, Callable[[SimpleNamespace, Client], list[str] | None]] = {
    f.__name__: f
    for f in (
        invitation,
        password_reset,
        email_confirmation,
        cohort_removed,
        nudge,
        announcement,
        digest,
        certificate_issued,
        submission_reviewed_revise,
        submission_reviewed_approve,
        submission_rejected,
        experiment_member_added,
        experiment_pivot,
        team_version_sent,
        phase_comment,
        team_member_left,
        team_member_removed,
        review_allocated,
        peer_review_assigned,
        peer_review_reminder,
        peer_feedback_received,
        deadline_reminder,
        deadline_start_reminder,
        reviews_waiting,
        review_escalation,
        discussion_question,
        discussion_reply,
        discussion_hidden,
        discussion_answer,
        portfolio_name_consent,
        portfolio_approval_requested,
        portfolio_approved,
        portfolio_rejected,
        portfolio_approval_requested_then_decided,
        portfolio_question,
        portfolio_answer,
        portfolio_adapted,
    )
}

# The dates an email writes, and how each language writes them (config/formats).
DATES = {
    "invitation": lambda: None,  # the invitation's own expiry, checked below
    "deadline_reminder": lambda: DUE,
    "deadline_start_reminder": lambda: DUE,
}


# What an email names in the reader's language: the course, for the emails about it.
NAMED = {
    "certificate_issued": lambda w: w.course.title,
    "nudge": lambda w: w.course.title,
}


# --- what the reader sees ---------------------------------------------------------------------

ADDRESS = re.compile(r"https?://[^\s<>\"']+")
TEMPLATE_LEFTOVERS = re.compile(
    r"\{%|%\}|\{\{|\}\}|\{#|#\}|<[a-zA-Z/][^>]*>|&(amp|lt|gt|quot|#\d+|#x[0-9a-f]+);"
)


def text_of(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", html))


def links_of(message) -> list[str]:
    links = [a.rstrip(".,;:)”\"'") for a in ADDRESS.findall(message.body)]
    for html, _mimetype in getattr(message, "alternatives", []):
        links += [html_lib.unescape(h) for h in re.findall(r'href="([^"]*)"', html)]
    return sorted(set(links))


def reader_client(message) -> Client:
    """A browser of the person the email went to (signed in when they have an account)."""
    client = Client()
    user = User.objects.filter(email__iexact=message.to[0]).first()
    if user is not None and EmailAddress.objects.filter(user=user, verified=True).exists():
        client.force_login(user)
    return client


def opens(client: Client, link: str) -> tuple[int, str]:
    response = client.get(link.removeprefix(settings.SITE_URL), follow=True)
    return response.status_code, response.request["PATH_INFO"]


# Known, not fixed here (outside the email templates): the reminder to start names the phase in
# Finnish whatever the reader's language, as workshops/reminders.py passes the phase's label
# as a finished string (`assignment.get_phase_display()`, in the language of the beat task);
# the certificate email (and PDF) name the course by its Finnish title, as
# courses.services.certificate_issue sets `course_title` outside its translation.override;
# the link of a request to approve a card answers 404 once the card was decided.
KNOWN: dict[str, str] = {}  # a kind that fails for a known reason (none left)


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param(k, marks=pytest.mark.xfail(strict=True, reason=KNOWN[k])) if k in KNOWN else k
        for k in TRIGGERS
    ],
)
def test_every_email_reads_in_the_readers_language_and_its_links_open(
    world, kind, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        only = TRIGGERS[kind](world, client)
    # A trigger may name whose emails are its kind (the others are checked by their own case).
    messages = [m for m in mail.outbox if only is None or m.to[0] in only]
    assert messages, f"{kind}: no email was sent"
    finnish = finnish_fragments()
    problems = []
    for message in messages:
        parts = [message.subject, message.body] + [
            text_of(html) for html, _m in getattr(message, "alternatives", [])
        ]
        everything = re.sub(r"\s+", " ", "\n".join(parts))
        who = f"{kind} to {message.to[0]}"
        left = [f for f in finnish if f in everything] + [
            word for word in finnish_words() if re.search(rf"\b{re.escape(word)}\b", everything)
        ]
        if left:
            problems.append(f"{who}: Finnish text {left[:3]}")
        for html, _mimetype in getattr(message, "alternatives", []):
            if f'<html lang="{world.language}">' not in html:
                problems.append(f"{who}: the HTML part does not say lang={world.language}")
        leftover = TEMPLATE_LEFTOVERS.search(message.body)
        if leftover:
            problems.append(f"{who}: the plain text has {leftover.group(0)!r}")
        links = links_of(message)
        if not links:
            problems.append(f"{who}: no link")
        client = reader_client(message)
        for link in links:
            if link.startswith("mailto:"):
                continue
            if link != settings.SITE_URL and not link.startswith(f"{settings.SITE_URL}/"):
                problems.append(f"{who}: a link not on SITE_URL: {link}")
                continue
            status, landed = opens(client, link)
            if status != 200:
                problems.append(f"{who}: {link} answers {status} (at {landed})")
        if kind in NAMED:
            with translation.override(world.language):
                name = str(NAMED[kind](world))
            if name not in everything:
                problems.append(f"{who}: does not name {name!r}")
        if kind in DATES:
            day = DATES[kind]() or _invitation_expiry(message)
            with translation.override(world.language):
                written = formats.date_format(day, "SHORT_DATE_FORMAT")
            with translation.override("fi"):
                finnish_date = formats.date_format(day, "SHORT_DATE_FORMAT")
            if written not in message.body:
                problems.append(f"{who}: the date is not written {written!r}")
            if finnish_date != written and finnish_date in everything:
                problems.append(f"{who}: the date is written the Finnish way {finnish_date!r}")
    assert not problems, "\n".join(problems)


def _invitation_expiry(message):
    from learners.models import Invitation

    return Invitation.objects.get(email=message.to[0]).expires_at.astimezone(HELSINKI).date()


# --- in a real browser ------------------------------------------------------------------------


@pytest.mark.browser
def test_a_review_email_reads_right_in_a_browser_and_its_button_opens_the_readers_page(
    world, transactional_db, live_server, browser, settings
):
    """The HTML part of "revision requested" as a mail program shows it: the reader's
    language, the feedback and the assignment's title in it, no template syntax; its button
    leads (through signing in) to a page in the same language."""
    from playwright.sync_api import expect

    from tests.browser import artifacts_dir

    settings.SITE_URL = live_server.url
    submission_reviewed_revise(world, None)
    [message] = [m for m in mail.outbox if m.to == [world.learner.email] and "Tarkenna." in m.body]
    html, _mimetype = message.alternatives[0]
    with translation.override(world.language):
        greeting = translation.gettext("Hello %(name)s,") % {"name": "Oona"}
        title = str(world.assignment.title)

    page = browser.new_page()
    page.set_content(html)
    expect(page.locator("html")).to_have_attribute("lang", world.language)
    shown = page.locator("body").inner_text()
    assert greeting in shown
    assert title in shown
    assert "Tarkenna." in shown
    assert not re.search(r"\{%|\{\{|&amp;|&lt;", shown)
    page.screenshot(path=str(artifacts_dir() / f"s14-email-{world.language}.png"), full_page=True)

    page.locator("a").first.click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", world.language)
    page.close()
