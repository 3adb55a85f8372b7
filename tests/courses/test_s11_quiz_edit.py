"""Editing a knowledge check that learners have taken (#11, the tester's demo find on
/courses/items/19/edit/): a past attempt's review shows the questions, options, the learner's
answers and marks as they were when answered, and its score, whatever the author changes
later (a question added at the top, one removed, the order changed, a text or the right answer
edited, a bank question edited or deleted); the learner's result and completion stay, as the
editor promises. Everything goes through the pages, as the learner and the author use them."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from courses import authoring
from courses.models import Completion, Item, Question, QuizAttempt
from tests import factories

pytestmark = pytest.mark.django_db

FINNISH = """? Mikä on verkosto?
* Yhteistyön rakenne | Juuri niin.
- Tietokanta | Ei, se on tekninen.

?? Mitkä ovat kokeilun vaiheita?
* Suunnittelu
* Arviointi
- Arvonta | Ei kuulu.
! Kokeilu suunnitellaan ja arvioidaan.
"""

SWEDISH = """? Vad är ett nätverk?
* En struktur för samarbete | Just så.
- En databas | Nej, den är teknisk.

?? Vilka är försökets faser?
* Planering
* Utvärdering
- Lottning | Hör inte dit.
! Ett försök planeras och utvärderas.
"""

NEW_FI = """? Mikä on alueagentti?
* Kehittäjä
- Kone

"""
NEW_SV = """? Vad är en regionagent?
* En utvecklare
- En maskin

"""


def _blocks(text: str) -> list[str]:
    return [block.strip() + "\n" for block in text.strip().split("\n\n")]


FI_1, FI_2 = _blocks(FINNISH)
SV_1, SV_2 = _blocks(SWEDISH)

# What the author's save does to the check, in Finnish and Swedish (the form wants both alike).
EDITS = {
    "a question added at the top": (NEW_FI + FINNISH, NEW_SV + SWEDISH),
    "the first question removed": (FI_2, SV_2),
    "the order changed": (FI_2 + "\n" + FI_1, SV_2 + "\n" + SV_1),
    "a text and the right answer edited": (
        FINNISH.replace("Mikä on verkosto?", "Mikä on alueellinen verkosto?")
        .replace("* Yhteistyön rakenne", "- Yhteistyön rakenne")
        .replace("- Tietokanta", "* Tietokanta"),
        SWEDISH.replace("* En struktur", "- En struktur").replace("- En databas", "* En databas"),
    ),
}

QUESTION = re.compile(
    r'data-testid="question" data-question="(\d+)" data-kind="\w+" data-correct="(\w+)">\s*'
    r'<div class="card-body">\s*<legend class="h6">(\d+)\. ([^<]+?)\s*(?:<|$)'
)
CHOSEN = re.compile(r'data-testid="answer-feedback" data-correct="(\w+)"')


@pytest.fixture
def author(course):
    user = factories.UserFactory(email="kirjoittaja@example.fi")
    course.authors.add(user)
    return user


@pytest.fixture
def check(course):
    """A check like the demo's: pass mark 100 %, done when passed, Finnish and Swedish."""
    item = factories.ItemFactory(
        module=course.modules.order_by("position", "pk").first(),
        kind=Item.Kind.QUIZ,
        completion_rule=Item.Rule.QUIZ_PASSED,
        pass_mark=100,
        title="Tietovisa",
        review_shows_answers=True,
    )
    authoring.quiz_update(item=item, text=FINNISH, translations={"sv": SWEDISH})
    return item


def answers(item: Item, *, all_right: bool) -> dict[str, object]:
    """The learner's form: question 1 right; question 2 right, or only one of its two."""
    first, second = item.questions.order_by("position").prefetch_related("choices")
    right_1 = [c.pk for c in first.choices.all() if c.is_correct]
    right_2 = [c.pk for c in second.choices.all() if c.is_correct]
    return {f"q{first.pk}": right_1, f"q{second.pk}": right_2 if all_right else right_2[:1]}


def take_twice(client, item: Item) -> None:
    """Attempt 1: 50 %, not passed; attempt 2: 100 %, passed (the check is done)."""
    url = reverse("courses:quiz_submit", args=[item.pk])
    assert client.post(url, answers(item, all_right=False)).status_code == 302
    assert client.post(url, answers(item, all_right=True)).status_code == 302


