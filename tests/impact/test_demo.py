"""The demo has impact plans for the demo experiments, one measured through its run log."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.models import User
from impact import selectors
from impact.models import ImpactPlan, Measurement, PlanFeedback, PlanSnapshot, Statement

pytestmark = pytest.mark.django_db


def test_the_demo_has_impact_plans_and_measurements_through_the_run_log(client):
    call_command("seed_demo", stdout=StringIO())
    assert ImpactPlan.objects.count() >= 3
    mikko = ImpactPlan.objects.get(experiment__title__icontains="Yhteiskehittämisen aamut")
    outcomes = selectors.indicator_outcomes(experiment=mikko.experiment)
    assert [o.latest for o in outcomes[:2]] == [12, 5]
    assert Measurement.objects.filter(run_log_entry__experiment=mikko.experiment).count() == 4
    assert PlanSnapshot.objects.filter(plan=mikko).exists()
    assert PlanFeedback.objects.filter(submission__experiment=mikko.experiment).exists()

    counts = (Statement.objects.count(), Measurement.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Statement.objects.count(), Measurement.objects.count()) == counts

    # Mikko sees his plan, its chart and the released feedback.
    client.force_login(User.objects.get(email="mikko.laine@demo.alueagentti.fi"))
    page = client.get(reverse("impact:plan", args=[mikko.experiment_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="indicator-chart"' in html
    assert 'data-testid="plan-feedback"' in html
    history = client.get(reverse("impact:history", args=[mikko.experiment_id]))
    assert 'data-kind="added"' in history.content.decode()
