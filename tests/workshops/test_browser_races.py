"""In Chromium: the instructor has a version open while the learner adds a file to it. The
approval is refused until the instructor has seen the new file; then it goes through, and the
learner's page, still open, cannot add another file to the approved version."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.pdfs import pdf_bytes
from tests.test_journey_browser import Journey
from workshops import services
from workshops.models import Review, Submission

pytestmark = pytest.mark.browser


def test_an_approval_is_bound_to_the_files_the_instructor_saw(
    transactional_db, live_server, browser, settings, cohort, assignment, learner, instructor
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    experiment = services.experiment_create(
        learner=learner, workshop=assignment.workshop, cohort=cohort, title="Kyytipiste"
    )
    submission = factories.SubmissionFactory(
        learner=learner, cohort=cohort, assignment=assignment, experiment=experiment
    )
    factories.SubmissionFileFactory(submission=submission, original_name="suunnitelma.pdf")
    journey = Journey(browser, live_server.url)
    try:
        teacher = journey.sign_in("instructor", instructor.email)
        teacher.goto(journey.url(reverse("workshops:review", args=[submission.pk])))
        files = teacher.locator("[data-testid='files']")
        expect(files).to_contain_text("suunnitelma.pdf")
        expect(files).not_to_contain_text("budjetti.pdf")

        # Meanwhile the learner adds a file to the version waiting for review.
        oona = journey.sign_in("learner", learner.email)
        detail = journey.url(reverse("workshops:submission_detail", args=[submission.pk]))
        oona.goto(detail)
        oona.locator("summary:has(+ [data-testid='add-files-form'])").click()
        form = oona.locator("[data-testid='add-files-form']")
        form.locator("input[type='file']").set_input_files(
            {"name": "budjetti.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(1)}
        )
        form.locator("[type='submit']").click()
        expect(oona.locator("[data-testid='files']")).to_contain_text("budjetti.pdf")

        # The instructor approves what they saw: refused, their text kept, the new file shown.
        teacher.locator("textarea[name='feedback']").fill("Selkeä suunnitelma.")
        teacher.locator("input[name='decision'][value='approve']").check()
        teacher.locator("[data-testid='review-submit']").click()
        expect(teacher.locator("[data-testid='files']")).to_contain_text("budjetti.pdf")
        expect(teacher.locator("textarea[name='feedback']")).to_have_value("Selkeä suunnitelma.")
        expect(teacher.locator("form[data-testid='review-form'] .alert-danger")).to_be_visible()
        assert not Review.objects.exists()

        # Having seen both files, the approval goes through.
        teacher.locator("input[name='decision'][value='approve']").check()
        teacher.locator("[data-testid='review-submit']").click()
        expect(teacher).to_have_url(journey.url(reverse("workshops:review_queue")))
        submission.refresh_from_db()
        assert submission.status == Submission.Status.APPROVED
        assert Review.objects.get().submission == submission

        # The learner's page is still the old one: adding a file now is refused with a reason.
        oona.locator("summary:has(+ [data-testid='add-files-form'])").click()
        form.locator("input[type='file']").set_input_files(
            {"name": "myohassa.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(1)}
        )
        form.locator("[type='submit']").click()
        expect(oona.locator("[role='alert'], .alert").first).to_be_visible()
        assert submission.files.count() == 2
    except BaseException:
        journey.screenshot_all("failure-races")
        raise
    # The two refusals are pages answered with 409, which Chromium logs; nothing else may be.
    unexpected = [e for e in journey.errors if "status of 409" not in e]
    assert len(journey.errors) - len(unexpected) == 2, journey.errors
    assert not unexpected, "Errors in the browser console:\n" + "\n".join(unexpected)
