"""In Chromium: the words and files of an answer are never lost on the way
(static/js/workshops-draft.js, static/js/staged-uploads.js).

- An autosave after the person was signed out (in another tab) is not a save: the words stay in
  this browser, the page says to sign in again, and saving goes on once they have (the script
  used to follow the redirect, show the sign-in page as "saved" and forget its copy).
- A file sent ahead of the form is listed again after a reload and sent with the answer (it
  used to vanish from the form, and the answer went without it); one gone from the server by
  then is named when the form is sent.
- Words typed just before a submit that is lost on the way come back on the next load (the
  script used to forget them as the submit began); once the version has arrived they are
  forgotten.
"""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from core.models import StagedUpload
from tests.e2e_support import wait_until
from tests.factories import PASSWORD
from tests.pdfs import pdf_bytes
from tests.test_journey_browser import Journey
from workshops import services
from workshops.models import Draft, Submission

pytestmark = pytest.mark.browser

ANSWER = "[data-testid='answer-text']"
KEPT = """() => {
  const key = Object.keys(localStorage).find(k => k.startsWith('alueagentti-draft:'));
  return key ? localStorage.getItem(key) : null;
}"""


def _sign_in_again(page, base_url: str, email: str) -> None:
    """Sign in on `page`, in the browser context (cookies) the other pages share."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/accounts/login/")
    form = page.locator("form:has(input[name='login'])")
    form.locator("input[name='login']").fill(email)
    form.locator("input[name='password']").fill(PASSWORD)
    form.locator("button[type='submit']").click()
    expect(page).to_have_url(f"{base_url}/")


def _kept(page) -> dict:
    raw = page.evaluate(KEPT)
    return json.loads(raw) if raw else {}


def test_an_autosave_after_signing_out_in_another_tab_keeps_the_words_and_says_so(
    transactional_db, live_server, browser, settings, assignment, experiment, learner
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("learner", learner.email)
        url = journey.url(reverse("workshops:assignment", args=[assignment.pk]))
        page.goto(url)
        answer = page.locator(ANSWER)
        status = page.locator("#draft-status")
        before = "Liityntäkyyti asemalle."
        answer.fill(before)
        expect(status).to_have_attribute("data-state", "saved")
        wait_until(
            lambda: Draft.objects.filter(experiment=experiment, text=before).exists(),
            timeout=15,
            what="the draft saved while signed in",
        )

        # Signed out in another tab of the same browser.
        other = page.context.new_page()
        other.goto(journey.url("/"))
        with other.expect_navigation():
            other.locator("form[action$='/logout/']").evaluate("form => form.submit()")
        other.goto(url)
        expect(other).to_have_url(re.compile(r"/accounts/login/"))

        after = before + " Kirjoitettu uloskirjautumisen jälkeen."
        answer.press_sequentially(" Kirjoitettu uloskirjautumisen jälkeen.")
        expect(status).to_have_attribute("data-state", "signed-out")
        expect(status).to_have_text(status.get_attribute("data-msg-signed-out"))
        expect(status.locator("form")).to_have_count(0)  # no sign-in page in the status line
        # The words are kept in this browser, and were not saved on the server.
        assert _kept(page).get("text") == after
        assert Draft.objects.get(experiment=experiment, learner=learner).text == before

        # Signed in again in the other tab (a new CSRF token too): saving goes on here.
        _sign_in_again(other, live_server.url, learner.email)
        answer.press_sequentially("!")
        expect(status).to_have_attribute("data-state", "saved")
        wait_until(
            lambda: Draft.objects.filter(experiment=experiment, text=after + "!").exists(),
            timeout=15,
            what="the words typed while signed out, saved",
        )
        page.reload()
        expect(answer).to_have_value(after + "!")
    except BaseException:
        journey.screenshot_all("failure-s10-signed-out")
        raise
    # The refused saves (403) are the only errors the console may have seen.
    unexpected = [e for e in journey.errors if "403" not in e]
    assert not unexpected, "Errors in the browser console:\n" + "\n".join(unexpected)


def test_a_file_sent_ahead_is_listed_again_after_a_reload_and_sent_with_the_answer(
    transactional_db, live_server, browser, settings, tmp_path, learner, assignment, experiment
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    kysely = tmp_path / "kysely.pdf"
    kysely.write_bytes(pdf_bytes(2))
    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("learner", learner.email)
        page.goto(journey.url(reverse("workshops:assignment", args=[assignment.pk])))
        form = page.locator("[data-testid='submission-form']")
        text = "Vastaus, jonka liitteenä on kysely."
        form.locator(ANSWER).fill(text)
        expect(page.locator("#draft-status")).to_have_attribute("data-state", "saved")
        form.locator("input[name='attachments']").set_input_files(str(kysely))
        staged = form.locator("[data-testid='staged-file']")
        expect(staged).to_have_attribute("data-state", "done")
        token = StagedUpload.objects.get(owner=learner).token

        page.reload()
        form = page.locator("[data-testid='submission-form']")
        staged = form.locator("[data-testid='staged-file']")
        expect(form.locator(ANSWER)).to_have_value(text)
        expect(staged).to_have_count(1)
        expect(staged).to_contain_text("kysely.pdf")
        expect(form.locator("input[name='attachments_staged']")).to_have_value(token)

        form.locator("[type='submit']").click()
        expect(page.locator("#submission-status")).to_be_visible()
        version = Submission.objects.get(experiment=experiment)
        assert [f.original_name for f in version.files.all()] == ["kysely.pdf"]
        assert not StagedUpload.objects.exists()
    except BaseException:
        journey.screenshot_all("failure-s10-staged-reload")
        raise
    assert not journey.errors, journey.errors


def test_a_kept_file_gone_from_the_server_is_named_when_the_answer_is_sent(
    transactional_db, live_server, browser, settings, tmp_path, learner, assignment, experiment
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    learner.language = "en"
    learner.save(update_fields=["language"])
    kysely = tmp_path / "kysely.pdf"
    kysely.write_bytes(pdf_bytes(1))
    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("learner", learner.email)
        url = journey.url(reverse("workshops:assignment", args=[assignment.pk]))
        page.goto(url)
        form = page.locator("[data-testid='submission-form']")
        form.locator("input[name='attachments']").set_input_files(str(kysely))
        expect(form.locator("[data-testid='staged-file']")).to_have_attribute("data-state", "done")
        StagedUpload.objects.all().delete()  # expired (the sweeper) while the page was away

        page.reload()
        form = page.locator("[data-testid='submission-form']")
        expect(form.locator("[data-testid='staged-file']")).to_have_count(1)
        form.locator(ANSWER).fill("Vastaus ilman liitettä.")
        form.locator("[type='submit']").click()
        form = page.locator("[data-testid='submission-form']")
        expect(form).to_contain_text("A file you added earlier is no longer available")
        expect(form.locator("[data-testid='staged-file']")).to_have_count(0)
        expect(form.locator(ANSWER)).to_have_value("Vastaus ilman liitettä.")
        assert not Submission.objects.exists()
        # The gone file is no longer kept in the browser either: a reload does not list it.
        wait_until(lambda: not _kept(page).get("files", {}).get("attachments_staged"), timeout=5)
        page.goto(url)
        page.wait_for_load_state("load")
        expect(page.locator("[data-testid='staged-file']")).to_have_count(0)
    except BaseException:
        journey.screenshot_all("failure-s10-staged-gone")
        raise
    # The refused form (400) is the only error the console may have seen.
    assert not [e for e in journey.errors if "400" not in e], journey.errors


def test_words_typed_before_a_submit_lost_on_the_way_come_back(
    transactional_db, live_server, browser, settings, learner, instructor, assignment, experiment
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    path = reverse("workshops:assignment", args=[assignment.pk])
    draft_path = reverse("workshops:draft", args=[assignment.pk])
    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("learner", learner.email)
        url = journey.url(path)
        page.goto(url)
        # A flaky phone network: neither the autosave nor the submit gets through.
        page.route(f"**{draft_path}", lambda route: route.abort())
        page.route(
            f"**{path}",
            lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
        )
        words = "Viimeiset sanat juuri ennen lähettämistä."
        page.locator(ANSWER).fill(words)
        with page.expect_event(
            "requestfailed", predicate=lambda r: r.method == "POST" and r.url == url
        ):
            page.locator("[data-testid='submission-form'] [type='submit']").click()
        assert not Submission.objects.exists()
        assert not Draft.objects.filter(text=words).exists()

        page.unroute_all()
        page.goto(url)
        status = page.locator("#draft-status")
        expect(page.locator(ANSWER)).to_have_value(words)
        # ...and saved again now that the server can be reached.
        wait_until(
            lambda: Draft.objects.filter(experiment=experiment, text=words).exists(),
            timeout=15,
            what="the restored words saved",
        )

        # This time the submit arrives; the words are forgotten once a page shows the version.
        page.locator("[data-testid='submission-form'] [type='submit']").click()
        expect(page.locator("#submission-status")).to_be_visible()
        version = Submission.objects.get(experiment=experiment)
        assert version.text == words
        services.submission_review(
            submission=version, reviewer=instructor, decision="revise", feedback="Tarkenna."
        )
        page.goto(url)
        expect(page.locator(ANSWER)).to_have_value(words)  # the sent version's text
        expect(status).to_have_attribute("data-last-version", str(version.pk))
        wait_until(lambda: page.evaluate(KEPT) is None, timeout=5, what="the copy forgotten")
    except BaseException:
        journey.screenshot_all("failure-s10-submit-lost")
        raise
    # The aborted requests are the only errors the console may have seen.
    unexpected = [e for e in journey.errors if "ERR_FAILED" not in e]
    assert not unexpected, "Errors in the browser console:\n" + "\n".join(unexpected)
