"""What a week of use met on the portfolio cards (session 11).

- Two tabs or two team mates on one card: a form opened before a save no longer writes its
  old text over the sections the other saved; a clash in the same section is refused (409)
  with the other's text shown, the saver named and one's own words kept.
- A team from two towns: the card names both.
- Asking again for public view while a request waits tells nobody again, however it arrives.
- "We tried this too" without an experiment: the form again with the note kept.
"""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from learners.models import Membership
from notifications import services as notification_services
from notifications.models import Notification
from portfolio import services
from portfolio.models import Adaptation, Card
from tests import factories
from tests.portfolio.conftest import make_experiment, publish
from workshops.models import ExperimentMember

pytestmark = pytest.mark.django_db


def _fi(message: str, **values: object) -> str:
    with translation.override("fi"):
        text = translation.gettext(message)
    return escape(text % values if values else text)


def edit_url(card: Card) -> str:
    return reverse("portfolio:card_edit", args=[card.pk])


def opened(client, card: Card) -> dict[str, str]:
    """The edit form as a browser would send it back unchanged."""
    page = client.get(edit_url(card))
    assert page.status_code == 200
    return as_sent(page.context["form"])


def as_sent(form) -> dict[str, str]:
    data = {}
    for bound in form:
        value = bound.value()
        if isinstance(value, bool) or value is None:
            if value:
                data[bound.name] = "on"
            continue
        data[bound.name] = str(value)
    return data


@pytest.fixture
def own_coordinator(learner, other_cohort):
    """A coordinator from the learner's own municipality (coordinating another cohort)."""
    user = factories.UserFactory(email="kunta-koordinaattori@example.fi")
    user.organisation = learner.organisation
    user.save()
    factories.MembershipFactory(cohort=other_cohort, user=user, role=Membership.Role.COORDINATOR)
    return user


# --- two tabs, two team mates ----------------------------------------------------------------


def test_a_stale_form_keeps_the_summary_a_team_mate_saved_meanwhile(
    client, learner, co_owner, card
):
    client.force_login(co_owner)
    tab_a = opened(client, card)
    client.force_login(learner)
    tab_b = opened(client, card)

    client.force_login(co_owner)
    tab_a["summary"] = "Kaisan uusi tiivistelmä."
    assert client.post(edit_url(card), tab_a).status_code == 302

    # Tab B, opened before, changes only the scaling section: it is saved, and A's summary stays.
    client.force_login(learner)
    tab_b["scaling"] = "Malli sopii muillekin asemakunnille."
    response = client.post(edit_url(card), tab_b)
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.summary == "Kaisan uusi tiivistelmä."
    assert card.scaling == "Malli sopii muillekin asemakunnille."


def test_the_same_section_changed_meanwhile_is_refused_with_both_texts_and_the_saver_named(
    client, learner, co_owner, card
):
    client.force_login(learner)
    mine = opened(client, card)
    client.force_login(co_owner)
    theirs = opened(client, card)
    theirs["summary"] = "Kaisan tiivistelmä."
    theirs["need"] = "Kaisan perustelu."
    assert client.post(edit_url(card), theirs).status_code == 302
    saved = Card.objects.get(pk=card.pk)

    client.force_login(learner)
    mine["summary"] = "Oonan tiivistelmä."
    mine["lessons"] = "Oonan opit."
    response = client.post(edit_url(card), mine)

    assert response.status_code == 409
    # Nothing half-saved: not the clashing summary, not the lessons either.
    card.refresh_from_db()
    assert (card.summary, card.need, card.lessons) == (
        "Kaisan tiivistelmä.",
        "Kaisan perustelu.",
        saved.lessons,
    )
    assert card.updated_at == saved.updated_at
    html = response.content.decode()
    assert 'data-testid="saved-meanwhile"' in html
    assert "Kaisan tiivistelmä." in html  # theirs, to read
    assert co_owner.display_name in html  # who saved
    form = response.context["form"]
    # One's own words stay in the form; the section one did not touch is as the mate saved it.
    assert form["summary"].value() == "Oonan tiivistelmä."
    assert form["lessons"].value() == "Oonan opit."
    assert form["need"].value() == "Kaisan perustelu."
    assert "summary" in form.errors
    assert form["based_on"].value() == services.card_version(card)

    # Saving again, having read theirs, is the person's choice: it undoes nothing else.
    again = client.post(edit_url(card), as_sent(form))
    assert again.status_code == 302
    card.refresh_from_db()
    assert (card.summary, card.need, card.lessons) == (
        "Oonan tiivistelmä.",
        "Kaisan perustelu.",
        "Oonan opit.",
    )


