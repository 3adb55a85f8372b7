"""The demo cohort's scores page has something to show: check results, rubric points, a
certificate, and the demo learner's own results."""

import pytest
from django.urls import reverse

from core.models import User
from demo.accounts import DEMO_DOMAIN
from learners.models import Cohort

pytestmark = pytest.mark.django_db


def test_the_demo_cohorts_scores_page_is_meaningful(demo_data, client):
    cohort = Cohort.objects.get(name="Alueagentti 2026 – syksyn ryhmä")
    client.force_login(User.objects.get(email=f"ohjaaja@{DEMO_DOMAIN}"))
    html = client.get(reverse("scores:overview", args=[cohort.pk])).content.decode()
    assert html.count('data-testid="scores-row"') >= 5
    assert 'data-testid="check-score"' in html
    assert 'data-testid="phase-points"' in html
    assert 'data-testid="certificate-link"' in html
    client.force_login(User.objects.get(email=f"oppija@{DEMO_DOMAIN}"))
    mine = client.get(reverse("scores:mine")).content.decode()
    assert mine.count('data-testid="scores-row"') == 1
    assert 'data-testid="phase-status"' in mine
    # She took the first knowledge check twice (demo/builders/courses.py: seed_learner_quiz).
    assert 'data-testid="check-score"' in mine
