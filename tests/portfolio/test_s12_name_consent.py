"""A team member's name goes outside the team only with their own consent (session 12).

Oona (Hattula) and Kaisa (Janakkala) share a card. Before, one member ticking "Näytä tiimin
jäsenten nimet kortissa", another choosing "Julkinen" and a coordinator approving put every
member's full name on the public page, members who were never asked included. Now:

- ticking the box agrees for the one who ticks and asks each other member once, in a
  notification linking to their own answer page (POST only, each for themselves, 404 for
  anyone outside the team);
- outside the team (public page, the network's card page) a name shows only when its member
  agreed; the others are a team member from their town, and the towns stay;
- withdrawing takes the name down at once, a public card's approved version included, with no
  new approval;
- the team sees everyone's answer on the card page and in the edit form, the approving
  coordinator whose names will be public;
- the decision emails say when they were about changes to a public card.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from core.models import Organisation, User
from learners.models import Membership
from notifications.models import Notification
from portfolio import services
from portfolio.models import Card, NameConsent
from tests import factories
from tests.portfolio.conftest import publish
from workshops.models import ExperimentMember

pytestmark = pytest.mark.django_db


def person(cohort, role, town: str, **fields) -> User:
    organisation, _created = Organisation.objects.get_or_create(name=town)
    user = factories.UserFactory(organisation=organisation, **fields)
    factories.MembershipFactory(cohort=cohort, user=user, role=role)
    return user


@pytest.fixture
def learner(cohort):
    return person(
        cohort,
        Membership.Role.LEARNER,
        "Hattula",
        email="oona@example.fi",
        first_name="Oona",
        last_name="Oksanen",
    )


@pytest.fixture
def co_owner(cohort):
    return person(
        cohort,
        Membership.Role.LEARNER,
        "Janakkala",
        email="kaisa@example.fi",
        first_name="Kaisa",
        last_name="Kallio",
    )


@pytest.fixture
def hattula_coordinator(other_cohort):
    return person(other_cohort, Membership.Role.COORDINATOR, "Hattula", email="hk@example.fi")


OONA = "Oona Oksanen"
KAISA = "Kaisa Kallio"


def card_url(card: Card) -> str:
    return reverse("portfolio:card", args=[card.pk])


def names_url(card: Card) -> str:
    return reverse("portfolio:card_names", args=[card.pk])


def edit_url(card: Card) -> str:
    return reverse("portfolio:card_edit", args=[card.pk])


def opened(client, card: Card) -> dict[str, str]:
    """The edit form as a browser would send it back unchanged."""
    page = client.get(edit_url(card))
    assert page.status_code == 200
    data = {}
    for bound in page.context["form"]:
        value = bound.value()
        if isinstance(value, bool) or value is None:
            if value:
                data[bound.name] = "on"
            continue
        data[bound.name] = str(value)
    return data


def save(client, card: Card, **changes) -> object:
    data = opened(client, card) | changes
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
    return client.post(edit_url(card), data)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def public_page(card: Card) -> str:
    response = Client().get(reverse("portfolio:public_card", args=[card.pk]))
    assert response.status_code == 200
    return response.content.decode()


def heading(html: str) -> str:
    """The card's heading line: its towns, and the names when the card shows them."""
    return html.split('data-testid="card-title"')[1].split("</p>")[0]


def shown_names(html: str) -> list[str]:
    return [
        part.split("</span>")[0] for part in heading(html).split('data-testid="card-name">')[1:]
    ]


def answers_on(html: str) -> dict[str, str]:
    """The team's panel of answers: {member id: answer}."""
    rows = html.split('data-testid="name-answer" ')[1:]
    found = {}
    for row in rows:
        member = row.split('data-member="')[1].split('"')[0]
        found[member] = row.split('data-answer="')[1].split('"')[0]
    return found


def name_requests(card: Card, user: User) -> int:
    return Notification.objects.filter(
        recipient=user, key=services.card_name_request_key(card, user)
    ).count()


def approve(coordinator: User, card: Card) -> None:
    client = signed_in(coordinator)
    page = client.get(reverse("portfolio:approval", args=[card.pk]))
    assert page.status_code == 200
    response = client.post(
        reverse("portfolio:approval", args=[card.pk]),
        {"decision": "approve", "seen": page.context["seen"]},
    )
    assert response.status_code == 302


