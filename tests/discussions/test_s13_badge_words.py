"""The question badges are words of their own: the discussion list read as text (a screen
reader, a copy) said "KysymysRatkaistu" ("QuestionAnswered"), the lesson's questions
"RatkaistuMitä hypoteesi…" and the thread's heading "KysymysMitä hypoteesi…"."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext

from discussions import services

pytestmark = pytest.mark.django_db


def as_text(html: str) -> str:
    """The page's text as a browser's text extraction reads it: tags give no space."""
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


@pytest.fixture
def answered(question, learner, other_learner):
    reply = services.post_reply(thread=question, author=other_learner, body="Hypoteesi on arvaus.")
    services.thread_mark_answer(thread=question, by=learner, post=reply)
    return reply


def test_the_question_badges_and_the_title_are_separate_words(client, question, answered, learner):
    client.force_login(learner)
    with translation.override(learner.language):
        kind = pgettext("thread kind", "Question")
        done = gettext("Answered")
    title = question.title
    listing = as_text(client.get(reverse("discussions:cohort", args=[question.cohort_id])).text)
    assert f"{kind} {done} {title}" in listing
    lesson = as_text(
        client.get(reverse("discussions:item_questions", args=[question.item_id])).text
    )
    assert f"{done} {title}" in lesson
    page = as_text(client.get(reverse("discussions:thread", args=[question.pk])).text)
    assert f"{kind} {title}" in page
