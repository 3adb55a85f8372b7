"""The plan is versioned with the experiment's phases; reviewers see what changed and give
rubric feedback with phase 3 that the team sees once the review is released."""

from decimal import Decimal

import pytest
from django.urls import reverse

from impact import selectors, services
from impact.models import PlanFeedback, PlanSnapshot
from tests.impact.conftest import open_phase
from workshops import marking
from workshops import services as workshop_services

pytestmark = pytest.mark.django_db


def send(experiment, learner, assignment, text="Suunnitelma"):
    return workshop_services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=experiment.cohort,
        experiment=experiment,
        text=text,
    )


def revise(submission, instructor):
    return workshop_services.submission_review(
        submission=submission, reviewer=instructor, decision="revise", feedback="Tarkenna."
    )


def test_a_submission_keeps_the_plan_as_it_was(experiment, learner, phases, plan):
    open_phase(experiment, 3)
    v1 = send(experiment, learner, phases[3])
    snapshot = PlanSnapshot.objects.get(submission=v1)
    assert (snapshot.phase, snapshot.cycle, snapshot.version) == (3, 1, 1)
    assert snapshot.data["columns"]["risks"] == ["Kuljettajat uupuvat"]
    assert snapshot.data["indicators"][0]["baseline"] == "10.00"
    # Later edits do not change what was submitted.
    services.statement_add(experiment=experiment, column="risks", text="Talvi")
    snapshot.refresh_from_db()
    assert snapshot.data["columns"]["risks"] == ["Kuljettajat uupuvat"]


def test_no_snapshot_without_a_plan(experiment, learner, phases):
    v1 = send(experiment, learner, phases[1])
    assert not PlanSnapshot.objects.filter(submission=v1).exists()


def test_the_diff_names_added_removed_and_changed_statements_and_indicators(
    experiment, learner, instructor, phases, plan
):
    open_phase(experiment, 3)
    v1 = send(experiment, learner, phases[3])
    revise(v1, instructor)
    services.statement_update(statement=plan["statements"]["risks"], text="Kuljettajia ei löydy")
    services.statement_add(experiment=experiment, column="outputs", text="Kyytisovellus")
    services.indicator_save(
        experiment=experiment,
        indicator=plan["indicator"],
        name="Junalla kulkevat asukkaat",
        unit="hlö/vk",
        baseline=Decimal(10),
        target=Decimal(40),
        data_source="Kyytikirjanpito",
        measured_when="Joka viikko",
        statement=plan["statements"]["short_term"],
    )
    services.indicator_save(experiment=experiment, name="Kyytien määrä")
    v2 = send(experiment, learner, phases[3], text="Suunnitelma v2")
    changes = selectors.changes_since_snapshot(submission=v2)
    summary = {(c.kind, c.where, c.text.split(":")[0]) for c in changes}
    assert summary == {
        ("changed", "Riskit", "Kuljettajia ei löydy"),
        ("added", "Tuotokset", "Kyytisovellus"),
        ("changed", "Mittarit", "Junalla kulkevat asukkaat"),
        ("added", "Mittarit", "Kyytien määrä"),
    }
    edited = next(c for c in changes if c.kind == "changed" and c.where == "Riskit")
    assert edited.before == "Kuljettajat uupuvat"
    changed = next(c for c in changes if c.kind == "changed" and c.where == "Mittarit")
    assert "tavoite 40 hlö/vk" in changed.text
    assert "tavoite 30 hlö/vk" in changed.before
    # The first snapshot is compared with nothing: everything was added.
    first = selectors.changes_since_snapshot(submission=v1)
    assert {c.kind for c in first} == {"added"}
    assert len(first) == 8


def test_the_history_page_shows_each_version_and_its_changes(
    client_for, experiment, learner, instructor, coordinator, phases, plan
):
    open_phase(experiment, 3)
    v1 = send(experiment, learner, phases[3])
    revise(v1, instructor)
    services.statement_add(experiment=experiment, column="outputs", text="Kyytisovellus")
    send(experiment, learner, phases[3], text="v2")
    for person in (learner, instructor, coordinator):
        page = client_for(person).get(reverse("impact:history", args=[experiment.pk]))
        assert page.status_code == 200
        html = page.content.decode()
        assert html.count('data-testid="snapshot"') == 2
        assert "Kyytisovellus" in html
        newest = page.context["history"][0]
        assert [(c.kind, c.text) for c in newest.changes] == [("added", "Kyytisovellus")]