def edit_data(client, item: Item, **changes: str) -> dict[str, object]:
    """What the item's edit form sends when the author changes `changes` and saves: every
    field as the page filled it in."""
    page = client.get(reverse("courses:item_edit", args=[item.pk]))
    assert page.status_code == 200
    data: dict[str, object] = {}
    for field in page.context["form"]:
        value = field.value()
        if isinstance(field.field, forms.FileField):
            continue
        if isinstance(field.field, forms.BooleanField):
            if value:
                data[field.html_name] = "on"
            continue
        if value is not None:
            data[field.html_name] = value
    data.update(changes)
    return data


def author_saves(client, item: Item, fi: str, sv: str) -> None:
    response = client.post(
        reverse("courses:item_edit", args=[item.pk]),
        edit_data(client, item, questions_text_fi=fi, questions_text_sv=sv),
    )
    assert response.status_code == 302, response.context["form"].errors


def review(client, item: Item, number: int) -> dict[str, object]:
    page = client.get(reverse("courses:quiz_result", args=[item.pk, number]))
    assert page.status_code == 200
    html = page.content.decode()
    score = re.search(r'data-testid="quiz-result" data-passed="(\w+)">\s*([^<]*)', html)
    assert score is not None
    return {
        "questions": [(n, text, mark) for _pk, mark, n, text in QUESTION.findall(html)],
        "chosen": CHOSEN.findall(html),
        "passed": score[1],
        "result": " ".join(score[2].split()),
        "html": html,
    }


ATTEMPT_1 = [("1", "Mikä on verkosto?", "true"), ("2", "Mitkä ovat kokeilun vaiheita?", "false")]
ATTEMPT_2 = [("1", "Mikä on verkosto?", "true"), ("2", "Mitkä ovat kokeilun vaiheita?", "true")]


@pytest.mark.parametrize("edit", EDITS)
def test_a_past_attempt_shows_what_it_asked_after_the_check_is_edited(
    client_for, learner, author, check, edit
):
    take_twice(client_for(learner), check)
    before = [review(client_for(learner), check, n) for n in (1, 2)]
    assert [b["questions"] for b in before] == [ATTEMPT_1, ATTEMPT_2]

    fi, sv = EDITS[edit]
    author_saves(client_for(author), check, fi, sv)

    client = client_for(learner)
    after = [review(client, check, n) for n in (1, 2)]
    for old, new in zip(before, after, strict=True):
        # The same questions in the same order, with the same marks per question and per
        # chosen option, the same explanations and score.
        assert new["questions"] == old["questions"]
        assert new["chosen"] == old["chosen"]
        assert (new["passed"], new["result"]) == (old["passed"], old["result"])
        for said in ("Juuri niin.", "Suunnittelu", "Arviointi", "Arvonta"):
            assert said in new["html"]
        assert "alueagentti?" not in new["html"]
        assert "alueellinen" not in new["html"]
    assert after[0]["chosen"] == ["true", "true"]  # Q1's right option, Q2's one of two
    assert after[1]["passed"] == "true"
    assert "100 %" in after[1]["result"]
    assert "50 %" in after[0]["result"]
    assert 'data-testid="quiz-questions-changed"' in after[0]["html"]
    # The learner's result and completion stay; the check shows it passed.
    assert list(
        QuizAttempt.objects.filter(user=learner, item=check)
        .order_by("number")
        .values_list("score", "passed")
    ) == [(50, False), (100, True)]
    assert Completion.objects.filter(user=learner, item=check).exists()
    lesson = client.get(reverse("courses:item", args=[check.pk])).content.decode()
    assert 'data-testid="quiz-passed"' in lesson


def test_a_swedish_learner_reviews_the_swedish_texts_as_they_were(
    client_for, learner, author, check
):
    learner.language = "sv"
    learner.save(update_fields=["language"])
    take_twice(client_for(learner), check)
    fi, sv = EDITS["a question added at the top"]
    author_saves(
        client_for(author), check, fi, sv.replace("Vad är ett nätverk?", "Vad betyder nätverk?")
    )
    html = review(client_for(learner), check, 1)["html"]
    assert "1. Vad är ett nätverk?" in html
    assert "Vad betyder" not in html
    assert "regionagent" not in html
    assert "Just så." in html


