"""In Chromium: two instructors of one cohort open the same waiting version on Monday morning.

The first saves a draft review; the second, on the page opened before, picks levels and writes
"Mitä muuttaa". Their autosave is refused (a colleague's version was saved first) and the notice
says to copy what they need. They then attached a feedback file: the page reloaded with the
colleague's review and their own words were gone for good. The words now stay in the browser
and are listed beside the saved review until the instructor writes in the review again.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from learners.models import Membership
from tests import factories
from tests.pdfs import pdf_bytes
from tests.test_journey_browser import Journey
from workshops.models import ReviewDraft, ReviewFile

pytestmark = pytest.mark.browser


@pytest.fixture
def second_instructor(cohort):
    user = factories.UserFactory(
        email="toinen.ohjaaja@example.fi", first_name="Tuula", last_name="Toinen"
    )
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.INSTRUCTOR)
    return user


def test_words_refused_for_a_colleagues_draft_survive_attaching_a_file(
    transactional_db,
    live_server,
    browser,
    settings,
    tmp_path,
    instructor,
    second_instructor,
    submission,
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    comments = tmp_path / "kommentit.pdf"
    comments.write_bytes(pdf_bytes(1))
    review_url = reverse("workshops:review", args=[submission.pk])
    journey = Journey(browser, live_server.url)
    try:
        first = journey.sign_in("instructor", instructor.email)
        second = journey.sign_in("second", second_instructor.email)
        first.goto(journey.url(review_url))
        second.goto(journey.url(review_url))

        first.locator("textarea[name='strengths']").fill("Haaste on hyvin rajattu.")
        expect(first.locator("[data-testid='review-draft-status']")).to_have_attribute(
            "data-state", "saved"
        )

        words = "Kuvaa kohderyhmän arki tarkemmin."
        second.locator("textarea[name='feedback']").fill(words)
        expect(second.locator("[data-testid='review-conflict']")).to_be_visible()

        files = second.locator("[data-testid='feedback-files-form']")
        files.locator("input[name='attachments']").set_input_files(str(comments))
        expect(files.locator("[data-testid='staged-file'][data-state='done']")).to_have_count(1)
        files.locator("button[type='submit']").click()
        expect(second.locator("[data-testid='feedback-file']")).to_have_count(1)

        # The saved review is the colleague's; the refused words are listed beside it.
        expect(second.locator("textarea[name='strengths']")).to_have_value(
            "Haaste on hyvin rajattu."
        )
        aside = second.locator("[data-testid='review-aside']")
        expect(aside).to_be_visible()
        expect(aside.locator("[data-testid='review-aside-text']")).to_contain_text("Mitä muuttaa")
        expect(aside.locator("[data-testid='review-aside-text']")).to_contain_text(words)

        # Copied into the review, the words are saved there; a reload no longer lists them.
        second.locator("textarea[name='feedback']").fill(words)
        expect(second.locator("[data-testid='review-draft-status']")).to_have_attribute(
            "data-state", "saved"
        )
        assert ReviewDraft.objects.get(submission=submission).feedback == words
        second.reload()
        expect(second.locator("textarea[name='feedback']")).to_have_value(words)
        expect(second.locator("[data-testid='review-aside']")).to_be_hidden()
        assert ReviewFile.objects.filter(submission=submission).count() == 1
    except BaseException:
        journey.screenshot_all("failure-s13-review-refused-words")
        raise
    # The refused autosave (409) is the only error the console may have seen.
    assert not [e for e in journey.errors if "409" not in e]
