"""Axe (WCAG 2.1 A/AA) on the session settings page ("watching the recording counts as
attendance"), as the demo's instructor sees it."""

import pytest
from django.urls import reverse

from demo.accounts import DEMO_DOMAIN
from tests.test_accessibility import axe, axe_problems, demo, open_context, visit  # noqa: F401
from workshops.models import WorkshopSession

pytestmark = pytest.mark.browser


def test_the_session_settings_page_passes_axe(
    demo,  # noqa: F811
    live_server,
    axe,  # noqa: F811
):
    demo()
    session = WorkshopSession.objects.order_by("pk").first()
    assert session is not None, "the demo has workshop sessions"
    path = reverse("workshops:session_settings", args=[session.cohort_id])
    context, page = open_context(axe, live_server.url, f"ohjaaja@{DEMO_DOMAIN}")
    try:
        failure = visit(page, f"{live_server.url}{path}")
        assert failure is None, f"{path}: {failure}"
        assert page.get_by_test_id("session-settings").is_visible()
        report = [f"{path}: {problem}" for problem in axe_problems(page)]
    finally:
        context.close()
    assert not report, "\n".join(report)
