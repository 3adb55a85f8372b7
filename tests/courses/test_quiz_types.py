"""Numeric, short text, matching and ordering questions: answered, graded and reviewed as a
Moodle user expects (a decimal comma, no fuss about case or spaces, selects instead of drag
and drop), with bad answers refused with a 400 that saves nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from courses import quiz
from courses.models import Completion, Question, QuizAttempt
from tests.courses.quiz_helpers import make_typed_quiz, typed_answers

pytestmark = pytest.mark.django_db


def submit(client, item, data, **extra):
    return client.post(reverse("courses:quiz_submit", args=[item.pk]), {**data, **extra})


def test_the_text_format_builds_every_type(course):
    _item, qs = make_typed_quiz(course.modules.first())
    numeric = qs[Question.Kind.NUMERIC]
    assert (numeric.number, numeric.tolerance) == (Decimal("3.5"), Decimal("0.1"))
    assert "kolme ja puoli" in numeric.feedback
    assert [c.text for c in qs[Question.Kind.SHORT_TEXT].choices.all()] == [
        "Kasvukäytävä",
        "Suomen kasvukäytävä",
    ]
    assert [(c.text, c.match) for c in qs[Question.Kind.MATCHING].choices.all()] == [
        ("Hämeenlinna", "Kanta-Häme"),
        ("Tampere", "Pirkanmaa"),
        ("", "Uusimaa"),
    ]
    assert [c.text for c in qs[Question.Kind.ORDERING].choices.all()] == [
        "Haaste",
        "Idea",
        "Kokeilu",
        "Tulokset",
    ]
    # Every question is in the course's bank.
    assert {q.course_id for q in qs.values()} == {course.pk}


def test_right_answers_of_every_type_pass_and_complete_the_item(client_for, learner, course):
    item, qs = make_typed_quiz(course.modules.first())
    response = submit(client_for(learner), item, typed_answers(qs))
    assert response.status_code == 302
    attempt = QuizAttempt.objects.get(user=learner, item=item)
    assert (attempt.score, attempt.passed) == (100, True)
    assert set(attempt.results.values()) == {True}
    # The number is kept as a number, whatever the decimal mark was.
    assert attempt.answers[str(qs[Question.Kind.NUMERIC].pk)] == "3.55"
    assert Completion.objects.filter(user=learner, item=item).exists()


def test_a_passed_check_opened_again_says_so_instead_of_showing_empty_greyed_questions(
    client_for, learner, course
):
    item, qs = make_typed_quiz(course.modules.first())
    client = client_for(learner)
    submit(client, item, typed_answers(qs))
    html = client.get(reverse("courses:item", args=[item.pk])).content.decode()
    assert 'data-testid="quiz-passed"' in html
    assert "100\u00a0%" in html.split('data-testid="quiz-passed"')[1].split("</div>")[0]
    assert f'action="{reverse("courses:quiz_submit", args=[item.pk])}"' not in html
    # The attempt's own page still shows its answers and their review.
    attempt = QuizAttempt.objects.get(user=learner, item=item)
    result = client.get(reverse("courses:quiz_result", args=[item.pk, attempt.number]))
    assert 'data-testid="question-feedback"' in result.content.decode()


def test_wrong_answers_are_wrong_and_the_review_says_so_per_question(client_for, learner, course):
    item, qs = make_typed_quiz(course.modules.first())
    client = client_for(learner)
    response = submit(client, item, typed_answers(qs, right=False))
    assert response.status_code == 302
    attempt = QuizAttempt.objects.get(user=learner)
    assert (attempt.score, attempt.passed) == (0, False)
    html = client.get(response["Location"]).content.decode()
    assert html.count('data-testid="question-feedback" data-correct="false"') == 4
    # The author's feedback text is shown; the right answer only where the check allows it.
    assert "kolme ja puoli" in html
    assert 'data-testid="right-answer"' not in html
    # Matching and ordering say which rows were wrong.
    assert 'data-testid="row-feedback" data-correct="false"' in html


def test_the_review_shows_the_right_answers_where_the_check_allows_it(client_for, learner, course):
    item, qs = make_typed_quiz(course.modules.first(), review_shows_answers=True)
    client = client_for(learner)
    response = submit(client, item, typed_answers(qs, right=False))
    html = client.get(response["Location"]).content.decode()
    assert html.count('data-testid="right-answer"') == 4
    assert "3,5 ± 0,1" in html
    assert "Hämeenlinna → Kanta-Häme" in html
    assert "Haaste → Idea → Kokeilu → Tulokset" in html


@pytest.mark.parametrize(
    ("given", "right"),
    [("3,5", True), ("3.45", True), ("3,6", True), ("3,61", False), ("-3,5", False), ("4", False)],
)
def test_a_numeric_answer_counts_within_the_tolerance(given, right, course):
    _item, qs = make_typed_quiz(course.modules.first())
    question = qs[Question.Kind.NUMERIC]
    assert quiz.grade(question, quiz.read(question, [given])) is right


@pytest.mark.parametrize(
    ("given", "right"),
    [
        ("kasvukäytävä", True),
        ("KASVU KÄYTÄVÄ", True),
        (" Suomen  kasvukäytävä ", True),
        ("Kasvu", False),
    ],
)
def test_a_short_text_answer_ignores_case_and_spaces(given, right, course):
    _item, qs = make_typed_quiz(course.modules.first())
    question = qs[Question.Kind.SHORT_TEXT]
    assert quiz.grade(question, quiz.read(question, [given])) is right


def test_a_half_right_matching_or_ordering_question_is_not_right(course):
    _item, qs = make_typed_quiz(course.modules.first())
    matching = qs[Question.Kind.MATCHING]
    first, second = quiz.prompts(matching)
    distractor = matching.choices.get(text="")
    assert quiz.grade(matching, {str(first.pk): first.pk, str(second.pk): distractor.pk}) is False
    assert quiz.grade(matching, {str(first.pk): first.pk, str(second.pk): second.pk}) is True
    ordering = qs[Question.Kind.ORDERING]
    rows = quiz.prompts(ordering)
    swapped = {str(c.pk): n for n, c in enumerate(rows, start=1)}
    swapped[str(rows[0].pk)], swapped[str(rows[1].pk)] = 2, 1
    assert quiz.grade(ordering, swapped) is False


@pytest.mark.parametrize(
    "bad", ["not-a-number", "repeated-position", "missing-row", "forged-option"]
)
def test_a_bad_answer_is_a_400_with_the_reason_and_saves_nothing(client_for, learner, course, bad):
    item, qs = make_typed_quiz(course.modules.first())
    data = typed_answers(qs)
    ordering, matching = qs[Question.Kind.ORDERING], qs[Question.Kind.MATCHING]
    order_rows, match_rows = quiz.prompts(ordering), quiz.prompts(matching)
    if bad == "not-a-number":
        data[f"q{qs[Question.Kind.NUMERIC].pk}"] = "kolme ja puoli"
    elif bad == "repeated-position":
        data[f"q{ordering.pk}_{order_rows[1].pk}"] = 1
    elif bad == "missing-row":
        del data[f"q{matching.pk}_{match_rows[0].pk}"]
    else:
        data[f"q{matching.pk}_{match_rows[0].pk}"] = order_rows[0].pk  # another question's
    response = submit(client_for(learner), item, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="quiz-error"' in html
    # The form comes back with what the learner gave.
    assert 'value="3,55"' in html or bad == "not-a-number"
    assert not QuizAttempt.objects.exists()


def test_the_answer_form_works_without_drag_and_drop(client_for, learner, course):
    """Every row of a matching or ordering question is a labelled select."""
    item, qs = make_typed_quiz(course.modules.first())
    html = client_for(learner).get(reverse("courses:item", args=[item.pk])).content.decode()
    for kind in (Question.Kind.MATCHING, Question.Kind.ORDERING):
        question = qs[kind]
        for row in quiz.prompts(question):
            field = f"q{question.pk}_{row.pk}"
            assert f'<label class="col-form-label" for="{field}">' in html
            assert f'<select class="form-select" name="{field}" id="{field}"' in html
    assert 'inputmode="decimal"' in html
    assert "draggable" not in html


def test_sending_the_same_form_twice_keeps_one_attempt(client_for, learner, course):
    item, qs = make_typed_quiz(course.modules.first())
    client = client_for(learner)
    wrong = typed_answers(qs, right=False)
    first = submit(client, item, wrong, attempt="1")
    again = submit(client, item, typed_answers(qs), attempt="1")
    assert (
        first["Location"] == again["Location"] == reverse("courses:quiz_result", args=[item.pk, 1])
    )
    assert QuizAttempt.objects.filter(user=learner).count() == 1
    # The next attempt is a new number.
    assert submit(client, item, typed_answers(qs), attempt="2").status_code == 302
    assert list(QuizAttempt.objects.values_list("number", "passed").order_by("number")) == [
        (1, False),
        (2, True),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "?# Paljonko?\n",  # no right number
        "?# Paljonko?\n= kolme\n",
        "?# Paljonko?\n= 3 ± -1\n",
        "?~ Mikä?\n- väärin\n",  # an accepted answer starts with "*"
        "?= Yhdistä\n- A = B\n",  # one pair only
        "?= Yhdistä\n- A B\n- C -> D\n",
        "?^ Järjestä\n- Yksi\n",
        "?^ Järjestä\n* Yksi\n* Kaksi\n",
    ],
)
def test_the_text_format_refuses_incomplete_questions(text):
    from courses.authoring import AuthoringError, quiz_parse

    with pytest.raises(AuthoringError):
        quiz_parse(text)


def test_old_single_and_multiple_choice_questions_still_work(client_for, learner, course):
    from tests.courses.factories import make_quiz

    item, c = make_quiz(course.modules.first())
    q1, q2 = c["a"].question_id, c["x"].question_id
    response = submit(
        client_for(learner), item, {f"q{q1}": c["a"].pk, f"q{q2}": [c["x"].pk, c["y"].pk]}
    )
    assert response.status_code == 302
    assert QuizAttempt.objects.get(user=learner).passed


def test_the_editor_shows_the_questions_in_the_format_they_were_written_in(course):
    from courses.authoring import quiz_as_text, quiz_parse

    item, _qs = make_typed_quiz(course.modules.first())
    text = quiz_as_text(item)
    assert "= 3,5 ± 0,1" in text
    assert "- = Uusimaa" in text
    again = quiz_parse(text)
    assert [(q.kind, q.text, len(q.choices)) for q in again] == [
        ("numeric", "Paljonko on 7 / 2?", 0),
        ("short_text", "Mikä verkosto kokoaa 17 kuntaa?", 2),
        ("matching", "Yhdistä kaupunki maakuntaan.", 3),
        ("ordering", "Järjestä kokeilun vaiheet.", 4),
    ]


def test_the_learner_sees_their_best_result(client_for, learner, course):
    item, qs = make_typed_quiz(course.modules.first(), pass_mark=100)
    client = client_for(learner)
    submit(client, item, typed_answers(qs, right=False))
    three_of_four = typed_answers(qs)
    three_of_four[f"q{qs[Question.Kind.NUMERIC].pk}"] = "99"
    submit(client, item, three_of_four)
    submit(client, item, typed_answers(qs, right=False))
    html = client.get(reverse("courses:item", args=[item.pk])).content.decode()
    assert 'data-testid="quiz-best" data-score="75"' in html


def test_a_second_window_sending_other_answers_to_a_sent_attempt_is_told_they_were_not_kept(
    client_for, learner, course
):
    """Attempt 1 was sent from one window; another window still showing it sends other
    answers: the first send counts and the page says the new answers were not recorded. The
    same answers again (a second click) say nothing."""
    item, qs = make_typed_quiz(course.modules.first())
    client = client_for(learner)
    submit(client, item, typed_answers(qs, right=False), attempt="1")
    again = submit(client, item, typed_answers(qs, right=False), attempt="1")
    assert "toisesta ikkunasta" not in client.get(again["Location"]).content.decode()
    other = submit(client, item, typed_answers(qs), attempt="1")
    html = client.get(other["Location"]).content.decode()
    assert "toisesta ikkunasta" in html
    assert QuizAttempt.objects.filter(user=learner, item=item).count() == 1
    assert QuizAttempt.objects.get(user=learner, item=item).score == 0
