"""Demo content for the courses app: knowledge checks, reflections and release rules.

Called from core/management/commands/seed_demo.py; idempotent (update_or_create throughout).
"""

from __future__ import annotations

from core.models import User
from learners.models import Cohort

from .models import Choice, Completion, Course, Item, Module, Question, QuizAttempt, Reflection

# (module position, item position, title, prompt HTML, questions)
# question: (text, multiple, [(answer, correct, explanation)])
QUIZZES = [
    (
        1,
        10,
        "Tietovisa: verkostoituminen",
        "<p>Tarkista, mitä jäi mieleen verkostoitumisesta. Saat palautteen jokaisesta "
        "vastauksesta heti.</p>",
        [
            (
                "Mikä Suomen kasvukäytävä on?",
                False,
                [
                    (
                        "17 jäsenkunnan ja -kaupungin yhteistyöverkosto",
                        True,
                        "Kasvukäytävä on kuntien ja kaupunkien verkosto.",
                    ),
                    ("Valtion virasto", False, "Verkosto on kuntien oma, ei virasto."),
                    ("Yksittäinen hanke Tampereella", False, "Mukana on 17 kuntaa."),
                ],
            ),
            (
                "Mitkä seuraavista ovat hankkeessa tehtyjä työkaluja?",
                True,
                [
                    ("Vaikuttavuustyökalu", True, "Se tukee vaikuttavuusajattelua."),
                    ("Osaamisväylä", True, "Verkostoitumisen ja vertaisoppimisen sivusto."),
                    ("Kuntavaalikone", False, "Sitä ei tehty hankkeessa."),
                ],
            ),
        ],
    ),
    (
        3,
        10,
        "Tietovisa: ketterät kokeilut",
        "<p>Kokeile, tunnetko ketterän kokeilun vaiheet.</p>",
        [
            (
                "Mikä on kokeilun tärkein ero tavalliseen hankkeeseen?",
                False,
                [
                    (
                        "Se on pieni, nopea ja sen tulos opettaa, onnistui se tai ei",
                        True,
                        "Epäonnistunutkin kokeilu tuottaa tietoa.",
                    ),
                    ("Se on aina kallis", False, "Kokeilut ovat tarkoituksella kevyitä."),
                ],
            ),
            (
                "Mitä kokeilusuunnitelmaan kuuluu?",
                True,
                [
                    ("Hypoteesi", True, "Mitä oletat tapahtuvan."),
                    ("Mittari", True, "Miten tiedät, toimiko kokeilu."),
                    ("Lopullinen budjetti viideksi vuodeksi", False, "Kokeilu on lyhyt."),
                ],
            ),
        ],
    ),
]

REFLECTIONS = [
    (
        1,
        11,
        "Pohdinta: oma verkostoni",
        "<p>Keiden kanssa teet jo yhteistyötä omassa kunnassasi tai seudullasi? Kenet haluaisit "
        "verkostoosi seuraavaksi, ja miksi?</p>",
        "Teen jo yhteistyötä naapurikuntien elinvoimapalveluiden kanssa. Seuraavaksi haluan "
        "mukaan oppilaitokset, koska yritysten osaamistarpeet näkyvät niissä ensimmäisenä.",
    ),
    (
        2,
        10,
        "Pohdinta: verkoston johtaminen",
        "<p>Millainen rooli sinulla on verkostossa: vetäjä, kokoaja vai asiantuntija? Mitä "
        "haluaisit oppia verkoston johtamisesta?</p>",
        "Olen useimmiten kokoaja. Haluan oppia, miten verkosto pysyy käynnissä, kun ihmiset "
        "vaihtuvat.",
    ),
    (
        3,
        11,
        "Pohdinta: oman kokeiluni lähtökohdat",
        "<p>Mikä kehittämishaaste sinulla on työn alla? Mitä siitä jo tiedät, ja mitä "
        "haluaisit kokeilla ensimmäiseksi?</p>",
        "Yritysten ja oppilaitosten yhteistyö on jäänyt yksittäisten ihmisten varaan. Kokeilen "
        "ensin yhtä yhteiskehittämisen aamua ja kysyn osallistujilta, mikä toisi heidät "
        "uudelleen.",
    ),
]

# Oona (the demo learner) has written in her learning journal: (module position, item
# position, days ago, text). She saves them through the real service, so the reflections
# also mark the items done, as when a learner presses "Save" on the page.
OONA_REFLECTIONS = [
    (
        1,
        11,
        12,
        "Teen jo yhteistyötä Hattulan ja Janakkalan kanssa joukkoliikenteessä. Seuraavaksi "
        "haluan verkostooni kyläyhdistykset ja kutsutaksiyrittäjät: he tietävät, missä "
        "kyydeistä on pulaa.",
    ),
    (
        3,
        11,
        4,
        "Haaste on selvä: kylistä ei pääse asemalle junien aikaan. En vielä tiedä, kuinka moni "
        "kyytiä oikeasti tarvitsisi, joten kokeilen ensin yhtä kylää ja aamun kahta vuoroa ja "
        "haastattelen käyttäjiä.",
    ),
]


