"""Questions are the learners' writing: when an author deletes the lesson they were asked
under (or its whole module), the threads and every reply stay in their cohort's discussion
area, marked as from a removed section with the lesson's title, readable by the cohort only,
and the notifications that link to them still lead there."""

import pytest
from django.urls import reverse

from discussions import services
from discussions.models import Post, Thread
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

TITLE_FI = "Hypoteesin muotoilu"
TITLE_SV = "Att formulera en hypotes"


@pytest.fixture
def author(course):
    user = factories.UserFactory(email="kirjoittaja@example.fi")
    course.authors.add(user)
    return user


@pytest.fixture
def lesson(course):
    module = course.modules.order_by("position").first()
    return factories.ItemFactory(module=module, position=9, title=TITLE_FI, title_sv=TITLE_SV)


@pytest.fixture
def asked(client_for, lesson, learner, other_learner, instructor):
    """A question the learner asked on the lesson page, with a peer's and an instructor's
    replies."""
    response = client_for(learner).post(
        reverse("discussions:item_questions", args=[lesson.pk]),
        {"title": "Miten hypoteesi muotoillaan?", "body": "Kysymykseni on tämä."},
    )
    assert response.status_code == 302
    thread = Thread.objects.get(item=lesson)
    services.post_reply(thread=thread, author=other_learner, body="Vertaisen vastaus.")
    services.post_reply(thread=thread, author=instructor, body="Ohjaajan vastaus.")
    return thread


def _delete_lesson(client_for, author, lesson):
    response = client_for(author).post(reverse("courses:item_delete", args=[lesson.pk]))
    assert response.status_code == 302


def _delete_module(client_for, author, lesson):
    response = client_for(author).post(reverse("courses:module_delete", args=[lesson.module_id]))
    assert response.status_code == 302


DELETIONS = [
    pytest.param(_delete_lesson, id="the-item"),
    pytest.param(_delete_module, id="its-module"),
]


def _bodies(thread):
    return list(Post.objects.filter(thread=thread).order_by("pk").values_list("body", flat=True))


@pytest.mark.parametrize("delete", DELETIONS)
def test_deleting_the_lesson_keeps_the_question_and_its_replies(
    client_for, author, lesson, asked, cohort, delete
):
    bodies = _bodies(asked)
    delete(client_for, author, lesson)
    thread = Thread.objects.get(pk=asked.pk)
    assert thread.item is None
    assert thread.cohort == cohort
    assert thread.kind == Thread.Kind.QUESTION
    assert thread.post_count == 3
    assert _bodies(thread) == bodies
    assert thread.removed_item == {"fi": TITLE_FI, "sv": TITLE_SV}


@pytest.mark.parametrize("delete", DELETIONS)
def test_the_cohort_still_lists_and_reads_it_from_a_removed_section(
    client_for, author, lesson, asked, cohort, learner, other_learner, instructor, delete
):
    delete(client_for, author, lesson)
    for person in (learner, other_learner, instructor):
        client = client_for(person)
        listed = client.get(reverse("discussions:cohort", args=[cohort.pk]))
        assert [t.pk for t in listed.context["page"]] == [asked.pk]
        html = listed.content.decode()
        assert "Miten hypoteesi muotoillaan?" in html
        assert f"Poistetusta osiosta: {TITLE_FI}" in html
        questions = client.get(
            reverse("discussions:cohort", args=[cohort.pk]), {"kind": "question"}
        )
        assert [t.pk for t in questions.context["page"]] == [asked.pk]

        page = client.get(reverse("discussions:thread", args=[asked.pk]))
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-testid="removed-section"' in html
        assert f"Poistetusta osiosta: {TITLE_FI}" in html
        for body in ("Kysymykseni on tämä.", "Vertaisen vastaus.", "Ohjaajan vastaus."):
            assert body in html


