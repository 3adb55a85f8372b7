"""The demo workshop: its six phases with rubrics, the cohort's sessions, experiments at
different stages with their answers, reviews and peer feedback, and what the reviews left behind.

Idempotent: every row is found by its natural key and updated, never duplicated.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import wraps
from typing import ParamSpec, TypeVar

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation

from core.models import User
from courses.models import Course
from demo.content import fi as content
from learners.models import Cohort
from notifications.models import Notification
from notifications.services import notification_render
from workshops import services
from workshops.models import (
    Assignment,
    Draft,
    Experiment,
    ExperimentEvent,
    ExperimentMember,
    PeerReview,
    PhaseComment,
    Review,
    ReviewFile,
    ReviewScore,
    RubricCriterion,
    RubricLevel,
    RunLogEntry,
    SessionMaterial,
    Submission,
    Workshop,
    WorkshopSession,
)

# The first answers of two learners of the main cohort, made before their experiments (the
# experiments below take them in).
FIRST_ANSWERS = {
    "laura.virtanen": (
        "Tampereen kaupunkiseudulla monipaikkaiset asukkaat eivät löydä tietoa siitä, miten "
        "kunnan palvelut toimivat, kun osa viikosta asutaan mökillä naapurikunnassa.\n\n"
        "Haluan kokeilla yhteistä palveluopasta kahden naapurikunnan kanssa."
    ),
    "mikko.laine": (
        "Seinäjoella yritysten ja oppilaitosten yhteistyö jää usein yksittäisten ihmisten "
        "varaan. Haasteeni on rakentaa verkosto, joka jatkaa toimintaansa, vaikka ihmiset "
        "vaihtuvat.\n\nKokeilen neljännesvuosittaista yhteiskehittämisen aamua."
    ),
}


# The texts written with plain field names ("title", and lookups by them) are the Finnish ones
# whatever language the caller left active (a test after a Swedish page, for one):
# modeltranslation reads and writes the active language's column (workshops/translation.py).
P = ParamSpec("P")
R = TypeVar("R")


def _in_finnish(func: Callable[P, R]) -> Callable[P, R]:
    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with translation.override("fi"):  # a new one per call: the builders call each other
            return func(*args, **kwargs)

    return wrapper


@_in_finnish
def seed_workshop(course: Course) -> Assignment:
    """The course's workshop with its first assignment (phase 1); returns the assignment."""
    workshop, _ = Workshop.objects.update_or_create(
        course=course,
        title=content.WORKSHOP["title"],
        defaults={"description": content.WORKSHOP["description"]},
    )
    first = content.WORKSHOP["first_assignment"]
    assignment, _ = Assignment.objects.update_or_create(
        workshop=workshop,
        phase=1,
        defaults={"title": first["title"], "instructions": first["instructions"]},
    )
    return assignment


@_in_finnish
def seed_first_answers(*, assignment: Assignment, cohort: Cohort, users: dict[str, User]) -> None:
    """Laura's first answer waits for review; Mikko's was approved."""
    for local, status in [
        ("laura.virtanen", Submission.Status.RECEIVED),
        ("mikko.laine", Submission.Status.APPROVED),
    ]:
        submission, created = Submission.objects.get_or_create(
            assignment=assignment,
            cohort=cohort,
            learner=users[local],
            version=1,
            defaults={
                "text": FIRST_ANSWERS[local],
                "status": status,
                "processed_at": timezone.now() - timedelta(days=2),
            },
        )
        if status == Submission.Status.APPROVED:
            Review.objects.get_or_create(
                submission=submission,
                defaults={
                    "reviewer": users["ohjaaja"],
                    "decision": Review.Decision.APPROVE,
                    "feedback": "Selkeä haaste ja hyvin rajattu kohderyhmä. Hyvää työtä!",
                },
            )


SESSIONS = [
    (1, "Työpaja 1: Kehittämishaasteet esiin", "Careeria, Porvoon kampus", ""),
    (3, "Työpaja 2: Ideasta hypoteesiksi", "", "https://meet.demo.alueagentti.fi/tyopaja-2"),
    (6, "Työpaja 3: Kokeilusuunnitelmat sparrattavaksi", "Hämeenlinnan kaupungintalo", ""),
    (10, "Työpaja 4: Kokeilut käynnissä", "", "https://meet.demo.alueagentti.fi/tyopaja-4"),
    (15, "Työpaja 5: Tulokset ja arviointi", "Tampere, Tampereen kaupungintalo", ""),
    (20, "Työpaja 6: Jakaminen ja jatko", "Careeria, Porvoon kampus", ""),
]


