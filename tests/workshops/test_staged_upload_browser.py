"""In Chromium: files are sent as soon as they are chosen ("upload first, then submit",
static/js/staged-uploads.js): a progress bar per file, the server's reason beside a refused
file, a file removed before submitting, and a form sent back with an error that keeps the file
already sent, which the next submit attaches."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import StagedUpload
from tests.e2e_support import wait_until
from tests.pdfs import pdf_bytes
from tests.test_journey_browser import Journey
from workshops.models import Submission, SubmissionFile

pytestmark = pytest.mark.browser

WATCH_PROGRESS = """() => {
  window.sawProgress = false;
  const list = document.querySelector("[data-staged-list]");
  new MutationObserver(() => {
    if (list.querySelector("progress")) window.sawProgress = true;
  }).observe(list, {childList: true, subtree: true});
}"""


def test_a_file_sent_ahead_survives_an_error_and_is_attached_by_the_next_submit(
    transactional_db, live_server, browser, settings, tmp_path, learner, assignment, experiment
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    kysely = tmp_path / "kysely.pdf"
    kysely.write_bytes(pdf_bytes(3))
    kartta = tmp_path / "kartta.pdf"
    kartta.write_bytes(pdf_bytes(1))
    tyhja = tmp_path / "tyhjä.pdf"
    tyhja.write_bytes(b"")
    journey = Journey(browser, live_server.url)
    oona = journey.sign_in("learner", learner.email)
    oona.goto(journey.url(reverse("workshops:assignment", args=[assignment.pk])))
    form = oona.locator("[data-testid='submission-form']")
    files = form.locator("input[name='attachments']")
    staged = form.locator("[data-testid='staged-file']")
    oona.evaluate(WATCH_PROGRESS)

    # No text yet: the file is sent at once, with a progress bar, and the form is refused.
    files.set_input_files(str(kysely))
    expect(staged.filter(has_text="kysely.pdf")).to_have_attribute("data-state", "done")
    assert oona.evaluate("window.sawProgress")
    expect(form.locator("[data-testid='staged-status']")).to_contain_text("kysely.pdf")
    # The file input is empty again: the form carries only the token.
    assert files.evaluate("input => input.files.length") == 0
    token = StagedUpload.objects.get(owner=learner).token
    expect(form.locator("input[name='attachments_staged']")).to_have_value(token)
    form.locator("[data-testid='answer-text']").fill("")
    form.locator("[type='submit']").click()
    expect(form.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    assert not Submission.objects.filter(experiment=experiment).exists()

    # Back with the error, the file already sent is still listed with its token.
    form = oona.locator("[data-testid='submission-form']")
    staged = form.locator("[data-testid='staged-file']")
    expect(staged).to_have_count(1)
    expect(staged).to_contain_text("kysely.pdf")
    expect(form.locator("input[name='attachments_staged']")).to_have_value(token)

    # An empty file is refused by the server, its reason beside its name.
    form.locator("input[name='attachments']").set_input_files(str(tyhja))
    refused = staged.filter(has_text="tyhjä.pdf")
    expect(refused).to_have_attribute("data-state", "failed")
    expect(refused).to_contain_text("0")
    # A second file, sent and then removed before submitting.
    form.locator("input[name='attachments']").set_input_files(str(kartta))
    added = staged.filter(has_text="kartta.pdf")
    expect(added).to_have_attribute("data-state", "done")
    added.locator("[data-testid='staged-file-remove']").click()
    expect(added).to_have_count(0)
    refused.locator("[data-testid='staged-file-remove']").click()
    expect(staged).to_have_count(1)

    form.locator("[data-testid='answer-text']").fill("Kylistä on vaikea päästä asemalle.")
    form.locator("[type='submit']").click()
    expect(oona.locator("#submission-status")).to_be_visible()
    version = Submission.objects.get(experiment=experiment)
    assert [f.original_name for f in version.files.all()] == ["kysely.pdf"]
    assert version.files.get().size == kysely.stat().st_size
    # The removed file was discarded on the server; the used one was taken.
    wait_until(lambda: not StagedUpload.objects.exists(), timeout=10, what="kartta.pdf removed")
    # Only the refused form (400) and the refused empty file (400) may be in the console.
    assert not [e for e in journey.errors if "400" not in e], journey.errors


def test_the_submit_button_waits_for_the_file_and_the_file_check_runs(
    transactional_db, live_server, browser, settings, tmp_path, learner, assignment, experiment
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    kysely = tmp_path / "kysely.pdf"
    kysely.write_bytes(pdf_bytes(2))
    journey = Journey(browser, live_server.url)
    oona = journey.sign_in("learner", learner.email)
    oona.goto(journey.url(reverse("workshops:assignment", args=[assignment.pk])))
    form = oona.locator("[data-testid='submission-form']")
    # Whether the button was disabled while a file was on its way.
    oona.evaluate(
        """() => {
          window.disabledWhileSending = false;
          const button = document.querySelector("[data-testid='submission-form'] [type='submit']");
          new MutationObserver(() => {
            const sending = document.querySelector("[data-staged-file][data-state='uploading']");
            if (button.disabled && sending) window.disabledWhileSending = true;
          }).observe(document.body, {attributes: true, childList: true, subtree: true});
        }"""
    )
    form.locator("[data-testid='answer-text']").fill("Liityntäkyyti asemalle.")
    form.locator("input[name='attachments']").set_input_files(str(kysely))
    expect(form.locator("[data-testid='staged-file']")).to_have_attribute("data-state", "done")
    assert oona.evaluate("window.disabledWhileSending")
    expect(form.locator("[type='submit']")).to_be_enabled()
    form.locator("[type='submit']").click()
    expect(oona.locator("#submission-status")).to_be_visible()
    version = Submission.objects.get(experiment=experiment)
    attachment = version.files.get()
    assert attachment.original_name == "kysely.pdf"
    # The file check ran after the commit, as for a file sent with the form.
    attachment.refresh_from_db()
    assert attachment.status == SubmissionFile.Status.ACCEPTED, attachment.reason
    assert not journey.errors, journey.errors
