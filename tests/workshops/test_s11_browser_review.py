"""In Chromium: the instructor's review page (static/js/workshops-review.js).

- Reloading while typing brought the review back without the last words, and the page-close
  save that landed after the reload was then taken for another window: every later save was
  refused (409 "Muutit tätä arviointia toisessa ikkunassa…"). The words now come back from
  this browser with a note, the tab keeps its name over the reload so its own late save is
  continued above, and a decision from the reloaded page goes through.
- A second window of the same person is still another window.
- "Liitä" (attach a feedback file) was enabled with only a refused file chosen, and led to a
  dead-end page; it is now enabled only with a file that was accepted for sending.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.e2e_support import wait_until
from tests.pdfs import pdf_bytes
from tests.test_journey_browser import Journey
from workshops.models import Review, ReviewDraft, ReviewFile

pytestmark = pytest.mark.browser

HOLD_BEACON = "navigator.sendBeacon = function () { return true; };"
HOLD_AUTOSAVE = (
    "document.body.addEventListener('htmx:beforeRequest', function (e) { e.preventDefault(); });"
)


def test_a_reload_while_typing_keeps_the_words_and_its_own_late_save_is_no_other_window(
    transactional_db, live_server, browser, settings, instructor, submission
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    draft_url = reverse("workshops:review_draft", args=[submission.pk])
    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("instructor", instructor.email)
        review_url = reverse("workshops:review", args=[submission.pk])
        page.goto(journey.url(review_url))
        strengths = page.locator("textarea[name='strengths']")
        feedback = page.locator("textarea[name='feedback']")
        status = page.locator("[data-testid='review-draft-status']")
        strengths.fill("Todellinen haaste.")
        expect(status).to_have_attribute("data-state", "saved")
        wait_until(
            lambda: ReviewDraft.objects.filter(
                submission=submission, strengths="Todellinen haaste."
            ).exists(),
            timeout=15,
            what="the first draft",
        )
        # Into "Mitä muuttaa": leaving the strengths saves them once more ("change").
        with page.expect_response(lambda r: r.url.endswith(draft_url)):
            feedback.focus()
        base = ReviewDraft.objects.get(submission=submission).version
        writer = page.locator("input[name='draft_writer']").input_value()

        # "Mitä muuttaa" typed and the page reloaded at once, before the autosave's pause (held
        # back here). The page-close save lands only after the reload was served: held back
        # too (Chromium's beacons bypass request interception), and posted as it would have
        # been just before the reloaded page's first save reaches the server.
        page.evaluate(HOLD_BEACON + HOLD_AUTOSAVE)
        words = "Rajaa kohderyhmä nuoriin."
        late: list[int] = []

        def page_close_save_lands_first(route):
            if not late:
                # What the page-close save carries (FormData of the form), through the server.
                csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
                landed = page.context.request.post(
                    journey.url(draft_url),
                    multipart={
                        "draft_version": str(base),
                        "draft_writer": writer,
                        "strengths": "Todellinen haaste.",
                        "feedback": words,
                    },
                    headers={"X-CSRFToken": csrf, "Referer": journey.url(review_url)},
                )
                assert landed.status == 200, landed.text()
                late.append(int(landed.text().split('data-version="')[1].split('"')[0]))
            route.continue_()

        page.route(f"**{draft_url}", page_close_save_lands_first)
        feedback.press_sequentially(words)
        page.reload()

        # The words come back from this browser, with a note, and are saved above the late
        # save: no conflict is shown.
        expect(feedback).to_have_value(words)
        expect(page.locator("[data-testid='review-restored']")).to_be_visible()
        expect(page.locator("[data-testid='review-restored']")).to_have_text(
            "Viimeisin tässä selaimessa kirjoittamasi teksti palautettiin."
        )
        expect(status).to_have_attribute("data-state", "saved")
        assert late, "the reloaded page saved the restored words"
        expect(page.locator("[data-testid='review-conflict']")).to_have_count(0)
        wait_until(
            lambda: ReviewDraft.objects.filter(
                submission=submission, feedback=words, version__gt=late[0]
            ).exists(),
            timeout=15,
            what="the restored words saved above the late page-close save",
        )
        page.unroute(f"**{draft_url}")

        # The next keystrokes are saved too.
        more = " Lisää kyselyn tulokset."
        feedback.press_sequentially(more)
        wait_until(
            lambda: (
                ReviewDraft.objects.filter(submission=submission, feedback=words + more)
                .exclude(version=late[0])
                .exists()
            ),
            timeout=15,
            what="the words typed after the reload",
        )
        expect(status).to_have_attribute("data-state", "saved")
        expect(page.locator("[data-testid='review-conflict']")).to_have_count(0)

        # And the decision from this page is this page's, not another window's.
        page.locator("input[name='decision'][value='revise']").check()
        page.locator("[data-testid='review-submit']").click()
        expect(page).to_have_url(re.compile(r"/workshops/reviews/"))
        review = Review.objects.get(submission=submission)
        assert review.feedback == words + more
        assert review.strengths == "Todellinen haaste."
    except BaseException:
        journey.screenshot_all("failure-s11-review-reload")
        raise
    # The reloaded page's first save is refused (409) as based on the version before the late
    # save, and continued above it. Nothing else may be in the console.
    unexpected = [e for e in journey.errors if "409" not in e]
    assert not unexpected, "Errors in the browser console:\n" + "\n".join(unexpected)


def test_a_second_window_of_the_same_instructor_is_still_another_window(
    transactional_db, live_server, browser, settings, instructor, submission
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    url = reverse("workshops:review", args=[submission.pk])
    journey = Journey(browser, live_server.url)
    try:
        first = journey.sign_in("instructor", instructor.email)
        first.goto(journey.url(url))
        first.locator("textarea[name='strengths']").fill("Ensimmäisestä ikkunasta.")
        expect(first.locator("[data-testid='review-draft-status']")).to_have_attribute(
            "data-state", "saved"
        )
        # The same person opens the review in a second window, while the first stays open.
        second = first.context.new_page()
        second.goto(journey.url(url))
        assert second.locator("input[name='draft_writer']").input_value() != (
            first.locator("input[name='draft_writer']").input_value()
        )
        second.locator("textarea[name='questions']").fill("Toisesta ikkunasta.")
        expect(second.locator("[data-testid='review-draft-status']")).to_have_attribute(
            "data-state", "saved"
        )
        # The first window's next save would write over words it never had: refused.
        first.locator("textarea[name='strengths']").press_sequentially(" Lisää.")
        conflict = first.locator("[data-testid='review-conflict']")
        expect(conflict).to_be_visible()
        expect(conflict).to_contain_text("toisessa ikkunassa")
        draft = ReviewDraft.objects.get(submission=submission)
        assert draft.questions == "Toisesta ikkunasta."
        assert draft.strengths == "Ensimmäisestä ikkunasta."
    except BaseException:
        journey.screenshot_all("failure-s11-review-two-windows")
        raise
    # The refused saves (409) are the only errors the console may have seen.
    assert not [e for e in journey.errors if "409" not in e]


def test_attach_is_enabled_only_with_a_file_accepted_for_sending(
    transactional_db, live_server, browser, settings, tmp_path, instructor, submission
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    empty = tmp_path / "tyhja.pdf"
    empty.write_bytes(b"")
    good = tmp_path / "kommentit.pdf"
    good.write_bytes(pdf_bytes(1))
    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("instructor", instructor.email)
        page.goto(journey.url(reverse("workshops:review", args=[submission.pk])))
        form = page.locator("[data-testid='feedback-files-form']")
        attach = form.locator("button[type='submit']")
        expect(attach).to_be_disabled()

        # A 0-byte file is refused beside its name, and "Attach" stays disabled.
        form.locator("input[name='attachments']").set_input_files(str(empty))
        row = form.locator("[data-testid='staged-file']")
        expect(row).to_have_attribute("data-state", "failed")
        expect(row).to_contain_text("0 tavua")
        expect(attach).to_be_disabled()

        # A good file is sent ahead; now there is something to attach.
        form.locator("input[name='attachments']").set_input_files(str(good))
        expect(form.locator("[data-testid='staged-file'][data-state='done']")).to_have_count(1)
        expect(attach).to_be_enabled()
        # Removing it leaves nothing to attach again.
        form.locator("[data-testid='staged-file'][data-state='done']").locator(
            "[data-testid='staged-file-remove']"
        ).click()
        expect(attach).to_be_disabled()

        form.locator("input[name='attachments']").set_input_files(str(good))
        expect(attach).to_be_enabled()
        attach.click()
        expect(page.locator("[data-testid='feedback-file']")).to_have_count(1)
        assert [f.original_name for f in ReviewFile.objects.filter(submission=submission)] == [
            "kommentit.pdf"
        ]
        # A fresh form: nothing chosen, nothing to attach.
        expect(
            page.locator("[data-testid='feedback-files-form'] button[type='submit']")
        ).to_be_disabled()
    except BaseException:
        journey.screenshot_all("failure-s11-review-attach")
        raise
    # The refused empty file (400) is the only error the console may have seen.
    assert not [e for e in journey.errors if "400" not in e]
