"""The demo has published cards across municipalities and themes, one card waiting for public
approval and one adaptation link; loading it twice changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from core.models import User
from portfolio.models import Adaptation, Card, CardMessage

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_gallery_and_the_approval_queue(demo_data, client):
    published = Card.objects.exclude(scope=Card.Scope.PRIVATE)
    assert published.values("organisation").distinct().count() >= 6
    themes = set(published.values_list("experiment__themes__code", flat=True))
    assert {"mobility", "multi-locality", "impact", "networks"} <= themes
    pending = Card.objects.get(public_status=Card.PublicStatus.PENDING)
    assert pending.scope == Card.Scope.NETWORK
    assert Adaptation.objects.count() == 1
    counts = (Card.objects.count(), Adaptation.objects.count(), CardMessage.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (
        Card.objects.count(),
        Adaptation.objects.count(),
        CardMessage.objects.count(),
    ) == counts

    # The coordinator finds the pending card in the queue; the public gallery has public cards.
    coordinator = User.objects.get(email="koordinaattori@demo.alueagentti.fi")
    client.force_login(coordinator)
    queue = client.get(reverse("portfolio:approvals"))
    assert [c.pk for c in queue.context["cards"]] == [pending.pk]
    public = Client().get(reverse("portfolio:public_gallery"))
    assert len(public.context["page"].object_list) == 4
    # The demo learner from Tampere finds the Vantaa card by searching.
    laura = User.objects.get(email="laura.virtanen@demo.alueagentti.fi")
    client.force_login(laura)
    found = client.get(reverse("portfolio:gallery"), {"q": "lipulla"})
    titles = {c.title for c in found.context["page"].object_list}
    assert "Työmatkaketju yhdellä lipulla" in titles
    # PostgreSQL's Finnish stemming also finds "liput" (the same word) in Janakkala's card.
    assert titles <= {"Työmatkaketju yhdellä lipulla", "Kutsuliikenne asemalle työmatkalaisille"}


def test_a_visitor_of_the_demo_public_card_sees_similar_experiments_elsewhere(demo_data):
    vantaa = Card.objects.get(title="Työmatkaketju yhdellä lipulla")

    page = Client().get(reverse("portfolio:public_card", args=[vantaa.pk]))

    similar = page.context["similar"]
    assert len(similar) >= 2
    assert all(c.scope == Card.Scope.PUBLIC for c in similar)
    assert vantaa.organisation_id not in {c.organisation_id for c in similar}
    assert "Kutsuliikenne asemalle työmatkalaisille" in page.content.decode()


def test_the_demo_public_cards_carry_an_owners_consent_and_a_coordinators_approval(demo_data):
    from portfolio.access import card_approvers
    from portfolio.selectors import card_owners

    public = Card.objects.filter(scope=Card.Scope.PUBLIC)
    assert public.count() == 4
    for card in public:
        assert card.public_status == Card.PublicStatus.APPROVED
        assert card.consent_at is not None
        assert card.requested_at is not None
        assert card.decided_at is not None
        assert card.consent_by in card_owners(card=card)
        assert card.decided_by in card_approvers(card)


def test_mikko_shows_a_reflection_he_chose_from_his_learning_journal_in_his_portfolio(
    demo_data, client
):
    mikko = User.objects.get(email="mikko.laine@demo.alueagentti.fi")
    client.force_login(mikko)

    page = client.get(reverse("portfolio:home"))

    portfolio = page.context["portfolio"]
    # One of his reflections is chosen, the others are offered to choose.
    assert len(portfolio.reflections) >= 2
    assert [r.item.title for r in portfolio.included_reflections] == ["Pohdinta: oma verkostoni"]
    assert page.content.decode().count('name="reflection"') == len(portfolio.reflections)
    pdf = client.get(reverse("portfolio:export"))
    if pdf["Content-Type"] == "application/pdf":  # WeasyPrint is installed
        import io

        from pypdf import PdfReader

        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "oma verkostoni" in text
        assert "verkoston johtaminen" not in text


def test_mikkos_card_shows_his_indicator_outcomes_as_finnish_numbers(demo_data, client):
    card = Card.objects.get(experiment__title__icontains="Yhteiskehittämisen aamut")
    client.force_login(User.objects.get(email="mikko.laine@demo.alueagentti.fi"))

    html = client.get(reverse("portfolio:card", args=[card.pk])).content.decode()
    outcomes = html[html.index('data-testid="indicator-outcomes"') :]

    assert "<td>15 hlö</td>" in outcomes
    assert "12 hlö" in outcomes
    assert ",00" not in outcomes
    pdf = client.get(reverse("portfolio:export"))
    if pdf["Content-Type"] == "application/pdf":  # WeasyPrint is installed
        import io

        from pypdf import PdfReader

        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "15 hlö" in text
        assert ",00" not in text
