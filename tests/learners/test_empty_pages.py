"""A page of no learners is a page, not an error: the compiled per-page queries are never
built with an empty id list (the at-risk page of a cohort where nobody is at risk once
answered 500)."""

import pytest
from django.urls import reverse

from learners.selectors import team_latest

pytestmark = pytest.mark.django_db


def test_team_latest_of_no_learners_is_empty(cohort):
    assert team_latest(cohort=cohort, learner_ids=[]) == {}


def test_the_at_risk_page_of_a_cohort_with_nobody_at_risk_answers(client_for, coordinator, cohort):
    response = client_for(coordinator).get(reverse("learners:at_risk", args=[cohort.pk]))
    assert response.status_code == 200
