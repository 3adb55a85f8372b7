"""Axe (WCAG 2.1 A/AA) on the pages feedback files change (#16 item 5): the review page with
files attached to the review being written, and the version page where the team finds them."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from demo.accounts import DEMO_DOMAIN
from tests.pdfs import pdf_bytes
from tests.test_accessibility import axe, axe_problems, demo, open_context, visit  # noqa: F401
from workshops.models import Review, ReviewFile, Submission

pytestmark = pytest.mark.browser


def test_the_review_page_and_the_version_page_with_feedback_files_pass_axe(
    demo,  # noqa: F811
    live_server,
    axe,  # noqa: F811
):
    demo()
    waiting = Submission.objects.filter(status=Submission.Status.RECEIVED).order_by("pk").first()
    reviewed = Review.objects.filter(files__isnull=False).order_by("pk").first()
    assert waiting is not None
    assert reviewed is not None, "the demo has a review with a feedback file"
    instructor = reviewed.reviewer
    for status in (ReviewFile.Status.ACCEPTED, ReviewFile.Status.REJECTED):
        ReviewFile.objects.create(
            submission=waiting,
            uploaded_by=instructor,
            file=ContentFile(pdf_bytes(), name="kommentit.pdf"),
            original_name=f"Kommentit ({status}).pdf",
            status=status,
            reason="Tiedostotyyppiä ei hyväksytä." if status == "rejected" else "",
            content_type="application/pdf",
        )
    report = []
    for email, path in (
        (f"ohjaaja@{DEMO_DOMAIN}", reverse("workshops:review", args=[waiting.pk])),
        (
            reviewed.submission.learner.email,
            reverse("workshops:submission_detail", args=[reviewed.submission_id]),
        ),
    ):
        assert email.endswith(DEMO_DOMAIN), email
        context, page = open_context(axe, live_server.url, email)
        try:
            failure = visit(page, f"{live_server.url}{path}")
            assert failure is None, failure
            assert page.locator(
                "[data-testid='feedback-files'], [data-testid='review-files']"
            ).count()
            report += [f"{path}: {problem}" for problem in axe_problems(page)]
        finally:
            context.close()
    assert not report, "\n".join(report)
