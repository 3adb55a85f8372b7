"""`python -m tests.bench_search`: Osaamisväylä's Finnish search at network scale.

Builds a throwaway test database (SQLite by default, PostgreSQL when DATABASE_URL says so)
with `BENCH_CARDS` (default 20,000) published cards of varied Finnish text, themes and
municipalities, analyses them all for search (timed), then reports the median time and the
query count of gallery searches and of a card page with its similar experiments. Timings live
here, never in the test suite.
"""

import os
import random
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

CARDS = int(os.environ.get("BENCH_CARDS", "20000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))

TOWNS = [
    "Hämeenlinnan kaupunki",
    "Tampereen kaupunki",
    "Seinäjoen kaupunki",
    "Riihimäen kaupunki",
    "Lempäälän kunta",
    "Hattulan kunta",
    "Janakkalan kunta",
    "Valkeakosken kaupunki",
    "Akaan kaupunki",
    "Lahden kaupunki",
    "Kouvolan kaupunki",
    "Helsingin kaupunki",
]
SUBJECTS = [
    "Kylien nuoret",
    "Ikääntyvät asukkaat",
    "Mökkiläiset",
    "Yrittäjät",
    "Etätyöntekijät",
    "Kunnan kehittäjät",
    "Oppilaitosten opiskelijat",
    "Harrastusseurat",
]
PROBLEMS = [
    "eivät pääse iltaisin harrastuksiin",
    "eivät löydä tietoa kunnan palveluista",
    "tarvitsevat kyydin rautatieasemalle",
    "kaipaavat hiljaista työtilaa kirjastosta",
    "haluavat kokeilla yhteiskäyttöautoja",
    "eivät tunne naapurikunnan verkostoja",
]
TRIES = [
    "Kokeilimme kimppakyytejä sovelluksella kolmessa kylässä.",
    "Avasimme etätyöpisteen kirjastoon kahdeksi kuukaudeksi.",
    "Kokosimme palveluoppaan vapaa-ajan asukkaille.",
    "Järjestimme verkostoaamun yrityksille ja oppilaitoksille.",
    "Lainasimme sähköpyöriä asemalta kyliin.",
    "Mittasimme matkaketjujen toimivuutta kyselyllä.",
]


def build() -> dict[str, object]:
    from core.models import Organisation
    from learners.models import Membership
    from portfolio.models import Card
    from portfolio.search import CARD_INDEX
    from tests import factories
    from workshops import services as workshop_services
    from workshops.models import Experiment, Theme

    rng = random.Random(2026)  # noqa: S311 - reproducible test data, not security
    workshop_services.themes_ensure()
    themes = list(Theme.objects.order_by("pk"))
    course = factories.CourseFactory()
    cohort = factories.CohortFactory(course=course)
    workshop = factories.WorkshopFactory(course=course)
    towns = [Organisation.objects.get_or_create(name=name)[0] for name in TOWNS]
    viewer = factories.UserFactory(organisation=towns[0])
    factories.MembershipFactory(cohort=cohort, user=viewer, role=Membership.Role.LEARNER)
    owner = factories.UserFactory(organisation=towns[1])
    factories.MembershipFactory(cohort=cohort, user=owner, role=Membership.Role.LEARNER)
    now = timezone.now()
    experiments = Experiment.objects.bulk_create(
        Experiment(workshop=workshop, cohort=cohort, title=f"Kokeilu {i}", created_by=owner)
        for i in range(CARDS)
    )
    Experiment.themes.through.objects.bulk_create(
        Experiment.themes.through(experiment_id=e.pk, theme_id=rng.choice(themes).pk)
        for e in experiments
    )
    cards = Card.objects.bulk_create(
        Card(
            experiment=e,
            organisation=rng.choice(towns),
            title=f"{rng.choice(TRIES).split()[1].capitalize()} {rng.choice(SUBJECTS).lower()} {i}",
            summary=f"{rng.choice(SUBJECTS)} {rng.choice(PROBLEMS)}.",
            need=f"{rng.choice(SUBJECTS)} {rng.choice(PROBLEMS)}.",
            tried=" ".join(rng.sample(TRIES, 2)),
            results="Osallistujia oli enemmän kuin odotimme.",
            scope=Card.Scope.NETWORK,
            published_at=now,
        )
        for i, e in enumerate(experiments)
    )
    start = time.perf_counter()
    CARD_INDEX.index([c.pk for c in cards])
    indexed = time.perf_counter() - start
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE portfolio_card")
    return {"viewer": viewer, "card": cards[0], "indexed": indexed, "town": towns[0].pk}


def measure(client: Client, url: str, params: dict[str, str]) -> tuple[float, int, int]:
    times = []
    queries = found = 0
    for _ in range(ROUNDS):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url, params)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx)
        page = response.context.get("page")
        found = page.paginator.count if page is not None else len(response.context["similar"])
    return statistics.median(times) * 1000, queries, found


def main() -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        data = build()
        client = Client()
        client.force_login(data["viewer"])
        gallery = reverse("portfolio:gallery")
        print(f"{connection.vendor}: {CARDS} cards, analysed for search in {data['indexed']:.1f} s")
        town = str(data["town"])
        for label, params in [
            ("gallery, no search", {}),
            ("search 'nuorten'", {"q": "nuorten"}),
            ("search 'kimppakyyti' by relevance", {"q": "kimppakyyti", "sort": "relevance"}),
            ("search 'kyyti rautatieasemalle'", {"q": "kyyti rautatieasemalle"}),
            ("search 'liikkumisen' (theme word)", {"q": "liikkumisen"}),
            ("search 'hämeenlinnassa' + theme", {"q": "hämeenlinnassa", "theme": "mobility"}),
            ("search 'kimppa' (prefix), page 5", {"q": "kimppa", "page": "5"}),
            ("search 'nuoret' shown to the network", {"q": "nuoret", "scope": "network"}),
            ("search 'etätyö' in one municipality", {"q": "etätyö", "organisation": "town"}),
            ("search without a match", {"q": "xyzzyq"}),
        ]:
            params = {k: town if v == "town" else v for k, v in params.items()}
            ms, queries, found = measure(client, gallery, params)
            print(f"  {label:<40} {ms:7.1f} ms  {queries:2d} queries  {found:6d} found")
        card_url = reverse("portfolio:card", args=[data["card"].pk])
        ms, queries, found = measure(client, card_url, {})
        print(f"  {'card page with similar experiments':<40} {ms:7.1f} ms  {queries:2d} queries")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
