"""The phase funnel and attendance computed by SQL aggregates (a page of rows read at a time)
give exactly what the former Python loops over every experiment and learner gave, on a cohort
with teams, several phases and cycles, revisions, rejected and checked versions, a marking,
a completed experiment and excused absences."""

import datetime
import statistics

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from learners import selectors
from learners.models import Membership
from learners.rollup import rollup_rebuild
from workshops.models import (
    Attendance,
    Experiment,
    ExperimentEvent,
    ExperimentMember,
    Marking,
    Submission,
    WorkshopSession,
)

from .test_dashboards import (
    NOW,
    TODAY,
    add_learner,
    days_ago,
    make_session,
    start_experiment,
    submit,
)

pytestmark = pytest.mark.django_db


def python_funnel(cohort, today):
    """The funnel as computed before #13 (every experiment read into Python)."""
    experiments = list(selectors._funnel_experiments(cohort=cohort))
    teams = {}
    for member in ExperimentMember.objects.filter(experiment__cohort=cohort).order_by(
        "joined_at", "pk"
    ):
        teams.setdefault(member.experiment_id, []).append(member.user_id)
    phases = {}
    totals = {"learner": 0, "reviewer": 0, "instructor": 0, "done": 0}
    rows = []
    for e in experiments:
        waiting = selectors._waiting_on(
            experiment=e, status=e.latest_status, marking=e.latest_marking
        )
        since = e.opened_at or e.created_at
        days = max((today - timezone.localdate(since)).days, 0)
        waiting_since = (
            e.latest_at if waiting in ("reviewer", "instructor") and e.latest_at else since
        )
        totals[waiting] += 1
        rows.append(
            (
                e.pk,
                teams.get(e.pk, []),
                e.phase,
                days,
                waiting,
                max((today - timezone.localdate(waiting_since)).days, 0),
            )
        )
        if waiting == "done":
            continue
        p = phases.setdefault(e.phase, {"experiments": 0, "learners": 0, "days": [], "w": {}})
        p["experiments"] += 1
        p["learners"] += len(teams.get(e.pk, []))
        p["days"].append(days)
        p["w"][waiting] = p["w"].get(waiting, 0) + 1
    return phases, totals, rows


def row_tuple(row):
    return (
        row.experiment.pk,
        [m.pk for m in row.members],
        row.phase,
        row.days_in_phase,
        row.waiting_on,
        row.waiting_days,
    )


@pytest.fixture
def varied_cohort(cohort, assignment, learner, other_learner, instructor):
    workshop = assignment.workshop
    experiments = []
    people = [learner, other_learner] + [add_learner(cohort) for _ in range(22)]
    states = [
        None,
        Submission.Status.RECEIVED,
        Submission.Status.PROCESSING,
        Submission.Status.REVISION_REQUESTED,
        Submission.Status.REJECTED,
        Submission.Status.APPROVED,
    ]
    # Twelve experiments, each with a team of two: several phases, opened on different days.
    for i in range(12):
        owner, mate = people[2 * i], people[2 * i + 1]
        experiment = start_experiment(
            cohort, workshop, owner, f"Kokeilu {i:02}", opened_days_ago=(i * 3) % 17
        )
        ExperimentMember.objects.create(
            experiment=experiment, user=mate, cohort=cohort, workshop=workshop
        )
        status = states[i % len(states)]
        if status is not None:
            # A revision: version 1 sent back, version 2 in the state; the mate sent it.
            submit(experiment, assignment, owner, Submission.Status.REVISION_REQUESTED, 9)
            latest = submit(experiment, assignment, mate, status, i % 5, version=2)
            if i == 1:
                Marking.objects.create(submission=latest, state=Marking.State.READY)
        experiments.append(experiment)
    Experiment.objects.filter(pk=experiments[5].pk).update(phase=2)
    Experiment.objects.filter(pk=experiments[7].pk).update(phase=3, cycle=2)
    ExperimentEvent.objects.create(
        experiment=experiments[7],
        kind=ExperimentEvent.Kind.NEW_CYCLE,
        phase=3,
        cycle=2,
        actor=instructor,
        created_at=days_ago(3),
    )
    Experiment.objects.filter(pk=experiments[11].pk).update(status=Experiment.Status.COMPLETED)
    # Attendance: two held sessions and one to come; present, absent, excused and unrecorded.
    held = [make_session(cohort, workshop, f"Työpaja {n}", days_ago(14 - 7 * n)) for n in (0, 1)]
    make_session(cohort, workshop, "Tuleva", NOW + datetime.timedelta(days=7))
    for i, person in enumerate(people):
        for j, session in enumerate(held):
            status = ("present", "absent", "excused", None)[(i + j) % 4]
            if status:
                Attendance.objects.create(
                    session=session, learner=person, status=status, recorded_by=instructor
                )
    return experiments