def test_the_removed_sections_title_is_shown_in_the_readers_language(
    client_for, author, lesson, asked, learner
):
    _delete_lesson(client_for, author, lesson)
    learner.language = "sv"
    learner.save(update_fields=["language"])
    html = client_for(learner).get(reverse("discussions:thread", args=[asked.pk])).content.decode()
    assert TITLE_SV in html
    assert TITLE_FI not in html


@pytest.mark.parametrize("delete", DELETIONS)
def test_another_cohort_still_cannot_reach_it(
    client_for, author, lesson, asked, other_cohort, outsider_learner, other_instructor, delete
):
    delete(client_for, author, lesson)
    post = asked.posts.order_by("pk").first()
    for person in (outsider_learner, other_instructor):
        client = client_for(person)
        assert client.get(reverse("discussions:thread", args=[asked.pk])).status_code == 404
        assert client.get(reverse("discussions:post", args=[post.pk])).status_code == 404
        assert client.get(reverse("discussions:thread_poll", args=[asked.pk])).status_code == 404
        response = client.post(reverse("discussions:reply", args=[asked.pk]), {"body": "Hei"})
        assert response.status_code == 404
        listed = client.get(reverse("discussions:cohort", args=[other_cohort.pk]))
        assert list(listed.context["page"]) == []
    assert asked.posts.count() == 3


def test_the_cohort_replies_in_it_and_the_notifications_lead_there(
    client_for, author, lesson, asked, learner, other_learner, instructor
):
    _delete_lesson(client_for, author, lesson)
    response = client_for(other_learner).post(
        reverse("discussions:reply", args=[asked.pk]), {"body": "Vielä yksi vastaus."}
    )
    assert response.status_code == 302
    question = Notification.objects.get(recipient=instructor, key=f"discussion-question-{asked.pk}")
    reply = Notification.objects.filter(recipient=learner, key__startswith="discussion-post-")
    assert reply.count() == 3
    for person, url in [(instructor, question.url)] + [(learner, note.url) for note in reply]:
        client = client_for(person)
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("discussions:thread", args=[asked.pk]))
        assert client.get(response["Location"]).status_code == 200


def test_a_moderator_still_hides_in_it_and_the_question_notification_keeps_the_title(
    client_for, author, lesson, asked, instructor
):
    _delete_lesson(client_for, author, lesson)
    opening = asked.posts.order_by("pk").first()
    response = client_for(instructor).post(
        reverse("discussions:post_hide", args=[opening.pk]), {"reason": "Asiaton"}
    )
    assert response.status_code == 302
    note = Notification.objects.get(recipient=instructor, key=f"discussion-question-{asked.pk}")
    assert TITLE_FI in note.subject
    assert "Kysymykseni on tämä." not in note.body


def test_deleting_a_lesson_leaves_the_discussions_and_other_questions_alone(
    client_for, author, lesson, asked, question, thread, item
):
    _delete_lesson(client_for, author, lesson)
    for kept in (question, thread):
        kept.refresh_from_db()
        assert kept.removed_item == {}
    assert question.item == item
    assert thread.item is None
    assert Thread.objects.count() == 3


def test_the_list_costs_the_same_with_questions_from_removed_sections(
    client_for, author, course, cohort, learner, django_assert_num_queries
):
    module = course.modules.order_by("position").first()
    url = reverse("discussions:cohort", args=[cohort.pk])
    client = client_for(learner)

    def ask_and_remove(n):
        for i in range(n):
            lesson = factories.ItemFactory(module=module, position=20 + i, title=f"Osio {i}")
            services.thread_start(
                cohort=cohort, author=learner, title=f"Kysymys {i}", body="Avaus", item=lesson
            )
            _delete_lesson(client_for, author, lesson)
        client_for(learner)

    # As tests/discussions/test_queries.py counts the cohort's list: the session, the learner
    # with the navigation (2), the cohort (1), the threads' count (1), her role (1), the page
    # of threads (1), with one removed section or nine. (9 allowed before.)
    ask_and_remove(1)
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
    ask_and_remove(8)
    with django_assert_num_queries(6):
        html = client.get(url).content.decode()
    assert html.count('data-testid="removed-section"') == 9