# --- the tester's journey ------------------------------------------------------------------


def test_only_the_members_who_agreed_are_named_on_the_public_page(
    learner, co_owner, card, hattula_coordinator
):
    # Oona ticks "show names"; Kaisa asks for the public; a coordinator approves.
    assert save(signed_in(learner), card, show_names="on").status_code == 302
    response = signed_in(co_owner).post(
        reverse("portfolio:card_publish", args=[card.pk]), {"scope": "public", "consent": "on"}
    )
    assert response.status_code == 302
    approve(hattula_coordinator, card)
    card.refresh_from_db()
    assert (card.scope, card.show_names) == (Card.Scope.PUBLIC, True)

    html = public_page(card)
    assert shown_names(html) == [OONA]
    assert KAISA not in html
    assert "Kaisa" not in html
    # Both towns are still there: Kaisa is a team member from Janakkala.
    assert "Hattula, Janakkala · " in heading(html)
    assert heading(html).count("Janakkala") == 2
    # Nor do the public gallery and its search name her.
    gallery = Client().get(reverse("portfolio:public_gallery"), {"q": "Kallio"})
    assert gallery.status_code == 200
    assert [c.pk for c in gallery.context["page"].object_list] == []
    assert "Kallio" not in Client().get(reverse("portfolio:public_gallery")).content.decode()

    # Kaisa was asked, once, with a link to her own answer page; she agrees there.
    note = Notification.objects.get(key=services.card_name_request_key(card, co_owner))
    assert note.recipient == co_owner
    kaisa = signed_in(co_owner)
    page = kaisa.get(note.url)
    assert page.status_code == 200
    assert 'data-answer="asked"' in page.content.decode()
    assert kaisa.post(note.url, {"answer": "agree"}).status_code == 302
    assert shown_names(public_page(card)) == [OONA, KAISA]
    note.refresh_from_db()
    assert note.read_at is not None

    # She withdraws: gone from the public page at once, with no new approval round.
    response = kaisa.post(names_url(card), {"answer": "decline"})
    assert response.status_code == 302
    html = public_page(card)
    assert shown_names(html) == [OONA]
    assert KAISA not in html
    card.refresh_from_db()
    assert (card.scope, card.public_status) == (Card.Scope.PUBLIC, Card.PublicStatus.APPROVED)
    asked = Notification.objects.filter(
        recipient=hattula_coordinator, key__startswith=f"portfolio-approval-{card.pk}-"
    )
    assert asked.count() == 1


def test_a_withdrawal_takes_the_name_off_the_approved_version_while_changes_wait(
    learner, co_owner, other_learner, card
):
    card = publish(card, Card.Scope.PUBLIC)
    Card.objects.filter(pk=card.pk).update(show_names=True)
    for member in (learner, co_owner):
        services.card_name_answer(card=card, member=member, agree=True)
    assert shown_names(public_page(card)) == [OONA, KAISA]

    # Oona's new text waits for a coordinator: the public reads the approved version.
    new_text = "Lainasimme sähköpyöriä mökkiläisille."
    assert save(signed_in(learner), card, tried=new_text).status_code == 302
    card.refresh_from_db()
    assert card.approved_version is not None
    assert card.approved_version["show_names"] is True

    # Kaisa withdraws: off the public page and the network's card page at once.
    assert signed_in(co_owner).post(names_url(card), {"answer": "decline"}).status_code == 302
    html = public_page(card)
    assert new_text not in html
    assert shown_names(html) == [OONA]
    assert KAISA not in html
    network = signed_in(other_learner).get(card_url(card)).content.decode()
    assert shown_names(network) == [OONA]
    assert KAISA not in network
    card.refresh_from_db()
    assert card.public_status == Card.PublicStatus.PENDING
    assert card.approved_version["show_names"] is True  # nothing to approve again


# --- the network and the team ----------------------------------------------------------------


