"""The phase thread under blind review: the submission and review pages show the thread only to
the team, so its messages are not emailed to the blind reviewers either, and no email names the
learner to someone who may not know who wrote."""

from django.urls import reverse

from notifications.models import Notification
from notifications.services import notification_render
from tests import factories
from workshops.models import CohortMarkingSettings, Phase, PhaseComment


def notified(comment: PhaseComment) -> set[int]:
    return set(
        Notification.objects.filter(key=f"phase-comment-{comment.pk}").values_list(
            "recipient", flat=True
        )
    )


def test_a_learners_message_is_not_emailed_to_blind_reviewers(
    client_for, learner, instructor, submission, blind_cohort, django_capture_on_commit_callbacks
):
    learner.first_name, learner.last_name = "Oona", "Oksanen"
    learner.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(learner).post(
            reverse("workshops:thread", args=[submission.experiment_id, 1]),
            {"text": "Rajasin kohderyhmän nuoriin."},
        )
    assert response.status_code == 302
    comment = PhaseComment.objects.get()
    assert notified(comment) == set()
    assert not Notification.objects.filter(body__contains="Oksanen").exists()
    # The page they would have been sent to shows them no thread.
    page = client_for(instructor).get(reverse("workshops:review", args=[submission.pk]))
    assert 'data-testid="thread"' not in page.content.decode()
    assert "Rajasin kohderyhmän nuoriin." not in page.content.decode()


def test_an_instructors_message_still_reaches_the_team_under_blind_review(
    client_for, learner, instructor, submission, blind_cohort, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(instructor).post(
            reverse("workshops:thread", args=[submission.experiment_id, 1]),
            {"text": "Hyvä tarkennus."},
        )
    comment = PhaseComment.objects.get()
    assert notified(comment) == {learner.pk}
    note = Notification.objects.get(key=f"phase-comment-{comment.pk}")
    assert "Hyvä tarkennus." in note.body


def test_without_blind_review_the_instructors_are_told_who_wrote(
    client_for, learner, instructor, submission, django_capture_on_commit_callbacks
):
    learner.first_name, learner.last_name = "Oona", "Oksanen"
    learner.save()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(learner).post(
            reverse("workshops:thread", args=[submission.experiment_id, 1]),
            {"text": "Rajasin kohderyhmän nuoriin."},
        )
    note = Notification.objects.get(recipient=instructor)
    assert "Oona Oksanen" in note.body
    assert "Oona Oksanen" in note.html_body


def test_another_cohorts_blind_review_does_not_silence_this_one(
    client_for, learner, instructor, submission, other_cohort, assignment
):
    CohortMarkingSettings.objects.create(
        cohort=other_cohort, workshop=assignment.workshop, blind_review=True
    )
    client_for(learner).post(
        reverse("workshops:thread", args=[submission.experiment_id, 1]), {"text": "Kysymys."}
    )
    assert notified(PhaseComment.objects.get()) == {instructor.pk}


def test_the_email_names_no_learner_when_the_author_is_hidden(learner, instructor, submission):
    learner.first_name, learner.last_name = "Oona", "Oksanen"
    learner.save()
    comment = PhaseComment.objects.create(
        experiment=submission.experiment, phase=1, cycle=1, author=learner, text="Kysymys."
    )
    context = {
        "experiment": submission.experiment,
        "comment": comment,
        "phase_label": Phase(1).label,
    }
    instructor.language = "en"
    hidden = notification_render(
        recipient=instructor, template="phase_comment", context={**context, "hide_author": True}
    )
    shown = notification_render(
        recipient=instructor, template="phase_comment", context={**context, "hide_author": False}
    )
    for part in hidden:
        assert "Oksanen" not in part
        assert learner.email not in part
    assert "A learner on the team wrote" in hidden[1]
    assert "Oona Oksanen wrote" in shown[1]
    assert "Kysymys." in hidden[1]
    assert "Kysymys." in hidden[2]


def test_a_teammate_is_on_the_team_not_a_blind_reviewer(
    client_for, learner, instructor, submission, blind_cohort, cohort
):
    """An instructor who joined the team sees the thread, so is emailed as the team is."""
    member_instructor = factories.UserFactory(email="tiimiohjaaja@example.fi")
    factories.MembershipFactory(cohort=cohort, user=member_instructor, role="instructor")
    submission.experiment.members.create(
        user=member_instructor, cohort=cohort, workshop=submission.experiment.workshop
    )
    client_for(instructor).post(
        reverse("workshops:thread", args=[submission.experiment_id, 1]), {"text": "Hei tiimi."}
    )
    assert notified(PhaseComment.objects.get()) == {learner.pk, member_instructor.pk}
