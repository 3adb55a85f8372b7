"""The scores pages in a real browser: axe (WCAG 2.1 A/AA) on the overview for the demo's
instructor and coordinator and on the learner's own results, at desktop and phone width (the
wide table scrolls inside its own box, never the page)."""

import pytest
from django.urls import reverse

from demo.accounts import DEMO_DOMAIN
from tests.test_accessibility import (  # noqa: F401 - the fixtures are used by name
    PHONE,
    axe,
    axe_problems,
    demo,
    horizontal_overflow,
    open_context,
    visit,
)

pytestmark = pytest.mark.browser


def test_the_scores_pages_have_no_serious_axe_violations(demo, live_server, axe):  # noqa: F811
    from learners.models import Cohort

    demo()
    cohort = Cohort.objects.get(name="Alueagentti 2026 – syksyn ryhmä")
    pages = {
        "ohjaaja": reverse("scores:overview", args=[cohort.pk]),
        "koordinaattori": reverse("scores:overview", args=[cohort.pk]) + "?phase=1",
        "oppija": reverse("scores:mine"),
    }
    report = []
    for persona, path in pages.items():
        for viewport in (None, PHONE):
            extra = {"viewport": viewport} if viewport else {}
            context, page = open_context(axe, live_server.url, f"{persona}@{DEMO_DOMAIN}", **extra)
            try:
                failure = visit(page, f"{live_server.url}{path}")
                if failure:
                    report.append(f"{persona} {path}: {failure}")
                    continue
                assert page.locator("[data-testid=scores-row]").count() >= 1, persona
                report += [f"{persona} {path}: {p}" for p in axe_problems(page)]
                if viewport and horizontal_overflow(page) > 0:
                    report.append(f"{persona} {path}: scrolls sideways on a phone")
            finally:
                context.close()
    assert not report, "\n".join(report)