def seed_sessions(workshop: Workshop, cohort: Cohort) -> None:
    """The workshop series of the cohort: six sessions three weeks apart from its start."""
    tz = timezone.get_current_timezone()
    for week, title, place, url in SESSIONS:
        day = cohort.start_date + timedelta(weeks=week)
        starts = datetime.combine(day, time(9, 0), tzinfo=tz)
        WorkshopSession.objects.update_or_create(
            workshop=workshop,
            cohort=cohort,
            title=title,
            defaults={
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=3),
                "place": place,
                "online_url": url,
                "agenda": "9.00 Tervetuloa ja kuulumiset\n9.30 Vaiheen tavoitteet\n"
                "10.00 Pienryhmissä: oma kokeilu ja vertaispalaute\n11.30 Yhteenveto ja "
                "seuraavat askeleet",
                "materials": "Kokeilevan kehittämisen opas | https://www.kasvukaytava.fi/",
            },
        )
    seed_session_slides(workshop, cohort)
    seed_session_recording(workshop, cohort)


def seed_session_recording(workshop: Workshop, cohort: Cohort) -> None:
    """The first session, once held, has its recording link and its slides; in this workshop
    watching the recording counts as attendance (idempotent)."""
    from core.pdf import html_to_pdf

    Workshop.objects.filter(pk=workshop.pk).update(recording_counts_as_attendance=True)
    first = WorkshopSession.objects.filter(workshop=workshop, cohort=cohort).first()
    if first is None or first.starts_at > timezone.now() or first.recording_url:
        return
    first.recording_url = "https://www.youtube.com/watch?v=aqz-KE-bpKQ"
    pdf = html_to_pdf(SLIDES_HTML.format(title=first.title))
    if pdf:
        first.slides = ContentFile(pdf, name="diat.pdf")
        first.slides_name = "Työpajan 1 diat.pdf"
        first.slides_type = "application/pdf"
    first.save()


FEEDBACK_HTML = """<!doctype html><html lang="fi"><head><meta charset="utf-8"></head><body>
<h1>Kommentit vastaukseesi</h1><p>Haaste on kuvattu selkeästi. Tarkenna vielä, keitä
kokeilun kohderyhmään kuuluu ja miten tavoitatte heidät.</p></body></html>"""


def seed_feedback_file(*, workshop: Workshop, cohort: Cohort) -> None:
    """One review with the instructor's commented PDF as a feedback file (idempotent)."""
    from core.pdf import html_to_pdf

    review = (
        Review.objects.filter(submission__cohort=cohort, submission__assignment__workshop=workshop)
        .order_by("pk")
        .first()
    )
    if review is None or review.files.exists():
        return
    pdf = html_to_pdf(FEEDBACK_HTML)
    if not pdf:
        return
    ReviewFile.objects.create(
        submission=review.submission,
        review=review,
        uploaded_by=review.reviewer,
        file=ContentFile(pdf, name="kommentit.pdf"),
        original_name="Kommentit vastaukseen.pdf",
        size=len(pdf),
        content_type="application/pdf",
        status=ReviewFile.Status.ACCEPTED,
    )


SLIDES_HTML = """<!doctype html><html lang="fi"><head><meta charset="utf-8"><style>
body {{ font-family: sans-serif; }} h1 {{ color: #0b4f6c; }}
</style></head><body><h1>{title}</h1><p>Alueagentti · Suomen kasvukäytävä ja Careeria</p>
<h2>Kokeilevan kehittämisen kierros</h2><ol><li>Kuvaa kehittämishaaste</li>
<li>Muotoile idea ja hypoteesi</li><li>Laadi kokeilusuunnitelma</li><li>Toteuta kokeilu</li>
<li>Arvioi tulokset</li><li>Jaa ja päätä jatkosta</li></ol></body></html>"""


