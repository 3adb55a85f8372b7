"""A learner leaves a team herself, and the cohort's staff take a learner off one: a
confirmation page first, the change on POST only, the team told once, the work kept with the
person's name. The team's only member stays; under blind review staff remove nobody."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from learners.models import Membership
from notifications.models import Notification
from tests import factories
from workshops import services
from workshops.models import ExperimentMember, Submission

pytestmark = pytest.mark.django_db


def team_ids(experiment) -> set[int]:
    return set(
        ExperimentMember.objects.filter(experiment=experiment).values_list("user", flat=True)
    )


def notes(prefix: str):
    return Notification.objects.filter(key__startswith=prefix)


def leave_url(experiment) -> str:
    return reverse("workshops:team_leave", args=[experiment.pk])


def remove_url(experiment, user) -> str:
    row = ExperimentMember.objects.get(experiment=experiment, user=user)
    return reverse("workshops:team_remove", args=[experiment.pk, row.pk])


def include_for(page) -> str:
    """The experiment page's team controls (templates/workshops/includes/_team_leave.html),
    drawn with the very context the page was drawn with."""
    assert page.templates[0].name == "workshops/experiment_detail.html"
    return render_to_string("workshops/includes/_team_leave.html", page.context[0].flatten())


# --- a learner leaves -------------------------------------------------------------------------


def test_a_learner_leaves_after_confirming_and_her_team_mate_is_told_once(
    client_for, experiment, learner, teammate, cohort, assignment
):
    version = factories.SubmissionFactory(
        learner=teammate, cohort=cohort, assignment=assignment, experiment=experiment
    )
    client = client_for(teammate)
    page = client.get(reverse("workshops:experiment", args=[experiment.pk]))
    assert 'data-testid="team-leave-link"' in include_for(page)
    confirm = client.get(leave_url(experiment))
    assert confirm.status_code == 200
    assert 'data-testid="team-leave-form"' in confirm.content.decode()
    assert team_ids(experiment) == {learner.pk, teammate.pk}  # asking changes nothing
    response = client.post(leave_url(experiment))
    assert response.status_code == 302
    assert response.url == reverse("core:home")
    assert team_ids(experiment) == {learner.pk}
    # Her version stays, with her name; the experiment is no longer hers to open.
    assert Submission.objects.get(pk=version.pk).learner_id == teammate.pk
    assert client.get(reverse("workshops:experiment", args=[experiment.pk])).status_code == 404
    assert client.post(leave_url(experiment)).status_code == 404  # a second click
    [note] = notes("team-member-left-")
    assert note.recipient_id == learner.pk
    assert teammate.display_name in note.subject
    assert not notes("team-member-removed-").exists()
    # The experiment's history says she is no longer on the team.
    from workshops.models import ExperimentEvent

    assert list(
        ExperimentEvent.objects.filter(
            experiment=experiment, kind=ExperimentEvent.Kind.MEMBER_REMOVED
        ).values_list("actor_id", flat=True)
    ) == [teammate.pk]
    # Oona's page now lists her alone, with nothing to leave; Tiina may start her own.
    page = client_for(learner).get(reverse("workshops:experiment", args=[experiment.pk]))
    assert [m.user_id for m in page.context["members"]] == [learner.pk]
    assert "team-leave-link" not in include_for(page)
    services.experiment_create(
        learner=teammate, workshop=experiment.workshop, cohort=cohort, title="Oma kokeilu"
    )


def test_the_only_member_is_told_she_cannot_leave_and_stays(client_for, experiment, learner):
    client = client_for(learner)
    confirm = client.get(leave_url(experiment))
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert 'data-testid="team-only-member"' in body
    assert 'data-testid="team-leave-form"' not in body
    response = client.post(leave_url(experiment))
    assert response.status_code == 409
    assert team_ids(experiment) == {learner.pk}
    assert client.get(reverse("workshops:experiment", args=[experiment.pk])).status_code == 200


@pytest.mark.parametrize("who", ["other_learner", "instructor", "coordinator", "outsider_learner"])
def test_only_someone_on_the_team_may_leave_it(
    request, client_for, experiment, learner, teammate, who
):
    client = client_for(request.getfixturevalue(who))
    assert client.get(leave_url(experiment)).status_code == 404
    assert client.post(leave_url(experiment)).status_code == 404
    assert team_ids(experiment) == {learner.pk, teammate.pk}


def test_a_learner_on_the_team_cannot_remove_a_team_mate(client_for, experiment, learner, teammate):
    client = client_for(learner)
    assert client.get(remove_url(experiment, teammate)).status_code == 404
    assert client.post(remove_url(experiment, teammate)).status_code == 404
    assert team_ids(experiment) == {learner.pk, teammate.pk}
    assert not notes("team-member-").exists()


# --- the cohort's staff remove ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["instructor", "coordinator"])
def test_the_cohorts_staff_remove_a_learner_and_both_sides_are_told(
    request, client_for, experiment, learner, teammate, who
):
    staff = request.getfixturevalue(who)
    client = client_for(staff)
    page = client.get(reverse("workshops:experiment", args=[experiment.pk]))
    controls = include_for(page)
    assert controls.count('data-testid="team-remove-link"') == 2
    assert remove_url(experiment, teammate) in controls
    url = remove_url(experiment, teammate)
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert teammate.display_name in confirm.content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert response.url == reverse("workshops:experiment", args=[experiment.pk])
    assert team_ids(experiment) == {learner.pk}
    [left] = notes("team-member-left-")
    assert left.recipient_id == learner.pk
    [removed] = notes("team-member-removed-")
    assert removed.recipient_id == teammate.pk
    assert experiment.title in removed.subject
    # A second click says she is off the team already; nobody is told twice.
    again = client.post(url)
    assert again.status_code == 302
    assert notes("team-member-").count() == 2
    assert client_for(teammate).get(
        reverse("workshops:experiment", args=[experiment.pk])
    ).status_code == (404)


def test_staff_of_another_cohort_remove_nobody(
    client_for, experiment, learner, teammate, other_instructor
):
    client = client_for(other_instructor)
    assert client.get(remove_url(experiment, teammate)).status_code == 404
    assert client.post(remove_url(experiment, teammate)).status_code == 404
    assert team_ids(experiment) == {learner.pk, teammate.pk}


def test_a_row_of_another_experiment_is_not_found(
    client_for, experiment, learner, teammate, coordinator, other_learner, assignment, cohort
):
    other = services.experiment_create(
        learner=other_learner, workshop=assignment.workshop, cohort=cohort, title="Kylätalo"
    )
    row = ExperimentMember.objects.get(experiment=other, user=other_learner)
    url = reverse("workshops:team_remove", args=[experiment.pk, row.pk])
    assert client_for(coordinator).get(url).status_code == 404
    assert ExperimentMember.objects.filter(pk=row.pk).exists()


def test_staff_cannot_remove_the_only_member(client_for, experiment, learner, coordinator):
    client = client_for(coordinator)
    page = client.get(reverse("workshops:experiment", args=[experiment.pk]))
    assert "team-remove-link" not in include_for(page)
    url = remove_url(experiment, learner)
    assert 'data-testid="team-only-member"' in client.get(url).content.decode()
    assert client.post(url).status_code == 409
    assert team_ids(experiment) == {learner.pk}
    assert not notes("team-member-").exists()


def test_under_blind_review_staff_remove_nobody(
    client_for, experiment, learner, teammate, coordinator, blind_cohort
):
    client = client_for(coordinator)
    page = client.get(reverse("workshops:experiment", args=[experiment.pk]))
    assert "team-remove" not in include_for(page)
    url = remove_url(experiment, teammate)
    assert client.get(url).status_code == 409
    assert client.post(url).status_code == 409
    assert team_ids(experiment) == {learner.pk, teammate.pk}
    # The team itself still leaves as it likes.
    assert client_for(teammate).post(leave_url(experiment)).status_code == 302
    assert team_ids(experiment) == {learner.pk}


def test_the_two_last_members_leaving_at_once_leave_one_on_the_team(experiment, learner, teammate):
    # The second asks after the first is gone: the team lock sees one member left.
    services_team = pytest.importorskip("workshops.services_team")
    services_team.experiment_member_remove(
        member=ExperimentMember.objects.get(experiment=experiment, user=teammate), by=teammate
    )
    with pytest.raises(services.ExperimentError):
        services_team.experiment_member_remove(
            member=ExperimentMember.objects.get(experiment=experiment, user=learner), by=learner
        )
    assert team_ids(experiment) == {learner.pk}


def test_the_confirmation_pages_read_a_fixed_number_of_queries(
    client_for,
    experiment,
    learner,
    teammate,
    coordinator,
    cohort,
    django_assert_num_queries,
):
    for _n in range(2):  # the team at its largest
        mate = factories.UserFactory()
        factories.MembershipFactory(cohort=cohort, user=mate, role=Membership.Role.LEARNER)
        ExperimentMember.objects.create(
            experiment=experiment, user=mate, cohort=cohort, workshop=experiment.workshop
        )
    # The session, the person with the navigation's roles and unread badge (2); the
    # experiment, her row, whether anyone else is left in the team (3). (8 allowed before.)
    client = client_for(teammate)
    with django_assert_num_queries(5):
        assert client.get(leave_url(experiment)).status_code == 200
    # The same for staff, with the cohort's marking settings (1). (8 allowed before, when the
    # test's own look-up of the row was counted too.)
    client = client_for(coordinator)
    url = remove_url(experiment, teammate)
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200


def test_a_row_number_past_any_id_is_not_found(client_for, experiment, teammate, coordinator):
    base = reverse("workshops:team_remove", args=[experiment.pk, 1])
    url = base[: -len("1/remove/")] + "9" * 30 + "/remove/"
    client = client_for(coordinator)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 302  # "no longer on this team", back to the page
    assert team_ids(experiment) == {experiment.created_by_id, teammate.pk}
