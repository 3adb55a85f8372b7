"""Osaamisväylä's search understands Finnish: the same table of queries and the cards a
person expects passes on SQLite (the embedded default) and on PostgreSQL.

Inflections meet their base form (nuorten, nuorille, nuoret), a theme's own word finds the
cards of that theme, compound words are found by their parts (kimppakyyti, Kimppakyydit,
kyyti), municipalities by their names in any case, and a half-typed word by its start.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from core.models import Organisation
from learners.models import Membership
from portfolio import services
from portfolio.models import Card
from tests import factories
from tests.portfolio.conftest import make_experiment, publish, theme
from workshops import services as workshop_services

pytestmark = pytest.mark.django_db

CARDS = {
    "kimppakyydit": dict(
        title="Kimppakyydit kylistä asemalle",
        town="Hämeenlinnan kaupunki",
        themes=["mobility"],
        summary="Naapurit jakavat kyydit rautatieasemalle sovelluksella.",
        need="Kylien nuoret eivät pääse iltaisin harrastuksiin.",
    ),
    "palveluopas": dict(
        title="Palveluopas mökkiläisille",
        town="Tampereen kaupunki",
        themes=["multi-locality"],
        summary="Kahden kunnan yhteinen opas vapaa-ajan asukkaille.",
        tried="Kokosimme palvelut yhdelle sivulle ja kysyimme palautetta kesällä.",
    ),
    "aamu": dict(
        title="Yritysten verkostoaamu",
        town="Seinäjoen kaupunki",
        themes=["networks"],
        summary="Yritykset ja oppilaitokset tapaavat neljännesvuosittain.",
        need="Kesätöitä nuorille löytyy vain tuttujen kautta.",
    ),
    "etatyo": dict(
        title="Etätyöpisteet kirjastoihin",
        town="Riihimäen kaupunki",
        themes=["multi-locality", "know-how"],
        summary="Kirjaston hiljainen huone etätyöläisille.",
        results="Käyttöaste nousi kolmessa kuukaudessa puoleen.",
    ),
}

# (query, the cards a person expects to find)
FINNISH_QUERIES = [
    # Inflections of one word meet each other.
    ("nuorten", {"kimppakyydit", "aamu"}),
    ("nuorille", {"kimppakyydit", "aamu"}),
    ("nuoret", {"kimppakyydit", "aamu"}),
    ("nuori", {"kimppakyydit", "aamu"}),
    # The theme's own word, in any inflection, though the card's text never says it.
    ("liikkuminen", {"kimppakyydit"}),
    ("liikkumisen", {"kimppakyydit"}),
    ("matkaketjuja", {"kimppakyydit"}),
    ("monipaikkaisuus", {"palveluopas", "etatyo"}),
    ("monipaikkaisuudesta", {"palveluopas", "etatyo"}),
    ("verkostot", {"aamu"}),
    ("osaaminen", {"etatyo"}),
    # The theme's name in the site's other languages.
    ("mobility", {"kimppakyydit"}),
    ("resekedjor", {"kimppakyydit"}),
    # Compounds: the whole in another form, and its parts.
    ("kimppakyyti", {"kimppakyydit"}),
    ("Kimppakyydit", {"kimppakyydit"}),
    ("kimppakyydeillä", {"kimppakyydit"}),
    ("kyyti", {"kimppakyydit"}),
    ("kyytejä", {"kimppakyydit"}),
    ("rautatieasema", {"kimppakyydit"}),
    ("asemalle", {"kimppakyydit"}),
    ("etätyöpiste", {"etatyo"}),
    ("etätyö", {"etatyo"}),
    ("kirjastossa", {"etatyo"}),
    ("verkosto", {"aamu"}),
    # Municipalities by their names, inflected.
    ("Hämeenlinna", {"kimppakyydit"}),
    ("hämeenlinnassa", {"kimppakyydit"}),
    ("Tampereella", {"palveluopas"}),
    ("Seinäjoella", {"aamu"}),
    ("Riihimäki", {"etatyo"}),
    # Every field counts: summary, what was tried, results.
    ("sovelluksella", {"kimppakyydit"}),
    ("palautetta", {"palveluopas"}),
    ("käyttöaste", {"etatyo"}),
    # Every word must match; common small words do not count.
    ("nuorten kyydit", {"kimppakyydit"}),
    ("nuoret ja kesätyöt", {"aamu"}),
    ("kyyti Tampere", set()),
    # A half-typed word finds by its start.
    ("kimppa", {"kimppakyydit"}),
    ("hämeenlin", {"kimppakyydit"}),
    ("etätyöpis", {"etatyo"}),
    # Nothing to search for finds nothing, never an error.
    ("xyzzyq", set()),
    ("!!!", set()),
]


@pytest.fixture
def cards(cohort, workshop):
    """The four cards, each published to the network by a learner of its municipality."""
    made = {}
    for key, data in CARDS.items():
        data = dict(data)
        town = Organisation.objects.create(name=data.pop("town"))
        owner = factories.UserFactory(organisation=town)
        factories.MembershipFactory(cohort=cohort, user=owner, role=Membership.Role.LEARNER)
        experiment = make_experiment(
            owner=owner,
            cohort=cohort,
            workshop=workshop,
            title=data["title"],
            themes=data.pop("themes"),
        )
        card = services.card_create(experiment=experiment)
        card = services.card_update(card=card, by=owner, data=data)
        made[key] = publish(card, Card.Scope.NETWORK)
    return made


def found(client, cards, query):
    response = client.get(reverse("portfolio:gallery"), {"q": query})
    assert response.status_code == 200
    by_pk = {card.pk: key for key, card in cards.items()}
    return {by_pk[card.pk] for card in response.context["page"].object_list}


def test_the_finnish_query_table(client_for, learner, cards):
    """One request per query; every row is checked and all misses are reported at once."""
    client = client_for(learner)
    misses = [
        (query, expected, got)
        for query, expected in FINNISH_QUERIES
        if (got := found(client, cards, query)) != expected
    ]
    assert misses == []


def test_the_title_ranks_first_when_sorted_by_relevance(client_for, learner, cards):
    # "verkosto": the title of "aamu" (verkostoaamu) and, once added, the text of another.
    services.card_update(
        card=cards["palveluopas"],
        by=cards["palveluopas"].experiment.created_by,
        data={"title": cards["palveluopas"].title, "lessons": "Verkosto kantoi yli kesän."},
    )
    response = client_for(learner).get(
        reverse("portfolio:gallery"), {"q": "verkostoa", "sort": "relevance"}
    )
    keys = {card.pk: key for key, card in cards.items()}
    assert [keys[c.pk] for c in response.context["page"].object_list] == ["aamu", "palveluopas"]


def test_an_edit_is_searchable_at_once_and_the_old_words_are_gone(client_for, learner, cards):
    card = cards["palveluopas"]
    client = client_for(learner)
    assert found(client, cards, "sähköpyörä") == set()
    services.card_update(
        card=card,
        by=card.experiment.created_by,
        data={"title": card.title, "tried": "Lainasimme sähköpyöriä mökkiläisille."},
    )
    assert found(client, cards, "sähköpyörä") == {"palveluopas"}
    assert found(client, cards, "palautetta") == set()


def test_changing_an_experiments_themes_changes_what_finds_its_card(client_for, learner, cards):
    card = cards["aamu"]
    client = client_for(learner)
    assert found(client, cards, "liikkuminen") == {"kimppakyydit"}
    experiment = card.experiment
    workshop_services.experiment_update(
        experiment=experiment,
        title=experiment.title,
        organisation=experiment.organisation,
        themes=[theme("mobility")],
        challenge=experiment.challenge,
        target_group=experiment.target_group,
    )
    assert found(client, cards, "liikkuminen") == {"kimppakyydit", "aamu"}
    assert found(client, cards, "verkostot") == {"aamu"}  # still in its title (verkostoaamu)
    assert found(client, cards, "verkostoja") == {"aamu"}


def test_search_keeps_each_cards_scope(client_for, learner, outsider_learner, cards):
    """A private card is found by nobody but its team; a cohort card only in its cohort."""
    kimppa, opas = cards["kimppakyydit"], cards["palveluopas"]
    services.card_withdraw(card=kimppa, by=kimppa.experiment.created_by)
    publish(opas, Card.Scope.COHORT)
    assert found(client_for(learner), cards, "kyyti") == set()
    assert found(client_for(kimppa.experiment.created_by), cards, "kyyti") == set()  # gallery
    assert found(client_for(learner), cards, "mökkiläisille") == {"palveluopas"}
    assert found(client_for(outsider_learner), cards, "mökkiläisille") == set()


def test_the_public_gallery_searches_public_cards_only(client, cards):
    publish(cards["etatyo"], Card.Scope.PUBLIC)
    response = client.get(reverse("portfolio:public_gallery"), {"q": "monipaikkaisuus"})
    assert response.status_code == 200
    assert [c.pk for c in response.context["page"].object_list] == [cards["etatyo"].pk]


def test_a_deleted_card_leaves_the_index(client_for, learner, cards):
    card = cards["etatyo"]
    card.experiment.delete()
    assert found(client_for(learner), cards, "etätyö") == set()


def test_a_too_long_search_says_so_with_400_and_lists_nothing(client_for, learner, cards):
    with translation.override("en"):
        response = client_for(learner).get(
            reverse("portfolio:gallery"), {"q": "kyyti " * 40}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 400
    assert list(response.context["page"].object_list) == []
    assert b'data-testid="search-error"' in response.content
    assert b'aria-invalid="true"' in response.content


def test_the_gallery_search_needs_signing_in(client, cards):
    response = client.get(reverse("portfolio:gallery"), {"q": "kyyti"})
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("extra", [10, 200])
def test_a_finnish_search_costs_the_same_queries_for_few_or_many_cards(
    client_for, learner, cohort, workshop, cards, extra, django_assert_num_queries
):
    from tests.portfolio.conftest import bulk_cards

    bulk_cards(n=extra, cohort=cohort, workshop=workshop, owner=learner, word="kyytejä")
    client = client_for(learner)
    url = reverse("portfolio:gallery")
    client.get(url, {"q": "kimppakyydit"})
    # The session, the person with the navigation's roles and unread badge (2); the facets
    # (2); the count and the page of cards ranked by the search (2); the page's themes and
    # teams with their towns (2). (9 allowed before.)
    with django_assert_num_queries(8):
        response = client.get(url, {"q": "nuorten kyytejä", "sort": "relevance"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1


def signed_in(user):
    """A browser session of its own for each person (client_for shares one client)."""
    client = Client()
    client.force_login(user)
    return client


def test_a_week_of_osaamisvayla_through_the_pages(
    learner, co_owner, other_learner, outsider_learner, experiment, card
):
    """Monday the team edits its card, Tuesday publishes it to the cohort, Wednesday to the
    network, Thursday changes the experiment's themes, Friday withdraws it; each day other
    learners search for it as they would, and find it exactly when they should."""
    owner, colleague = signed_in(learner), signed_in(other_learner)
    stranger = signed_in(outsider_learner)
    gallery = reverse("portfolio:gallery")

    def finds(client, query):
        response = client.get(gallery, {"q": query})
        assert response.status_code == 200
        return card.pk in {c.pk for c in response.context["page"].object_list}

    # Monday: the team writes the card (private: nobody else finds it).
    fields = {name: getattr(card, name) for name in services.EDITABLE_FIELDS}
    fields.update(
        title="Kimppakyydit asemalle",
        results="Nuoret käyttivät kyytejä iltaisin harrastuksiin.",
        outcome=Card.Outcome.SCALE,
        show_names="",
    )
    response = owner.post(reverse("portfolio:card_edit", args=[card.pk]), fields)
    assert response.status_code == 302
    assert not finds(colleague, "nuorten kimppakyydit")

    # Tuesday: shown to the cohort; the colleague finds it by inflected words, the learner of
    # another cohort does not.
    response = owner.post(
        reverse("portfolio:card_publish", args=[card.pk]), {"scope": Card.Scope.COHORT}
    )
    assert response.status_code == 302
    assert finds(colleague, "nuorten kimppakyydit")
    assert finds(colleague, "harrastuksiin")
    assert not finds(stranger, "kimppakyyti")

    # Wednesday: the network; now the stranger finds it too, by a compound part.
    owner.post(reverse("portfolio:card_publish", args=[card.pk]), {"scope": Card.Scope.NETWORK})
    assert finds(stranger, "kyyti")
    assert finds(stranger, "liikkumisen")  # the mobility theme's own word

    # Thursday: the team changes the themes; the card is found by the new theme's word only.
    experiment.refresh_from_db()
    response = signed_in(co_owner).post(
        reverse("workshops:experiment_edit", args=[experiment.pk]),
        {
            "title": experiment.title,
            "organisation": experiment.organisation,
            "themes": [theme("networks").pk],
            "challenge": experiment.challenge,
            "target_group": experiment.target_group,
        },
    )
    assert response.status_code == 302
    assert finds(stranger, "verkostot")
    assert not finds(stranger, "liikkumisen")

    # Friday: withdrawn; nobody finds it any more, not even by its title.
    owner.post(reverse("portfolio:card_withdraw", args=[card.pk]))
    assert not finds(colleague, "kimppakyydit")
    assert not finds(stranger, "kimppakyydit")