def seed_session_slides(workshop: Workshop, cohort: Cohort) -> None:
    """The slides of the first session as a shared file (when PDFs can be made here)."""
    from core.pdf import html_to_pdf

    first = WorkshopSession.objects.filter(workshop=workshop, cohort=cohort).first()
    if first is None or first.material_files.exists():
        return
    pdf = html_to_pdf(SLIDES_HTML.format(title=first.title))
    if not pdf:
        return
    instructor = cohort.memberships.filter(role="instructor").select_related("user").first()
    if instructor is None:
        return
    SessionMaterial.objects.create(
        session=first,
        file=ContentFile(pdf, name="diat.pdf"),
        original_name="Työpajan diat.pdf",
        size=len(pdf),
        content_type="application/pdf",
        uploaded_by=instructor.user,
    )


@_in_finnish
def seed_rubrics(workshop: Workshop) -> None:
    for phase, criteria in content.RUBRICS.items():
        for position, (title, description, descriptors) in enumerate(criteria):
            criterion, _ = RubricCriterion.objects.update_or_create(
                workshop=workshop,
                phase=phase,
                title=title,
                defaults={"description": description, "position": position},
            )
            for (points, label), descriptor in zip(content.LEVELS, descriptors, strict=True):
                RubricLevel.objects.update_or_create(
                    criterion=criterion,
                    points=points,
                    defaults={"label": label, "descriptor": descriptor},
                )


@_in_finnish
def seed_workshop_translations(workshop: Workshop) -> None:
    """The workshop's, phase 1's and its rubric's Swedish texts (demo/content/sv_workshops.py);
    the phases and rubrics it leaves out are shown in Finnish with a note."""
    from demo.content import sv_workshops as sv

    Workshop.objects.filter(pk=workshop.pk).update(
        title_sv=sv.WORKSHOP["title"], description_sv=sv.WORKSHOP["description"]
    )
    for phase, (title, instructions) in sv.PHASES.items():
        Assignment.objects.filter(workshop=workshop, phase=phase).update(
            title_sv=title, instructions_sv=instructions
        )
    for phase, criteria in sv.RUBRICS.items():
        for fi_title, (title, description, descriptors) in criteria.items():
            criterion = RubricCriterion.objects.get(
                workshop=workshop, phase=phase, title_fi=fi_title
            )
            RubricCriterion.objects.filter(pk=criterion.pk).update(
                title_sv=title, description_sv=description
            )
            for (points, label), descriptor in zip(
                sorted(sv.LEVELS.items()), descriptors, strict=True
            ):
                RubricLevel.objects.filter(criterion=criterion, points=points).update(
                    label_sv=label, descriptor_sv=descriptor
                )


# Oona's fuller answer to phase 1, waiting as her autosaved draft.
OONA_DRAFT = (
    "Työskentelen Hämeenlinnan kaupungilla elinvoimapalveluissa, ja kehittämishaasteeni liittyy "
    "liikkumisen matkaketjuihin: miten Hämeenlinnan reuna-alueiden kylissä asuvat pääsevät "
    "rautatieasemalle ilman omaa autoa? Asemalta pääsee junalla nopeasti sekä pääkaupunkiseudulle "
    "että Tampereelle, mutta esimerkiksi Hauholta, Lammilta ja Rengosta asemalle on vaikea päästä. "
    "Linja-autovuoroja on iltaisin ja viikonloppuisin vähän, eivätkä niiden aikataulut aina sovi "
    "yhteen junien aikataulujen kanssa.\n\n"
    "Haaste koskee erityisesti nuoria, jotka opiskelevat tai käyvät töissä muualla, ikääntyneitä, "
    "jotka eivät enää aja autoa, sekä monipaikkaisia asukkaita, jotka tekevät osan viikosta "
    "etätöitä kylässä ja kulkevat muina päivinä junalla pääkaupunkiseudulle tai Tampereelle. "
    "Monessa perheessä toinen auto hankitaan lähinnä asemalle kulkemista varten. Asia on "
    "ajankohtainen nyt, koska etätyö ja monipaikkaisuus ovat lisänneet kiinnostusta kylissä "
    "asumiseen, ja toimiva yhteys asemalle on kylien vetovoiman kannalta ratkaiseva.\n\n"
    "Asialle on tehty jotain aiemminkin. Aseman liityntäpysäköinti auttaa niitä, joilla on auto, "
    "mutta ei muita. Osaan kylistä kulkee asiointiliikennettä muutamana päivänä viikossa, mutta se "
    "palvelee lähinnä päiväsaikaista asiointia keskustassa eikä työmatkoja. Sosiaalisessa mediassa "
    "on syntynyt kimppakyytiryhmiä, mutta kyydit ovat jääneet satunnaisiksi. Suomen kasvukäytävän "
    "hankkeessa kerättiin tietoa alueellisten matkaketjujen toimivuudesta, ja haluan hyödyntää "
    "sitä omassa työssäni.\n\n"
    "Hyvä lopputulos olisi matkaketjukokeilu, jossa yhdestä kylästä, esimerkiksi Hauholta, ajetaan "
    "kolmen kuukauden ajan kutsuohjattua liityntäkyytiä asemalle arkiaamuisin ja -iltaisin junien "
    "aikataulujen mukaan. Kokeilun aikana seuraisimme käyttäjämääriä, matkan kokonaiskestoa kotoa "
    "asemalle ja käyttäjien kokemuksia sekä laskisimme kustannukset matkaa kohden. Jos kokeilu "
    "onnistuu, mallia voisi laajentaa muihin kyliin ja jakaa muille kasvukäytävän kunnille, joissa "
    "on sama haaste."
)

