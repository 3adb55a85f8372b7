"""Small defects a learner meets in the first week (#11 item 20): the knowledge check's result
survives a reload, its feedback does not say "Oikein. Oikein: …", the first button says
"Start" to someone who has not started, and a file list says once that virus scanning is not
in use instead of "Not scanned" beside every accepted file."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation

from courses import quiz, selectors
from courses.models import QuizAttempt
from courses.templatetags.quiz import without_verdict
from tests import factories
from tests.courses.factories import make_quiz
from workshops.models import ScanStatus, SubmissionFile

pytestmark = pytest.mark.django_db


def answers(c, right=True):
    q1, q2 = str(c["a"].question_id), str(c["x"].question_id)
    if right:
        return {f"q{q1}": c["a"].pk, f"q{q2}": [c["x"].pk, c["y"].pk]}
    return {f"q{q1}": c["b"].pk, f"q{q2}": [c["z"].pk]}


def test_the_result_is_a_page_of_its_own_that_survives_a_reload(client_for, learner, course):
    item, c = make_quiz(course.modules.first())
    client = client_for(learner)
    response = client.post(reverse("courses:quiz_submit", args=[item.pk]), answers(c, False))
    result_url = reverse("courses:quiz_result", args=[item.pk, 1])
    assert response.status_code == 302
    assert response["Location"] == result_url
    # A reload is a GET of the result: the same feedback, and no second attempt.
    for _reload in range(2):
        page = client.get(result_url)
        html = page.content.decode()
        assert page.status_code == 200
        assert 'data-testid="quiz-result" data-passed="false"' in html
        assert "Ei, se on tekninen." in html
    assert QuizAttempt.objects.filter(user=learner).count() == 1
    # The form's own address answers a GET with the lesson, not a blank 405.
    response = client.get(reverse("courses:quiz_submit", args=[item.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:item", args=[item.pk])

    client.post(reverse("courses:quiz_submit", args=[item.pk]), answers(c))
    html = client.get(reverse("courses:quiz_result", args=[item.pk, 2])).content.decode()
    assert 'data-passed="true"' in html
    # The first attempt's page still shows the first attempt.
    assert 'data-passed="false"' in client.get(result_url).content.decode()


def test_nobody_reads_another_learners_attempt(client_for, learner, other_learner, course):
    item, c = make_quiz(course.modules.first())
    client_for(learner).post(reverse("courses:quiz_submit", args=[item.pk]), answers(c))
    url = reverse("courses:quiz_result", args=[item.pk, 1])
    assert client_for(other_learner).get(url).status_code == 404
    stranger = factories.UserFactory()
    assert client_for(stranger).get(url).status_code == 404


def test_the_result_page_needs_a_sign_in(client, learner, course):
    item, _c = make_quiz(course.modules.first())
    response = client.get(reverse("courses:quiz_result", args=[item.pk, 1]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize(
    ("explanation", "shown"),
    [
        ("Oikein: kasvukäytävä on verkosto.", "Kasvukäytävä on verkosto."),
        ("Oikein. Se tukee vaikuttavuusajattelua.", "Se tukee vaikuttavuusajattelua."),
        ("Väärin – se on tekninen.", "Se on tekninen."),
        ("Right: a network.", "A network."),
        ("Oikeinkirjoitus ratkaisee.", "Oikeinkirjoitus ratkaisee."),  # a word, not a verdict
        ("Oikein.", "Oikein."),  # nothing else to say
        ("", ""),
    ],
)
def test_an_explanation_does_not_repeat_the_verdict(explanation, shown):
    assert without_verdict(explanation) == shown


def test_the_feedback_says_right_once(client_for, learner, course):
    learner.language = "fi"
    learner.save(update_fields=["language"])
    item, c = make_quiz(course.modules.first())
    c["a"].explanation = "Oikein: yhteistyön rakenne."
    c["a"].save()
    client = client_for(learner)
    client.post(reverse("courses:quiz_submit", args=[item.pk]), answers(c))
    html = client.get(reverse("courses:quiz_result", args=[item.pk, 1])).content.decode()
    with translation.override("fi"):
        right = translation.gettext("Right.")
    assert f"✓ {right} Yhteistyön rakenne." in html
    assert "Oikein: " not in html


@pytest.fixture(scope="module")
def an_english_page_earlier_in_this_process():
    """What an earlier test's request leaves behind in the process: the language of the person
    it served (English) still active. Module-scoped, so it is set up before the function-scoped
    fixtures of the test that asks for it, as an earlier test would have run."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from core.middleware import UserLanguageMiddleware

    request = RequestFactory().get("/")
    request.user = SimpleNamespace(is_authenticated=True, language="en")
    UserLanguageMiddleware(lambda _request: HttpResponse())(request)
    assert translation.get_language() == "en"


