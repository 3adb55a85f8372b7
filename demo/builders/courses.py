"""The demo course: its modules and lessons, knowledge checks, reflections, release rules, the
learners' progress, Oona's learning journal and Mikko's certificate.

Idempotent: rows are found by their natural keys (update_or_create / get_or_create throughout).
"""

from __future__ import annotations

import contextlib
import importlib
from datetime import timedelta
from types import ModuleType

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation

from core.forms import format_decimal
from core.models import User
from courses import authoring, quiz, services
from courses.models import (
    Certificate,
    Completion,
    Course,
    Item,
    Module,
    Question,
    QuestionTag,
    QuizAttempt,
    Reflection,
)
from demo.content import fi as content
from learners.models import Cohort

# Mikko (who finished the course) answered every reflection prompt: (module position, item
# position) -> his answer.
MIKKO_REFLECTIONS = {
    (1, 11): "Teen jo yhteistyötä naapurikuntien elinvoimapalveluiden kanssa. Seuraavaksi haluan "
    "mukaan oppilaitokset, koska yritysten osaamistarpeet näkyvät niissä ensimmäisenä.",
    (2, 10): "Olen useimmiten kokoaja. Haluan oppia, miten verkosto pysyy käynnissä, kun ihmiset "
    "vaihtuvat.",
    (3, 11): "Yritysten ja oppilaitosten yhteistyö on jäänyt yksittäisten ihmisten varaan. "
    "Kokeilen ensin yhtä yhteiskehittämisen aamua ja kysyn osallistujilta, mikä toisi heidät "
    "uudelleen.",
}

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


# Share of the course's first lessons each learner of the main cohort has done, so the
# coordinator's view tells a story.
PROGRESS = [
    ("laura.virtanen", 0.8),
    ("mikko.laine", 1.0),
    ("sanna.korhonen", 0.3),
    ("oppija", 0.15),
]


# The plain field names written here ("title", "text") are the Finnish texts whatever language
# the caller left active: modeltranslation writes the active language's column on an update.
@translation.override("fi")
def seed_course() -> tuple[Course, list[Item]]:
    """The course with its modules and lessons; returns it with its lessons in order."""
    course, _ = Course.objects.update_or_create(
        slug=content.COURSE["slug"],
        defaults={
            "title": content.COURSE["title"],
            "description": content.COURSE["description"],
        },
    )
    items: list[Item] = []
    for m_pos, module_data in enumerate(content.MODULES, start=1):
        module, _ = Module.objects.update_or_create(
            course=course,
            position=m_pos,
            defaults={"title": module_data["title"], "summary": module_data["summary"]},
        )
        for i_pos, item_data in enumerate(module_data["items"], start=1):
            item, _ = Item.objects.update_or_create(
                module=module,
                position=i_pos,
                defaults={
                    "title": item_data["title"],
                    "kind": item_data["kind"],
                    "body": item_data["body"],
                    "minutes": item_data["minutes"],
                    "video_url": item_data.get("video_url", ""),
                },
            )
            items.append(item)
    seed_translations(course)
    return course, items


def _translations() -> dict[str, ModuleType]:
    """The translation modules of demo/content that exist: {"sv": module, ...}."""
    found: dict[str, ModuleType] = {}
    for language in ("sv", "en"):
        try:
            found[language] = importlib.import_module(f"demo.content.{language}")
        except ModuleNotFoundError:
            continue
    return found


def _translated_checks(m_pos: int, i_pos: int) -> dict[str, str]:
    """{language: questions text} of the knowledge check at these positions."""
    return {
        language: text
        for language, module in _translations().items()
        for (m, i, _title, _body, text) in getattr(module, "QUIZZES", [])
        if (m, i) == (m_pos, i_pos)
    }


def seed_item_translations(course: Course) -> None:
    """The knowledge checks' and reflection prompts' titles and prompts in the translations."""
    for language, module in _translations().items():
        rows = [
            (m, i, title, body)
            for (m, i, title, body, *_questions) in [
                *getattr(module, "QUIZZES", []),
                *getattr(module, "REFLECTIONS", []),
            ]
        ]
        for m_pos, i_pos, title, body in rows:
            Item.objects.filter(
                module__course=course, module__position=m_pos, position=i_pos
            ).update(**{f"title_{language}": title, f"body_{language}": body})


def _right_answers(questions: list[Question]) -> dict[str, object]:
    """Each question's right answer as a learner's form would send it, read as the services
    read it (courses.quiz.read): what a learner who got everything right has stored."""
    answers: dict[str, object] = {}
    for question in questions:
        choices = list(question.choices.all())
        kind = question.kind
        raw: object
        if kind == Question.Kind.NUMERIC:
            raw = [format_decimal(question.number)] if question.number is not None else []
        elif kind == Question.Kind.SHORT_TEXT:
            raw = [choices[0].text]
        elif kind == Question.Kind.MATCHING:
            raw = {c.pk: str(c.pk) for c in quiz.prompts(question)}
        elif kind == Question.Kind.ORDERING:
            raw = {c.pk: str(n) for n, c in enumerate(quiz.prompts(question), start=1)}
        else:
            raw = [str(c.pk) for c in choices if c.is_correct]
        answers[str(question.pk)] = quiz.read(question, raw)
    return answers


