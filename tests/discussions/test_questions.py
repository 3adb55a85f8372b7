"""Questions on a lesson: asked under an item, answered by instructors and peers, one reply
marked as the answer; each cohort sees its own."""

import pytest
from django.urls import reverse

from discussions import services
from discussions.models import Subscription, Thread
from learners.models import Membership
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_lesson_page_links_to_its_questions(client, item, learner):
    client.force_login(learner)
    page = client.get(reverse("courses:item", args=[item.pk])).content.decode()
    assert reverse("discussions:item_questions", args=[item.pk]) in page


def test_a_learner_asks_and_the_instructors_follow_and_are_notified(
    client, item, cohort, learner, instructor, other_instructor
):
    client.force_login(learner)
    response = client.post(
        reverse("discussions:item_questions", args=[item.pk]),
        {"title": "Mikä on hypoteesi?", "body": "Selittäisikö joku?"},
    )
    thread = Thread.objects.get()
    assert response["Location"] == reverse("discussions:thread", args=[thread.pk])
    assert thread.kind == Thread.Kind.QUESTION
    assert thread.item == item
    assert thread.cohort == cohort
    assert set(Subscription.objects.values_list("user", flat=True)) == {learner.pk, instructor.pk}
    note = Notification.objects.get(key=f"discussion-question-{thread.pk}")
    assert note.recipient == instructor
    assert item.title in note.subject


def test_a_question_without_a_title_is_refused(client, item, learner):
    client.force_login(learner)
    response = client.post(
        reverse("discussions:item_questions", args=[item.pk]), {"title": "", "body": "Hei"}
    )
    assert response.status_code == 400
    assert not Thread.objects.exists()


def test_each_cohort_sees_its_own_questions(
    client, question, item, other_learner, outsider_learner
):
    client.force_login(other_learner)
    page = client.get(reverse("discussions:item_questions", args=[item.pk]))
    assert [t.pk for t in page.context["page"]] == [question.pk]
    client.force_login(outsider_learner)
    page = client.get(reverse("discussions:item_questions", args=[item.pk]))
    assert list(page.context["page"]) == []


def test_a_learner_in_two_cohorts_sees_both_and_chooses_where_to_ask(
    client, question, item, other_cohort, outsider_learner
):
    both = factories.UserFactory()
    for c in (question.cohort, other_cohort):
        factories.MembershipFactory(cohort=c, user=both, role=Membership.Role.LEARNER)
    theirs = services.thread_start(
        cohort=other_cohort, author=outsider_learner, title="Kevään kysymys", body="Hei", item=item
    )
    client.force_login(both)
    page = client.get(reverse("discussions:item_questions", args=[item.pk]))
    assert {t.pk for t in page.context["page"]} == {question.pk, theirs.pk}
    client.post(
        reverse("discussions:item_questions", args=[item.pk]),
        {"title": "Kysyn keväällä", "body": "Hei", "cohort": other_cohort.pk},
    )
    assert Thread.objects.get(title="Kysyn keväällä").cohort == other_cohort
    # A cohort they are not in cannot be chosen.
    stranger = factories.CohortFactory(course=item.module.course)
    response = client.post(
        reverse("discussions:item_questions", args=[item.pk]),
        {"title": "Ei onnistu", "body": "Hei", "cohort": stranger.pk},
    )
    assert response.status_code == 400
    assert not Thread.objects.filter(title="Ei onnistu").exists()


def test_the_asker_marks_a_peers_reply_as_the_answer(client, question, learner, other_learner):
    reply = services.post_reply(thread=question, author=other_learner, body="Hypoteesi on arvaus.")
    client.force_login(learner)
    response = client.post(reverse("discussions:answer", args=[reply.pk]))
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer == reply
    assert Notification.objects.filter(
        recipient=other_learner, key=f"discussion-answer-{question.pk}-{reply.pk}"
    ).exists()
    page = client.get(reverse("discussions:thread", args=[question.pk])).content.decode()
    assert 'data-testid="the-answer"' in page
    client.post(reverse("discussions:answer", args=[reply.pk]), {"clear": "1"})
    question.refresh_from_db()
    assert question.answer is None


def test_an_instructor_marks_the_answer_but_not_the_question_itself(client, question, instructor):
    reply = services.post_reply(thread=question, author=instructor, body="Katso moduuli 2.")
    client.force_login(instructor)
    assert client.post(reverse("discussions:answer", args=[reply.pk])).status_code == 302
    opening = question.posts.order_by("pk").first()
    response = client.post(reverse("discussions:answer", args=[opening.pk]))
    assert response.status_code == 400
    question.refresh_from_db()
    assert question.answer == reply


def test_a_discussion_has_no_answer_to_mark(client, thread, learner, other_learner):
    reply = services.post_reply(thread=thread, author=other_learner, body="Hei")
    client.force_login(learner)
    assert client.post(reverse("discussions:answer", args=[reply.pk])).status_code == 403


def test_a_lesson_not_yet_open_has_no_questions_page_for_the_learner(
    client, item, learner, instructor
):
    module = item.module
    module.unlock_after_days = 1000
    module.save()
    client.force_login(learner)
    response = client.get(reverse("discussions:item_questions", args=[item.pk]))
    assert response.status_code == 403
    assert not Thread.objects.exists()
    client.force_login(instructor)
    assert client.get(reverse("discussions:item_questions", args=[item.pk])).status_code == 200
