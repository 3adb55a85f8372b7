"""The experiment phase funnel and workshop attendance pages, against hand-computed cohorts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from learners import selectors
from learners.rollup import rollup_rebuild
from tests import factories
from workshops import services as workshop_services
from workshops.models import (
    Attendance,
    Experiment,
    ExperimentEvent,
    Marking,
    Submission,
    WorkshopSession,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = timezone.localdate(NOW)


def days_ago(n):
    return NOW - datetime.timedelta(days=n)


def add_learner(cohort, **fields):
    user = factories.UserFactory(**fields)
    factories.MembershipFactory(cohort=cohort, user=user)
    return user


def start_experiment(cohort, workshop, learner, title, opened_days_ago=0):
    experiment = workshop_services.experiment_create(
        learner=learner, workshop=workshop, cohort=cohort, title=title
    )
    ExperimentEvent.objects.filter(experiment=experiment).update(
        created_at=days_ago(opened_days_ago)
    )
    return experiment


def submit(experiment, assignment, learner, status, submitted_days_ago=0, version=1):
    submission = factories.SubmissionFactory(
        experiment=experiment,
        assignment=assignment,
        cohort=experiment.cohort,
        learner=learner,
        status=status,
        version=version,
        cycle=experiment.cycle,
    )
    Submission.objects.filter(pk=submission.pk).update(submitted_at=days_ago(submitted_days_ago))
    return submission


@pytest.fixture
def funnel_cohort(cohort, assignment, learner, other_learner):
    """Four experiments in phase 1: one untouched (learner), one sent (reviewer), one marked
    ready for release (instructor), one sent back for revision (learner); one completed."""
    workshop = assignment.workshop
    untouched = start_experiment(cohort, workshop, learner, "Kyyti", opened_days_ago=10)
    sent = start_experiment(cohort, workshop, other_learner, "Kirjasto", opened_days_ago=6)
    submit(sent, assignment, other_learner, Submission.Status.RECEIVED, submitted_days_ago=4)
    third = add_learner(cohort)
    ready = start_experiment(cohort, workshop, third, "Torimarkkinat", opened_days_ago=2)
    marked = submit(ready, assignment, third, Submission.Status.RECEIVED, submitted_days_ago=1)
    Marking.objects.create(submission=marked, state=Marking.State.READY)
    fourth = add_learner(cohort)
    revise = start_experiment(cohort, workshop, fourth, "Kylätalo", opened_days_ago=8)
    submit(revise, assignment, fourth, Submission.Status.REVISION_REQUESTED)
    fifth = add_learner(cohort)
    done = start_experiment(cohort, workshop, fifth, "Valmis", opened_days_ago=30)
    Experiment.objects.filter(pk=done.pk).update(status=Experiment.Status.COMPLETED)
    return {"untouched": untouched, "sent": sent, "ready": ready, "revise": revise, "done": done}


def test_the_funnel_counts_each_phase_and_who_each_experiment_waits_on(cohort, funnel_cohort):
    funnel = selectors.experiment_funnel(cohort=cohort, today=TODAY)
    phase1 = funnel.phases[0]
    assert phase1.experiments == 4
    assert phase1.learners == 4
    assert phase1.waiting == {"learner": 2, "reviewer": 1, "instructor": 1}
    assert sorted(phase1.days) == [2, 6, 8, 10]
    assert phase1.median_days == 7.0
    assert phase1.longest_days == 10
    assert all(p.experiments == 0 for p in funnel.phases[1:])
    assert funnel.completed == 1
    assert funnel.waiting_totals == {"learner": 2, "reviewer": 1, "instructor": 1, "done": 1}
    by_pk = {row.experiment.pk: row for row in funnel.experiments}
    sent = by_pk[funnel_cohort["sent"].pk]
    assert (sent.waiting_on, sent.days_in_phase, sent.waiting_days) == ("reviewer", 6, 4)
    assert by_pk[funnel_cohort["ready"].pk].waiting_on == "instructor"
    assert by_pk[funnel_cohort["untouched"].pk].waiting_days == 10


def test_the_reviewer_is_waited_on_from_when_the_files_were_checked(cohort, funnel_cohort):
    sent = funnel_cohort["sent"]
    Submission.objects.filter(experiment=sent).update(processed_at=days_ago(1))
    funnel = selectors.experiment_funnel(cohort=cohort, today=TODAY)
    row = next(r for r in funnel.experiments if r.experiment.pk == sent.pk)
    # Sent four days ago, ready for review (files checked) one day ago.
    assert (row.waiting_on, row.waiting_days) == ("reviewer", 1)


def test_an_approved_phase_opens_the_next_and_restarts_the_clock(cohort, funnel_cohort):
    experiment = funnel_cohort["untouched"]
    Experiment.objects.filter(pk=experiment.pk).update(phase=2)
    ExperimentEvent.objects.create(
        experiment=experiment,
        actor=experiment.created_by,
        kind=ExperimentEvent.Kind.APPROVED,
        phase=1,
        cycle=1,
    )
    funnel = selectors.experiment_funnel(cohort=cohort, today=TODAY)
    row = next(r for r in funnel.experiments if r.experiment.pk == experiment.pk)
    assert (row.phase, row.days_in_phase, row.waiting_on) == (2, 0, "learner")
    assert funnel.phases[1].experiments == 1


def test_the_funnel_page_shows_the_figures_to_the_cohorts_staff(
    client_for, cohort, instructor, funnel_cohort
):
    response = client_for(instructor).get(reverse("learners:funnel", args=[cohort.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="phase-1-experiments">4<' in html
    assert 'data-testid="waiting-instructor">1<' in html
    assert "Kirjasto" in html


def test_staff_of_another_cohort_and_learners_cannot_see_the_funnel(
    client_for, cohort, other_instructor, learner
):
    url = reverse("learners:funnel", args=[cohort.pk])
    assert client_for(other_instructor).get(url).status_code == 404
    assert client_for(learner).get(url).status_code in (403, 404)


def make_experiments(cohort, workshop, assignment, n):
    for i in range(n):
        learner = add_learner(cohort)
        experiment = start_experiment(cohort, workshop, learner, f"Kokeilu {i}")
        if i % 2:
            submit(experiment, assignment, learner, Submission.Status.RECEIVED)


def test_the_funnel_page_keeps_a_flat_query_count(
    client_for, cohort, coordinator, assignment, django_assert_num_queries
):
    client = client_for(coordinator)
    url = reverse("learners:funnel", args=[cohort.pk])
    make_experiments(cohort, assignment.workshop, assignment, 10)
    rollup_rebuild()  # the phase counts come from the progress rollup, as beat keeps it
    # The session, and the coordinator with the navigation's roles and unread badge (2); the
    # cohort with whether she coordinates it (1); its rollup row, the counts per phase and the
    # number of experiments (1); the page's experiments with their phase clock (1), and their
    # teams (1). (7 before the navigation came with the person's row; 12 before #13.)
    budget = 6
    with django_assert_num_queries(budget):
        assert client.get(url).status_code == 200
    make_experiments(cohort, assignment.workshop, assignment, 100)
    rollup_rebuild()
    with django_assert_num_queries(budget):
        assert client.get(url).status_code == 200


# --- attendance ------------------------------------------------------------------------------


def make_session(cohort, workshop, title, starts):
    return WorkshopSession.objects.create(
        workshop=workshop,
        cohort=cohort,
        title=title,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
    )


@pytest.fixture
def sessions(cohort, assignment, learner, other_learner, instructor):
    workshop = assignment.workshop
    first = make_session(cohort, workshop, "Työpaja 1", days_ago(14))
    second = make_session(cohort, workshop, "Työpaja 2", days_ago(7))
    future = make_session(cohort, workshop, "Työpaja 3", NOW + datetime.timedelta(days=7))
    mark = Attendance.objects.create
    mark(session=first, learner=learner, status="present", recorded_by=instructor)
    mark(session=first, learner=other_learner, status="absent", recorded_by=instructor)
    mark(session=second, learner=learner, status="present", recorded_by=instructor)
    mark(session=second, learner=other_learner, status="excused", recorded_by=instructor)
    return first, second, future


def test_attendance_is_counted_per_session_and_learner(cohort, learner, other_learner, sessions):
    first, second, future = sessions
    third = add_learner(cohort)  # nothing recorded for them
    overview = selectors.cohort_attendance(cohort=cohort, now=NOW)
    assert overview.held == 2
    # The attendance rule: present of recorded and not excused (2 of 3); the excused absence
    # and the learner with nothing recorded are not counted.
    assert (overview.present, overview.recorded, overview.counted, overview.percent) == (
        2,
        4,
        3,
        67,
    )
    rows = {r.session.pk: r for r in overview.sessions}
    assert (rows[first.pk].present, rows[first.pk].absent, rows[first.pk].unrecorded) == (1, 1, 1)
    assert (rows[second.pk].excused, rows[second.pk].percent) == (1, 100)
    assert rows[future.pk].unrecorded == 0
    people = {r.learner.pk: r for r in overview.learners}
    assert (people[learner.pk].present, people[learner.pk].percent) == (2, 100)
    assert (people[other_learner.pk].absent, people[other_learner.pk].excused) == (1, 1)
    assert people[other_learner.pk].percent == 0
    assert (people[third.pk].held, people[third.pk].unrecorded, people[third.pk].percent) == (
        2,
        2,
        None,
    )


def test_the_attendance_page_shows_sessions_and_learners(
    client_for, cohort, coordinator, learner, sessions
):
    response = client_for(coordinator).get(reverse("learners:attendance", args=[cohort.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="figure-held">2<' in html
    assert "Työpaja 3" in html
    assert f'data-testid="learner-{learner.pk}"' in html


def test_staff_of_another_cohort_cannot_see_its_attendance(client_for, cohort, other_instructor):
    url = reverse("learners:attendance", args=[cohort.pk])
    assert client_for(other_instructor).get(url).status_code == 404


def test_the_attendance_page_keeps_a_flat_query_count(
    client_for, cohort, coordinator, assignment, instructor, django_assert_num_queries
):
    client = client_for(coordinator)
    url = reverse("learners:attendance", args=[cohort.pk])

    def grow(n):
        session = make_session(cohort, assignment.workshop, "Työpaja", days_ago(n))
        for _i in range(n):
            learner = add_learner(cohort)
            Attendance.objects.create(
                session=session, learner=learner, status="present", recorded_by=instructor
            )

    # The session, and the coordinator with the navigation's roles and unread badge (2); the
    # cohort (1); its sessions (1) and the counts per session and status (1); the learners'
    # count and page (2). (12 allowed before.)
    budget = 7
    grow(10)
    with django_assert_num_queries(budget):
        assert client.get(url).status_code == 200
    grow(100)
    with django_assert_num_queries(budget):
        assert client.get(url).status_code == 200
