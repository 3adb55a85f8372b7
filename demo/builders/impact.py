"""Demo impact plans for the demo experiments (run after the workshops builder).

Mikko's co-development mornings (phase 4) get a full plan whose indicators are measured through
run-log entries, a snapshot with his approved phase 3 version and released rubric feedback;
Oona's travel-chain pilot and Sanna's team get starter plans. Idempotent: a plan that already
has statements is left alone.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from core.models import User
from impact import services
from impact.models import ImpactPlan, Measurement, PlanFeedback, PlanSnapshot
from impact.selectors import plan_as_data
from workshops.models import Experiment, ExperimentMember, RunLogEntry, Submission

MIKKO = {
    "resources": [
        "Kaksi kehittäjää (20 % työajasta)",
        "Seinäjoen ammattikorkeakoulun tilat aamuisin",
        "Yrittäjäjärjestön jäsenviestintä",
    ],
    "activities": [
        "Kolme yhteiskehittämisen aamua syys–marraskuussa",
        "Aamujen teemat kysytään osallistujilta etukäteen",
        "Jatkotapaamisten sopiminen aamun lopuksi",
    ],
    "outputs": [
        "Kolme aamua, 15 osallistujaa kerrallaan",
        "Yhteystietolista ja lyhyt muistio jokaisesta aamusta",
    ],
    "short_term": [
        "Yritykset ja oppilaitokset sopivat keskenään jatkotapaamisia",
        "Osallistujat tuntevat toisensa nimeltä",
    ],
    "long_term": [
        "Yhteistyö jatkuu, vaikka ihmiset vaihtuvat",
        "Seudulle syntyy uusia yhteishankkeita",
    ],
    "assumptions": ["Aamu sopii sekä yrittäjien että opettajien kalenteriin"],
    "risks": [
        "Aamu venyy ja oppilaitosten edustajat lähtevät kesken",
        "Sama pieni joukko tulee joka kerta",
    ],
}

OONA = {
    "resources": ["Kylätoimikuntien vapaaehtoiset kuljettajat", "Kunnan kutsutaksisopimus"],
    "activities": ["Kyytiringin kokeilu kolmesta kylästä asemalle arkiaamuisin"],
    "outputs": ["Kyytejä junien aikataulujen mukaan"],
    "short_term": ["Kylien asukkaat pääsevät junalle ilman omaa autoa"],
    "long_term": ["Kylät pysyvät elinvoimaisina ja monipaikkaisuus helpottuu"],
    "assumptions": ["Junat kulkevat ajallaan"],
    "risks": ["Vapaaehtoiset kuljettajat uupuvat"],
}

TEAM = {
    "activities": ["Kuukausittainen 30 minuutin kokeilukahvi verkossa"],
    "outputs": ["Kymmenen esiteltyä kokeilua puolessa vuodessa"],
    "short_term": ["Vähintään kolme kuntaa kokeilee toisen kunnan ideaa"],
    "long_term": ["Kokeiluista opittu siirtyy kunnasta toiseen"],
}


def _experiment(user: User) -> Experiment | None:
    member = ExperimentMember.objects.filter(user=user).select_related("experiment").first()
    return member.experiment if member else None


def _fill(experiment: Experiment, columns: dict[str, list[str]]) -> bool:
    """Write the statements unless the plan has some already; True when written."""
    plan = services.plan_get_or_create(experiment=experiment)
    if plan.statements.exists():
        return False
    for column, texts in columns.items():
        for text in texts:
            services.statement_add(experiment=experiment, column=column, text=text)
    return True


def _outcome(plan: ImpactPlan, text: str):
    return plan.statements.get(text=text)


def seed(*, users: dict[str, User]) -> None:
    mikko_user = users.get("mikko.laine")
    mikko = _experiment(mikko_user) if mikko_user else None
    if mikko_user is not None and mikko is not None and _fill(mikko, MIKKO):
        _seed_mikko(mikko, mikko_user, users)
    oona = _experiment(users["oppija"]) if "oppija" in users else None
    if oona is not None and _fill(oona, OONA):
        plan = ImpactPlan.objects.get(experiment=oona)
        services.indicator_save(
            experiment=oona,
            name="Junalla työmatkansa kulkevat kyläläiset",
            unit="hlö/vk",
            baseline=Decimal(6),
            target=Decimal(20),
            data_source="Kyytiringin kirjanpito",
            measured_when="Joka viikko kokeilun aikana",
            statement=_outcome(plan, OONA["short_term"][0]),
        )
    team = _experiment(users["sanna.korhonen"]) if "sanna.korhonen" in users else None
    if team is not None and _fill(team, TEAM):
        plan = ImpactPlan.objects.get(experiment=team)
        services.indicator_save(
            experiment=team,
            name="Toisen kunnan ideaa kokeilevat kunnat",
            unit="kuntaa",
            baseline=Decimal(0),
            target=Decimal(3),
            data_source="Kokeilukahvien muistiot",
            measured_when="Puolen vuoden välein",
            statement=_outcome(plan, TEAM["short_term"][0]),
        )


def _seed_mikko(experiment: Experiment, mikko: User, users: dict[str, User]) -> None:
    plan = ImpactPlan.objects.get(experiment=experiment)
    participants = services.indicator_save(
        experiment=experiment,
        name="Osallistujia aamua kohden",
        unit="hlö",
        baseline=Decimal(0),
        target=Decimal(15),
        data_source="Ilmoittautumiset ja nimilista",
        measured_when="Jokaisen aamun jälkeen",
        statement=_outcome(plan, MIKKO["short_term"][1]),
    )
    follow_ups = services.indicator_save(
        experiment=experiment,
        name="Sovitut jatkotapaamiset",
        unit="kpl",
        baseline=Decimal(0),
        target=Decimal(6),
        data_source="Aamun muistio",
        measured_when="Jokaisen aamun jälkeen",
        statement=_outcome(plan, MIKKO["short_term"][0]),
    )
    services.indicator_save(
        experiment=experiment,
        name="Uudet yhteishankkeet",
        unit="kpl",
        baseline=Decimal(0),
        target=Decimal(3),
        data_source="Kyselylomake osallistujille",
        measured_when="Puoli vuotta kokeilun jälkeen",
        statement=_outcome(plan, MIKKO["long_term"][1]),
    )
    # The plan as it was sent with phase 3 (before the third long-term indicator was added),
    # so the history shows a change since.
    phase3 = (
        Submission.objects.filter(experiment=experiment, assignment__phase=3)
        .order_by("version")
        .first()
    )
    if phase3 is not None:
        data = plan_as_data(plan=plan)
        data["indicators"] = data["indicators"][:2]
        data["columns"]["risks"] = data["columns"]["risks"][:1]
        PlanSnapshot.objects.get_or_create(
            submission=phase3,
            defaults={
                "plan": plan,
                "phase": 3,
                "cycle": 1,
                "version": phase3.version,
                "data": data,
            },
        )
        instructor = users["ohjaaja"]
        for part, level, comment in [
            ("activities", 3, "Aamujen teemojen kysyminen etukäteen on hyvä tapa sitouttaa."),
            ("indicators", 2, "Lisää mittari sille, jatkuuko yhteistyö ihmisten vaihtuessa."),
        ]:
            PlanFeedback.objects.get_or_create(
                submission=phase3,
                part=part,
                defaults={"level": level, "comment": comment, "author": instructor},
            )
    # Measurements through the run log: the log of the mornings records the values.
    today = timezone.localdate()
    entries = [
        (14, "Ensimmäinen aamu: 17 osallistujaa, 9 organisaatiota.", participants, 17),
        (13, "Ensimmäisen aamun muistio: kaksi jatkotapaamista sovittu.", follow_ups, 2),
        (6, "Toinen aamu: 12 osallistujaa, oppilaitoksia vain yksi.", participants, 12),
        (5, "Toisen aamun jälkeen sovittu kolme jatkotapaamista lisää.", follow_ups, 5),
    ]
    for days, text, indicator, value in entries:
        entry, _created = RunLogEntry.objects.get_or_create(
            experiment=experiment,
            happened_on=today - timedelta(days=days),
            kind=RunLogEntry.Kind.MEASUREMENT,
            text=text,
            defaults={"author": mikko, "cycle": 1},
        )
        if not Measurement.objects.filter(run_log_entry=entry).exists():
            services.measurement_from_run_log(
                entry=entry, indicator_id=indicator.pk, value=Decimal(value), by=mikko
            )
