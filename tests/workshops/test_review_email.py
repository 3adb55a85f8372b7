"""The email that tells the learner about a review carries the whole structured feedback (what
to change, strengths, questions, suggestions and the rubric), in the learner's language, only
when the feedback is released, and names no instructor under blind review."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

pytestmark = pytest.mark.django_db

FEEDBACK = {
    "strengths": "Haaste on tuttu ja todellinen.",
    "questions": "Keitä liityntäkyyti palvelisi ensin?",
    "suggestions": "Haastattele kolmea kyläläistä.",
    "feedback": "Rajaa kohderyhmä yhteen kylään.",
}


def _levels(rubric, points):
    return {
        f"criterion_{c.pk}": str(next(lv.pk for lv in c.levels.all() if lv.points == points))
        for c in rubric
    }


def _review(client, submission, rubric, decision="revise", points=2):
    return client.post(
        reverse("workshops:review", args=[submission.pk]),
        {**_levels(rubric, points), **FEEDBACK, "decision": decision, "draft_version": "0"},
    )


def _html(email):
    return next(body for body, kind in email.alternatives if kind == "text/html")


def test_the_revision_email_has_every_part_of_the_feedback_and_the_rubric_in_both_parts(
    client_for, instructor, learner, submission, rubric, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _review(client_for(instructor), submission, rubric)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    html = _html(email)
    for part in (email.body, html):
        for text in FEEDBACK.values():
            assert text in part
        for criterion in rubric:
            assert criterion.title in part
        assert "Kehittyvä" in part  # the level picked (2 points) for each criterion
        assert instructor.display_name in part
    with translation.override("fi"):
        assert gettext("What to change:") in email.body
        assert gettext("Strengths:") in email.body
        n = 2 * len(rubric)
        top = sum(max(lv.points for lv in c.levels.all()) for c in rubric)
        # The total beside the rubric's maximum ("6 / 9 points"), in the learner's language.
        total = ngettext(
            "In total %(points)s / %(counter)s point",
            "In total %(points)s / %(counter)s points",
            top,
        ) % {"points": n, "counter": top}
    assert total in email.body
    assert f"{n} / {top}" in html
    assert "Kehittyvä (2 " in email.body
    assert "style=" not in email.body  # the plain text part has no markup


def test_the_feedback_email_is_in_the_learners_own_language(
    client_for, instructor, learner, submission, rubric, django_capture_on_commit_callbacks
):
    learner.language = "sv"
    learner.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        _review(client_for(instructor), submission, rubric, decision="approve", points=3)
    email = mail.outbox[0]
    with translation.override("sv"):
        labels = [gettext("Strengths:"), gettext("Questions:"), gettext("Suggestions:")]
        rubric_label = gettext("Rubric:")
    for label in [*labels, rubric_label]:
        assert label in email.body
    with translation.override("fi"):
        # Were the Swedish translation missing, these would still be English, never Finnish.
        assert (
            gettext("Your answer was approved: %(title)s") % {"title": submission.assignment.title}
            not in email.subject
        )


def test_with_blind_review_the_email_and_the_page_do_not_name_the_instructor(
    client_for, instructor, learner, submission, rubric, django_capture_on_commit_callbacks
):
    workshop = submission.assignment.workshop
    workshop.blind_review = True
    workshop.save()
    with django_capture_on_commit_callbacks(execute=True):
        _review(client_for(instructor), submission, rubric)
    email = mail.outbox[0]
    for part in (email.subject, email.body, _html(email)):
        assert instructor.display_name not in part
        assert instructor.first_name not in part
        assert instructor.email not in part
    assert FEEDBACK["strengths"] in email.body

    for url in (
        reverse("workshops:submission_detail", args=[submission.pk]),
        reverse("workshops:experiment", args=[submission.experiment_id]),
    ):
        page = client_for(learner).get(url).content.decode()
        assert instructor.display_name not in page
    # The instructors still see who decided.
    page = client_for(instructor).get(reverse("workshops:submission_detail", args=[submission.pk]))
    assert instructor.display_name in page.content.decode()


def test_with_the_marking_workflow_the_feedback_email_is_sent_only_on_release(
    client_for, instructor, learner, submission, rubric, django_capture_on_commit_callbacks
):
    workshop = submission.assignment.workshop
    workshop.marking_workflow = True
    workshop.save()
    client = client_for(instructor)
    with django_capture_on_commit_callbacks(execute=True):
        response = _review(client, submission, rubric)
    assert response.status_code == 302
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("workshops:marking_release", args=[submission.pk]))
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    for text in FEEDBACK.values():
        assert text in email.body
        assert text in _html(email)
    assert rubric[0].title in email.body


def test_with_blind_review_the_daily_waiting_notice_does_not_name_the_learner(
    learner, instructor, submission
):
    import datetime

    from django.utils import timezone

    from notifications.models import Notification
    from workshops import reminders

    workshop = submission.assignment.workshop
    workshop.blind_review = True
    workshop.save()
    now = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() + datetime.timedelta(days=1), datetime.time(9)
        )
    )
    assert reminders.review_waiting_notices_send(now=now) == 1
    notice = Notification.objects.get(recipient=instructor, key__startswith="reviews-waiting-")
    for text in (notice.body, notice.html_body):
        assert learner.display_name not in text
        assert f"#{submission.pk}" in text
