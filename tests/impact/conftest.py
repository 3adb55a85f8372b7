"""Fixtures for the impact planner: Oona's experiment (Olli is on the team too) and a plan."""

from decimal import Decimal

import pytest

from impact import services
from tests import factories
from workshops import services as workshop_services
from workshops.models import Experiment, Phase


@pytest.fixture
def phases(assignment):
    """Assignments for all six phases of the workshop: {phase number: assignment}."""
    by_phase = {1: assignment}
    for phase in Phase:
        if phase.value != 1:
            by_phase[phase.value] = factories.AssignmentFactory(
                workshop=assignment.workshop, phase=phase.value, title=str(phase.label)
            )
    return by_phase


@pytest.fixture
def experiment(learner, cohort, assignment):
    return workshop_services.experiment_create(
        learner=learner,
        workshop=assignment.workshop,
        cohort=cohort,
        title="Liityntäkyyti asemalle",
        challenge="Kylistä on vaikea päästä rautatieasemalle ilman autoa.",
    )


@pytest.fixture
def other_experiment(other_learner, cohort, assignment):
    """Olli's own experiment in the same cohort."""
    return workshop_services.experiment_create(
        learner=other_learner, workshop=assignment.workshop, cohort=cohort, title="Etätyötila"
    )


def open_phase(experiment: Experiment, phase: int) -> None:
    """Jump the experiment to `phase` (the state machine is tested in tests/workshops)."""
    Experiment.objects.filter(pk=experiment.pk).update(phase=phase)
    experiment.refresh_from_db()


@pytest.fixture
def plan(experiment):
    """A small plan: one statement in each column and an indicator on the outcome."""
    texts = {
        "resources": "Kaksi kyytiautoa ja vapaaehtoiset kuljettajat",
        "activities": "Kyydit kylistä asemalle aamuisin",
        "outputs": "40 kyytiä kuukaudessa",
        "short_term": "Asukkaat käyttävät junaa työmatkoilla",
        "long_term": "Kylät pysyvät asuttuina",
        "assumptions": "Junat kulkevat ajallaan",
        "risks": "Kuljettajat uupuvat",
    }
    statements = {
        column: services.statement_add(experiment=experiment, column=column, text=text)
        for column, text in texts.items()
    }
    indicator = services.indicator_save(
        experiment=experiment,
        name="Junalla kulkevat asukkaat",
        unit="hlö/vk",
        baseline=Decimal("10"),
        target=Decimal("30"),
        data_source="Kyytikirjanpito",
        measured_when="Joka viikko",
        statement=statements["short_term"],
    )
    return {"plan": indicator.plan, "statements": statements, "indicator": indicator}
