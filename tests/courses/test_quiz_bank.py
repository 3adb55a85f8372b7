"""The course's question bank: only its authors list, add, edit and remove questions (by tag);
a knowledge check draws N questions at random per attempt, fixed on the attempt (a reload shows
the same ones, a resubmit is idempotent); the best result per check and learner is one
selector; export and import carry the types and the bank."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from courses import authoring, selectors, services, transfer
from courses.models import Completion, Item, Question, QuestionTag, QuizAttempt
from tests import factories
from tests.courses.quiz_helpers import TYPED_TEXT, make_typed_quiz, typed_answers

pytestmark = pytest.mark.django_db

BANK_TEXT = """? Mikä on kokeilu?
* Pieni, nopea testi | Juuri niin.
- Valmis ratkaisu

?# Montako kuntaa kasvukäytävässä on?
= 17

?~ Mikä sana tarkoittaa yhteistyön rakennetta?
* verkosto
"""


@pytest.fixture
def author(course):
    user = factories.UserFactory(email="kirjoittaja@example.fi")
    course.authors.add(user)
    return user


def bank_url(course):
    return reverse("courses:question_bank", args=[course.pk])


def fill_bank(course, *, tag="Verkostot", text=BANK_TEXT):
    return authoring.bank_questions_add(course=course, text=text, tags=tag)


# --- who may use the bank --------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["learner", "instructor", "coordinator"])
def test_people_of_the_course_who_are_not_authors_get_403(request, client_for, persona, course):
    question = fill_bank(course)[0]
    client = client_for(request.getfixturevalue(persona))
    assert client.get(bank_url(course)).status_code == 403
    assert client.post(bank_url(course), {"text": BANK_TEXT}).status_code == 403
    edit = reverse("courses:question_edit", args=[question.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"text": "? Muutettu\n* a\n- b"}).status_code == 403
    delete = reverse("courses:question_delete", args=[question.pk])
    assert client.post(delete).status_code == 403
    assert Question.objects.filter(course=course).count() == 3
    assert Question.objects.get(pk=question.pk).text == "Mikä on kokeilu?"


def test_people_outside_the_course_get_404(client_for, course, other_instructor):
    question = fill_bank(course)[0]
    other_course_author = factories.UserFactory()
    factories.CourseFactory().authors.add(other_course_author)
    for person in (other_course_author, factories.UserFactory()):
        client = client_for(person)
        assert client.get(bank_url(course)).status_code == 404
        assert client.get(reverse("courses:question_edit", args=[question.pk])).status_code == 404
        assert (
            client.post(reverse("courses:question_delete", args=[question.pk])).status_code == 404
        )
    assert Question.objects.filter(pk=question.pk).exists()


def test_a_quiz_start_is_only_for_the_courses_learners(
    client_for, course, instructor, outsider_learner
):
    item = factories.ItemFactory(module=course.modules.first(), kind=Item.Kind.QUIZ, draw_count=1)
    fill_bank(course)
    url = reverse("courses:quiz_start", args=[item.pk])
    assert client_for(instructor).post(url).status_code == 403
    assert client_for(factories.UserFactory()).post(url).status_code == 404
    assert client_for(instructor).get(url).status_code == 405
    assert not QuizAttempt.objects.exists()


# --- authoring the bank ------------------------------------------------------------------------


def test_an_author_adds_tagged_questions_and_filters_by_tag(client_for, author, course):
    client = client_for(author)
    response = client.post(bank_url(course), {"text": BANK_TEXT, "tags": "Verkostot, kokeilut"})
    assert response.status_code == 302
    questions = list(Question.objects.filter(course=course).order_by("position"))
    assert [q.kind for q in questions] == ["single", "numeric", "short_text"]
    assert all(q.item_id is None for q in questions)
    assert {t.name for t in questions[0].tags.all()} == {"Verkostot", "kokeilut"}
    # A second batch with another tag (and a tag already there, written differently).
    client.post(bank_url(course), {"text": "? Yksi\n* a\n- b", "tags": "VERKOSTOT, Uusi"})
    assert set(QuestionTag.objects.filter(course=course).values_list("name", flat=True)) == {
        "Verkostot",
        "kokeilut",
        "Uusi",
    }
    uusi = QuestionTag.objects.get(name="Uusi")
    html = client.get(bank_url(course), {"tag": uusi.pk}).content.decode()
    assert html.count('data-testid="bank-question"') == 1
    html = client.get(bank_url(course)).content.decode()
    assert html.count('data-testid="bank-question"') == 4


@pytest.mark.parametrize(
    "text", ["", "? Mikä?\n* vain yksi", "?# Paljonko?\n= kolme", "Ei merkkiä alussa"]
)
def test_bad_bank_input_is_a_400_with_the_reason_and_adds_nothing(client_for, author, course, text):
    response = client_for(author).post(bank_url(course), {"text": text, "tags": "Uusi"})
    assert response.status_code == 400
    assert 'class="invalid-feedback' in response.content.decode()
    assert not Question.objects.filter(course=course).exists()
    assert not QuestionTag.objects.exists()


def test_an_author_edits_and_removes_a_bank_question(client_for, author, course):
    question = fill_bank(course)[1]
    client = client_for(author)
    url = reverse("courses:question_edit", args=[question.pk])
    html = client.get(url).content.decode()
    assert "= 17" in html
    assert client.post(url, {"text": "?# Montako?\n= 17 ± 1", "tags": "Luvut"}).status_code == 302
    question.refresh_from_db()
    assert (question.text, question.tolerance, [t.name for t in question.tags.all()]) == (
        "Montako?",
        1,
        ["Luvut"],
    )
    # One question only, and nothing changes when it is not.
    response = client.post(url, {"text": "? A\n* a\n- b\n\n? B\n* a\n- b"})
    assert response.status_code == 400
    question.refresh_from_db()
    assert question.text == "Montako?"
    assert client.post(reverse("courses:question_delete", args=[question.pk])).status_code == 302
    assert not Question.objects.filter(pk=question.pk).exists()


def test_the_bank_lists_with_a_flat_number_of_queries(
    client_for, author, course, django_assert_num_queries
):
    # The session, and the author with the navigation's roles (2); the course (1); its tags
    # for the filter (1); the questions (1) with their tags (1) and choices (1), however many.
    # (30 allowed before.)
    budget = 7
    make_typed_quiz(course.modules.first())
    fill_bank(course)
    client = client_for(author)
    client.get(bank_url(course))
    with django_assert_num_queries(budget):
        assert client.get(bank_url(course)).status_code == 200
    for n in range(5):
        make_typed_quiz(course.modules.last(), title=f"Tarkistus {n}")
        fill_bank(course, tag=f"Aihe {n}")
    html = client.get(bank_url(course)).content.decode()
    assert html.count('data-testid="bank-question"') == 4 + 3 + 5 * 7
    with django_assert_num_queries(budget):
        assert client.get(bank_url(course)).status_code == 200


# --- a check that draws from the bank ----------------------------------------------------------


def draw_check(course, *, count=2, tag=None, **fields):
    return factories.ItemFactory(
        module=course.modules.first(),
        kind=Item.Kind.QUIZ,
        completion_rule=Item.Rule.QUIZ_PASSED,
        pass_mark=fields.pop("pass_mark", 100),
        draw_count=count,
        draw_tag=tag,
        **fields,
    )


def test_each_attempt_draws_its_questions_and_keeps_them(client_for, learner, course):
    fill_bank(course, tag="Muut")
    bank = authoring.bank_questions_add(course=course, text=TYPED_TEXT, tags="Tyypit")
    tag = QuestionTag.objects.get(name="Tyypit")
    item = draw_check(course, count=2, tag=tag)
    client = client_for(learner)
    page = reverse("courses:item", args=[item.pk])
    # Nothing is drawn before the learner starts; starting twice is one attempt.
    assert 'data-testid="quiz-start"' in client.get(page).content.decode()
    assert not QuizAttempt.objects.exists()
    start = reverse("courses:quiz_start", args=[item.pk])
    assert client.post(start).status_code == 302
    assert client.post(start).status_code == 302
    attempt = QuizAttempt.objects.get()
    assert attempt.submitted_at is None
    assert len(attempt.questions) == 2
    assert set(attempt.questions) <= {q.pk for q in bank}
    # A reload shows the same questions.
    shown = [client.get(page).content.decode() for _ in range(2)]
    for html in shown:
        for pk in attempt.questions:
            assert f'data-question="{pk}"' in html
        assert html.count('data-testid="question"') == 2
    # Answering grades exactly those questions, and a resend shows the same result.
    questions = {q.kind: q for q in Question.objects.filter(pk__in=attempt.questions)}
    data = {**typed_answers(questions), "attempt": attempt.number}
    url = reverse("courses:quiz_submit", args=[item.pk])
    assert client.post(url, data)["Location"] == reverse("courses:quiz_result", args=[item.pk, 1])
    assert client.post(url, data).status_code == 302
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed, QuizAttempt.objects.count()) == (100, True, 1)
    assert Completion.objects.filter(user=learner, item=item).exists()


def test_a_failed_draw_leads_to_a_new_attempt_with_a_new_draw(client_for, learner, course):
    bank = authoring.bank_questions_add(course=course, text=TYPED_TEXT, tags="Tyypit")
    item = draw_check(course, count=4)
    client = client_for(learner)
    first = services.quiz_attempt_open(user=learner, item=item)
    assert sorted(first.questions) == sorted(q.pk for q in bank)
    questions = {q.kind: q for q in bank}
    client.post(
        reverse("courses:quiz_submit", args=[item.pk]),
        {**typed_answers(questions, right=False), "attempt": 1},
    )
    result = client.get(reverse("courses:quiz_result", args=[item.pk, 1])).content.decode()
    # The review shows the attempt's questions read-only, and the way to a new attempt.
    assert result.count('data-testid="question-feedback" data-correct="false"') == 4
    assert 'data-testid="quiz-submit"' not in result
    assert 'data-testid="quiz-start"' in result
    client.post(reverse("courses:quiz_start", args=[item.pk]))
    second = QuizAttempt.objects.get(number=2)
    assert second.submitted_at is None
    assert sorted(second.questions) == sorted(first.questions)


def test_an_unanswered_drawn_question_is_a_400_and_the_attempt_stays_open(
    client_for, learner, course
):
    authoring.bank_questions_add(course=course, text=TYPED_TEXT)
    item = draw_check(course, count=2)
    client = client_for(learner)
    client.post(reverse("courses:quiz_start", args=[item.pk]))
    response = client.post(reverse("courses:quiz_submit", args=[item.pk]), {"attempt": 1})
    assert response.status_code == 400
    attempt = QuizAttempt.objects.get()
    assert (attempt.submitted_at, attempt.answers) == (None, {})


def test_the_item_form_refuses_a_draw_larger_than_the_bank(client_for, author, course):
    fill_bank(course, tag="Verkostot")
    tag = QuestionTag.objects.get(name="Verkostot")
    module = course.modules.first()
    data = {
        "kind": "quiz",
        "title": "Satunnainen tarkistus",
        "body": "",
        "minutes": 5,
        "completion_rule": "quiz_passed",
        "pass_mark": 80,
        "max_attempts": 0,
        "draw_count": 4,
        "draw_tag": tag.pk,
        "questions_text": "",
    }
    client = client_for(author)
    response = client.post(reverse("courses:item_create", args=[module.pk]), data)
    assert response.status_code == 400
    assert not Item.objects.filter(title="Satunnainen tarkistus").exists()
    data["draw_count"] = 3
    assert client.post(reverse("courses:item_create", args=[module.pk]), data).status_code == 302
    item = Item.objects.get(title="Satunnainen tarkistus")
    assert (item.draw_count, item.draw_tag) == (3, tag)
    # A tag of another course is not a choice.
    other = QuestionTag.objects.create(course=factories.CourseFactory(), name="Vieras")
    data.update(draw_tag=other.pk, title="Toinen")
    assert client.post(reverse("courses:item_create", args=[module.pk]), data).status_code == 400


def test_the_attempt_review_reads_a_flat_number_of_queries(
    client_for, learner, course, django_assert_num_queries
):
    # The session, and the learner with the navigation's roles and unread badge (2); the item
    # (1); the outline, which holds the module's lock too: the cohort, modules and items (3);
    # the attempt (1); the learner's attempts (2); the questions asked (1) and their choices
    # (1). (13 allowed before: the lock check read the cohort and modules on its own.)
    budget = 11
    item, qs = make_typed_quiz(course.modules.first(), review_shows_answers=True)
    client = client_for(learner)
    client.post(reverse("courses:quiz_submit", args=[item.pk]), typed_answers(qs, right=False))
    url = reverse("courses:quiz_result", args=[item.pk, 1])
    client.get(url)
    with django_assert_num_queries(budget):
        assert client.get(url).status_code == 200
    # Five times the questions, and more attempts before: the same queries.
    text = "\n\n".join([TYPED_TEXT] * 5)
    item5, qs5 = make_typed_quiz(course.modules.first(), text=text, review_shows_answers=True)
    every = {}
    for question in item5.questions.prefetch_related("choices"):
        every.update(typed_answers({question.kind: question}, right=False))
    for _n in range(3):
        QuizAttempt.objects.create(user=learner, item=item5, number=_n + 1, score=0)
    assert client.post(reverse("courses:quiz_submit", args=[item5.pk]), every)[
        "Location"
    ] == reverse("courses:quiz_result", args=[item5.pk, 4])
    url5 = reverse("courses:quiz_result", args=[item5.pk, 4])
    html = client.get(url5).content.decode()
    assert html.count('data-testid="question-feedback" data-correct="false"') == 20
    with django_assert_num_queries(budget):
        assert client.get(url5).status_code == 200


# --- the best result per check and learner -------------------------------------------------------


def test_the_best_result_per_check_and_learner(
    course, learner, other_learner, django_assert_num_queries
):
    item, _qs = make_typed_quiz(course.modules.first())
    other_item, _qs = make_typed_quiz(course.modules.last(), title="Toinen")
    rows = [
        (learner, item, 1, 40),
        (learner, item, 2, 80),
        (learner, item, 3, 80),
        (other_learner, item, 1, 100),
        (learner, other_item, 1, 0),
    ]
    for user, check, number, score in rows:
        QuizAttempt.objects.create(
            user=user, item=check, number=number, score=score, passed=score == 100
        )
    # An open attempt has no result yet.
    QuizAttempt.objects.create(user=other_learner, item=other_item, number=1, submitted_at=None)
    with django_assert_num_queries(1):
        best = selectors.quiz_best_results(course=course)
    assert {k: (b.score, b.number, b.attempts) for k, b in best.items()} == {
        (learner.pk, item.pk): (80, 2, 3),
        (other_learner.pk, item.pk): (100, 1, 1),
        (learner.pk, other_item.pk): (0, 1, 1),
    }
    assert selectors.quiz_best_result(user=learner, item=item).score == 80
    assert selectors.quiz_best_result(user=other_learner, item=other_item) is None
    # Many more learners: still one query.
    for n in range(30):
        user = factories.UserFactory()
        QuizAttempt.objects.create(user=user, item=item, number=1, score=n)
    with django_assert_num_queries(1):
        assert len(selectors.quiz_best_results(items=[item.pk, other_item.pk])) == 33


# --- export and import ------------------------------------------------------------------------


def test_export_and_import_carry_the_types_the_bank_and_the_draw(course, author):
    item, _qs = make_typed_quiz(course.modules.first(), review_shows_answers=True)
    fill_bank(course, tag="Verkostot")
    tag = QuestionTag.objects.get(name="Verkostot")
    draw_check(course, count=2, tag=tag, title="Arvonta")
    copy = transfer.course_import(archive=transfer.course_export(course=course), by=author)
    original = transfer.course_structure(course)
    copied = transfer.course_structure(copy)
    assert copied["question_bank"] == original["question_bank"]
    assert len(copied["question_bank"]) == 3
    assert copied["modules"][0]["items"][-2:] == original["modules"][0]["items"][-2:]
    imported = Item.objects.get(module__course=copy, title="Arvonta")
    assert (imported.draw_count, imported.draw_tag.name) == (2, "Verkostot")
    assert imported.draw_tag.course == copy
    numeric = Question.objects.get(course=copy, kind="numeric", item__isnull=False)
    assert (str(numeric.number.normalize()), str(numeric.tolerance.normalize())) == ("3.5", "0.1")


def test_a_version_1_archive_still_imports(course, author):
    make_typed_quiz(course.modules.first(), text="? Mikä?\n* a\n- b\n\n?? Mitkä?\n* c\n* d\n- e")
    data = transfer.course_structure(course)
    data["version"] = 1
    data.pop("question_bank")
    for module in data["modules"]:
        for item in module["items"]:
            for question in item["questions"]:
                for key in ("kind", "number", "tolerance", "feedback", "tags"):
                    question.pop(key)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("course.json", json.dumps(data))
    copy = transfer.course_import(archive=buffer.getvalue(), by=author)
    kinds = list(
        Question.objects.filter(course=copy).order_by("position").values_list("kind", flat=True)
    )
    assert kinds == ["single", "multiple"]


def test_an_archive_with_a_numeric_question_without_its_number_is_refused(course, author):
    make_typed_quiz(course.modules.first())
    data = transfer.course_structure(course)
    for module in data["modules"]:
        for item in module["items"]:
            for question in item["questions"]:
                if question["kind"] == "numeric":
                    question["number"] = None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("course.json", json.dumps(data))
    with pytest.raises(transfer.TransferError):
        transfer.course_import(archive=buffer.getvalue(), by=author)
