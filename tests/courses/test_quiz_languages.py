"""Knowledge checks per language (#16 items 1 and 4): authors write the questions, their
feedback and answers in Finnish, Swedish and English side by side (the check's editor and the
question bank, in the text format), a Swedish learner answers and reviews the check in Swedish
with Finnish and a note where a text is missing, and the course's title and description have
their languages too. The demo's checks show every question type."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import translation

from courses import authoring, quiz
from courses.languages import fallback_note
from courses.models import Choice, Course, Item, Question, QuizAttempt
from tests import factories

pytestmark = pytest.mark.django_db

NOTE = 'data-testid="content-language-note"'

FINNISH = """? Mikä on kokeilu?
* Pieni, nopea testi | Juuri niin.
- Valmis ratkaisu | Ei vielä.
! Kokeilu opettaa, onnistui se tai ei.

?~ Mikä sana tarkoittaa yhteistyön rakennetta?
* verkosto

?= Yhdistä kaupunki maakuntaan.
- Hämeenlinna = Kanta-Häme
- Tampere = Pirkanmaa
- = Uusimaa

?# Montako kuntaa kasvukäytävässä on?
= 17
"""

SWEDISH = """? Vad är ett försök?
* Ett litet, snabbt test | Just så.
- En färdig lösning | Inte ännu.
! Ett försök lär dig något, vare sig det lyckas eller inte.

?~ Vilket ord betyder samarbetets struktur?
* nätverk

?= Para ihop staden och landskapet.
- Tavastehus = Egentliga Tavastland
- Tammerfors = Birkaland
- = Nyland

?# Hur många kommuner hör till tillväxtkorridoren?
= 17
"""

# English for the first question only: the rest is shown in Finnish.
ENGLISH = """? What is an experiment?
* A small, quick test | Exactly.
- A finished solution
! An experiment teaches, whether it works or not.

?
*

?= Match the town with its region.
- =
- =
- =