# Oona's first version of phase 1, sent back for revision.
FIRST_DRAFT = (
    "Haasteeni on se, että Hämeenlinnan kylistä on vaikea päästä rautatieasemalle ilman "
    "omaa autoa. Haluaisin kokeilla liityntäkyytiä."
)


@_in_finnish
def seed(*, course: Course, cohort: Cohort, users: dict[str, User]) -> None:
    workshop = Workshop.objects.get(course=course, title=content.WORKSHOP["title"])
    assignments: dict[int, Assignment] = {}
    for phase, (title, days, instructions) in content.PHASES.items():
        defaults: dict[str, object] = {"title": title, "due_days": days}
        if instructions:
            defaults["instructions"] = instructions
        assignments[phase], _ = Assignment.objects.update_or_create(
            workshop=workshop, phase=phase, defaults=defaults
        )
    seed_rubrics(workshop)
    seed_workshop_translations(workshop)
    seed_sessions(workshop, cohort)
    themes = services.themes_ensure()
    instructor = users["ohjaaja"]
    ago = timezone.now() - timedelta(days=20)

    def experiment(owner: str, title: str, codes: list[str], **fields: object) -> Experiment:
        member = ExperimentMember.objects.filter(
            user=users[owner], cohort=cohort, workshop=workshop
        ).first()
        if member is not None:
            return member.experiment
        exp = Experiment.objects.create(
            workshop=workshop,
            cohort=cohort,
            title=title,
            created_by=users[owner],
            organisation=org.name if (org := users[owner].organisation) else "",
            **fields,
        )
        exp.themes.set([themes[c] for c in codes if c in themes])
        ExperimentMember.objects.create(
            experiment=exp, user=users[owner], cohort=cohort, workshop=workshop
        )
        ExperimentEvent.objects.create(
            experiment=exp, actor=users[owner], kind="created", phase=1, cycle=1
        )
        return exp

    def version(exp: Experiment, phase: int, n: int, text: str, status: str, learner: str = ""):
        submission, _ = Submission.objects.get_or_create(
            experiment=exp,
            assignment=assignments[phase],
            version=n,
            defaults={
                "cohort": cohort,
                "learner": users[learner] if learner else exp.created_by,
                "text": text,
                "status": status,
                "processed_at": ago,
            },
        )
        if status in (Submission.Status.APPROVED, Submission.Status.REVISION_REQUESTED):
            approve = status == Submission.Status.APPROVED
            Review.objects.get_or_create(
                submission=submission,
                defaults={
                    "reviewer": instructor,
                    "decision": Review.Decision.APPROVE if approve else Review.Decision.REVISE,
                    "feedback": (
                        "Hyvä ja selkeä. Voit jatkaa seuraavaan vaiheeseen."
                        if approve
                        else "Hyvä alku! Kuvaa vielä, keitä haaste koskee, mitä asialle on jo "
                        "tehty ja miltä hyvä lopputulos näyttäisi."
                    ),
                },
            )
        return submission

    # The travel-chain pilot of Hämeenlinna: a revision round in phase 1, the fuller text is
    # waiting as the learner's autosaved draft.
    pilot = experiment(
        "oppija",
        "Liityntäkyyti kylistä Hämeenlinnan asemalle",
        ["mobility", "multi-locality"],
        challenge=(
            "Hämeenlinnan reuna-alueiden kylistä on vaikea päästä rautatieasemalle ilman omaa "
            "autoa, eivätkä linja-autojen aikataulut sovi junien aikatauluihin."
        ),
        target_group=(
            "Nuoret, ikääntyneet, jotka eivät enää aja, ja monipaikkaiset asukkaat, jotka "
            "kulkevat junalla pääkaupunkiseudulle tai Tampereelle."
        ),
    )
    first = version(pilot, 1, 1, FIRST_DRAFT, Submission.Status.REVISION_REQUESTED)
    # The revision request is a full structured review with the phase's rubric.
    Review.objects.filter(submission=first, strengths="").update(
        strengths="Haaste on todellinen ja tuttu monelle kylän asukkaalle.",
        questions="Keitä liityntäkyyti palvelisi ensimmäisenä? Mitä on jo kokeiltu?",
        suggestions="Haastattele kolmea kyläläistä ja yhtä kutsutaksin kuljettajaa.",
    )
    review = Review.objects.filter(submission=first).first()
    if review is not None and not review.scores.exists():
        for criterion in RubricCriterion.objects.filter(
            workshop=workshop, phase=1
        ).prefetch_related("levels"):
            level = next((lv for lv in criterion.levels.all() if lv.points == 2), None)
            if level is not None:
                ReviewScore.objects.create(
                    review=review,
                    criterion=criterion,
                    criterion_title=criterion.title,
                    points=level.points,
                    level_label=level.label,
                    descriptor=level.descriptor,
                )
    PhaseComment.objects.get_or_create(
        experiment=pilot,
        phase=1,
        author=users["oppija"],
        defaults={
            "text": "Kiitos! Rajaan kohderyhmän nuoriin ja ikääntyneisiin ja kuvaan, mitä "
            "kutsutaksille ja kyytiringeille on jo tehty."
        },
    )
    Draft.objects.get_or_create(
        experiment=pilot,
        phase=1,
        learner=users["oppija"],
        defaults={"text": OONA_DRAFT},
    )

    # Laura's first phase waits for review (the submission seed_demo made joins her experiment).
    laura = experiment(
        "laura.virtanen",
        "Yhteinen palveluopas monipaikkaisille asukkaille",
        ["multi-locality", "networks"],
        challenge="Monipaikkaiset asukkaat eivät löydä tietoa kahden kunnan palveluista.",
        target_group="Osan viikosta mökillä naapurikunnassa asuvat.",
    )
    Submission.objects.filter(
        learner=users["laura.virtanen"], cohort=cohort, experiment__isnull=True
    ).update(experiment=laura)

    # Mikko is running his experiment (phase 4) and keeps a run log.
    mikko = experiment(
        "mikko.laine",
        "Yhteiskehittämisen aamut yrityksille ja oppilaitoksille",
        ["networks", "know-how"],
        challenge="Yhteistyö jää yksittäisten ihmisten varaan.",
        target_group="Seinäjoen seudun yritykset ja oppilaitokset.",
    )
    Submission.objects.filter(
        learner=users["mikko.laine"], cohort=cohort, experiment__isnull=True
    ).update(experiment=mikko)
    if not Submission.objects.filter(experiment=mikko, assignment=assignments[1]).exists():
        version(mikko, 1, 1, "Haaste: yhteistyö jää ihmisten varaan.", "approved")
    version(
        mikko,
        2,
        1,
        "Hypoteesi: jos järjestämme neljännesvuosittain yhteiskehittämisen aamun, yhteistyö "
        "jatkuu, vaikka ihmiset vaihtuvat. Sen huomaa siitä, että uusia yhteishankkeita syntyy.",
        "approved",
    )
    version(
        mikko,
        3,
        1,
        "Kolme aamua syys–marraskuussa, 15 osallistujaa kerrallaan. Mittarit: osallistujat, "
        "sovitut jatkotapaamiset, uudet yhteishankkeet.",
        "approved",
    )
    Experiment.objects.filter(pk=mikko.pk).update(phase=4)
    today = timezone.localdate()
    for days, kind, text in [
        (14, "measurement", "Ensimmäinen aamu: 17 osallistujaa, 9 organisaatiota."),
        (13, "quote", "“Tällaista foorumia ei ole ollut ennen.” – yrittäjä"),
        (7, "observation", "Oppilaitosten edustajat lähtivät kesken, koska aamu venyi."),
    ]:
        RunLogEntry.objects.get_or_create(
            experiment=mikko,
            happened_on=today - timedelta(days=days),
            kind=kind,
            defaults={"text": text, "author": users["mikko.laine"], "cycle": 1},
        )

    # A team from two towns (Riihimäki and Lempäälä) in phase 2, waiting for review.
    team = experiment(
        "sanna.korhonen",
        "Osaamisväylä: kuntien välinen kokeilujen jakaminen",
        ["know-how", "impact"],
        challenge="Kokeiluista opittu ei siirry kunnasta toiseen.",
        target_group="Kasvukäytävän kuntien kehittäjät.",
    )
    ExperimentMember.objects.get_or_create(
        user=users["jari.makinen"],
        cohort=cohort,
        workshop=workshop,
        defaults={"experiment": team},
    )
    # A whole revision round in phase 1: version 1 revised, version 2 approved.
    if not Submission.objects.filter(experiment=team, assignment=assignments[1]).exists():
        version(team, 1, 1, "Haaste: opitut asiat eivät kulje kuntien välillä.", "revision")
        version(
            team,
            1,
            2,
            "Haaste: kuntien kokeiluista opitut asiat eivät kulje kunnasta toiseen, koska "
            "tuloksia ei jaeta säännöllisesti eikä kehittäjillä ole yhteistä foorumia.",
            "approved",
            learner="jari.makinen",
        )
    version(
        team,
        2,
        1,
        "Idea: kuukausittainen 30 minuutin kokeilukahvi verkossa. Hypoteesi: kun kokeilut "
        "esitellään lyhyesti ja säännöllisesti, vähintään kolme kuntaa kokeilee toisen ideaa.",
        "received",
        learner="jari.makinen",
    )
    Experiment.objects.filter(pk=team.pk).update(phase=2)
    seed_peer_reviews(assignments=assignments, cohort=cohort, users=users)


