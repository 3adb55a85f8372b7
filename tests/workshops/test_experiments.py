"""The experiment: phases that open one by one, pivots, new cycles, teams, drafts and diffs."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from learners.models import Membership
from tests import factories
from tests.refusals import assert_refused
from workshops import services
from workshops.models import (
    Draft,
    Experiment,
    ExperimentEvent,
    ExperimentMember,
    RunLogEntry,
    Submission,
)

pytestmark = pytest.mark.django_db


def send(experiment, learner, assignment, text="Vastaus"):
    return services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=experiment.cohort,
        experiment=experiment,
        text=text,
    )


def decide(submission, instructor, decision="approve", feedback="Hyvä."):
    return services.submission_review(
        submission=submission, reviewer=instructor, decision=decision, feedback=feedback
    )


def track_states(client, experiment):
    response = client.get(reverse("workshops:experiment", args=[experiment.pk]))
    assert response.status_code == 200
    return [row.state for row in response.context["track"]]


def test_a_phase_opens_only_when_the_previous_one_is_approved(
    client_for, experiment, learner, instructor, phases
):
    client = client_for(learner)
    assert track_states(client, experiment) == ["open"] + ["locked"] * 5
    with pytest.raises(services.SubmissionError):
        send(experiment, learner, phases[2])
    page = client.get(reverse("workshops:assignment", args=[phases[2].pk]))
    assert b'data-testid="phase-locked"' in page.content

    v1 = send(experiment, learner, phases[1])
    decide(v1, instructor, "revise", "Rajaa kohderyhmä.")
    experiment.refresh_from_db()
    assert experiment.phase == 1
    v2 = send(experiment, learner, phases[1], "Rajattu")
    decide(v2, instructor)
    experiment.refresh_from_db()
    assert experiment.phase == 2
    assert track_states(client, experiment) == ["approved", "open"] + ["locked"] * 4
    assert (v1.version, v2.version) == (1, 2)


def test_approving_phase_six_completes_the_cycle_and_the_team_may_start_another(
    client_for, experiment, learner, instructor, phases
):
    for phase in range(1, 7):
        decide(send(experiment, learner, phases[phase]), instructor)
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.COMPLETED
    client = client_for(learner)
    assert track_states(client, experiment) == ["approved"] * 6

    response = client.post(
        reverse("workshops:experiment_cycle", args=[experiment.pk]), {"phase": 2}
    )
    assert response.status_code == 302
    experiment.refresh_from_db()
    assert (experiment.status, experiment.phase, experiment.cycle) == ("active", 2, 2)
    again = send(experiment, learner, phases[2], "Toinen kierros")
    assert (again.cycle, again.version) == (2, 2)
    # Both cycles' versions of phase 2 are kept.
    assert Submission.objects.filter(experiment=experiment, assignment=phases[2]).count() == 2


def test_the_instructor_can_pivot_back_and_a_new_cycle_starts_there(
    client_for, experiment, learner, instructor, phases, django_capture_on_commit_callbacks
):
    for phase in (1, 2, 3):
        decide(send(experiment, learner, phases[phase]), instructor)
    experiment.refresh_from_db()
    assert experiment.phase == 4
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(instructor).post(
            reverse("workshops:experiment_pivot", args=[experiment.pk]),
            {"to_phase": 2, "note": "Hypoteesi ei kestänyt ensimmäistä mittausta."},
        )
    assert response.status_code == 302
    experiment.refresh_from_db()
    assert (experiment.phase, experiment.cycle) == (2, 2)
    assert ExperimentEvent.objects.filter(
        experiment=experiment, kind=ExperimentEvent.Kind.PIVOT, actor=instructor
    ).exists()
    assert learner.notifications.filter(key__startswith="experiment-pivot").exists()
    assert track_states(client_for(learner), experiment) == ["approved", "open"] + ["locked"] * 4
    # The new cycle's version follows the old one's number; the old one stays approved.
    v = send(experiment, learner, phases[2], "Uusi hypoteesi")
    assert (v.cycle, v.version) == (2, 2)
    assert Submission.objects.get(
        experiment=experiment, assignment=phases[2], version=1
    ).status == (Submission.Status.APPROVED)


def test_a_pivot_must_go_back_and_only_the_cohorts_instructor_may_do_it(
    client_for, experiment, other_instructor, instructor, learner
):
    url = reverse("workshops:experiment_pivot", args=[experiment.pk])
    data = {"to_phase": 1, "note": "x"}
    assert client_for(other_instructor).post(url, data).status_code == 404
    assert client_for(learner).post(url, data).status_code == 404
    with pytest.raises(services.ExperimentError):
        services.experiment_pivot(experiment=experiment, by=instructor, to_phase=1, note="x")
    experiment.refresh_from_db()
    assert experiment.cycle == 1


def test_a_refused_pivot_is_a_400_with_the_reason_and_changes_nothing(
    client_for, experiment, instructor
):
    client = client_for(instructor)
    url = reverse("workshops:experiment_pivot", args=[experiment.pk])
    html = assert_refused(client.post(url, {}), 400, "Choose an earlier phase and say why.")
    assert reverse("workshops:experiment", args=[experiment.pk]) in html
    # Phase 1 is not before the phase the experiment is in.
    response = client.post(url, {"to_phase": 1, "note": "Takaisin alkuun."})
    assert_refused(response, 400, "Choose an earlier phase and say why.")
    experiment.refresh_from_db()
    assert (experiment.phase, experiment.cycle) == (1, 1)
    assert not ExperimentEvent.objects.filter(kind=ExperimentEvent.Kind.PIVOT).exists()


def test_a_new_cycle_while_one_runs_is_a_409_and_a_missing_phase_a_400(
    client_for, experiment, learner
):
    client = client_for(learner)
    url = reverse("workshops:experiment_cycle", args=[experiment.pk])
    assert_refused(client.post(url, {}), 400, "Choose a phase.")
    response = client.post(url, {"phase": 2})
    assert_refused(response, 409, "Finish this cycle before you start another one.")
    experiment.refresh_from_db()
    assert (experiment.phase, experiment.cycle) == (1, 1)
    assert not ExperimentEvent.objects.filter(kind=ExperimentEvent.Kind.NEW_CYCLE).exists()


def test_an_extension_without_a_valid_date_is_a_400_and_nothing_is_saved(
    client_for, experiment, instructor
):
    url = reverse("workshops:extension_grant", args=[experiment.pk])
    response = client_for(instructor).post(url, {"phase": 2, "due_on": "ei päivä"})
    html = assert_refused(response, 400, "Choose a phase and a valid date.")
    assert reverse("workshops:experiment", args=[experiment.pk]) in html
    assert not experiment.extensions.exists()


def test_a_team_of_up_to_four_from_different_towns_shares_the_experiment(
    client_for, experiment, learner, other_learner, cohort, assignment
):
    client = client_for(learner)
    url = reverse("workshops:experiment_edit", args=[experiment.pk])
    assert client.post(url, {"email": other_learner.email}).status_code == 302
    assert ExperimentMember.objects.filter(experiment=experiment).count() == 2
    # The team mate sees and submits to the same experiment.
    page = client_for(other_learner).get(reverse("workshops:assignment", args=[assignment.pk]))
    assert page.context["experiment"] == experiment
    for _ in range(2):
        mate = factories.UserFactory()
        factories.MembershipFactory(cohort=cohort, user=mate)
        services.experiment_add_member(experiment=experiment, by=learner, email=mate.email)
    fifth = factories.UserFactory()
    factories.MembershipFactory(cohort=cohort, user=fifth)
    response = client.post(url, {"email": fifth.email})
    assert response.status_code == 400
    assert ExperimentMember.objects.filter(experiment=experiment).count() == 4


def test_nobody_outside_the_cohort_can_join_and_a_learner_has_one_experiment(
    client_for, experiment, learner, outsider_learner, other_learner, cohort, assignment
):
    url = reverse("workshops:experiment_edit", args=[experiment.pk])
    assert client_for(learner).post(url, {"email": outsider_learner.email}).status_code == 400
    services.experiment_create(
        learner=other_learner, workshop=assignment.workshop, cohort=cohort, title="Oma"
    )
    assert client_for(learner).post(url, {"email": other_learner.email}).status_code == 400
    with pytest.raises(services.ExperimentError):
        services.experiment_create(
            learner=learner, workshop=assignment.workshop, cohort=cohort, title="Toinen"
        )


def test_who_may_see_an_experiment(
    client_for, experiment, other_learner, outsider_learner, other_instructor, coordinator
):
    url = reverse("workshops:experiment", args=[experiment.pk])
    assert client_for(coordinator).get(url).status_code == 200
    for person in (other_learner, outsider_learner, other_instructor):
        assert client_for(person).get(url).status_code == 404
    edit = reverse("workshops:experiment_edit", args=[experiment.pk])
    assert client_for(coordinator).get(edit).status_code == 404


def test_a_learner_without_an_experiment_starts_one_from_the_assignment(
    client_for, learner, assignment
):
    client = client_for(learner)
    page = client.get(reverse("workshops:assignment", args=[assignment.pk]))
    assert b'data-testid="experiment-form"' in page.content
    bad = client.post(
        reverse("workshops:experiment_start", args=[assignment.workshop_id]), {"title": " "}
    )
    assert bad.status_code == 400
    assert not Experiment.objects.exists()
    response = client.post(
        reverse("workshops:experiment_start", args=[assignment.workshop_id]),
        {"title": "Kylätaksi", "organisation": "Hämeenlinna", "themes": []},
    )
    assert response["Location"] == reverse("workshops:assignment", args=[assignment.pk])
    assert Experiment.objects.get().members.get().user == learner


def test_the_draft_is_saved_while_writing_and_comes_back(
    client_for, experiment, learner, assignment, other_learner
):
    client = client_for(learner)
    url = reverse("workshops:draft", args=[assignment.pk])
    response = client.post(url, {"text": "Puolivalmis ajatus"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'data-testid="draft-saved"' in response.content
    page = client.get(reverse("workshops:assignment", args=[assignment.pk]))
    assert page.context["form"].initial["text"] == "Puolivalmis ajatus"
    # Someone without the experiment cannot write into it.
    assert client_for(other_learner).post(url, {"text": "x"}).status_code == 404
    # Submitting clears the draft.
    send(experiment, learner, assignment, "Valmis")
    assert not Draft.objects.exists()


def test_a_late_version_is_flagged_and_an_extension_moves_the_due_date(
    experiment, learner, instructor, assignment, cohort, phases
):
    assignment.due_days = 0
    assignment.save()
    cohort.start_date = timezone.localdate() - datetime.timedelta(days=10)
    cohort.end_date = timezone.localdate() + datetime.timedelta(days=100)
    cohort.save()
    experiment.refresh_from_db()
    late = send(experiment, learner, assignment)
    assert late.is_late
    decide(late, instructor)
    experiment.refresh_from_db()
    phases[2].due_days = 0
    phases[2].save()
    services.extension_grant(
        experiment=experiment,
        by=instructor,
        phase=2,
        due_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    on_time = send(experiment, learner, phases[2])
    assert not on_time.is_late


def test_the_diff_shows_what_changed_between_versions(
    client_for, experiment, learner, instructor, assignment, outsider_learner
):
    v1 = send(experiment, learner, assignment, "Kylistä on vaikea päästä asemalle.")
    decide(v1, instructor, "revise", "Tarkenna.")
    v2 = send(experiment, learner, assignment, "Hauholta on vaikea päästä asemalle iltaisin.")
    client = client_for(learner)
    response = client.get(reverse("workshops:submission_diff", args=[v2.pk]))
    assert response.context["against"] == v1
    html = response.content.decode()
    assert '<del class="text-danger">Kylistä</del>' in html
    assert '<ins class="text-success">Hauholta</ins>' in html
    review = client_for(instructor).get(reverse("workshops:review", args=[v2.pk]))
    assert b'data-testid="diff"' in review.content
    assert (
        client_for(outsider_learner)
        .get(reverse("workshops:submission_diff", args=[v2.pk]))
        .status_code
        == 404
    )


def test_the_run_log_takes_dated_entries_and_refuses_a_fake_photo(
    client_for, experiment, learner, other_learner, phases
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("workshops:runlog_add", args=[experiment.pk])
    client = client_for(learner)
    today = timezone.localdate().isoformat()
    response = client.post(url, {"happened_on": today, "kind": "measurement", "text": "12 kyytiä"})
    assert response.status_code == 302
    fake = SimpleUploadedFile("kuva.png", b"MZ" + b"\0" * 100)
    response = client.post(
        url, {"happened_on": today, "kind": "photo", "text": "Pysäkki", "photo": fake}
    )
    html = assert_refused(response, 400, "The photo must be a PNG, JPEG, GIF or WebP image.")
    assert "#run-log" in html
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(url, {"happened_on": tomorrow, "kind": "observation", "text": "x"})
    assert_refused(response, 400, "The date cannot be in the future.")
    response = client.post(url, {"happened_on": today, "kind": "observation"})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert list(RunLogEntry.objects.values_list("text", flat=True)) == ["12 kyytiä"]
    assert client_for(other_learner).post(url, {"text": "x"}).status_code == 404


def test_the_experiment_page_has_a_flat_query_budget(
    client_for, experiment, learner, instructor, phases, cohort, django_assert_num_queries
):
    client = client_for(instructor)
    url = reverse("workshops:experiment", args=[experiment.pk])
    for phase in (1, 2):
        decide(send(experiment, learner, phases[phase]), instructor)
    # The session, the person with the navigation's roles and unread badge (2); the experiment
    # with its cohort and workshop (1); whether the person is in the team, then whether they
    # teach the cohort (2); the team (1); the cohort's marking settings (1); the workshop's
    # phases, the versions sent, the extensions (3); the themes (1); the latest events, the
    # latest run log entries, the impact plan with its counts (3). (20 allowed before.)
    with django_assert_num_queries(14):
        assert client.get(url).status_code == 200
    for _ in range(10):
        services.runlog_add(
            experiment=experiment,
            author=learner,
            happened_on=timezone.localdate(),
            kind="observation",
            text="Havainto",
        )
    for phase in (3, 4, 5):
        decide(send(experiment, learner, phases[phase]), instructor)
    mate = factories.UserFactory()
    factories.MembershipFactory(cohort=cohort, user=mate, role=Membership.Role.LEARNER)
    services.experiment_add_member(experiment=experiment, by=learner, email=mate.email)
    with django_assert_num_queries(14):
        assert client.get(url).status_code == 200


def test_the_learner_sees_the_extended_due_date_and_a_submission_before_it_is_on_time(
    client_for, experiment, learner, instructor, assignment, cohort
):
    assignment.due_days = 0
    assignment.save()
    cohort.start_date = timezone.localdate() - datetime.timedelta(days=10)
    cohort.end_date = timezone.localdate() + datetime.timedelta(days=100)
    cohort.save()
    client = client_for(learner)
    page = client.get(reverse("workshops:assignment", args=[assignment.pk]))
    assert page.context["row"].overdue
    new_due = timezone.localdate() + datetime.timedelta(days=5)
    response = client_for(instructor).post(
        reverse("workshops:extension_grant", args=[experiment.pk]),
        {"phase": 1, "due_on": new_due.isoformat()},
    )
    assert response.status_code == 302
    page = client.get(reverse("workshops:experiment", args=[experiment.pk]))
    row = page.context["track"][0]
    assert (row.due_on, row.extended, row.overdue) == (new_due, True, False)
    assert 'data-testid="extended"' in page.content.decode()
    # The extension is this experiment's own: another learner's due date does not move.
    other = services.experiment_create(
        learner=factories.MembershipFactory(
            cohort=cohort, user=factories.UserFactory(), role=Membership.Role.LEARNER
        ).user,
        workshop=assignment.workshop,
        cohort=cohort,
        title="Toinen kokeilu",
    )
    from workshops.selectors import phase_track

    assert phase_track(experiment=other)[0].overdue
    assert not send(experiment, learner, assignment).is_late