?# How many municipalities are in the growth corridor?
"""


@pytest.fixture(autouse=True)
def _cold_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def author(course):
    user = factories.UserFactory(email="kirjoittaja@example.fi")
    course.authors.add(user)
    return user


@pytest.fixture
def swedish_learner(learner):
    learner.language = "sv"
    learner.save(update_fields=["language"])
    return learner


def check_data(**overrides):
    data = {
        "kind": "quiz",
        "title_fi": "Tietovisa",
        "title_sv": "Kunskapstest",
        "title_en": "Quiz",
        "body_fi": "<p>Vastaa.</p>",
        "body_sv": "<p>Svara.</p>",
        "body_en": "<p>Answer.</p>",
        "minutes": 5,
        "completion_rule": "quiz_passed",
        "is_required": "on",
        "pass_mark": 50,
        "max_attempts": 0,
        "questions_text_fi": FINNISH,
        "questions_text_sv": SWEDISH,
        "questions_text_en": ENGLISH,
    }
    data.update(overrides)
    return data


def first_module(course):
    return course.modules.order_by("position", "pk").first()


@pytest.fixture
def check(course):
    """A check in the first module with Swedish texts throughout and English for question 1."""
    item = factories.ItemFactory(
        module=first_module(course),
        kind=Item.Kind.QUIZ,
        completion_rule=Item.Rule.QUIZ_PASSED,
        pass_mark=50,
        title="Tietovisa",
        review_shows_answers=True,
    )
    item.title_sv = "Kunskapstest"
    item.body_sv = "<p>Svara.</p>"
    item.save()
    authoring.quiz_update(item=item, text=FINNISH, translations={"sv": SWEDISH, "en": ENGLISH})
    return item


def questions_of(item):
    return list(item.questions.order_by("position").prefetch_related("choices"))


# --- the editors ---------------------------------------------------------------------------


def test_the_check_editor_saves_each_languages_questions_and_answers(client_for, author, course):
    client = client_for(author)
    module = first_module(course)
    form = client.get(reverse("courses:item_create", args=[module.pk]) + "?kind=quiz")
    html = form.content.decode()
    for language in ("fi", "sv", "en"):
        assert f'name="questions_text_{language}"' in html
    response = client.post(reverse("courses:item_create", args=[module.pk]), check_data())
    assert response.status_code == 302
    item = Item.objects.get(title_fi="Tietovisa")
    choice_q, short, matching, numeric = questions_of(item)
    assert (choice_q.text_fi, choice_q.text_sv, choice_q.text_en) == (
        "Mikä on kokeilu?",
        "Vad är ett försök?",
        "What is an experiment?",
    )
    assert choice_q.feedback_sv == "Ett försök lär dig något, vare sig det lyckas eller inte."
    assert [(c.text_sv, c.explanation_sv, c.is_correct) for c in choice_q.choices.all()] == [
        ("Ett litet, snabbt test", "Just så.", True),
        ("En färdig lösning", "Inte ännu.", False),
    ]
    assert [c.text_en for c in choice_q.choices.all()] == [
        "A small, quick test",
        "A finished solution",
    ]
    assert [c.text_sv for c in short.choices.all()] == ["nätverk"]
    assert [(c.text_sv, c.match_sv) for c in matching.choices.all()] == [
        ("Tavastehus", "Egentliga Tavastland"),
        ("Tammerfors", "Birkaland"),
        ("", "Nyland"),
    ]
    # Empty in English: shown in Finnish.
    assert (short.text_en, matching.choices.first().match_en) == ("", "")
    assert numeric.text_en == "How many municipalities are in the growth corridor?"
    assert numeric.number == 17

    # The editor shows each language's questions as written, English marked as missing.
    edit = client.get(reverse("courses:item_edit", args=[item.pk]))
    form = edit.context["form"]
    assert form.initial["questions_text_sv"].startswith("? Vad är ett försök?\n* Ett litet")
    assert "?~ Vilket ord betyder samarbetets struktur?" in form.initial["questions_text_sv"]
    columns = {group["code"]: group["missing"] for group in form.language_groups()}
    assert columns["sv"] == []
    assert [m["code"] for m in columns["en"]] == ["en"]
    assert 'data-testid="missing-language" data-language="en"' in edit.content.decode()


def test_saving_the_check_again_keeps_the_rows_and_clears_a_language_left_empty(
    client_for, author, check
):
    before = [q.pk for q in questions_of(check)]
    response = client_for(author).post(
        reverse("courses:item_edit", args=[check.pk]),
        check_data(title_fi=check.title_fi, questions_text_en=""),
    )
    assert response.status_code == 302
    after = questions_of(check)
    assert [q.pk for q in after] == before
    assert after[0].text_sv == "Vad är ett försök?"
    assert not any(q.text_en for q in after)
    assert not any(c.text_en for c in Choice.objects.filter(question__item=check))


# (singular, plural) as courses.authoring passes them to ngettext.
COUNT_PROBLEM = (
    "The Finnish text has %(source)s question and this one %(count)s: translate "
    "every question, in the same order.",
    "The Finnish text has %(source)s questions and this one %(count)s: translate "
    "every question, in the same order.",
)
LINES_PROBLEM = (
    "Question %(n)s has %(count)s answer line here and %(source)s in Finnish: "
    "translate each answer on its own line.",
    "Question %(n)s has %(count)s answer lines here and %(source)s in Finnish: "
    "translate each answer on its own line.",
)


def _as_said(message: tuple[str, str], n: int) -> str:
    """The message as the author (in Finnish) reads it for the count `n`, with any numbers,
    as a pattern."""
    with translation.override("fi"):
        said = translation.ngettext(*message, n)
    return re.sub(r"%\\\(\w+\\\)s", r"\\d+", re.escape(said))


@pytest.mark.parametrize(
    ("swedish", "problem"),
    [
        ("? Vad är ett försök?\n* Test\n- Lösning", _as_said(COUNT_PROBLEM, 4)),  # one of four
        (SWEDISH.replace("- = Nyland\n", ""), _as_said(LINES_PROBLEM, 2)),  # a pair short
        (SWEDISH.replace("? Vad", "Vad"), " 1:"),  # no mark ("Line 1:" in any language)
    ],
)
def test_a_translation_that_does_not_follow_the_finnish_questions_is_refused(
    client_for, author, check, swedish, problem
):
    response = client_for(author).post(
        reverse("courses:item_edit", args=[check.pk]),
        check_data(title_fi="Muutettu", questions_text_sv=swedish),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["questions_text_sv"]
    assert re.search(problem, " ".join(errors)), errors
    check.refresh_from_db()
    assert check.title_fi == "Tietovisa"
    assert questions_of(check)[0].text_sv == "Vad är ett försök?"


def test_the_bank_adds_and_edits_questions_in_each_language(client_for, author, course):
    client = client_for(author)
    bank = reverse("courses:question_bank", args=[course.pk])
    html = client.get(bank).content.decode()
    assert 'name="text_sv"' in html
    assert 'data-testid="language-columns"' in html
    response = client.post(
        bank,
        {
            "text_fi": "? Mikä on kokeilu?\n* Testi | Kyllä.\n- Ratkaisu",
            "text_sv": "? Vad är ett försök?\n* Test | Ja.\n- Lösning",
            "tags": "Kokeilut",
        },
    )
    assert response.status_code == 302
    question = Question.objects.get(course=course, item__isnull=True)
    assert question.text_sv == "Vad är ett försök?"
    assert [(c.text_sv, c.explanation_sv) for c in question.choices.all()] == [
        ("Test", "Ja."),
        ("Lösning", ""),
    ]
    # The bank marks the English it lacks; the editor opens with each language's text.
    row = client.get(bank).content.decode().split(f'id="question-{question.pk}"')[1]
    row = row.split("</tr>")[0]
    assert 'data-language="en"' in row
    assert 'data-language="sv"' not in row
    url = reverse("courses:question_edit", args=[question.pk])
    form = client.get(url).context["form"]
    assert form.initial["text_sv"] == "? Vad är ett försök?\n* Test | Ja.\n- Lösning"
    assert form.initial["text_en"] == ""
    response = client.post(
        url,
        {
            "text_fi": "? Mikä on kokeilu?\n* Testi | Kyllä.\n- Ratkaisu",
            "text_sv": "? Vad är ett försök?\n* Ett test | Ja.\n- Lösning",
            "text_en": "? What is an experiment?\n* A test\n- A solution",
            "tags": "Kokeilut",
        },
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.text_en == "What is an experiment?"
    assert [c.text_sv for c in question.choices.all()] == ["Ett test", "Lösning"]
    # A translation with a second question is refused and changes nothing.
    response = client.post(
        url,
        {
            "text_fi": "? Mikä on kokeilu?\n* Testi\n- Ratkaisu",
            "text_sv": "? Vad?\n* a\n- b\n\n? Och?\n* a\n- b",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["text_sv"]
    question.refresh_from_db()
    assert question.text_en == "What is an experiment?"


def test_the_bank_page_costs_the_same_queries_for_few_and_many_questions(
    client_for, author, course, django_assert_num_queries
):
    """The marker of missing languages reads every question's choices in one query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(author)
    url = reverse("courses:question_bank", args=[course.pk])
    counts = []
    for extra in (2, 12):
        authoring.bank_questions_add(
            course=course,
            text="\n\n".join(f"? Kysymys {n}?\n* a\n- b" for n in range(extra)),
            tags="Yksi, Kaksi",
            translations={"sv": "\n\n".join(f"? Fråga {n}?\n* a\n-" for n in range(extra))},
        )
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_num_queries(counts[1]):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("persona", ["learner", "instructor"])
def test_people_who_do_not_author_the_course_cannot_open_the_editors(
    request, client_for, persona, course, check
):
    client = client_for(request.getfixturevalue(persona))
    question = questions_of(check)[0]
    for url in (
        reverse("courses:item_edit", args=[check.pk]),
        reverse("courses:question_bank", args=[course.pk]),
        reverse("courses:question_edit", args=[question.pk]),
        reverse("courses:settings", args=[course.pk]),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("courses:question_edit", args=[question.pk]),
        {"text_fi": "? Muutettu\n* a\n- b", "text_sv": "? Ändrad\n* a\n- b"},
    )
    assert response.status_code == 403
    question.refresh_from_db()
    assert question.text_sv == "Vad är ett försök?"