def test_the_network_sees_the_names_by_the_public_rule_and_the_team_sees_every_answer(
    learner, co_owner, other_learner, card
):
    publish(card, Card.Scope.NETWORK)
    save(signed_in(learner), card, show_names="on")

    # Signed-in people of the network outside the team: only who agreed, Oona.
    html = signed_in(other_learner).get(card_url(card)).content.decode()
    assert shown_names(html) == [OONA]
    assert KAISA not in html
    assert 'data-testid="name-answers"' not in html

    # The team: everyone's answer, on the card page and in the edit form.
    for page_url in (card_url(card), edit_url(card)):
        html = signed_in(co_owner).get(page_url).content.decode()
        assert answers_on(html) == {str(learner.pk): "agreed", str(co_owner.pk): "asked"}
    signed_in(co_owner).post(names_url(card), {"answer": "decline"})
    html = signed_in(learner).get(edit_url(card)).content.decode()
    assert answers_on(html) == {str(learner.pk): "agreed", str(co_owner.pk): "declined"}
    assert 'data-testid="agree-name"' not in html.split('data-testid="name-answers"')[1]
    assert 'data-testid="withdraw-name"' in html


def test_ticking_asks_the_others_once_and_a_member_who_declined_is_not_asked_again(
    learner, co_owner, cohort, workshop, experiment, card
):
    client = signed_in(learner)
    save(client, card, show_names="on")
    assert name_requests(card, co_owner) == 1
    assert name_requests(card, learner) == 0
    assert NameConsent.objects.get(card=card, user=learner).answer == "agreed"
    save(client, card, show_names=None)
    save(client, card, show_names="on")
    assert name_requests(card, co_owner) == 1

    signed_in(co_owner).post(names_url(card), {"answer": "decline"})
    save(client, card, show_names=None)
    save(client, card, show_names="on")
    assert NameConsent.objects.get(card=card, user=co_owner).answer == "declined"
    assert name_requests(card, co_owner) == 1

    # A member who joins later is asked at the next save while the names are shown.
    matti = person(cohort, Membership.Role.LEARNER, "Loppi", first_name="Matti")
    ExperimentMember.objects.create(
        experiment=experiment, user=matti, cohort=cohort, workshop=workshop
    )
    save(client, card, summary="Uusi tiivistelmä.")
    assert name_requests(card, matti) == 1
    assert NameConsent.objects.get(card=card, user=matti).answer == "asked"