@_in_finnish
def seed_review_aftermath(*, course: Course, cohort: Cohort) -> None:
    """What a real review leaves behind, for every demo review: the experiment's audit trail
    and the learners' notifications. Called by seed_demo after the learners' demo has given the
    answers and reviews their dates, so the events and notifications carry the same dates."""
    workshop = Workshop.objects.get(course=course, title=content.WORKSHOP["title"])
    seed_review_history(workshop=workshop, cohort=cohort)
    seed_review_notifications(workshop=workshop, cohort=cohort)
    seed_feedback_file(workshop=workshop, cohort=cohort)


def seed_review_history(*, workshop: Workshop, cohort: Cohort) -> None:
    """The experiments' audit trail of the demo answers, as the services write it: "version
    submitted" for every answer and "phase approved" / "revision requested" for every review,
    dated when the answer arrived and when it was reviewed (idempotent: an event already there,
    from the services or an earlier run, is only re-dated)."""
    submissions = (
        Submission.objects.filter(
            cohort=cohort, assignment__workshop=workshop, experiment__isnull=False
        )
        .select_related("assignment", "learner", "experiment", "review__reviewer")
        .order_by("processed_at", "pk")
    )
    for submission in submissions:
        experiment = submission.experiment
        if experiment is None:  # filtered out above; for the type checker
            continue
        phase = submission.assignment.phase
        note = f"v{submission.version}"
        steps = [
            (
                ExperimentEvent.Kind.SUBMITTED,
                submission.learner,
                note,
                submission.processed_at or submission.submitted_at,
            )
        ]
        review = getattr(submission, "review", None)
        if review is not None:
            revise = review.decision == Review.Decision.REVISE
            steps.append(
                (
                    ExperimentEvent.Kind.REVISION if revise else ExperimentEvent.Kind.APPROVED,
                    review.reviewer,
                    note + (f" · {review.feedback}" if revise else ""),
                    review.created_at,
                )
            )
        for kind, actor, text, at in steps:
            same = ExperimentEvent.objects.filter(
                experiment=experiment, kind=kind, phase=phase, cycle=submission.cycle
            )
            event = same.filter(note=text).first() or same.filter(note=note).first()
            if event is None:
                event = ExperimentEvent.objects.create(
                    experiment=experiment,
                    actor=actor,
                    kind=kind,
                    phase=phase,
                    cycle=submission.cycle,
                    note=text,
                )
            ExperimentEvent.objects.filter(pk=event.pk).update(created_at=at)