def test_someone_outside_the_course_gets_404_from_the_editors(client_for, check, course):
    stranger = factories.UserFactory(email="ulkopuolinen@example.fi")
    client = client_for(stranger)
    question = questions_of(check)[0]
    for url in (
        reverse("courses:question_edit", args=[question.pk]),
        reverse("courses:settings", args=[course.pk]),
    ):
        assert client.get(url).status_code == 404, url


# --- the course's title and description ------------------------------------------------------


def test_the_course_title_and_description_are_edited_side_by_side(client_for, author, course):
    client = client_for(author)
    url = reverse("courses:settings", args=[course.pk])
    html = client.get(url).content.decode()
    for field in ("title_fi", "title_sv", "title_en", "description_sv"):
        assert f'name="{field}"' in html
    assert (
        'href="' + url + '"'
        in client.get(reverse("courses:edit", args=[course.pk])).content.decode()
    )
    response = client.post(
        url,
        {
            "title_fi": "Alueagentti",
            "title_sv": "Regionagent",
            "title_en": "",
            "description_fi": "Kurssi.",
            "description_sv": "Kursen.",
        },
    )
    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.title_fi, course.title_sv, course.description_sv) == (
        "Alueagentti",
        "Regionagent",
        "Kursen.",
    )
    edit = client.get(reverse("courses:edit", args=[course.pk])).content.decode()
    heading = edit.split("<h1")[1].split("</h1>")[0]
    assert 'data-language="en"' in heading
    assert 'data-language="sv"' not in heading
    # Finnish is required; nothing changes without it.
    response = client.post(url, {"title_fi": "", "title_sv": "Bara svenska"})
    assert response.status_code == 400
    course.refresh_from_db()
    assert course.title_sv == "Regionagent"