def test_the_rows_continue_where_the_questions_only_moved_or_were_reworded(
    client_for, author, check
):
    first, second = check.questions.order_by("position")
    fi, sv = EDITS["a question added at the top"]
    author_saves(
        client_for(author),
        check,
        fi.replace("Mitkä ovat kokeilun vaiheita?", "Mitkä ovat kokeilun vaiheet?"),
        sv,
    )
    new, kept_first, kept_second = check.questions.order_by("position")
    assert (kept_first.pk, kept_second.pk) == (first.pk, second.pk)
    assert new.pk not in (first.pk, second.pk)
    assert kept_second.text_fi == "Mitkä ovat kokeilun vaiheet?"
    assert kept_first.text_sv == "Vad är ett nätverk?"
    assert new.text_sv == "Vad är en regionagent?"
    assert [c.text_sv for c in kept_second.choices.order_by("position")] == [
        "Planering",
        "Utvärdering",
        "Lottning",
    ]


def test_a_learner_who_may_try_again_answers_the_check_as_it_is_now(
    client_for, learner, author, check
):
    client = client_for(learner)
    url = reverse("courses:quiz_submit", args=[check.pk])
    client.post(url, answers(check, all_right=False))
    # Before any edit the review is the form for the next try.
    assert 'data-testid="quiz-submit"' in review(client, check, 1)["html"]

    author_saves(client_for(author), check, *EDITS["a question added at the top"])
    html = review(client_for(learner), check, 1)["html"]
    # The review shows the attempt as it was and sends the learner to the current questions.
    assert 'data-testid="quiz-submit"' not in html
    assert 'data-testid="quiz-current"' in html
    lesson = client.get(reverse("courses:item", args=[check.pk])).content.decode()
    assert "1. Mikä on alueagentti?" in lesson
    assert client.post(url, answers_all_right(check)).status_code == 302
    attempt = QuizAttempt.objects.get(user=learner, item=check, number=2)
    assert (attempt.score, attempt.passed) == (100, True)
    assert [q[1] for q in review(client, check, 2)["questions"]] == [
        "Mikä on alueagentti?",
        "Mikä on verkosto?",
        "Mitkä ovat kokeilun vaiheita?",
    ]


def answers_all_right(item: Item) -> dict[str, object]:
    return {
        f"q{q.pk}": [c.pk for c in q.choices.all() if c.is_correct]
        for q in item.questions.prefetch_related("choices")
    }


def test_an_unchanged_save_leaves_the_review_as_the_form_for_the_next_try(
    client_for, learner, author, check
):
    client = client_for(learner)
    client.post(reverse("courses:quiz_submit", args=[check.pk]), answers(check, all_right=False))
    author_saves(client_for(author), check, FINNISH, SWEDISH)
    html = review(client_for(learner), check, 1)["html"]
    assert 'data-testid="quiz-submit"' in html
    assert 'data-testid="quiz-questions-changed"' not in html


def test_a_drawn_question_edited_or_deleted_in_the_bank_stays_as_asked(
    client_for, learner, author, course
):
    authoring.bank_questions_add(course=course, text=FINNISH, tags="Verkostot")
    drawing = factories.ItemFactory(
        module=course.modules.order_by("position", "pk").first(),
        kind=Item.Kind.QUIZ,
        completion_rule=Item.Rule.QUIZ_PASSED,
        pass_mark=100,
        draw_count=2,
    )
    client = client_for(learner)
    assert client.post(reverse("courses:quiz_start", args=[drawing.pk])).status_code == 302
    drawn = QuizAttempt.objects.get(user=learner, item=drawing).questions
    asked = {q.pk: q for q in Question.objects.filter(pk__in=drawn).prefetch_related("choices")}
    data = {
        f"q{pk}": [c.pk for c in asked[pk].choices.all() if c.is_correct][:1]
        if asked[pk].kind == Question.Kind.MULTIPLE
        else [c.pk for c in asked[pk].choices.all() if c.is_correct]
        for pk in drawn
    }
    client.post(reverse("courses:quiz_submit", args=[drawing.pk]), data)
    before = review(client, drawing, 1)
    assert sorted(q[2] for q in before["questions"]) == ["false", "true"]

    writer = client_for(author)
    network = Question.objects.get(course=course, text_fi="Mikä on verkosto?")
    phases = Question.objects.get(course=course, text_fi="Mitkä ovat kokeilun vaiheita?")
    response = writer.post(
        reverse("courses:question_edit", args=[network.pk]),
        {"text_fi": "? Mikä on verkko?\n- Yhteistyön rakenne\n* Tietokanta", "tags": ""},
    )
    assert response.status_code == 302
    response = writer.post(reverse("courses:question_delete", args=[phases.pk]))
    assert response.status_code == 302
    assert not Question.objects.filter(pk=phases.pk).exists()

    after = review(client_for(learner), drawing, 1)
    assert after["questions"] == before["questions"]
    assert after["chosen"] == before["chosen"]
    assert after["result"] == before["result"]
    assert "verkko" not in after["html"]