def seed_review_notifications(*, workshop: Workshop, cohort: Cohort) -> None:
    """The "your answer was reviewed" notification of every demo review, as
    workshops.services.submission_review makes it: the same key, template and recipients (the
    learner and the experiment's team), rendered in each recipient's language by
    notifications.services. The reviews happened in the past, so the rows are dated then and
    marked as emailed instead of sending mail while seeding; a row that is already there (made
    by the real service or an earlier run) is kept and only re-dated."""
    reviews = (
        Review.objects.filter(submission__cohort=cohort, submission__assignment__workshop=workshop)
        .select_related("reviewer", "submission__assignment__workshop", "submission__learner")
        .prefetch_related("scores", "submission__experiment__members__user")
    )
    for review in reviews:
        submission = review.submission
        recipients = [submission.learner]
        if submission.experiment is not None:
            recipients += [
                m.user
                for m in submission.experiment.members.all()
                if m.user_id != submission.learner_id
            ]
        key = f"submission-reviewed-{submission.pk}"
        url = reverse("workshops:submission_detail", args=[submission.pk])
        scores = list(review.scores.all())
        context = {
            "submission": submission,
            "review": review,
            "scores": scores,
            "total_points": sum(score.points for score in scores),
            "blind": bool(submission.assignment.workshop.blind_review),
        }
        when = review.created_at
        for recipient in recipients:
            existing = Notification.objects.filter(recipient=recipient, key=key)
            if not existing.exists():
                subject, body, html_body = notification_render(
                    recipient=recipient, template="submission_reviewed", context=context, url=url
                )
                Notification.objects.create(
                    recipient=recipient,
                    category=Notification.Category.REVIEWS,
                    key=key,
                    subject=subject[:255],
                    body=body,
                    html_body=html_body,
                    url=url,
                    email_status=Notification.EmailStatus.SENT,
                    email_attempts=1,
                    emailed_at=when,
                )
            existing.filter(emailed_at__isnull=False).update(created_at=when, emailed_at=when)
            existing.filter(emailed_at__isnull=True).update(created_at=when)