# --- the learner's check in their language ---------------------------------------------------


def test_a_swedish_learner_answers_and_reviews_the_check_in_swedish(
    client_for, swedish_learner, check
):
    client = client_for(swedish_learner)
    html = client.get(reverse("courses:item", args=[check.pk])).content.decode()
    assert "Vad är ett försök?" in html
    assert "Ett litet, snabbt test" in html
    assert "Egentliga Tavastland" in html
    assert "Mikä on kokeilu?" not in html
    assert NOTE not in html
    choice_q, short, matching, numeric = questions_of(check)
    right = next(c for c in choice_q.choices.all() if c.is_correct)
    data = {f"q{choice_q.pk}": right.pk, f"q{short.pk}": "Nätverk", f"q{numeric.pk}": "17"}
    for row in quiz.prompts(matching):
        data[f"q{matching.pk}_{row.pk}"] = row.pk
    response = client.post(reverse("courses:quiz_submit", args=[check.pk]), data)
    assert response.status_code == 302
    attempt = QuizAttempt.objects.get(user=swedish_learner, item=check)
    assert attempt.score == 100  # the Swedish short answer is right
    review = client.get(response["Location"]).content.decode()
    assert 'data-testid="quiz-result"' in review
    assert "Ett försök lär dig något, vare sig det lyckas eller inte." in review
    assert "Just så." in review
    assert "Kokeilu opettaa" not in review
    assert NOTE not in review


def test_a_short_answer_in_finnish_is_right_for_a_swedish_learner_too(
    client_for, swedish_learner, check
):
    short = questions_of(check)[1]
    assert quiz.grade(short, "verkosto")
    with translation.override("sv"):
        assert quiz.grade(Question.objects.prefetch_related("choices").get(pk=short.pk), "Verkosto")
    assert not quiz.grade(short, "kommun")


def test_a_missing_swedish_text_falls_back_to_finnish_with_the_note(
    client_for, swedish_learner, check
):
    choice_q = questions_of(check)[0]
    Question.objects.filter(pk=choice_q.pk).update(text_sv="", feedback_sv="")
    client = client_for(swedish_learner)
    html = client.get(reverse("courses:item", args=[check.pk])).content.decode()
    assert "Mikä on kokeilu?" in html
    assert "Ett litet, snabbt test" in html  # the answers are still Swedish
    assert NOTE in html
    with translation.override("sv"):
        assert fallback_note() in html


def test_the_review_notes_feedback_shown_in_finnish(client_for, swedish_learner, check):
    choice_q, short, matching, numeric = questions_of(check)
    Question.objects.filter(pk=choice_q.pk).update(feedback_sv="")
    client = client_for(swedish_learner)
    page = client.get(reverse("courses:item", args=[check.pk])).content.decode()
    assert NOTE not in page  # the form shows no feedback
    right = next(c for c in choice_q.choices.all() if c.is_correct)
    data = {f"q{choice_q.pk}": right.pk, f"q{short.pk}": "x", f"q{numeric.pk}": "17"}
    for row in quiz.prompts(matching):
        data[f"q{matching.pk}_{row.pk}"] = row.pk
    response = client.post(reverse("courses:quiz_submit", args=[check.pk]), data)
    review = client.get(response["Location"]).content.decode()
    assert "Kokeilu opettaa, onnistui se tai ei." in review
    assert NOTE in review