def test_the_phase_3_review_screen_shows_the_plan_changes_and_the_rubric_link(
    client_for, experiment, learner, instructor, phases, plan
):
    open_phase(experiment, 3)
    v1 = send(experiment, learner, phases[3])
    page = client_for(instructor).get(reverse("workshops:review", args=[v1.pk]))
    html = page.content.decode()
    assert 'data-testid="impact-review-card"' in html
    assert 'data-testid="plan-changes"' in html
    assert reverse("impact:review", args=[v1.pk]) in html


def _give_feedback(client, submission):
    return client.post(
        reverse("impact:review", args=[submission.pk]),
        {
            "level_short_term": "2",
            "comment_short_term": "Kuvaa muutos kohderyhmälle tarkemmin.",
            "level_indicators": "3",
            "comment_indicators": "",
        },
    )


def test_rubric_feedback_waits_for_release_in_the_marking_workflow(
    client_for, experiment, learner, instructor, phases, plan
):
    workshop = experiment.workshop
    workshop.marking_workflow = True
    workshop.save()
    open_phase(experiment, 3)
    v1 = send(experiment, learner, phases[3])
    teacher = client_for(instructor)
    form = teacher.get(reverse("impact:review", args=[v1.pk]))
    assert form.status_code == 200
    assert "Tulokset kuvaavat selkeää muutosta kohderyhmän kannalta." in form.content.decode()
    response = _give_feedback(teacher, v1)
    assert response.status_code == 302
    assert {f.part: f.level for f in PlanFeedback.objects.filter(submission=v1)} == {
        "short_term": 2,
        "indicators": 3,
    }
    plan_url = reverse("impact:plan", args=[experiment.pk])
    # The instructor sees it on the plan; the team does not, until the review is released.
    assert 'data-testid="plan-feedback"' in teacher.get(plan_url).content.decode()
    team_page = client_for(learner).get(plan_url).content.decode()
    assert 'data-testid="plan-feedback"' not in team_page
    assert "Kuvaa muutos kohderyhmälle" not in team_page
    marking.marking_mark_ready(submission=v1, by=instructor, decision="approve", feedback="")
    assert 'data-testid="plan-feedback"' not in client_for(learner).get(plan_url).content.decode()
    marking.marking_release(submission=v1, by=instructor)
    team_page = client_for(learner).get(plan_url).content.decode()
    assert 'data-testid="plan-feedback"' in team_page
    assert "Kuvaa muutos kohderyhmälle tarkemmin." in team_page
    assert "Kehittymässä" in team_page
    # Released feedback no longer changes.
    response = _give_feedback(client_for(instructor), v1)
    assert response.status_code == 409


def test_without_the_workflow_feedback_shows_once_the_decision_is_made(
    client_for, experiment, learner, instructor, phases, plan
):
    open_phase(experiment, 3)
    v1 = send(experiment, learner, phases[3])
    _give_feedback(client_for(instructor), v1)
    plan_url = reverse("impact:plan", args=[experiment.pk])
    assert 'data-testid="plan-feedback"' not in client_for(learner).get(plan_url).content.decode()
    revise(v1, instructor)
    assert 'data-testid="plan-feedback"' in client_for(learner).get(plan_url).content.decode()


def test_only_the_cohorts_instructors_give_plan_feedback_and_only_on_phase_3(
    client_for, experiment, learner, coordinator, other_instructor, instructor, phases, plan
):
    v_phase1 = send(experiment, learner, phases[1])
    assert (
        client_for(instructor).get(reverse("impact:review", args=[v_phase1.pk])).status_code == 404
    )
    revise(v_phase1, instructor)
    open_phase(experiment, 3)
    v1 = send(experiment, learner, phases[3])
    url = reverse("impact:review", args=[v1.pk])
    assert client_for(other_instructor).get(url).status_code == 404
    assert _give_feedback(client_for(other_instructor), v1).status_code == 404
    assert client_for(learner).get(url).status_code == 403
    assert client_for(coordinator).get(url).status_code == 403
    assert not PlanFeedback.objects.exists()