def seed_peer_reviews(
    *, assignments: dict[int, Assignment], cohort: Cohort, users: dict[str, User]
) -> None:
    """Peer feedback on phases 1 and 2: Mikko's given (and found useful) feedback on the team's
    idea, Sanna's still to do on Mikko's, and Oona's to give on Laura's challenge."""
    Assignment.objects.filter(pk__in=[assignments[1].pk, assignments[2].pk]).update(
        peer_review=True
    )

    def answer(owner: str, phase: int) -> Submission | None:
        return (
            Submission.objects.filter(
                experiment__members__user=users[owner], assignment=assignments[phase]
            )
            .order_by("-version")
            .first()
        )

    team_idea = answer("sanna.korhonen", 2)
    if team_idea is not None:
        PeerReview.objects.get_or_create(
            submission=team_idea,
            reviewer=users["mikko.laine"],
            defaults={
                "status": PeerReview.Status.DONE,
                "works": "Kokeilukahvi on kevyt tapa aloittaa, ja mittari on selkeä.",
                "question": "Kuka kutsuu koolle, kun innostus hiipuu?",
                "suggestion": "Kokeilkaa ensin kolmen kunnan kesken ja laajentakaa sitten.",
                "given_at": timezone.now() - timedelta(days=2),
                "useful": True,
            },
        )
    mikko_idea = answer("mikko.laine", 2)
    if mikko_idea is not None:
        PeerReview.objects.get_or_create(submission=mikko_idea, reviewer=users["sanna.korhonen"])
    laura_challenge = answer("laura.virtanen", 1)
    if laura_challenge is not None:
        PeerReview.objects.get_or_create(submission=laura_challenge, reviewer=users["oppija"])