def test_the_funnel_aggregates_match_the_former_python_computation(cohort, varied_cohort):
    funnel = selectors.experiment_funnel(cohort=cohort, today=TODAY)
    phases, totals, rows = python_funnel(cohort, TODAY)
    assert funnel.waiting_totals == totals
    assert funnel.completed == totals["done"] == 1
    assert {w for w in totals if totals[w]} == {"learner", "reviewer", "instructor", "done"}
    assert len({p.phase for p in funnel.phases if p.experiments}) == 3
    for p in funnel.phases:
        expected = phases.get(p.phase, {"experiments": 0, "learners": 0, "days": [], "w": {}})
        assert p.experiments == expected["experiments"], p.phase
        assert p.learners == expected["learners"], p.phase
        assert p.waiting == expected["w"], p.phase
        if expected["days"]:
            assert p.median_days == round(statistics.median(expected["days"]), 1)
            assert p.longest_days == max(expected["days"])
        else:
            assert (p.median_days, p.longest_days) == (None, None)
    assert [row_tuple(r) for r in funnel.experiments] == rows
    assert len(funnel.experiments) == 12
    # A page is the same rows as the whole list cut at the same place.
    assert [row_tuple(r) for r in funnel.experiments[5:9]] == rows[5:9]
    assert row_tuple(funnel.experiments[-1]) == rows[-1]


def python_attendance(cohort, now):
    """Each learner's attendance as computed before #13 (every learner read into Python)."""
    held = set(
        WorkshopSession.objects.filter(cohort=cohort, starts_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    rows = {}
    for m in Membership.objects.filter(cohort=cohort, role=Membership.Role.LEARNER).order_by(
        "user__last_name", "user__first_name", "user__email", "pk"
    ):
        rows[m.user_id] = {"present": 0, "absent": 0, "excused": 0, "held": len(held)}
    for learner_id, status, n in (
        Attendance.objects.filter(session_id__in=held)
        .values_list("learner_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if learner_id in rows:
            rows[learner_id][status] += n
    return [(pk, r["present"], r["absent"], r["excused"], r["held"]) for pk, r in rows.items()]


def test_attendance_read_a_page_at_a_time_matches_the_former_python_computation(
    cohort, varied_cohort
):
    overview = selectors.cohort_attendance(cohort=cohort, now=NOW)
    expected = python_attendance(cohort, NOW)
    got = [(r.learner.pk, r.present, r.absent, r.excused, r.held) for r in overview.learners]
    assert got == expected
    assert len(overview.learners) == len(expected) == 24
    assert {r[3] for r in expected} != {0}  # excused absences are among them
    page = overview.learners[10:20]
    assert [(r.learner.pk, r.present, r.absent, r.excused, r.held) for r in page] == expected[10:20]


def test_the_pages_read_a_page_of_rows_and_stay_flat(
    client_for, cohort, coordinator, varied_cohort, django_assert_num_queries
):
    """The second page of the funnel shows the rows after the first 100 and the query count
    does not grow with the experiments."""
    rollup_rebuild()  # the phase counts come from the rollup, as beat keeps it
    client = client_for(coordinator)
    # The same on both databases (connections start with JIT off, so core.db.no_jit adds no
    # statements: 12 allowed before for PostgreSQL's three). The session, and the coordinator
    # with the navigation (2), the cohort (1); the funnel: the rollup row (1), a page of
    # experiments (1) and their teams (1); attendance: the sessions (1), the counts per session
    # and status (1), the learners' count and page (2).
    for name, budget in (("funnel", 6), ("attendance", 7)):
        url = reverse(f"learners:{name}", args=[cohort.pk])
        with django_assert_num_queries(budget):
            assert client.get(url).status_code == 200
        extra = [add_learner(cohort) for _ in range(30)]
        for i, person in enumerate(extra):
            start_experiment(cohort, varied_cohort[0].workshop, person, f"Lisä {name} {i}")
        with django_assert_num_queries(budget):
            response = client.get(url)
        assert response.status_code == 200
