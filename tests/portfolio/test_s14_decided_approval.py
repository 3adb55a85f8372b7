"""A coordinator who follows an approval request's link after the card was decided (by a
colleague, or in another tab) is told who decided it and when, on the approval list; before,
the link answered 404 (session 14). Anyone who could not approve the card still gets 404."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from learners.models import Membership
from portfolio import services
from portfolio.models import Card
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_coordinators(learner, other_cohort):
    """Two coordinators of the learner's own municipality."""
    people = []
    for email, first in (("kaija@example.fi", "Kaija"), ("pertti@example.fi", "Pertti")):
        user = factories.UserFactory(email=email, first_name=first, last_name="Koordinaattori")
        user.organisation = learner.organisation
        user.save()
        factories.MembershipFactory(
            cohort=other_cohort, user=user, role=Membership.Role.COORDINATOR
        )
        people.append(user)
    return people


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _asked(client, card):
    return client.post(
        reverse("portfolio:card_publish", args=[card.pk]), {"scope": "public", "consent": "on"}
    )


def _follow(user, card):
    response = _signed_in(user).get(reverse("portfolio:approval", args=[card.pk]), follow=True)
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    return response, notes


def test_a_late_link_says_who_approved_the_card(learner, card, two_coordinators):
    kaija, pertti = two_coordinators
    _asked(_signed_in(learner), card)
    _signed_in(kaija).post(reverse("portfolio:approval", args=[card.pk]), {"decision": "approve"})
    response, notes = _follow(pertti, card)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("portfolio:approvals")
    assert len(notes) == 1
    assert "Kaija Koordinaattori" in notes[0]
    assert "julkinen" in notes[0]
    # Nothing changed by following it.
    card.refresh_from_db()
    assert card.public_status == Card.PublicStatus.APPROVED


def test_a_late_link_says_who_declined_and_a_withdrawn_request(learner, card, two_coordinators):
    kaija, pertti = two_coordinators
    _asked(_signed_in(learner), card)
    services.card_reject(card=card, by=kaija, reason="Kuvassa näkyy asukkaan nimi.")
    _response, notes = _follow(pertti, card)
    assert "Kaija Koordinaattori" in notes[0]
    assert "hylkäsi" in notes[0]

    _asked(_signed_in(learner), card)
    services.card_withdraw(card=card, by=learner)
    _response, notes = _follow(pertti, card)
    assert "perui" in notes[0]


def test_someone_who_could_not_approve_it_still_gets_404(
    learner, other_learner, coordinator, card, two_coordinators
):
    kaija, _pertti = two_coordinators
    _asked(_signed_in(learner), card)
    services.card_approve(card=card, by=kaija)
    # The cohort's coordinator from another municipality, a learner, the card's own owner.
    for person in (coordinator, other_learner, learner):
        page = _signed_in(person).get(reverse("portfolio:approval", args=[card.pk]))
        assert page.status_code == 404
