"""A post a moderator hides stops being the question's answer: the question shows as open
again and nothing leads to the hidden post; showing it again does not restore the mark."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from discussions import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(question, learner, other_learner):
    """The question with other_learner's reply marked as its answer by the asker."""
    reply = services.post_reply(thread=question, author=other_learner, body="Hypoteesi on arvaus.")
    services.thread_mark_answer(thread=question, by=learner, post=reply)
    return reply


def test_hiding_the_answer_takes_the_mark_away(client, question, answered, instructor, learner):
    services.post_hide(post=answered, by=instructor, reason="Väärää tietoa.")
    question.refresh_from_db()
    assert question.answer is None
    client.force_login(learner)
    with translation.override(learner.language):
        answered_badge = gettext("Answered")
        go_to_answer = gettext("Go to the answer")
    listing = client.get(reverse("discussions:item_questions", args=[question.item_id]))
    assert answered_badge not in listing.content.decode()
    page = client.get(reverse("discussions:thread", args=[question.pk])).content.decode()
    assert go_to_answer not in page
    assert 'data-testid="the-answer"' not in page


def test_the_hiding_page_clears_the_mark_too(client, question, answered, instructor):
    client.force_login(instructor)
    response = client.post(
        reverse("discussions:post_hide", args=[answered.pk]), {"reason": "Väärää tietoa."}
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer_id is None


def test_showing_the_post_again_does_not_restore_the_mark(question, answered, instructor):
    services.post_hide(post=answered, by=instructor, reason="Väärää tietoa.")
    services.post_unhide(post=answered, by=instructor)
    question.refresh_from_db()
    assert question.answer is None


def test_hiding_another_reply_keeps_the_answer(question, answered, instructor, other_learner):
    other = services.post_reply(thread=question, author=other_learner, body="Asiaton viesti")
    services.post_hide(post=other, by=instructor, reason="Ei kuulu aiheeseen.")
    question.refresh_from_db()
    assert question.answer == answered
