"""The phase thread tells everyone else who reads it: a learner's team mates as well as the
instructors (never the writer, nobody twice); under blind review the team alone, and the thread
says so to the team."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from notifications.models import Notification
from tests import factories
from workshops import services
from workshops.models import PhaseComment

pytestmark = pytest.mark.django_db


def notified(comment: PhaseComment) -> list[int]:
    return sorted(
        Notification.objects.filter(key=f"phase-comment-{comment.pk}").values_list(
            "recipient", flat=True
        )
    )


def post(client, experiment, text):
    return client.post(reverse("workshops:thread", args=[experiment.pk, 1]), {"text": text})


def test_a_learners_message_reaches_her_team_mate_and_the_instructor(
    client_for, submission, learner, teammate, instructor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client_for(teammate), submission.experiment, "Oona, lisäisin tähän…")
    assert response.status_code == 302
    comment = PhaseComment.objects.get()
    assert notified(comment) == sorted([learner.pk, instructor.pk])
    note = Notification.objects.get(key=f"phase-comment-{comment.pk}", recipient=learner)
    assert "Oona, lisäisin tähän…" in note.body
    assert "Tiina" in note.body  # the team knows who wrote
    assert sorted(m.to[0] for m in mail.outbox) == sorted([learner.email, instructor.email])


def test_the_writer_is_never_told_of_their_own_message(learner, teammate, instructor, submission):
    comment = services.phase_comment_add(
        experiment=submission.experiment, phase=1, author=learner, text="Muistiinpano."
    )
    assert learner.pk not in notified(comment)
    assert notified(comment) == sorted([teammate.pk, instructor.pk])


def test_an_instructor_on_the_team_is_told_once(
    cohort, learner, teammate, instructor, submission, django_capture_on_commit_callbacks
):
    submission.experiment.members.create(
        user=instructor, cohort=cohort, workshop=submission.experiment.workshop
    )
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.phase_comment_add(
            experiment=submission.experiment, phase=1, author=learner, text="Kysymys."
        )
    assert notified(comment) == sorted([teammate.pk, instructor.pk])
    assert sorted(m.to[0] for m in mail.outbox) == sorted([teammate.email, instructor.email])


def test_an_instructors_message_goes_to_the_team_as_before_not_to_the_other_instructors(
    cohort, learner, teammate, instructor, submission
):
    colleague = factories.UserFactory(email="kollega@example.fi")
    factories.MembershipFactory(cohort=cohort, user=colleague, role="instructor")
    comment = services.phase_comment_add(
        experiment=submission.experiment, phase=1, author=instructor, text="Hyvä."
    )
    assert notified(comment) == sorted([learner.pk, teammate.pk])


def test_under_blind_review_a_learners_message_reaches_the_team_mates_only(
    client_for,
    learner,
    teammate,
    instructor,
    submission,
    blind_cohort,
    django_capture_on_commit_callbacks,
):
    learner.last_name = "Oksanen"
    learner.save()
    with django_capture_on_commit_callbacks(execute=True):
        post(client_for(learner), submission.experiment, "Rajasin kohderyhmän nuoriin.")
    comment = PhaseComment.objects.get()
    assert notified(comment) == [teammate.pk]
    [email] = mail.outbox
    assert email.to == [teammate.email]
    assert "Rajasin kohderyhmän nuoriin." in email.body
    assert not Notification.objects.filter(recipient=instructor).exists()


def _audience_line(html: str) -> str:
    return html.split('data-testid="thread-audience"')[1].split("</p>")[0]


def test_under_blind_review_the_thread_tells_the_team_that_only_they_see_it(
    client_for, learner, submission, blind_cohort
):
    html = client_for(learner).get(reverse("workshops:submission_detail", args=[submission.pk]))
    line = _audience_line(html.content.decode())
    with translation.override(learner.language):
        assert gettext("The team and the instructors see these messages.") not in line
        assert (
            gettext(
                "Only your team sees these messages: with blind review the instructors do not "
                "see this discussion."
            )
            in line
        )


def test_without_blind_review_the_thread_says_the_instructors_see_it_too(
    client_for, learner, instructor, submission
):
    for person, url in (
        (learner, reverse("workshops:submission_detail", args=[submission.pk])),
        (instructor, reverse("workshops:review", args=[submission.pk])),
    ):
        services.phase_comment_add(
            experiment=submission.experiment, phase=1, author=person, text="Viesti."
        )
        line = _audience_line(client_for(person).get(url).content.decode())
        with translation.override(person.language):
            assert gettext("The team and the instructors see these messages.") in line
