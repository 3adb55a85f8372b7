"""Paikannimet suomeksi ja ruotsiksi haussa (core.search.places).

Ruotsinkielinen käyttäjä hakee "Vanda", "Helsingfors" tai "Tavastehus" ja löytää kortit, joissa
lukee "Vantaan", "Helsingin" tai "Hämeenlinnassa"; suomenkielinen "Tammerfors" löytää Tampereen.
Nimi löytää toisen kielisen nimen myös taivutettuna ja ilman ä-, ö- ja å-kirjaimia. Paikannimi
haetaan kokonaisena sanana: "vanda" ei löydä vandalismia, eikä ruotsin "vanda" muutu verbiksi
"vänja". Testit ajetaan sekä SQLitellä että PostgreSQL:llä (DATABASE_URL).
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from core.models import Organisation
from courses.models import Item
from courses.search import item_index
from learners.models import Membership
from portfolio import services
from portfolio.models import Card
from tests import factories
from tests.portfolio.conftest import make_experiment, publish

pytestmark = pytest.mark.django_db

CARDS = {
    "asemanseutu": dict(
        title="Vantaan asemanseutu",
        town="Keravan kaupunki",
        themes=["mobility"],
        summary="Liityntäpysäköinti ja kävelyreitit aseman ympärille.",
    ),
    "kirjastot": dict(
        title="Kesäkirjastot",
        town="Nokian kaupunki",
        themes=["know-how"],
        summary="Helsingin kirjastojen malli tuotiin pieneen kuntaan.",
    ),
    "palveluopas": dict(
        title="Palveluopas mökkiläisille",
        town="Tampereen kaupunki",
        themes=["multi-locality"],
        summary="Opas vapaa-ajan asukkaille.",
    ),
    "asukkaat": dict(
        title="Kyselyraati",
        town="Akaan kaupunki",
        themes=["networks"],
        summary="Kysyimme tamperelaisilta ja Hämeenlinnantien varren asukkailta.",
    ),
    "vandalismi": dict(
        title="Vandalismin ehkäisy pysäkeillä",
        town="Pirkkalan kunta",
        themes=["mobility"],
        summary="Valaistus ja kamerat vähensivät ilkivaltaa.",
    ),
    "inkoo": dict(
        title="Saariston kyytipalvelu",
        town="Inkoon kunta",
        themes=["mobility"],
        summary="Veneellä ja kimppakyydillä mantereelle.",
    ),
}


@pytest.fixture
def cards(cohort, assignment):
    made = {}
    for key, data in CARDS.items():
        data = dict(data)
        town = Organisation.objects.create(name=data.pop("town"))
        owner = factories.UserFactory(organisation=town)
        factories.MembershipFactory(cohort=cohort, user=owner, role=Membership.Role.LEARNER)
        experiment = make_experiment(
            owner=owner,
            cohort=cohort,
            workshop=assignment.workshop,
            title=data["title"],
            themes=data.pop("themes"),
        )
        card = services.card_create(experiment=experiment)
        card = services.card_update(card=card, by=owner, data=data)
        made[key] = publish(card, Card.Scope.PUBLIC)
    return made


def gallery(client, cards, query, *, language="sv"):
    """The signed-out public gallery (Osaamisväylä) in `language`: the cards found."""
    client.cookies["alueagentti_language"] = language
    response = client.get(reverse("portfolio:public_gallery"), {"q": query})
    assert response.status_code == 200
    by_pk = {card.pk: key for key, card in cards.items()}
    return {by_pk[card.pk] for card in response.context["page"].object_list}


# (query, interface language, the cards a person expects)
QUERIES = [
    # Swedish names find the Finnish text, inflected either side.
    ("Vanda", "sv", {"asemanseutu"}),
    ("vanda", "sv", {"asemanseutu"}),
    ("Vandas", "sv", {"asemanseutu"}),
    ("VANDA", "fi", {"asemanseutu"}),
    ("Helsingfors", "sv", {"kirjastot"}),
    ("Helsingfors", "fi", {"kirjastot"}),
    ("Tammerfors", "fi", {"palveluopas", "asukkaat"}),
    ("Tammerfors", "sv", {"palveluopas", "asukkaat"}),
    ("Tavastehus", "sv", {"asukkaat"}),
    # The card's municipality by its Swedish name (the organisation is "Keravan kaupunki").
    ("Kervo", "sv", {"asemanseutu"}),
    ("Ingå", "sv", {"inkoo"}),
    # Finnish forms find each other as before, and the Finnish name the Swedish text.
    ("Vantaalla", "fi", {"asemanseutu"}),
    ("vantaa", "fi", {"asemanseutu"}),
    ("Helsingissä", "fi", {"kirjastot"}),
    ("Tampere", "fi", {"palveluopas", "asukkaat"}),  # "tamperelaisilta" is a resident
    ("Hämeenlinna", "fi", {"asukkaat"}),  # "Hämeenlinnantien": a road named after it
    # Without ä, ö and å.
    ("hameenlinnassa", "fi", {"asukkaat"}),
    ("Inga", "sv", set()),  # the Swedish word "inga" (none), not Ingå
    # Half-typed, a name still finds by its start; typed whole, only the place.
    ("Tammer", "sv", {"palveluopas", "asukkaat"}),
    ("Vand", "sv", {"asemanseutu", "vandalismi"}),
    ("vandalismi", "fi", {"vandalismi"}),
]


def test_paikannimien_hakutaulukko(client, cards):
    """Every row is checked and all misses are reported at once."""
    misses = [
        (query, language, expected, got)
        for query, language, expected in QUERIES
        if (got := gallery(client, cards, query, language=language)) != expected
    ]
    assert misses == []


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_vanda_ei_loyda_sanoja_jotka_vain_alkavat_silla(client, cards, language):
    assert gallery(client, cards, "vanda", language=language) == {"asemanseutu"}
    assert gallery(client, cards, "Akaa", language=language) == {"asukkaat"}


@pytest.fixture
def quiet_course(course):
    Item.objects.filter(module__course=course).update(body="<p>Muuta sisältöä.</p>")
    item_index(
        item_ids=list(Item.objects.filter(module__course=course).values_list("pk", flat=True))
    )
    return course


def course_search(client, course, query, *, language):
    client.cookies["alueagentti_language"] = language
    response = client.get(reverse("courses:search", args=[course.pk]), {"q": query})
    assert response.status_code == 200
    return [item.pk for item in response.context["results"]]


def test_kurssihaku_kummallakin_nimella_eika_ruotsin_sanaa_vaannetä(
    client_for, learner, quiet_course
):
    """Ruotsinkielinen teksti "Tammerfors" löytyy suomeksi "Tampereella"; ruotsin "vanda"
    ei löydä tekstiä, jossa on verbi "vänja" (johon sanakirja ennen taivutti sen)."""
    module = quiet_course.modules.order_by("position").first()
    tampere = factories.ItemFactory(
        module=module,
        title="Matkaketjut",
        body="<p>Kokeilu kesti kuusi viikkoa.</p>",
        title_sv="Resekedjor",
        body_sv="<p>Försöket i Tammerfors pågick i sex veckor.</p>",
    )
    habit = factories.ItemFactory(
        module=module,
        title="Tottumukset",
        body="<p>Uuteen tapaan totutaan hitaasti.</p>",
        title_sv="Vanor",
        body_sv="<p>Det tar tid att vänja sig vid ett nytt sätt att resa.</p>",
    )
    client = client_for(learner)
    assert course_search(client, quiet_course, "Tampereella", language="fi") == [tampere.pk]
    assert course_search(client, quiet_course, "Tampere", language="sv") == [tampere.pk]
    assert course_search(client, quiet_course, "vänja", language="sv") == [habit.pk]
    assert course_search(client, quiet_course, "Vanda", language="sv") == []


def test_migrate_rakentaa_ilman_paikannimia_rakennetun_hakemiston_uudelleen(
    client, cards, monkeypatch
):
    """Kuten päivityksessä: edellisellä versiolla rakennettu hakemisto ei tunne ruotsinkielisiä
    nimiä; `migrate` rakentaa sen uudelleen, ja "Vanda" löytää kortin."""
    from core.search import analysers, places
    from portfolio.search import CARD_INDEX

    with monkeypatch.context() as patched:
        patched.setattr(places, "mentioned", lambda word, lemmas: None)
        CARD_INDEX.index([card.pk for card in cards.values()])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_search_built SET build = %s", ["2:simplemma"])
    assert gallery(client, cards, "Vanda") == set()

    call_command("migrate", verbosity=0)

    assert gallery(client, cards, "Vanda") == {"asemanseutu"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT build FROM core_search_built WHERE label = 'portfolio.Card'")
        assert cursor.fetchone()[0] == f"{analysers.ANALYSIS_VERSION}:simplemma"