def test_the_refusal_says_when_it_was_the_same_person_in_another_tab(client, learner, card):
    client.force_login(learner)
    tab_a, tab_b = opened(client, card), opened(client, card)
    tab_a["summary"] = "Ensimmäisen välilehden teksti."
    assert client.post(edit_url(card), tab_a).status_code == 302
    tab_b["summary"] = "Toisen välilehden teksti."
    response = client.post(edit_url(card), tab_b)
    assert response.status_code == 409
    html = response.content.decode()
    assert _fi("The text saved meanwhile:") in html
    assert "Ensimmäisen välilehden teksti." in html
    assert Card.objects.get(pk=card.pk).summary == "Ensimmäisen välilehden teksti."


def test_a_refusal_without_knowing_who_saved_still_shows_the_saved_text(
    client, learner, co_owner, card
):
    client.force_login(learner)
    mine = opened(client, card)
    client.force_login(co_owner)
    theirs = opened(client, card)
    theirs["tried"] = "Kaisan kuvaus kokeilusta."
    client.post(edit_url(card), theirs)
    cache.clear()  # another process, or long ago: the saver is not known

    client.force_login(learner)
    mine["tried"] = "Oonan kuvaus."
    response = client.post(edit_url(card), mine)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Kaisan kuvaus kokeilusta." in html
    assert co_owner.display_name not in html
    assert Card.objects.get(pk=card.pk).tried == "Kaisan kuvaus kokeilusta."


def test_a_public_card_refused_as_stale_stays_public_and_asks_nobody(
    client, learner, co_owner, card, own_coordinator
):
    publish(card, Card.Scope.PUBLIC)
    client.force_login(learner)
    mine = opened(client, card)
    services.card_update(
        card=card, by=co_owner, data={"title": card.title, "results": "Kaisan tulokset."}
    )
    Card.objects.filter(pk=card.pk).update(
        scope=Card.Scope.PUBLIC, public_status=Card.PublicStatus.APPROVED, approved_version=None
    )
    Notification.objects.all().delete()
    mine["results"] = "Oonan tulokset."
    assert client.post(edit_url(card), mine).status_code == 409
    card.refresh_from_db()
    assert (card.scope, card.results) == (Card.Scope.PUBLIC, "Kaisan tulokset.")
    assert not Notification.objects.exists()


def test_a_form_sent_back_unchanged_saves_nothing(client, learner, card):
    client.force_login(learner)
    before = Card.objects.get(pk=card.pk).updated_at
    data = opened(client, card)
    data["summary"] = data["summary"].replace("\n", "\r\n") + "  "
    assert client.post(edit_url(card), data).status_code == 302
    assert Card.objects.get(pk=card.pk).updated_at == before


def test_a_made_up_version_writes_over_nothing(client, learner, co_owner, card):
    client.force_login(learner)
    data = opened(client, card)
    services.card_update(card=card, by=co_owner, data={"title": card.title, "need": "Kaisan."})
    data["based_on"] = "nonsense"
    data["need"] = "Oonan."
    assert client.post(edit_url(card), data).status_code == 409
    assert Card.objects.get(pk=card.pk).need == "Kaisan."


def test_the_edit_form_is_the_teams_only(client_for, other_learner, card):
    client = client_for(other_learner)
    assert client.get(edit_url(card)).status_code == 404
    assert client.post(edit_url(card), {"title": "Vieras"}).status_code == 404
    assert Card.objects.get(pk=card.pk).title != "Vieras"


# --- a team from two towns -------------------------------------------------------------------


def _add_member(experiment, user) -> None:
    ExperimentMember.objects.create(
        experiment=experiment, user=user, cohort=experiment.cohort, workshop=experiment.workshop
    )


def test_a_two_town_team_card_names_both_municipalities(client_for, learner, co_owner, card):
    assert learner.organisation_id != co_owner.organisation_id
    page = client_for(learner).get(reverse("portfolio:card", args=[card.pk]))
    heading = page.content.decode().split('data-testid="card-title"')[1].split("</p>")[0]
    assert learner.organisation.name in heading
    assert co_owner.organisation.name in heading


def test_each_municipality_is_named_once_in_the_teams_order(
    client_for, cohort, learner, co_owner, card
):
    # Oona (town A), Kaisa (town B), then one more from A and one from B.
    for organisation in (learner.organisation, co_owner.organisation):
        mate = factories.UserFactory(organisation=organisation)
        factories.MembershipFactory(cohort=cohort, user=mate, role=Membership.Role.LEARNER)
        _add_member(card.experiment, mate)
    page = client_for(learner).get(reverse("portfolio:card", args=[card.pk]))
    heading = page.content.decode().split('data-testid="card-title"')[1].split("</p>")[0]
    a, b = learner.organisation.name, co_owner.organisation.name
    assert heading.count(a) == 1
    assert heading.count(b) == 1
    assert f"{a}, {b} · " in heading


