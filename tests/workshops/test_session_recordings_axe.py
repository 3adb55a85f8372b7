"""Axe (WCAG 2.1 A/AA) on the session pages of #16 item 6: the session's page with its
recording and slides (learner), the recording form and the attendance page with "watched the
recording" (instructor)."""

import pytest
from django.urls import reverse

from demo.accounts import DEMO_DOMAIN
from tests.test_accessibility import axe, axe_problems, demo, open_context, visit  # noqa: F401
from workshops.models import WorkshopSession

pytestmark = pytest.mark.browser


def test_the_session_pages_with_a_recording_pass_axe(
    demo,  # noqa: F811
    live_server,
    axe,  # noqa: F811
):
    demo()
    session = WorkshopSession.objects.exclude(recording_url="").order_by("pk").first()
    assert session is not None, "the demo has a past session with its recording"
    report = []
    for email, paths in (
        (
            f"oppija@{DEMO_DOMAIN}",
            [
                reverse("workshops:session_detail", args=[session.pk]),
                reverse("workshops:my_sessions"),
            ],
        ),
        (
            f"ohjaaja@{DEMO_DOMAIN}",
            [
                reverse("workshops:session_recording", args=[session.pk]),
                reverse("workshops:session_attendance", args=[session.pk]),
                reverse("workshops:session_list", args=[session.cohort_id]),
            ],
        ),
    ):
        context, page = open_context(axe, live_server.url, email)
        try:
            for path in paths:
                failure = visit(page, f"{live_server.url}{path}")
                assert failure is None, f"{path}: {failure}"
                report += [f"{path}: {problem}" for problem in axe_problems(page)]
        finally:
            context.close()
    assert not report, "\n".join(report)