def test_the_approving_coordinator_sees_whose_names_will_be_public(
    learner, co_owner, card, hattula_coordinator
):
    save(signed_in(learner), card, show_names="on")
    signed_in(learner).post(
        reverse("portfolio:card_publish", args=[card.pk]), {"scope": "public", "consent": "on"}
    )
    page = signed_in(hattula_coordinator).get(reverse("portfolio:approval", args=[card.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    panel = html.split('data-testid="name-answers"')[1].split("</section>")[0]
    assert f'data-member="{learner.pk}" data-answer="agreed" data-shown="yes"' in panel
    assert f'data-member="{co_owner.pk}" data-answer="asked" data-shown="no"' in panel
    # Nothing to answer for anyone on the coordinator's page.
    assert 'data-testid="agree-name"' not in panel


def test_a_member_without_a_name_is_never_shown_by_their_email(learner, co_owner, card):
    User.objects.filter(pk=co_owner.pk).update(first_name="", last_name="")
    card = publish(card, Card.Scope.PUBLIC)
    Card.objects.filter(pk=card.pk).update(show_names=True)
    services.card_name_answer(card=card, member=co_owner, agree=True)
    html = public_page(card)
    assert "kaisa@example.fi" not in html
    assert "Janakkala" in heading(html)


# --- who may answer ----------------------------------------------------------------------------


def test_only_the_member_answers_for_their_own_name(
    learner, co_owner, other_learner, hattula_coordinator, card
):
    save(signed_in(learner), card, show_names="on")
    url = names_url(card)
    # Nobody outside the team reaches the page, nor answers on it.
    for outsider in (other_learner, hattula_coordinator):
        outside = signed_in(outsider)
        assert outside.get(url).status_code == 404
        assert outside.post(url, {"answer": "agree"}).status_code == 404
    response = Client().post(url, {"answer": "agree"})
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert not NameConsent.objects.filter(card=card, user=other_learner).exists()

    # Oona cannot answer for Kaisa: whatever the form carries, the answer is her own.
    oona = signed_in(learner)
    response = oona.post(url, {"answer": "decline", "user": co_owner.pk, "member": co_owner.pk})
    assert response.status_code == 302
    answers = dict(NameConsent.objects.filter(card=card).values_list("user_id", "answer"))
    assert answers == {learner.pk: "declined", co_owner.pk: "asked"}

    # A GET answers nothing; a bad answer is refused with the form again.
    kaisa = signed_in(co_owner)
    assert kaisa.get(url, {"answer": "agree"}).status_code == 200
    response = kaisa.post(url, {"answer": "kyllä"})
    assert response.status_code == 400
    assert 'data-testid="name-answer-error"' in response.content.decode()
    assert NameConsent.objects.get(card=card, user=co_owner).answer == "asked"
    assert KAISA not in signed_in(other_learner).get(card_url(card)).content.decode()


# --- the decision emails ---------------------------------------------------------------------


def _fi(msgid: str, **values: str) -> str:
    with translation.override("fi"):
        return translation.gettext(msgid) % values


def test_the_decision_emails_tell_changes_to_a_public_card_from_a_first_publication(
    learner, card, hattula_coordinator
):
    title = card.title
    first_time = _fi(
        'A coordinator approved your card "%(title)s": it is now public in Osaamisväylä.',
        title=title,
    )
    kept_visibility = _fi(
        'A coordinator did not approve your card "%(title)s" for the public. It keeps its '
        "earlier visibility.",
        title=title,
    )
    is_public = _fi('"%(title)s" is now public', title=title)
    signed_in(learner).post(
        reverse("portfolio:card_publish", args=[card.pk]), {"scope": "public", "consent": "on"}
    )
    approve(hattula_coordinator, card)
    told = Notification.objects.get(recipient=learner, key__startswith="portfolio-approved-")
    assert first_time in told.body
    assert first_time in told.html_body

    # Changes to the public card: approved, then declined; neither says it just went public.
    save(signed_in(learner), card, tried="Uusi kuvaus kokeilusta.")
    approve(hattula_coordinator, card)
    told = Notification.objects.filter(
        recipient=learner, key__startswith="portfolio-approved-"
    ).latest("pk")
    assert first_time not in told.body
    assert first_time not in told.html_body
    assert is_public not in told.subject

    save(signed_in(learner), card, tried="Vielä uudempi kuvaus.")
    reason = "Tekstissä näkyy asukkaan nimi."
    response = signed_in(hattula_coordinator).post(
        reverse("portfolio:approval", args=[card.pk]), {"decision": "reject", "reason": reason}
    )
    assert response.status_code == 302
    told = Notification.objects.get(recipient=learner, key__startswith="portfolio-rejected-")
    assert reason in told.body
    assert reason in told.html_body
    assert kept_visibility not in told.body
    assert kept_visibility not in told.html_body


# --- query budgets ---------------------------------------------------------------------------


def test_the_names_are_read_in_a_fixed_number_of_queries_however_big_the_team(
    cohort,
    workshop,
    learner,
    co_owner,
    other_learner,
    experiment,
    card,
    django_assert_num_queries,
):
    card = publish(card, Card.Scope.PUBLIC)
    Card.objects.filter(pk=card.pk).update(show_names=True)
    services.card_name_answer(card=card, member=learner, agree=True)
    # Every page: the card (1), the team with their towns and the names' answers (2), the
    # card's themes (read once for the page and the similar box) and impact plan (2), the
    # similar box finding none: the words on most cards, the ranking (2); the adaptations and
    # the cards this one adapted (3). (40 allowed before, then as many as with a team of two;
    # one more on each page while the similar box read the themes again.)
    urls = [
        # + no session; the towns come with the team's names. (12 while the public page read
        # the team a second time for the towns.)
        (Client(), reverse("portfolio:public_card", args=[card.pk]), 10),
        # + the session and the person with the navigation (2); whether the learner moderates
        # the card (1); the thread (1); the learner's experiments that could adapt it (1).
        (signed_in(other_learner), card_url(card), 15),
        # The team's own: as the other learner's but nothing to moderate nor adapt (-2).
        (signed_in(learner), card_url(card), 13),
    ]
    for viewer, url, budget in urls:
        viewer.get(url)
        with django_assert_num_queries(budget):
            viewer.get(url)
    for town in ("Loppi", "Riihimäki"):
        member = person(cohort, Membership.Role.LEARNER, town)
        ExperimentMember.objects.create(
            experiment=experiment, user=member, cohort=cohort, workshop=workshop
        )
        services.card_name_answer(card=card, member=member, agree=True)
    for viewer, url, budget in urls:
        with django_assert_num_queries(budget):
            html = viewer.get(url).content.decode()
        assert len(shown_names(html)) == 3
