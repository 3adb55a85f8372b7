"""A coordinator's week with Osaamisväylä and its signed-out visitors (session 13).

- The coordinator approving a card for the public read its text but not the table of the
  impact plan's indicators, which the public page prints with it: what the public reads was
  not all checked.
- A search in the gallery lists the cards by best match, but the sort field said "Most
  recent"; pressing "Search" again with the form as shown reordered the list.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import Organisation, User
from impact import services as impact_services
from learners.models import Membership
from portfolio import services
from portfolio.models import Card
from tests import factories
from tests.portfolio.conftest import make_experiment, publish

pytestmark = pytest.mark.django_db

INDICATOR = "Junalla asemalle kulkevat kyläläiset"


def person(cohort, role, town: str, **fields) -> User:
    organisation, _created = Organisation.objects.get_or_create(name=town)
    user = factories.UserFactory(organisation=organisation, **fields)
    factories.MembershipFactory(cohort=cohort, user=user, role=role)
    return user


@pytest.fixture
def learner(cohort):
    return person(
        cohort, Membership.Role.LEARNER, "Hattula", email="oona@example.fi", first_name="Oona"
    )


@pytest.fixture
def hattula_coordinator(other_cohort):
    return person(other_cohort, Membership.Role.COORDINATOR, "Hattula", email="hk@example.fi")


@pytest.fixture
def waiting(card, learner):
    """Oona's card with an indicator in its impact plan, waiting for a coordinator."""
    impact_services.indicator_save(
        experiment=card.experiment,
        name=INDICATOR,
        unit="hlö/vk",
        baseline=Decimal("10"),
        target=Decimal("30"),
    )
    return services.card_publish(card=card, by=learner, scope=Card.Scope.PUBLIC, consent=True)


def test_the_approving_coordinator_sees_the_indicators_the_public_page_will_show(
    client_for, waiting, hattula_coordinator
):
    client = client_for(hattula_coordinator)
    page = client.get(reverse("portfolio:approval", args=[waiting.pk]))

    assert page.status_code == 200
    assert 'data-testid="indicator-outcomes"' in page.content.decode()
    assert INDICATOR in page.content.decode()

    # What was checked is what the public reads.
    client.post(
        reverse("portfolio:approval", args=[waiting.pk]),
        {"decision": "approve", "seen": page.context["seen"]},
    )
    public = Client().get(reverse("portfolio:public_card", args=[waiting.pk]))
    assert public.status_code == 200
    assert INDICATOR in public.content.decode()


def _selected_sort(html: str) -> str:
    select = html.split('name="sort"')[1].split("</select>")[0]
    found = re.findall(r'<option value="(\w*)" selected>', select)
    assert len(found) == 1, select
    return found[0]


def _titles(response) -> list[str]:
    assert response.status_code == 200
    return [card.title for card in response.context["page"].object_list]


def test_the_sort_field_shows_the_order_a_search_is_listed_in(
    learner, other_learner, cohort, workshop
):
    # "Kyläbussi" in one card's title (the best match) and only in the text of a newer one.
    older = services.card_create(
        experiment=make_experiment(
            owner=learner, cohort=cohort, workshop=workshop, title="Kyläbussi asemalle"
        )
    )
    newer = services.card_create(
        experiment=make_experiment(
            owner=other_learner, cohort=cohort, workshop=workshop, title="Iltakyydit nuorille"
        )
    )
    Card.objects.filter(pk=newer.pk).update(tried="Nuoret kulkivat kyläbussilla kirjastolle.")
    publish(older, Card.Scope.PUBLIC)
    publish(newer, Card.Scope.PUBLIC)
    Card.objects.filter(pk=older.pk).update(published_at=timezone.now() - timedelta(days=1))
    gallery = reverse("portfolio:public_gallery")

    searched = Client().get(gallery, {"q": "kyläbussi"})
    assert _titles(searched) == ["Kyläbussi asemalle", "Iltakyydit nuorille"]
    assert _selected_sort(searched.content.decode()) == "relevance"

    # The form sent again as it is shown keeps the order.
    again = Client().get(
        gallery, {"q": "kyläbussi", "sort": _selected_sort(searched.content.decode())}
    )
    assert _titles(again) == _titles(searched)

    # Choosing the most recent shows it chosen; without a search the list is the most recent.
    recent = Client().get(gallery, {"q": "kyläbussi", "sort": "recent"})
    assert _titles(recent) == ["Iltakyydit nuorille", "Kyläbussi asemalle"]
    assert _selected_sort(recent.content.decode()) == "recent"
    unsearched = Client().get(gallery, {"sort": "relevance"})
    assert _titles(unsearched) == ["Iltakyydit nuorille", "Kyläbussi asemalle"]
    assert _selected_sort(unsearched.content.decode()) == "recent"