def test_the_coordinator_reads_every_municipality_of_the_team(
    client_for, learner, co_owner, card, own_coordinator
):
    client_for(learner).post(
        reverse("portfolio:card_publish", args=[card.pk]), {"scope": "public", "consent": "on"}
    )
    client = client_for(own_coordinator)
    queue = client.get(reverse("portfolio:approvals")).content.decode()
    page = client.get(reverse("portfolio:approval", args=[card.pk])).content.decode()
    for html in (queue, page):
        assert learner.organisation.name in html
        assert co_owner.organisation.name in html


# --- asking again for public view ------------------------------------------------------------


def _approval_requests():
    return Notification.objects.filter(key__startswith="portfolio-approval-")


def test_asking_again_while_the_request_waits_tells_nobody_again(
    client_for, learner, co_owner, card, own_coordinator
):
    url = reverse("portfolio:card_publish", args=[card.pk])
    data = {"scope": "public", "consent": "on"}
    assert client_for(learner).post(url, data).status_code == 302
    card.refresh_from_db()
    asked_at = card.requested_at
    assert _approval_requests().count() == 1
    # Back and send again, a second tab, a team mate: three more sends.
    pages = [
        client_for(person).post(url, data, follow=True) for person in (learner, learner, co_owner)
    ]
    assert _approval_requests().count() == 1
    card.refresh_from_db()
    assert (card.public_status, card.requested_at) == (Card.PublicStatus.PENDING, asked_at)
    assert card.consent_by == learner
    said = _fi(
        "The card is already waiting for a coordinator's approval for the public: nobody was "
        "asked again."
    )
    for page in pages:
        assert page.status_code == 200
        assert said in page.content.decode()


def test_a_new_request_after_the_old_one_ended_is_told_again(
    client_for, learner, card, own_coordinator
):
    url = reverse("portfolio:card_publish", args=[card.pk])
    client = client_for(learner)
    client.post(url, {"scope": "public", "consent": "on"})
    client.post(url, {"scope": "network"})  # the request is taken back
    client.post(url, {"scope": "public", "consent": "on"})
    assert _approval_requests().filter(recipient=own_coordinator).count() == 1  # the new one
    card.refresh_from_db()
    assert card.public_status == Card.PublicStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_two_requests_arriving_together_tell_the_coordinator_once(
    learner, co_owner, card, own_coordinator
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes the write lock at the start of each transaction anyway")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def submit(person) -> None:
        try:
            barrier.wait(timeout=10)
            services.card_publish(card=card, by=person, scope=Card.Scope.PUBLIC, consent=True)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(p,)) for p in (learner, co_owner)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert _approval_requests().filter(recipient=own_coordinator).count() == 1


def test_the_approval_emails_text_part_uses_the_signed_link_too(
    client_for, learner, card, own_coordinator
):
    client_for(learner).post(
        reverse("portfolio:card_publish", args=[card.pk]), {"scope": "public", "consent": "on"}
    )
    note = _approval_requests().get(recipient=own_coordinator)
    notification_services.notification_send_email(notification_id=note.pk)
    message = mail.outbox[-1]
    follow = notification_services.notification_follow_url(note)
    assert escape(follow) in message.alternatives[0][0]
    assert follow in message.body
    assert reverse("portfolio:approval", args=[card.pk]) not in message.body


# --- "we tried this too" ---------------------------------------------------------------------


@pytest.fixture
def outsider_experiment(outsider_learner, other_cohort, workshop):
    return make_experiment(
        owner=outsider_learner,
        cohort=other_cohort,
        workshop=workshop,
        title="Liityntäkyyti Lopelle",
        themes=["mobility"],
    )


def test_we_tried_this_too_without_an_experiment_keeps_the_note(
    client_for, outsider_learner, card, outsider_experiment
):
    publish(card, Card.Scope.NETWORK)
    note = "Meillä kyydit tilattiin tekstiviestillä."
    response = client_for(outsider_learner).post(
        reverse("portfolio:card_adapt", args=[card.pk]), {"experiment": "", "note": note}
    )
    assert response.status_code == 400
    form = response.context["adapt_form"]
    assert form.errors["experiment"] == [_fi("Choose one of your own experiments.")]
    html = response.content.decode()
    assert note in html
    assert 'data-testid="adapt-form"' in html
    assert not Adaptation.objects.exists()
    # Sent again with the experiment chosen, it is linked.
    again = client_for(outsider_learner).post(
        reverse("portfolio:card_adapt", args=[card.pk]),
        {"experiment": outsider_experiment.pk, "note": note},
    )
    assert again.status_code == 302
    assert Adaptation.objects.get().note == note


def test_we_tried_this_too_is_refused_to_whom_the_card_is_hidden(
    client_for, outsider_learner, card, outsider_experiment
):
    response = client_for(outsider_learner).post(
        reverse("portfolio:card_adapt", args=[card.pk]),
        {"experiment": outsider_experiment.pk, "note": "Salaa"},
    )
    assert response.status_code == 404
    assert not Adaptation.objects.exists()
