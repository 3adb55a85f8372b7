"""Fixtures for the REST API: callers with personal access tokens.

`api_as(user, scope="read")` gives a DRF test client that sends a fresh token of that person
in the Authorization header, exactly as a script would.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from api import services
from api.models import ApiToken
from learners.models import Membership
from tests import factories
from workshops.models import ExperimentMember


@pytest.fixture(autouse=True)
def _no_throttle_state():
    # Throttle counters live in the cache; one test's calls must not count against the next.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_as(db):
    def make(user, scope=ApiToken.Scope.READ):
        token, raw = services.token_create(user=user, name="raportointi", scope=scope)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        client.token = token
        client.raw = raw
        return client

    return make


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def other_coordinator(other_cohort):
    user = factories.UserFactory(email="toinen.koordinaattori@example.fi")
    factories.MembershipFactory(cohort=other_cohort, user=user, role=Membership.Role.COORDINATOR)
    return user


@pytest.fixture
def workshop(assignment):
    return assignment.workshop


@pytest.fixture
def teammate(cohort):
    user = factories.UserFactory(email="kaisa@example.fi", first_name="Kaisa")
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.LEARNER)
    return user


@pytest.fixture
def experiment(learner, teammate, cohort, workshop):
    """Oona's and Kaisa's team experiment in the cohort."""
    from workshops import services as workshop_services

    exp = workshop_services.experiment_create(
        learner=learner, workshop=workshop, cohort=cohort, title="Liityntäkyyti asemalle"
    )
    ExperimentMember.objects.create(experiment=exp, user=teammate, cohort=cohort, workshop=workshop)
    return exp


@pytest.fixture
def submission(experiment, assignment, cohort, learner):
    return factories.SubmissionFactory(
        assignment=assignment,
        cohort=cohort,
        learner=learner,
        experiment=experiment,
        text="Haasteemme on asemayhteys ilman autoa.",
    )


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(response):
    return [row["id"] for row in results(response)]