def _passed_attempt(user: User, item: Item, questions: list[Question]) -> None:
    """A first attempt with every answer right (kept as it is once it exists)."""
    QuizAttempt.objects.get_or_create(
        user=user,
        item=item,
        number=1,
        defaults={
            "score": 100,
            "passed": True,
            "answers": _right_answers(questions),
            "results": {str(q.pk): True for q in questions},
            "questions": [q.pk for q in questions],
            "submitted_at": timezone.now(),
        },
    )


def seed_bank(course: Course) -> None:
    """The course's question bank (content.BANK) through the authoring services; a question
    already there (by its Finnish text) is updated instead of added again."""
    for tags, text in content.BANK:
        (parsed,) = authoring.quiz_parse(text)
        existing = Question.objects.filter(
            course=course, item__isnull=True, text_fi=parsed.text
        ).first()
        if existing is None:
            authoring.bank_questions_add(course=course, text=text, tags=tags)
        else:
            authoring.bank_question_update(question=existing, text=text, tags=tags)


def seed_translations(course: Course) -> None:
    """The Swedish (and any other) texts of demo/content/<language>.py beside the Finnish ones:
    the course, and each module and item by its position; what a translation lacks stays
    empty and is shown in Finnish. The knowledge checks and reflection prompts follow in
    `seed` (seed_item_translations), which writes them."""
    for language, translated in _translations().items():
        texts = getattr(translated, "COURSE", {})
        Course.objects.filter(pk=course.pk).update(
            **{f"{f}_{language}": texts[f] for f in ("title", "description") if f in texts}
        )
        for m_pos, module_data in enumerate(getattr(translated, "MODULES", []), start=1):
            Module.objects.filter(course=course, position=m_pos).update(
                **{
                    f"{f}_{language}": module_data[f]
                    for f in ("title", "summary")
                    if module_data.get(f)
                }
            )
            for i_pos, item_data in enumerate(module_data.get("items", []), start=1):
                fields = {
                    f"{f}_{language}": item_data[f] for f in ("title", "body") if item_data.get(f)
                }
                if fields:
                    Item.objects.filter(
                        module__course=course, module__position=m_pos, position=i_pos
                    ).update(**fields)


def seed_progress(*, items: list[Item], users: dict[str, User]) -> None:
    """The main cohort's learners have done the first lessons, each a different share."""
    for local, share in PROGRESS:
        for item in items[: int(len(items) * share)]:
            Completion.objects.get_or_create(user=users[local], item=item)


@translation.override("fi")
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
    for m_pos, i_pos, title, body, questions_text in content.QUIZZES:
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
        # As an author saves it in the editor: the Finnish questions and their translations.
        authoring.quiz_update(
            item=item, text=questions_text, translations=_translated_checks(m_pos, i_pos)
        )
        questions = list(item.questions.order_by("position").prefetch_related("choices"))
        _passed_attempt(finisher, item, questions)
        Completion.objects.get_or_create(user=finisher, item=item)

    seed_bank(course)
    for m_pos, i_pos, title, body, count, tag_name in content.DRAWN_QUIZZES:
        tag = QuestionTag.objects.get(course=course, name=tag_name)
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
                "draw_count": count,
                "draw_tag": tag,
            },
        )
        # Mikko's attempt drew the first questions of the tag (a fixed draw keeps the seed
        # deterministic; learners' own attempts draw at random).
        drawn = list(tag.questions.order_by("position", "pk").prefetch_related("choices")[:count])
        _passed_attempt(finisher, item, drawn)
        Completion.objects.get_or_create(user=finisher, item=item)

    for m_pos, i_pos, title, body in content.REFLECTIONS:
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
        Reflection.objects.update_or_create(
            user=finisher, item=item, defaults={"text": MIKKO_REFLECTIONS[(m_pos, i_pos)]}
        )
        Completion.objects.get_or_create(user=finisher, item=item)
    seed_item_translations(course)

    seed_learner_journal(course=course, learner=users["oppija"])
    seed_learner_quiz(course=course, learner=users["oppija"])

    # Mikko has finished the whole course.
    for item in Item.objects.filter(module__course=course):
        Completion.objects.get_or_create(user=finisher, item=item)


def seed_learner_quiz(*, course: Course, learner: User) -> None:
    """Oona took the first knowledge check twice: one answer wrong, then all right (the
    scores overview keeps the better one). Through the services; skipped once she has tried."""
    item = (
        Item.objects.filter(module__course=course, kind=Item.Kind.QUIZ)
        .order_by("module__position", "position")
        .first()
    )
    if item is None or QuizAttempt.objects.filter(user=learner, item=item).exists():
        return
    questions = list(item.questions.prefetch_related("choices").order_by("position"))
    if not questions:
        return

    def answers(wrong_first: bool) -> dict[int, list[str]]:
        given = {}
        for n, question in enumerate(questions):
            choices = list(question.choices.all())
            pick = [c for c in choices if c.is_correct == (not (wrong_first and n == 0))]
            given[question.pk] = [str(c.pk) for c in pick[:1] if wrong_first and n == 0] or [
                str(c.pk) for c in choices if c.is_correct
            ]
        return given

    for wrong_first in (True, False):
        try:
            attempt = services.quiz_attempt_open(user=learner, item=item)
            services.quiz_attempt_submit(
                user=learner, item=item, answers=answers(wrong_first), number=attempt.number
            )
        except services.ProgressError:  # passed at the first try, or the module is locked
            return


def seed_learner_journal(*, course: Course, learner: User) -> None:
    """Oona's learning journal: her reflections, dated in the past (idempotent)."""
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
