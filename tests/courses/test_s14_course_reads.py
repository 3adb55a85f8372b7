"""The course pages read each row once: no page here runs the very same SQL statement (same
text, same values) twice in one request.

Found by recording the pages (as tests/test_s14_no_repeated_reads.py does for the main pages):
a knowledge check's editor read its questions once for each language's text and its answers
once more for the marker of missing languages (questions 3 times, answers 4); a lesson opened
by one of the course's authors read the author's learner cohort for the lock and again for the
sidebar's outline; a lesson done by opening it read the learner's cohort again on every later
visit to record the visit once more.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from courses import authoring
from courses.models import Completion, Item
from learners.models import Membership
from tests import factories
from tests.repeats import repeated, signed_in, statements

pytestmark = pytest.mark.django_db


FINNISH = """? Mikä on kokeilu?
* Pieni, nopea testi | Juuri niin.
- Valmis ratkaisu

?~ Mikä sana tarkoittaa yhteistyön rakennetta?
* verkosto

?# Montako kuntaa kasvukäytävässä on?
= 17"""

SWEDISH = """? Vad är ett försök?
* Ett litet, snabbt test | Just så.
- En färdig lösning

?~ Vilket ord betyder samarbetets struktur?
* nätverk

?# Hur många kommuner hör till tillväxtkorridoren?"""


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
def check(course):
    """A check in the first module, its questions in Finnish and Swedish (not in English)."""
    item = factories.ItemFactory(
        module=course.modules.order_by("position", "pk").first(),
        kind=Item.Kind.QUIZ,
        title="Tietovisa",
        title_sv="Kunskapstest",
        body_sv="<p>Svara.</p>",
        completion_rule=Item.Rule.QUIZ_PASSED,
    )
    authoring.quiz_update(item=item, text=FINNISH, translations={"sv": SWEDISH})
    return item


@pytest.fixture
def lesson(course):
    """A text page of the first module, marked done by the learner's own button."""
    return (
        Item.objects.filter(module__course=course, kind=Item.Kind.PAGE)
        .order_by("module__position", "position", "pk")
        .first()
    )


# --- the knowledge check's editor ---------------------------------------------------------------

# The session, and the author with the navigation's roles (2); the item with its module (1)
# and its course, if the person authors it (1); the check's questions (1) with their answers (1),
# read once for the three languages' texts and the marker of missing languages; the course's
# phases and tags for the form's choices (2). (14 before: the questions 3 times, the answers
# 4 times.)
CHECK_EDITOR = 8
# A text page's editor reads its (no) questions once too, and so no answers. (9 before: the
# questions once for each language.)
PAGE_EDITOR = 7


def test_the_check_editor_reads_its_questions_and_answers_once(author, check):
    sqls = statements(signed_in(author), reverse("courses:item_edit", args=[check.pk]))
    assert not repeated(sqls), "\n".join(repeated(sqls))


def test_the_check_editor_still_shows_each_language_and_what_is_missing(author, check):
    response = signed_in(author).get(reverse("courses:item_edit", args=[check.pk]))
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["questions_text_fi"].startswith("? Mikä on kokeilu?\n* Pieni, nopea testi")
    assert initial["questions_text_sv"].startswith("? Vad är ett försök?\n* Ett litet")
    assert "?# Hur många kommuner hör till tillväxtkorridoren?" in initial["questions_text_sv"]
    assert initial["questions_text_en"] == ""
    html = response.content.decode()
    assert 'data-testid="missing-language" data-language="en"' in html
    assert 'data-testid="missing-language" data-language="sv"' not in html


def test_the_check_editor_marks_a_language_missing_from_an_answer(author, check):
    """The marker counts the answers too, from the same one read of them."""
    choice = check.questions.order_by("position").first().choices.order_by("position").first()
    choice.text_sv = ""
    choice.save(update_fields=["text_sv"])
    html = signed_in(author).get(reverse("courses:item_edit", args=[check.pk])).content.decode()
    assert 'data-testid="missing-language" data-language="sv"' in html


