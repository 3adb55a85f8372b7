"""Denial tests: every discussion view refuses an anonymous visitor (sent to sign in, and
back afterwards), a learner of another cohort (404, so nothing can be probed), and a member
without the role a moderation view needs (403)."""

import pytest
from django.conf import settings
from django.urls import reverse

from discussions import services
from discussions.models import Post, Thread

pytestmark = pytest.mark.django_db


def _views(thread, post, item, cohort):
    """(name, url, method) of every view."""
    return [
        ("home", reverse("discussions:home"), "get"),
        ("cohort", reverse("discussions:cohort", args=[cohort.pk]), "get"),
        ("thread_create", reverse("discussions:thread_create", args=[cohort.pk]), "get"),
        ("search", reverse("discussions:search", args=[cohort.pk]) + "?q=verkosto", "get"),
        ("thread", reverse("discussions:thread", args=[thread.pk]), "get"),
        ("thread_poll", reverse("discussions:thread_poll", args=[thread.pk]) + "?after=0", "get"),
        ("reply", reverse("discussions:reply", args=[thread.pk]), "post"),
        ("subscribe", reverse("discussions:subscribe", args=[thread.pk]), "post"),
        ("thread_pin", reverse("discussions:thread_pin", args=[thread.pk]), "post"),
        ("post", reverse("discussions:post", args=[post.pk]), "get"),
        ("post_pin", reverse("discussions:post_pin", args=[post.pk]), "post"),
        ("post_hide", reverse("discussions:post_hide", args=[post.pk]), "get"),
        ("post_unhide", reverse("discussions:post_unhide", args=[post.pk]), "post"),
        ("answer", reverse("discussions:answer", args=[post.pk]), "post"),
        ("item_questions", reverse("discussions:item_questions", args=[item.pk]), "get"),
    ]


@pytest.fixture
def everything(question, cohort, item, other_learner):
    reply = services.post_reply(thread=question, author=other_learner, body="Vastaus")
    return _views(question, reply, item, cohort)


def test_an_anonymous_visitor_is_sent_to_sign_in_and_back(client, everything):
    for name, url, method in everything:
        response = getattr(client, method)(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse(settings.LOGIN_URL)), name
        assert "next=" in response["Location"], name
    assert Post.objects.count() == 2


def test_a_learner_of_another_cohort_gets_404_everywhere(client, everything, outsider_learner):
    client.force_login(outsider_learner)
    for name, url, method in everything:
        if name == "home":
            continue  # their own (empty of this cohort) list
        if name == "item_questions":
            # The same course in their own cohort: the lesson's questions of their cohort only.
            response = client.get(url)
            assert response.status_code == 200
            assert "Mitä hypoteesi tarkoittaa?" not in response.content.decode()
            assert list(response.context["page"]) == []
            continue
        response = getattr(client, method)(url, {"body": "Hei", "pin": "1", "subscribe": "1"})
        assert response.status_code == 404, name
    assert Post.objects.count() == 2
    assert not Thread.objects.filter(is_pinned=True).exists()


def test_the_home_page_lists_only_the_persons_own_cohorts(client, thread, outsider_learner):
    client.force_login(outsider_learner)
    response = client.get(reverse("discussions:home"))
    # One cohort: straight to its area, which is not the thread's cohort.
    assert response.status_code == 302
    assert response["Location"] != reverse("discussions:cohort", args=[thread.cohort_id])


def test_an_instructor_of_another_cohort_cannot_moderate(client, thread, other_instructor):
    post = thread.posts.get()
    client.force_login(other_instructor)
    for name in ("post_hide", "post_pin", "post_unhide"):
        response = client.post(reverse(f"discussions:{name}", args=[post.pk]), {"reason": "x"})
        assert response.status_code == 404, name
    post.refresh_from_db()
    assert not post.is_hidden
    assert not post.is_pinned


def test_a_learner_of_the_cohort_cannot_moderate(client, thread, other_learner):
    post = thread.posts.get()
    client.force_login(other_learner)
    assert client.get(reverse("discussions:post_hide", args=[post.pk])).status_code == 403
    for name in ("post_hide", "post_pin", "post_unhide"):
        response = client.post(
            reverse(f"discussions:{name}", args=[post.pk]), {"reason": "x", "pin": "1"}
        )
        assert response.status_code == 403, name
    assert (
        client.post(reverse("discussions:thread_pin", args=[thread.pk]), {"pin": "1"}).status_code
        == 403
    )
    post.refresh_from_db()
    thread.refresh_from_db()
    assert not post.is_hidden
    assert not post.is_pinned
    assert not thread.is_pinned


def test_a_peer_cannot_mark_the_answer(client, question, other_learner, coordinator):
    reply = services.post_reply(thread=question, author=other_learner, body="Näin se menee.")
    for person in (other_learner, coordinator):
        client.force_login(person)
        response = client.post(reverse("discussions:answer", args=[reply.pk]))
        assert response.status_code == 403
    question.refresh_from_db()
    assert question.answer is None


def test_the_superuser_reads_but_does_not_write_as_a_member(client, thread, superuser):
    client.force_login(superuser)
    assert client.get(reverse("discussions:thread", args=[thread.pk])).status_code == 200
    response = client.post(reverse("discussions:reply", args=[thread.pk]), {"body": "Hei"})
    assert response.status_code == 403
    assert thread.posts.count() == 1


def test_the_lesson_questions_page_is_404_for_a_course_author_outside_the_cohorts(
    client, item, course
):
    from tests import factories

    author = factories.UserFactory()
    course.authors.add(author)
    client.force_login(author)
    response = client.get(reverse("discussions:item_questions", args=[item.pk]))
    assert response.status_code == 404
