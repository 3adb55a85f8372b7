"""A learner put on a team is told who added them to which experiment, in the app and by email
as their preferences say, in their own language; adding someone already on the team says so."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from notifications.models import Mode, Notification, NotificationPreference
from workshops import services
from workshops.models import ExperimentMember

pytestmark = pytest.mark.django_db


def added_notes(user):
    return Notification.objects.filter(recipient=user, key__startswith="experiment-member-added-")


def test_the_added_learner_is_notified_in_the_app_and_by_email_with_a_link(
    client_for, experiment, learner, other_learner, django_capture_on_commit_callbacks
):
    learner.last_name = "Oksanen"
    learner.save()
    url = reverse("workshops:experiment_edit", args=[experiment.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(learner).post(url, {"email": other_learner.email})
    assert response.status_code == 302
    [note] = added_notes(other_learner)
    assert note.url == reverse("workshops:experiment", args=[experiment.pk])
    assert "Oona Oksanen" in note.body
    assert experiment.title in note.body
    assert experiment.title in note.subject
    assert not added_notes(learner).exists()  # the one who added is not told
    [email] = mail.outbox
    assert email.to == [other_learner.email]
    assert "Oona Oksanen" in email.body
    assert experiment.title in email.body
    # The link to the experiment, through the signed follow link that marks the notice read.
    from notifications.services import notification_follow_url

    assert notification_follow_url(note) in email.body


def test_the_message_is_in_the_added_learners_language(
    experiment, learner, other_learner, django_capture_on_commit_callbacks
):
    other_learner.language = "sv"
    other_learner.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        services.experiment_add_member(experiment=experiment, by=learner, email=other_learner.email)
    [email] = mail.outbox
    with translation.override("sv"):
        greeting = gettext("Hello %(name)s,") % {"name": other_learner.first_name}
    assert greeting in email.body
    assert greeting.startswith("Hej")


def test_the_added_learners_email_preference_is_respected(
    experiment, learner, other_learner, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(
        user=other_learner, email_modes={Notification.Category.REVIEWS: Mode.OFF}
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.experiment_add_member(experiment=experiment, by=learner, email=other_learner.email)
    [note] = added_notes(other_learner)
    assert note.email_status == Notification.EmailStatus.SKIPPED
    assert mail.outbox == []


def _refusal(experiment, by, email) -> str:
    with pytest.raises(services.ExperimentError) as caught:
        services.experiment_add_member(experiment=experiment, by=by, email=email)
    return caught.value.message


def test_adding_yourself_or_a_team_mate_again_says_they_are_on_this_team(
    experiment, learner, teammate
):
    wrong = gettext("That learner already has an experiment in this workshop.")
    own = _refusal(experiment, learner, learner.email)
    assert own == gettext("You are already on this team.")
    mate = _refusal(experiment, learner, teammate.email.upper())
    assert mate == gettext("%(name)s is already on this team.") % {"name": teammate.display_name}
    assert wrong not in (own, mate)
    assert ExperimentMember.objects.filter(experiment=experiment).count() == 2
    assert not Notification.objects.filter(key__startswith="experiment-member-added-").exists()


def test_a_learner_with_another_experiment_is_still_refused_as_before(
    experiment, learner, other_learner, cohort, assignment
):
    services.experiment_create(
        learner=other_learner, workshop=assignment.workshop, cohort=cohort, title="Oma"
    )
    assert _refusal(experiment, learner, other_learner.email) == gettext(
        "That learner already has an experiment in this workshop."
    )