def test_the_editors_cost_an_exact_number_of_queries(
    author, check, lesson, django_assert_num_queries
):
    client = signed_in(author)
    for item, budget in [(check, CHECK_EDITOR), (lesson, PAGE_EDITOR)]:
        url = reverse("courses:item_edit", args=[item.pk])
        assert client.get(url).status_code == 200
        with django_assert_num_queries(budget, info=item.get_kind_display()):
            assert client.get(url).status_code == 200


def test_the_page_editor_reads_no_questions_again(author, lesson):
    sqls = statements(signed_in(author), reverse("courses:item_edit", args=[lesson.pk]))
    assert not repeated(sqls), "\n".join(repeated(sqls))


# --- a lesson opened by an author ------------------------------------------------------------

# The session, and the author with the navigation's roles (2); the item as the person may
# see it (1); the author's learner cohort (1), read once for the lock and the sidebar; the
# modules and items with drafts (2). (7 before: the cohort twice.)
AUTHOR_LESSON = 6
# An author who also learns in a cohort: + the published modules with her progress, for the
# lock a learner has (1); the cohort still once. (8 before.)
LEARNING_AUTHOR_LESSON = 7


def test_a_lesson_opened_by_its_author_reads_the_cohort_once(
    author, lesson, django_assert_num_queries
):
    client = signed_in(author)
    url = reverse("courses:item", args=[lesson.pk])
    sqls = statements(client, url)
    assert not repeated(sqls), "\n".join(repeated(sqls))
    with django_assert_num_queries(AUTHOR_LESSON):
        assert client.get(url).status_code == 200


def test_a_lesson_opened_by_an_author_who_also_learns_in_a_cohort_reads_the_cohort_once(
    author, cohort, lesson, django_assert_num_queries
):
    factories.MembershipFactory(cohort=cohort, user=author, role=Membership.Role.LEARNER)
    client = signed_in(author)
    url = reverse("courses:item", args=[lesson.pk])
    sqls = statements(client, url)
    assert not repeated(sqls), "\n".join(repeated(sqls))
    with django_assert_num_queries(LEARNING_AUTHOR_LESSON):
        response = client.get(url)
    assert response.status_code == 200
    # Still the author's page: the sidebar lists the drafts with the learner's states.
    assert response.context["is_author"] is True
    assert response.context["is_learner"] is True


def test_a_locked_lesson_stays_closed_to_an_author_who_learns_in_a_cohort(author, cohort, course):
    """The lock still comes from the learner's cohort, read once."""
    factories.MembershipFactory(cohort=cohort, user=author, role=Membership.Role.LEARNER)
    second = course.modules.order_by("position", "pk")[1]
    second.sequential = True
    second.save(update_fields=["sequential"])
    locked = second.items.order_by("position", "pk").first()
    response = signed_in(author).get(reverse("courses:item", args=[locked.pk]))
    assert response.status_code == 403


# --- a lesson done by being opened ----------------------------------------------------------

# The session, and the learner with the navigation's roles (2); the item (1); the learner's
# cohort (1), the modules and items with her progress (2). (8 before: the cohort again and
# the completion row, to record a visit already recorded.)
LEARNER_VIEWED_LESSON = 6


def test_a_lesson_done_by_opening_it_reads_the_cohort_once_when_opened_again(
    learner, lesson, django_assert_num_queries
):
    Item.objects.filter(pk=lesson.pk).update(completion_rule=Item.Rule.VIEWED)
    client = signed_in(learner)
    url = reverse("courses:item", args=[lesson.pk])
    first = client.get(url)
    assert first.status_code == 200
    # The first visit still marks it done, and the page says so.
    assert first.context["is_done"] is True
    assert Completion.objects.filter(user=learner, item=lesson).count() == 1
    sqls = statements(client, url)
    assert not repeated(sqls), "\n".join(repeated(sqls))
    with django_assert_num_queries(LEARNER_VIEWED_LESSON):
        again = client.get(url)
    assert again.context["is_done"] is True
    assert Completion.objects.filter(user=learner, item=lesson).count() == 1