def test_an_english_learner_sees_english_where_written_and_finnish_with_the_note(
    client_for, learner, check
):
    learner.language = "en"
    learner.save(update_fields=["language"])
    html = client_for(learner).get(reverse("courses:item", args=[check.pk])).content.decode()
    assert "What is an experiment?" in html
    assert "Mikä sana tarkoittaa yhteistyön rakennetta?" in html
    assert NOTE in html


def test_a_finnish_learner_sees_finnish_questions_and_no_note(client_for, learner, check):
    html = client_for(learner).get(reverse("courses:item", args=[check.pk])).content.decode()
    assert "Mikä on kokeilu?" in html
    assert "Vad är ett försök?" not in html
    assert NOTE not in html


# --- the demo ----------------------------------------------------------------------------------


def test_the_demo_checks_have_every_question_type_a_bank_and_a_draw(demo_data):
    course = Course.objects.get(slug="alueagentti")
    questions = Question.objects.filter(course=course)
    in_checks = set(questions.filter(item__isnull=False).values_list("kind", flat=True))
    assert set(Question.Kind.values) <= in_checks
    bank = questions.filter(item__isnull=True)
    assert bank.count() >= 3
    assert bank.filter(tags__isnull=False).distinct().count() == bank.count()
    assert bank.values("tags").annotate(n=Count("pk")).filter(n__gte=3).exists()
    drawing = Item.objects.get(module__course=course, kind=Item.Kind.QUIZ, draw_count__gt=0)
    assert drawing.draw_tag is not None
    assert drawing.draw_tag.questions.count() > drawing.draw_count


def test_the_demo_first_check_and_reflection_are_in_swedish(demo_data):
    from demo.content import sv

    course = Course.objects.get(slug="alueagentti")
    first = course.modules.order_by("position").first()
    check = first.items.get(kind=Item.Kind.QUIZ)
    reflection = first.items.get(kind=Item.Kind.REFLECTION)
    assert check.title_sv == sv.QUIZZES[0][2]
    assert reflection.title_sv == sv.REFLECTIONS[0][2]
    assert reflection.body_sv.startswith("<p>Vilka samarbetar")
    questions = questions_of(check)
    assert all(q.text_sv and q.feedback_sv for q in questions)
    assert all(c.text_sv for q in questions for c in q.choices.all())
    # Another module's check stays Finnish.
    later = Item.objects.filter(module__course=course, kind=Item.Kind.QUIZ).exclude(pk=check.pk)
    assert not any(q.text_sv for q in Question.objects.filter(item__in=later))


def test_the_demo_attempts_are_graded_as_they_were_stored(demo_data):
    """Mikko's and Oona's seeded attempts read back right: every stored answer is one the
    check's questions grade as their result says, and each attempt's questions exist."""
    attempts = QuizAttempt.objects.filter(item__module__course__slug="alueagentti").filter(
        ~Q(submitted_at=None)
    )
    assert attempts.count() >= 4
    for attempt in attempts:
        by_id = {
            q.pk: q
            for q in Question.objects.filter(pk__in=attempt.questions).prefetch_related("choices")
        }
        assert sorted(by_id) == sorted(attempt.questions)
        for key, given in attempt.answers.items():
            expected = attempt.results.get(key, True) if attempt.results else True
            assert quiz.grade(by_id[int(key)], given) == expected, (attempt.pk, key)
        if attempt.passed:
            assert attempt.score == 100


def test_seeding_the_demo_again_under_swedish_keeps_the_checks_texts_in_their_columns(demo_data):
    import io

    from django.core.management import call_command

    from demo.content import fi

    course = Course.objects.get(slug="alueagentti")
    questions = Question.objects.filter(course=course).count()
    with translation.override("sv"):
        call_command("seed_demo", stdout=io.StringIO())
    assert Question.objects.filter(course=course).count() == questions
    drawing = Item.objects.get(module__course=course, kind=Item.Kind.QUIZ, draw_count__gt=0)
    assert drawing.title_fi == fi.DRAWN_QUIZZES[0][2]
    assert not drawing.title_sv
    first = Item.objects.get(module__course=course, module__position=1, position=10)
    assert first.title_fi == fi.QUIZZES[0][2]
    assert first.title_sv != first.title_fi
