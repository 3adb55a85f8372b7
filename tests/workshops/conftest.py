"""Fixtures for the workshops: the learner's experiment and the six phases of a workshop."""

import pytest

from demo.builders.workshops import seed_rubrics
from learners.models import Membership
from tests import factories
from workshops import services
from workshops.models import CohortMarkingSettings, ExperimentMember, Phase, RubricCriterion


@pytest.fixture
def experiment(learner, cohort, assignment):
    """Oona's own experiment in the workshop of `assignment` (phase 1 open, cycle 1)."""
    return services.experiment_create(
        learner=learner,
        workshop=assignment.workshop,
        cohort=cohort,
        title="Liityntäkyyti asemalle",
        challenge="Kylistä on vaikea päästä rautatieasemalle ilman autoa.",
    )


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
def rubric(assignment):
    """The demo rubric of phase 1: criteria with their levels."""
    seed_rubrics(assignment.workshop)
    return list(
        RubricCriterion.objects.filter(workshop=assignment.workshop, phase=1).prefetch_related(
            "levels"
        )
    )


@pytest.fixture
def submission(learner, cohort, assignment, experiment):
    """Oona's first version of phase 1, waiting for review."""
    return factories.SubmissionFactory(
        learner=learner, cohort=cohort, assignment=assignment, experiment=experiment
    )


@pytest.fixture
def teammate(cohort, experiment):
    """Another learner of the cohort on Oona's experiment team."""
    user = factories.UserFactory(email="tiimi@example.fi", first_name="Tiina")
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.LEARNER)
    ExperimentMember.objects.create(
        experiment=experiment, user=user, cohort=cohort, workshop=experiment.workshop
    )
    return user


@pytest.fixture
def blind_cohort(cohort, assignment):
    """Blind review chosen by this cohort alone (the course-wide default stays off)."""
    CohortMarkingSettings.objects.create(
        cohort=cohort, workshop=assignment.workshop, blind_review=True
    )
    return cohort


@pytest.fixture
def peer_answers(cohort, learner, other_learner, assignment):
    """Peer feedback on the phase, one reviewer each: `peer_answers(anonymous=...)` gives the
    two learners' answers by learner pk."""

    def make(*, anonymous: bool):
        assignment.peer_review = True
        assignment.peer_reviewers = 1
        assignment.peer_reviews_each = 1
        assignment.peer_anonymous = anonymous
        assignment.save()
        return {
            person.pk: factories.SubmissionFactory(
                learner=person, cohort=cohort, assignment=assignment
            )
            for person in (learner, other_learner)
        }

    return make
