"""Every publication scope against every kind of viewer, on every surface a card appears on:
its page, the gallery, search results, the similar-experiments box, the public gallery and
public page, the viewer's own portfolio and PDF export, and notifications."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from learners.models import Membership
from notifications.models import Notification
from portfolio import services
from portfolio.access import cards_visible_to
from portfolio.models import Card
from tests import factories
from tests.portfolio.conftest import make_experiment, publish

pytestmark = pytest.mark.django_db

VIEWERS = (
    "anonymous",
    "outsider_learner",
    "other_learner",
    "learner",
    "co_owner",
    "instructor",
    "coordinator",
)
# Who may see a card of each scope (the rule, written independently of the code).
AUDIENCE = {
    Card.Scope.PRIVATE: {"learner", "co_owner"},
    Card.Scope.COHORT: {"learner", "co_owner", "other_learner", "instructor", "coordinator"},
    Card.Scope.NETWORK: set(VIEWERS) - {"anonymous"},
    Card.Scope.PUBLIC: set(VIEWERS),
}


@pytest.fixture
def anchor(other_cohort, workshop):
    """A public card from another municipality sharing a theme, whose similar box may list
    the card under test."""
    owner = factories.UserFactory(email="anna@example.fi")
    factories.MembershipFactory(cohort=other_cohort, user=owner, role=Membership.Role.LEARNER)
    exp = make_experiment(
        owner=owner,
        cohort=other_cohort,
        workshop=workshop,
        title="Kyytiringit kylille",
        themes=["mobility"],
    )
    return publish(services.card_create(experiment=exp), Card.Scope.PUBLIC)


@pytest.fixture
def viewers(request, learner, co_owner, other_learner, outsider_learner, instructor, coordinator):
    return {
        "anonymous": None,
        "learner": learner,
        "co_owner": co_owner,
        "other_learner": other_learner,
        "outsider_learner": outsider_learner,
        "instructor": instructor,
        "coordinator": coordinator,
    }


def client_as(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def surfaces(client: Client, user, card: Card, anchor: Card) -> dict[str, bool]:
    """Where the card shows up for this person."""
    found = {}
    if user is None:
        page = client.get(reverse("portfolio:public_card", args=[card.pk]))
        found["page"] = page.status_code == 200
        gallery = client.get(reverse("portfolio:public_gallery"))
        found["gallery"] = card in gallery.context["page"].object_list
        search = client.get(reverse("portfolio:public_gallery"), {"q": "liityntäkyyti"})
        found["search"] = card in search.context["page"].object_list
        similar = client.get(reverse("portfolio:public_card", args=[anchor.pk]))
        found["similar"] = card in similar.context["similar"]
        return found
    page = client.get(reverse("portfolio:card", args=[card.pk]))
    assert page.status_code in (200, 404)
    found["page"] = page.status_code == 200
    gallery = client.get(reverse("portfolio:gallery"))
    found["gallery"] = card in gallery.context["page"].object_list
    search = client.get(reverse("portfolio:gallery"), {"q": "liityntäkyyti"})
    found["search"] = card in search.context["page"].object_list
    similar = client.get(reverse("portfolio:card", args=[anchor.pk]))
    found["similar"] = card in similar.context["similar"]
    public = client.get(reverse("portfolio:public_card", args=[card.pk]))
    found["public page"] = public.status_code == 200
    return found


@pytest.mark.parametrize("scope", list(Card.Scope))
@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_card_reaches_exactly_the_people_its_scope_names(scope, viewer, viewers, card, anchor):
    card = publish(card, scope)
    user = viewers[viewer]
    expected = viewer in AUDIENCE[scope]
    found = surfaces(client_as(user), user, card, anchor)
    # The owners' own private card is theirs to open, but a private card is never "published":
    # it stays out of the gallery, search and similar boxes even for them.
    listed = expected and scope != Card.Scope.PRIVATE
    assert found.pop("page") is expected, found
    if "public page" in found:
        assert found.pop("public page") is (scope == Card.Scope.PUBLIC)
    assert found == dict.fromkeys(found, listed), found
    assert cards_visible_to(user or AnonymousUser()).filter(pk=card.pk).exists() is expected


def test_the_superuser_gets_no_exception_for_a_private_card(card, superuser):
    assert client_as(superuser).get(reverse("portfolio:card", args=[card.pk])).status_code == 404


def test_the_portfolio_and_its_pdf_hold_only_the_persons_own_cards(
    card, other_learner, cohort, workshop, monkeypatch
):
    other = services.card_create(
        experiment=make_experiment(
            owner=other_learner, cohort=cohort, workshop=workshop, title="Ollin kokeilu"
        )
    )
    publish(card, Card.Scope.NETWORK)
    rendered = {}

    def fake_pdf(html):
        rendered["html"] = html
        return b"%PDF-1.7 fake"

    monkeypatch.setattr("portfolio.views.html_to_pdf", fake_pdf)
    client = client_as(other_learner)
    page = client.get(reverse("portfolio:home"))
    assert [c.pk for c in page.context["portfolio"].cards] == [other.pk]
    response = client.get(reverse("portfolio:export"))
    assert response.status_code == 200
    assert "Ollin kokeilu" in rendered["html"]
    assert card.title not in rendered["html"]


def test_an_owners_answer_never_notifies_someone_who_can_no_longer_see_the_card(
    card, learner, outsider_learner
):
    publish(card, Card.Scope.NETWORK)
    services.card_ask(card=card, author=outsider_learner, text="Miten kyydit tilattiin?")
    services.card_withdraw(card=card, by=learner)
    Card.objects.filter(pk=card.pk).update(scope=Card.Scope.COHORT)
    card.refresh_from_db()
    services.card_ask(card=card, author=learner, text="Puhelimella ja sovelluksella.")
    assert not Notification.objects.filter(recipient=outsider_learner).exists()


def test_nobody_outside_the_scope_can_ask_or_adapt(card, outsider_learner, client_for):
    publish(card, Card.Scope.COHORT)
    client = client_for(outsider_learner)
    assert (
        client.post(reverse("portfolio:card_ask", args=[card.pk]), {"text": "Hei"}).status_code
        == 404
    )
    assert client.post(reverse("portfolio:card_adapt", args=[card.pk]), {}).status_code == 404
    assert not card.messages.exists()


def test_the_municipality_filter_offers_no_name_from_a_card_outside_the_scope(
    card, other_learner, outsider_learner, client_for
):
    publish(card, Card.Scope.COHORT)
    town = card.organisation

    def offered(user):
        form = client_for(user).get(reverse("portfolio:gallery")).context["form"]
        return [label for _value, label in form.fields["organisation"].choices]

    assert town.name in offered(other_learner)
    assert town.name not in offered(outsider_learner)