def test_an_unknown_level_is_refused(experiment, learner, instructor, phases, plan):
    open_phase(experiment, 3)
    v1 = send(experiment, learner, phases[3])
    with pytest.raises(services.ImpactError):
        services.plan_feedback_save(submission=v1, by=instructor, parts={"short_term": (7, "")})
    with pytest.raises(services.ImpactError):
        services.plan_feedback_save(submission=v1, by=instructor, parts={"nonsense": (1, "")})


def test_reordering_statements_or_indicators_shows_as_a_change_of_order(
    experiment, learner, instructor, phases, plan
):
    services.statement_add(experiment=experiment, column="risks", text="Talvi")
    second = services.indicator_save(experiment=experiment, name="Kyytien määrä")
    open_phase(experiment, 3)
    v1 = send(experiment, learner, phases[3])
    revise(v1, instructor)
    talvi = plan["plan"].statements.get(text="Talvi")
    services.statement_move(statement=talvi, direction="up")
    services.indicator_move(indicator=second, direction="up")
    services.statement_add(experiment=experiment, column="outputs", text="Kyytisovellus")
    v2 = send(experiment, learner, phases[3], text="v2")
    changes = selectors.changes_since_snapshot(submission=v2)
    reordered = {c.where: c for c in changes if c.kind == "reordered"}
    assert set(reordered) == {"Riskit", "Mittarit"}
    assert reordered["Riskit"].text == "1. Talvi · 2. Kuljettajat uupuvat"
    assert reordered["Riskit"].before == "1. Kuljettajat uupuvat · 2. Talvi"
    assert reordered["Mittarit"].text.startswith("1. Kyytien määrä")
    # An addition alone is not a change of order.
    assert "Tuotokset" not in reordered
    assert selectors.plan_diff(v2.impact_snapshot.data, v2.impact_snapshot.data) == []


def test_the_history_page_shows_each_version_of_the_plan_as_it_was(
    client_for, experiment, learner, instructor, phases, plan
):
    open_phase(experiment, 3)
    v1 = send(experiment, learner, phases[3])
    revise(v1, instructor)
    services.statement_update(statement=plan["statements"]["risks"], text="Kuljettajia ei löydy")
    send(experiment, learner, phases[3], text="v2")
    page = client_for(instructor).get(reverse("impact:history", args=[experiment.pk]))
    newest, oldest = page.context["history"]
    assert dict(oldest.columns)["Riskit"] == ["Kuljettajat uupuvat"]
    assert dict(newest.columns)["Riskit"] == ["Kuljettajia ei löydy"]
    assert oldest.indicators == [
        "Junalla kulkevat asukkaat: lähtötaso 10, tavoite 30 hlö/vk",
    ]
    html = page.content.decode()
    assert html.count('data-testid="snapshot-plan"') == 2
    assert "style=" not in html


def test_an_edited_statement_is_a_change_but_a_removal_and_an_addition_elsewhere_are_not():
    def plan(**columns):
        return {"columns": columns, "indicators": []}

    changes = selectors.plan_diff(
        plan(risks=["Talvi", "Kuljettajat uupuvat", "Rahoitus loppuu"]),
        plan(risks=["Talvi", "Kuljettajia ei löydy", "Rahoitus loppuu", "Sää"]),
    )
    assert [(c.kind, c.text, c.before) for c in changes] == [
        ("changed", "Kuljettajia ei löydy", "Kuljettajat uupuvat"),
        ("added", "Sää", ""),
    ]
    changes = selectors.plan_diff(
        plan(risks=["Talvi", "Kuljettajat uupuvat"]), plan(risks=["Sää", "Talvi"])
    )
    assert sorted((c.kind, c.text) for c in changes) == [
        ("added", "Sää"),
        ("removed", "Kuljettajat uupuvat"),
    ]
