"""Demo data for the portfolio and Osaamisväylä: published cards across the municipalities and
themes of the seed, one card waiting for public approval and one adaptation link.

The earlier (spring) cohort's alumni bring finished experiments, so the gallery has cards from
other municipalities to find, ask about and adapt. Idempotent: rows are found by natural keys.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from core.models import Organisation, User
from courses.models import Course, Reflection
from demo.accounts import demo_account
from learners.models import Cohort, Membership
from portfolio import services
from portfolio.models import Adaptation, Card, CardMessage, IncludedReflection
from workshops.models import Experiment, ExperimentMember, Theme, Workshop

# Alumni of the spring cohort: (email local part, first, last, organisation, experiment).
ALUMNI: list[tuple[str, str, str, str, dict[str, Any]]] = [
    (
        "elina.salo",
        "Elina",
        "Salo",
        "Vantaan kaupunki",
        {
            "title": "Työmatkaketju yhdellä lipulla",
            "themes": ["mobility"],
            "outcome": Card.Outcome.SCALE,
            "scope": Card.Scope.PUBLIC,
            "summary": "Juna, liityntäbussi ja kaupunkipyörä samalla mobiililipulla: "
            "kuuden viikon kokeilu Vantaan ja Keravan työmatkalaisille.",
            "context": "Vantaan pohjoisosien työpaikka-alueet; yhteistyössä HSL:n ja kahden "
            "suuren työnantajan kanssa.",
            "need": "Työmatka katkeaa asemalla: viimeinen kilometri tehdään autolla, koska "
            "liityntäyhteydet ja liput eivät sovi yhteen.",
            "hypothesis": "Jos koko matkaketjun saa yhdellä lipulla, vähintään 20 % kokeiluun "
            "osallistuvista jättää auton kotiin ainakin kahtena päivänä viikossa.",
            "tried": "120 työntekijää sai kuuden viikon ajan yhdistelmälipun. Matkat kirjattiin "
            "sovellukseen ja osallistujia haastateltiin kokeilun alussa ja lopussa.",
            "results": "27 % osallistujista vähensi autoilua vähintään kahtena päivänä "
            "viikossa. Kaupunkipyörät olivat suosituin liityntätapa.",
            "lessons": "Lippu ei yksin riitä: liityntäbussien aikataulut on sovitettava "
            "junien kanssa. Työnantajan viestintä nosti osallistumista eniten.",
            "scaling": "Sopii kaikille raideliikenteen asemakunnille. Vaatii sopimuksen "
            "lippujärjestelmän ylläpitäjän kanssa.",
            "contacts": "liikkuminen@vantaa.example",
        },
    ),
    (
        "tuomas.heikkinen",
        "Tuomas",
        "Heikkinen",
        "Nokian kaupunki",
        {
            "title": "Etätyöpisteet kirjastoihin monipaikkaisille",
            "themes": ["multi-locality"],
            "outcome": Card.Outcome.ITERATE,
            "scope": Card.Scope.NETWORK,
            "summary": "Kirjastojen hiljaiset huoneet varattaviksi etätyöpisteiksi kesäasukkaille "
            "ja muille monipaikkaisille.",
            "context": "Nokian pääkirjasto ja kaksi lähikirjastoa kesällä.",
            "need": "Kesäasukkaat tekevät etätöitä mökeiltä, joiden yhteydet ovat heikot; "
            "kunnan palvelut eivät tunnista heitä asukkaina.",
            "hypothesis": "Jos etätyöpisteen voi varata kirjastosta, monipaikkaiset asukkaat "
            "viipyvät paikkakunnalla pidempään ja käyttävät paikallisia palveluja.",
            "tried": "Kuusi työpistettä, varaus verkossa, kahdeksan viikon kokeilu.",
            "results": "Käyttöaste 64 %; kolmannes käyttäjistä oli kesäasukkaita.",
            "lessons": "Tieto ei tavoittanut kesäasukkaita kunnan kanavissa; mökkiyhdistysten "
            "kautta tavoitettiin eniten.",
            "scaling": "Toistetaan ensi kesänä kahden naapurikunnan kanssa.",
        },
    ),
    (
        "riikka.lehtonen",
        "Riikka",
        "Lehtonen",
        "Akaan kaupunki",
        {
            "title": "Vaikuttavuusmittarit kylätoiminnan avustuksiin",
            "themes": ["impact", "networks"],
            "outcome": Card.Outcome.ITERATE,
            "scope": Card.Scope.PUBLIC,
            "summary": "Kyläyhdistykset ja kaupunki sopivat yhdessä kolmesta mittarista, joilla "
            "avustusten vaikutus näkyy.",
            "context": "Akaan kahdeksan kyläyhdistystä ja kaupungin elinvoimapalvelut.",
            "need": "Avustuksia jaettiin vuosittain ilman tietoa siitä, mitä niillä saatiin "
            "aikaan.",
            "hypothesis": "Kun mittarit sovitaan yhdessä, yhdistykset raportoivat ne ilman "
            "lisätyötä ja päätöksenteko perustuu tietoon.",
            "tried": "Kaksi työpajaa, joissa laadittiin vaikutusketju ja kolme mittaria; "
            "raportointi kevyellä lomakkeella.",
            "results": "Seitsemän yhdistystä kahdeksasta raportoi; mittareista kaksi osoittautui "
            "käyttökelpoisiksi.",
            "lessons": "Vaikutusketjun piirtäminen yhdessä oli arvokkaampaa kuin itse mittarit.",
            "scaling": "Malli sopii kaikkiin kuntiin, joilla on yhdistysavustuksia.",
        },
    ),
    (
        "pekka.nieminen",
        "Pekka",
        "Nieminen",
        "Kangasalan kaupunki",
        {
            "title": "Yritysverkoston kokeilukahvit",
            "themes": ["networks", "know-how"],
            "outcome": Card.Outcome.SCALE,
            "scope": Card.Scope.NETWORK,
            "summary": "Kuukausittainen 45 minuutin aamukahvi, jossa yksi yritys esittelee "
            "kokeilunsa ja muut sparraavat.",
            "context": "Kangasalan yrityspalvelut ja paikalliset pk-yritykset.",
            "need": "Yritykset eivät tunteneet toistensa kehittämistyötä, ja yhteistyö jäi "
            "sattumanvaraiseksi.",
            "hypothesis": "Lyhyt, säännöllinen tapaaminen synnyttää uusia yhteistyöpareja "
            "vähintään kaksi puolessa vuodessa.",
            "tried": "Kuusi aamukahvia, keskimäärin 14 osallistujaa.",
            "results": "Viisi uutta yhteistyöparia ja yksi yhteinen hankehakemus.",
            "lessons": "Tiukka aikataulu piti osallistujat mukana.",
            "scaling": "Käytössä pysyvästi; malli jaettu kasvukäytävän kunnille.",
        },
    ),
    (
        "anu.makela",
        "Anu",
        "Mäkelä",
        "Janakkalan kunta",
        {
            "title": "Kutsuliikenne asemalle työmatkalaisille",
            "themes": ["mobility"],
            "outcome": Card.Outcome.SCALE,
            "scope": Card.Scope.PUBLIC,
            "summary": "Turengin ja kylien työmatkalaiset tilasivat kutsuliikenteen kyydin "
            "asemalle samasta sovelluksesta, josta ostettiin myös junalippu.",
            "context": "Janakkalan kylät ja Turengin asema; yhteistyössä Hämeenlinnan seudun "
            "joukkoliikenteen kanssa.",
            "need": "Työmatka junalla ei onnistunut ilman autoa, koska kylistä ei kulkenut "
            "liityntäbussia aamun junien aikaan.",
            "hypothesis": "Jos kyydin asemalle voi tilata junan aikataulun mukaan, kolmannes "
            "kokeiluun osallistuvista jättää auton asemalle jättämisen sijaan kotiin.",
            "tried": "Kolmen kuukauden kokeilu: kaksi pikkubussia, tilaus sovelluksella tai "
            "puhelimella edellisenä iltana, liput samassa sovelluksessa kuin junalippu.",
            "results": "Kyytejä tilattiin 1 850; 38 % säännöllisistä käyttäjistä luopui "
            "työmatka-autoilusta. Kustannus kyytiä kohden laski kokeilun aikana puoleen.",
            "lessons": "Ennakkotilaus edellisenä iltana teki reitityksestä tehokkaan. "
            "Kyläyhdistykset olivat paras viestintäkanava.",
            "scaling": "Kutsuliikenne jatkuu vakinaisena; malli sopii asemakunnille, joiden "
            "kylistä ei kulje liityntäliikennettä.",
            "contacts": "joukkoliikenne@janakkala.example",
        },
    ),
    (
        "ville.rantanen",
        "Ville",
        "Rantanen",
        "Pirkkalan kunta",
        {
            "title": "Kimppakyydit työpaikka-alueelle",
            "themes": ["mobility", "networks"],
            "outcome": Card.Outcome.ITERATE,
            "scope": Card.Scope.PUBLIC,
            "summary": "Viiden työnantajan yhteinen kimppakyytipalvelu lentoaseman "
            "työpaikka-alueelle, jonne joukkoliikenne ei kulje vuorotyön aikoihin.",
            "context": "Pirkkalan lentoaseman ja Sarankulman työpaikka-alueet, viisi "
            "työnantajaa ja noin 900 vuorotyöntekijää.",
            "need": "Vuorotyön alkaessa ja päättyessä ei ole joukkoliikennettä, joten työmatka "
            "tehdään yksin autolla ja pysäköintialueet ovat täynnä.",
            "hypothesis": "Jos työnantajat tarjoavat yhteisen kimppakyytipalvelun, joka neljäs "
            "vuorotyöntekijä jakaa työmatkan ainakin kerran viikossa.",
            "tried": "Työnantajien yhteinen kimppakyytisovellus, kimppakyytiläisille varatut "
            "pysäköintipaikat ja kuukausittainen arvonta aktiivisille kyytiläisille.",
            "results": "17 % vuorotyöntekijöistä jakoi kyydin vähintään kerran viikossa; "
            "yövuoroissa osuus jäi pieneksi.",
            "lessons": "Työnantajien yhteinen sitoutuminen ratkaisi enemmän kuin sovellus. "
            "Yövuoroihin tarvitaan oma ratkaisu.",
            "scaling": "Toistettavissa työpaikka-alueilla, joilla on useita työnantajia ja "
            "vuorotyötä.",
        },
    ),
]

# The current cohort's experiments (demo/builders/workshops.py): owner -> card fields and scope.
CURRENT: dict[str, dict[str, str]] = {
    "mikko.laine": {
        "scope": Card.Scope.NETWORK,
        "summary": "Neljännesvuosittainen yhteiskehittämisen aamu Seinäjoen yrityksille ja "
        "oppilaitoksille, jotta yhteistyö ei katkea ihmisten vaihtuessa.",
    },
    "laura.virtanen": {
        "scope": Card.Scope.COHORT,
        "summary": "Kahden naapurikunnan yhteinen palveluopas monipaikkaisille asukkaille.",
    },
    "sanna.korhonen": {
        "scope": Card.Scope.NETWORK,
        "summary": "Kuukausittainen kokeilukahvi verkossa, jotta kokeiluista opittu siirtyy "
        "kunnasta toiseen.",
    },
    "oppija": {
        "scope": "pending-public",
        "summary": "Kutsuohjattu liityntäkyyti Hämeenlinnan kylistä rautatieasemalle junien "
        "aikoihin.",
    },
}

# The reflection (demo/builders/courses.py) Mikko chose to show in his portfolio.
MIKKO_REFLECTION = "Pohdinta: oma verkostoni"


def _own_experiment(user: User, cohort: Cohort, workshop: Workshop) -> Experiment | None:
    member = (
        ExperimentMember.objects.filter(user=user, cohort=cohort, workshop=workshop)
        .select_related("experiment")
        .first()
    )
    return member.experiment if member else None


def _set_card(card: Card, fields: dict[str, object], approver: User) -> Card:
    scope = fields.pop("scope")
    for name, value in fields.items():
        setattr(card, name, value)
    now = timezone.now()
    card.published_at = card.published_at or now
    if scope == Card.Scope.PUBLIC:
        card.scope = Card.Scope.PUBLIC
        card.public_status = Card.PublicStatus.APPROVED
        # What card_publish (consent, request) and card_approve (decision) record.
        card.requested_at = card.requested_at or now
        card.consent_at = card.consent_at or now
        card.decided_by, card.decided_at = approver, card.decided_at or now
        card.rejection_reason = ""
    elif scope == "pending-public":
        card.scope = Card.Scope.NETWORK
        card.public_status = Card.PublicStatus.PENDING
        card.requested_at = card.requested_at or now
        card.consent_at = card.consent_at or now
    else:
        card.scope = str(scope)
        card.public_status = Card.PublicStatus.NONE
    card.save()
    return card


def seed(*, course: Course, cohort: Cohort, users: dict[str, User]) -> None:
    workshop = Workshop.objects.filter(course=course).order_by("pk").first()
    if workshop is None:
        return
    themes = {t.code: t for t in Theme.objects.all()}
    approver = users["koordinaattori"]
    today = timezone.localdate()
    spring, _ = Cohort.objects.update_or_create(
        course=course,
        name="Alueagentti – kevään ryhmä (päättynyt)",
        defaults={
            "start_date": date(today.year - 1, 1, 15),
            "end_date": date(today.year - 1, 6, 15),
        },
    )
    Membership.objects.update_or_create(
        cohort=spring, user=approver, defaults={"role": Membership.Role.COORDINATOR}
    )
    cards: dict[str, Card] = {}
    for local, first, last, org_name, data in ALUMNI:
        org = Organisation.objects.get(name=org_name)
        user = demo_account(local, first, last, org)
        Membership.objects.update_or_create(
            cohort=spring, user=user, defaults={"role": Membership.Role.LEARNER}
        )
        data = dict(data)
        codes = data.pop("themes")
        experiment = _own_experiment(user, spring, workshop)
        if experiment is None:
            experiment = Experiment.objects.create(
                workshop=workshop,
                cohort=spring,
                title=data["title"],
                organisation=org.name,
                created_by=user,
                phase=6,
                status=Experiment.Status.COMPLETED,
            )
            ExperimentMember.objects.create(
                experiment=experiment, user=user, cohort=spring, workshop=workshop
            )
        experiment.themes.set([themes[c] for c in codes if c in themes])
        card = services.card_create(experiment=experiment)
        card.consent_by = user
        cards[local] = _set_card(card, data, approver)

    for local, fields in CURRENT.items():
        owner = users.get(local)
        experiment = _own_experiment(owner, cohort, workshop) if owner else None
        if experiment is None:
            continue
        card = services.card_create(experiment=experiment)
        card.consent_by = owner
        cards[local] = _set_card(card, dict(fields), approver)

    services.card_index(card_ids=[c.pk for c in cards.values()])
    # Hämeenlinna's travel-chain pilot adapts Vantaa's one-ticket travel chain.
    pilot, vantaa = cards.get("oppija"), cards.get("elina.salo")
    if pilot and vantaa:
        Adaptation.objects.get_or_create(
            card=vantaa,
            experiment=pilot.experiment,
            defaults={
                "created_by": users["oppija"],
                "note": "Sovellamme ideaa kylien liityntäkyyteihin: kyyti tilataan junan "
                "aikataulun mukaan.",
            },
        )
    # Mikko, who finished the course, shows one of his reflections in his portfolio (the one
    # on his own network, which his experiment grew from); unless he has chosen for himself.
    mikko = users.get("mikko.laine")
    if mikko and not IncludedReflection.objects.filter(user=mikko).exists():
        mine = Reflection.objects.filter(user=mikko).order_by("item__module__position", "pk")
        chosen = mine.filter(item__title=MIKKO_REFLECTION).first() or mine.first()
        if chosen is not None:
            services.portfolio_set_reflections(user=mikko, reflection_ids=[chosen.pk])
    # A question in the thread of Kangasala's card, with the team's answer.
    kangasala = cards.get("pekka.nieminen")
    if kangasala and mikko and not kangasala.messages.exists():
        question = CardMessage.objects.create(
            card=kangasala,
            author=mikko,
            text="Miten saitte oppilaitokset mukaan aamukahveille? Meillä ne lähtevät kesken.",
        )
        CardMessage.objects.create(
            card=kangasala,
            author=kangasala.experiment.created_by,
            text="Pidimme aamut tasan 45 minuutin mittaisina ja sovimme yhden oppilaitoksen "
            "esittelyvuoron joka kerta.",
        )
        CardMessage.objects.filter(pk=question.pk).update(
            created_at=timezone.now() - timedelta(days=3)
        )