def seed(*, course: Course, cohort: Cohort, users: dict[str, User]) -> None:
    modules = {m.position: m for m in Module.objects.filter(course=course)}
    course.authors.add(users["ohjaaja"])

    # Release rules: the networks module before leadership, a date rule and a prerequisite.
    Module.objects.filter(pk=modules[2].pk).update(sequential=True)
    if 5 in modules:
        Module.objects.filter(pk=modules[5].pk).update(unlock_after_days=28)
    if 6 in modules and 3 in modules:
        modules[6].prerequisites.add(modules[3])

    finisher = users["mikko.laine"]
    for m_pos, i_pos, title, body, questions in QUIZZES:
        item, _ = Item.objects.update_or_create(
            module=modules[m_pos],
            position=i_pos,
            defaults={
                "title": title,
                "kind": Item.Kind.QUIZ,
                "body": body,
                "minutes": 5,
                "completion_rule": Item.Rule.QUIZ_PASSED,
                "pass_mark": 100,
                "max_attempts": 0,
            },
        )
        right: dict[str, list[int]] = {}
        for q_pos, (text, multiple, answers) in enumerate(questions):
            question, _ = Question.objects.update_or_create(
                item=item, position=q_pos, defaults={"text": text, "multiple": multiple}
            )
            for c_pos, (answer, correct, explanation) in enumerate(answers):
                choice, _ = Choice.objects.update_or_create(
                    question=question,
                    position=c_pos,
                    defaults={"text": answer, "is_correct": correct, "explanation": explanation},
                )
                if correct:
                    right.setdefault(str(question.pk), []).append(choice.pk)
        QuizAttempt.objects.get_or_create(
            user=finisher,
            item=item,
            number=1,
            defaults={"score": 100, "passed": True, "answers": right},
        )
        Completion.objects.get_or_create(user=finisher, item=item)

    for m_pos, i_pos, title, body, answer in REFLECTIONS:
        item, _ = Item.objects.update_or_create(
            module=modules[m_pos],
            position=i_pos,
            defaults={
                "title": title,
                "kind": Item.Kind.REFLECTION,
                "body": body,
                "minutes": 10,
                "completion_rule": Item.Rule.MANUAL,
            },
        )
        Reflection.objects.update_or_create(user=finisher, item=item, defaults={"text": answer})
        Completion.objects.get_or_create(user=finisher, item=item)

    seed_learner_journal(course=course, learner=users["oppija"])

    # Mikko has finished the whole course.
    for item in Item.objects.filter(module__course=course):
        Completion.objects.get_or_create(user=finisher, item=item)


def seed_learner_journal(*, course: Course, learner: User) -> None:
    """Oona's learning journal: her reflections, dated in the past (idempotent)."""
    from datetime import timedelta

    from django.utils import timezone

    from . import services

    now = timezone.now()
    for m_pos, i_pos, days, text in OONA_REFLECTIONS:
        item = Item.objects.filter(
            module__course=course, module__position=m_pos, position=i_pos
        ).first()
        if item is None:
            continue
        try:
            reflection = services.reflection_save(user=learner, item=item, text=text)
        except services.ProgressError:  # not a learner of the course, or the item is locked
            continue
        when = now - timedelta(days=days)
        Reflection.objects.filter(pk=reflection.pk).update(created_at=when, updated_at=when)
        Completion.objects.filter(user=learner, item=item).update(completed_at=when)


def seed_certificates(*, course: Course, cohort: Cohort, users: dict[str, User]) -> None:
    """Mikko Laine has finished the course and holds its certificate (idempotent). Called last
    in seed_demo, after the other apps' progress; issued here at once rather than by the task."""
    import contextlib

    from django.core.exceptions import ImproperlyConfigured

    from . import services
    from .models import Certificate

    finisher = users["mikko.laine"]
    for item in Item.objects.filter(
        module__course=course, is_required=True, is_published=True, module__is_published=True
    ):
        Completion.objects.get_or_create(user=finisher, item=item)
    certificate = services.course_completion_check(user=finisher, course=course)
    if certificate is None or certificate.status != Certificate.Status.PENDING:
        return
    # Without a signing key here (DEBUG off and none set) it stays pending.
    with contextlib.suppress(ImproperlyConfigured):
        services.certificate_issue(certificate_id=certificate.pk)