def test_the_feedback_says_right_once_after_an_english_page_in_the_same_process(
    an_english_page_earlier_in_this_process, client_for, learner, course
):
    # The test above failed when an earlier test in its process had shown a page in English: its
    # `explanation = ...` was written as the English text (tests/conftest.py _default_language).
    test_the_feedback_says_right_once(client_for, learner, course)


def test_the_demo_explanations_do_not_start_with_a_verdict():
    from courses.authoring import quiz_parse
    from demo.content.fi import BANK, QUIZZES
    from demo.content.sv import QUIZZES as SWEDISH

    texts = [text for *_where, text in QUIZZES + SWEDISH] + [text for _tags, text in BANK]
    explanations = [
        choice.explanation
        for text in texts
        for question in quiz_parse(text)
        for choice in question.choices
        if choice.explanation
    ]
    assert len(explanations) >= 8
    # The page says right or wrong; the explanation says why (no "Oikein:" nor "Ei:" first).
    assert all(without_verdict(e) == e for e in explanations), explanations
    assert not [e for e in explanations if e.startswith(("Ei:", "Ei,"))], explanations


def test_a_learner_who_has_not_started_is_asked_to_start(client_for, learner, course):
    learner.language = "en"
    learner.save(update_fields=["language"])
    client = client_for(learner)
    for url in (reverse("core:home"), reverse("courses:detail", args=[course.pk])):
        html = client.get(url).content.decode()
        assert 'data-testid="course-next">Start</a>' in html, url
        assert "Continue where you left off" not in html
    first = course.modules.order_by("position").first().items.order_by("position").first()
    assert client.post(reverse("courses:item_complete", args=[first.pk])).status_code == 302
    for url in (reverse("core:home"), reverse("courses:detail", args=[course.pk])):
        html = client.get(url).content.decode()
        assert 'data-testid="course-next">Continue where you left off</a>' in html, url


def test_a_file_list_says_once_that_virus_scanning_is_not_in_use(
    client_for, learner, instructor, assignment, cohort
):
    submission = factories.SubmissionFactory(assignment=assignment, learner=learner, cohort=cohort)
    for name in ("a.pdf", "b.pdf"):
        factories.SubmissionFileFactory(
            submission=submission, original_name=name, scan=ScanStatus.NOT_SCANNED
        )
    learner.language = "en"
    learner.save(update_fields=["language"])
    url = reverse("workshops:submission_detail", args=[submission.pk])
    html = client_for(learner).get(url).content.decode()
    assert html.count('data-testid="scan-not-in-use"') == 1
    assert "Virus scanning is not in use." in html
    assert "Not scanned" not in html
    assert 'data-testid="file-scan"' not in html

    SubmissionFile.objects.filter(submission=submission).update(scan=ScanStatus.CLEAN)
    html = client_for(learner).get(url).content.decode()
    assert 'data-testid="scan-not-in-use"' not in html
    assert html.count('data-testid="file-scan"') == 2


def test_the_result_page_reads_a_flat_number_of_queries(
    client_for, learner, course, django_assert_num_queries
):
    from courses.models import Choice, Question

    # The session, and the learner with the navigation's roles and unread badge (2); the item
    # (1); the outline, which holds the module's lock too: the cohort, modules and items (3);
    # the attempt (1); the learner's attempts (2); the questions asked (1) and their choices
    # (1). (13 allowed before: the lock check read the cohort and modules on its own.)
    budget = 11

    item, c = make_quiz(course.modules.first())
    client = client_for(learner)
    client.post(reverse("courses:quiz_submit", args=[item.pk]), answers(c, False))
    url = reverse("courses:quiz_result", args=[item.pk, 1])
    client.get(url)  # warm the session and caches
    with django_assert_num_queries(budget):
        assert client.get(url).status_code == 200
    # An attempt with ten more questions (of every type) and five more attempts before it:
    # the same number of queries.
    for n in range(10):
        question = Question.objects.create(
            item=item, course=course, text=f"Kysymys {n}", position=10 + n
        )
        Choice.objects.create(question=question, text="Oikein", is_correct=True)
        Choice.objects.create(question=question, text="Väärin", is_correct=False)
    for number in range(2, 7):
        QuizAttempt.objects.create(
            user=learner, item=item, number=number, score=0, passed=False, answers={}
        )
    attempt = QuizAttempt.objects.get(user=learner, number=1)
    # It asked all twelve, as they are (its snapshot, which the review shows).
    asked = list(item.questions.values_list("pk", flat=True))
    QuizAttempt.objects.filter(pk=attempt.pk).update(
        questions=asked, snapshot=quiz.snapshot(selectors.quiz_questions_by_ids(ids=asked))
    )
    html = client.get(url).content.decode()
    assert html.count('data-testid="question"') == 12
    with django_assert_num_queries(budget):
        assert client.get(url).status_code == 200