# --- the attempts answered before the snapshots -------------------------------------------

BEFORE = [("courses", "0014_reflections_kept_item_creation")]
AFTER = [("courses", "0015_quizattempt_snapshot")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_each_answered_attempt_as_its_questions_are_now():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("core", "User")
    Course = old.get_model("courses", "Course")
    Module = old.get_model("courses", "Module")
    Item = old.get_model("courses", "Item")
    Question = old.get_model("courses", "Question")
    Choice = old.get_model("courses", "Choice")
    Attempt = old.get_model("courses", "QuizAttempt")
    user = User.objects.create(email="vanha@example.fi")
    course = Course.objects.create(title_fi="Vanha", slug="vanha-s11")
    item = Item.objects.create(
        module=Module.objects.create(course=course, title_fi="M"), kind="quiz", title_fi="Visa"
    )
    number = Question.objects.create(
        course=course,
        item=item,
        kind="numeric",
        text_fi="Montako?",
        text_sv="Hur många?",
        number="3.5",
        tolerance="0.1",
        position=0,
    )
    single = Question.objects.create(course=course, item=item, text_fi="Yksi?", position=1)
    right = Choice.objects.create(question=single, text_fi="a", text_sv="å", is_correct=True)
    wrong = Choice.objects.create(question=single, text_fi="b", explanation_fi="Ei.", position=1)
    answered = Attempt.objects.create(
        user=user,
        item=item,
        number=1,
        score=50,
        passed=False,
        questions=[number.pk, single.pk, 999_999],  # the last one deleted long ago
        answers={str(number.pk): "3.5", str(single.pk): [wrong.pk]},
        results={str(number.pk): True, str(single.pk): False},
    )
    still_open = Attempt.objects.create(
        user=user, item=item, number=2, questions=[single.pk], submitted_at=None
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Attempt = new.get_model("courses", "QuizAttempt")
    snapshot = Attempt.objects.get(pk=answered.pk).snapshot
    assert Attempt.objects.get(pk=still_open.pk).snapshot is None
    assert [entry["id"] for entry in snapshot] == [number.pk, single.pk]
    numeric, choice_question = snapshot
    assert numeric["kind"] == "numeric"
    assert numeric["text"] == {"fi": "Montako?", "sv": "Hur många?", "en": ""}
    assert (float(numeric["number"]), float(numeric["tolerance"])) == (3.5, 0.1)
    assert [(c["id"], c["is_correct"], c["text"]["sv"]) for c in choice_question["choices"]] == [
        (right.pk, True, "å"),
        (wrong.pk, False, ""),
    ]
    assert choice_question["choices"][1]["explanation"]["fi"] == "Ei."
    # Back to the latest state for the rest of the suite.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_snapshot_rebuilds_what_the_review_reads(check):
    from courses import quiz, selectors

    questions = selectors.quiz_questions(item=check)
    rebuilt = quiz.from_snapshot(quiz.snapshot(questions))
    assert [q.pk for q in rebuilt] == [q.pk for q in questions]
    with translation.override("sv"):
        assert [q.text for q in rebuilt] == [q.text for q in questions]
        assert [[c.text for c in q.choices.all()] for q in rebuilt] == [
            [c.text for c in q.choices.all()] for q in questions
        ]
    assert [q.feedback for q in rebuilt] == [q.feedback for q in questions]
    assert [[(c.pk, c.is_correct, c.explanation) for c in q.choices.all()] for q in rebuilt] == [
        [(c.pk, c.is_correct, c.explanation) for c in q.choices.all()] for q in questions
    ]
