"""In Chromium: a team's revision loop on one page (one member sends, the other sees the team's
state, reads the feedback, writes the next version keeping one file, removing one and adding
one; the instructor sees exactly those files and approves), the autosave that survives a
reload and says when it cannot save, and the invitation import that hands focus to its
result."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.e2e_support import wait_until
from tests.pdfs import pdf_bytes
from tests.test_journey_browser import Journey
from workshops import services
from workshops.models import Draft, Submission

pytestmark = pytest.mark.browser

LONG_NAME = "kokeilun-loppuraportti-" + "liikkumisen-palvelut-" * 8 + "versio.pdf"


def _pdf(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(pdf_bytes(1))
    return str(path)


def test_a_team_revises_keeping_one_file_removing_one_and_adding_one(
    transactional_db,
    live_server,
    browser,
    settings,
    tmp_path,
    learner,
    other_learner,
    instructor,
    coordinator,
    cohort,
    assignment,
    experiment,
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    services.experiment_add_member(experiment=experiment, by=learner, email=other_learner.email)
    assignment_url = reverse("workshops:assignment", args=[assignment.pk])
    journey = Journey(browser, live_server.url)
    try:
        # Oona sends version 1 of the team's phase with two files, one with a very long name.
        oona = journey.sign_in("learner", learner.email)
        oona.goto(journey.url(assignment_url))
        oona.locator("[data-testid='answer-text']").fill("Kylistä on vaikea päästä asemalle.")
        oona.locator("input[name='attachments']").set_input_files(
            [_pdf(tmp_path, "kartta.pdf"), _pdf(tmp_path, LONG_NAME)]
        )
        oona.locator("[data-testid='submission-form'] [type='submit']").click()
        expect(oona.locator("#submission-status")).to_be_visible()
        v1 = wait_until(
            lambda: Submission.objects.filter(
                experiment=experiment, version=1, status=Submission.Status.RECEIVED
            ).first(),
            timeout=30,
            what="version 1 checked",
        )
        oona.reload()
        # A long file name wraps inside its row; the status badge stays a badge.
        long_row = oona.locator("[data-testid='files'] li", has_text="liikkumisen-palvelut")
        # Both boxes in one look, once the previews above have loaded (a lazy image arriving
        # between two separate measurements moved the row under a busy machine).
        boxes = long_row.evaluate(
            """async (row) => {
                 // (A lazy image far below may never load: wait 5 s at most.)
                 await Promise.race([
                   Promise.all([...document.images].filter((i) => !i.complete).map(
                     (i) => new Promise((done) => { i.onload = i.onerror = done; }))),
                   new Promise((done) => setTimeout(done, 5000)),
                 ]);
                 await document.fonts.ready;
                 const box = (el) => {
                   const r = el.getBoundingClientRect();
                   return {x: r.x, y: r.y, width: r.width, height: r.height};
                 };
                 return {
                   badge: box(row.querySelector("[data-testid='file-status']")),
                   name: box(row.querySelector("[data-testid='file-name']")),
                 };
               }"""
        )
        badge, name = boxes["badge"], boxes["name"]
        assert badge["width"] < 160, badge
        # ... beside the name, not dropped below it.
        assert abs(badge["y"] - name["y"]) < 12, (badge, name)
        assert badge["x"] > name["x"] + name["width"] - 1, (badge, name)
        assert oona.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        # Olli, her team mate, sees the team's state: sent and waiting, no second form.
        olli = journey.sign_in("other", other_learner.email)
        olli.goto(journey.url(reverse("workshops:experiment", args=[experiment.pk])))
        row = olli.locator("[data-testid='phase-track'] [data-phase='1']")
        expect(row.locator("[data-status='received']")).to_be_visible()
        olli.goto(journey.url(assignment_url))
        expect(olli.locator("[data-testid='submission-form']")).to_have_count(0)

        # The instructor asks for a revision.
        teacher = journey.sign_in("instructor", instructor.email)
        teacher.goto(journey.url(reverse("workshops:review", args=[v1.pk])))
        expect(teacher.locator("[data-testid='files']")).to_contain_text("kartta.pdf")
        teacher.locator("textarea[name='strengths']").fill("Tuttu ja todellinen haaste.")
        teacher.locator("textarea[name='feedback']").fill("Lisää kyselyn tulokset.")
        teacher.locator("input[name='decision'][value='revise']").check()
        teacher.locator("[data-testid='review-submit']").click()
        expect(teacher).to_have_url(journey.url(reverse("workshops:review_queue")))

        # Olli reads the feedback and writes the new version from there.
        olli.goto(journey.url(reverse("workshops:submission_detail", args=[v1.pk])))
        expect(olli.locator("[data-testid='feedback']")).to_contain_text("Lisää kyselyn tulokset.")
        olli.locator("[data-testid='write-new-version']").click()
        expect(olli).to_have_url(journey.url(assignment_url))
        feedback = olli.locator("[data-testid='revision-feedback']")
        expect(feedback).to_contain_text("Lisää kyselyn tulokset.")
        expect(feedback).to_contain_text("Tuttu ja todellinen haaste.")
        text = olli.locator("[data-testid='answer-text']")
        expect(text).to_have_value("Kylistä on vaikea päästä asemalle.")
        kept = olli.locator("[data-testid='kept-file']")
        expect(kept).to_have_count(2)
        kept.filter(has_text="liikkumisen-palvelut").locator("input[name='remove_files']").check()
        olli.locator("input[name='attachments']").set_input_files([_pdf(tmp_path, "kysely.pdf")])
        text.fill("Kylistä on vaikea päästä asemalle. Kyselyn mukaan 60 % ajaisi kimppakyydillä.")
        olli.locator("[data-testid='submission-form'] [type='submit']").click()
        expect(olli.locator("[data-testid='kept-from']")).to_have_count(1)
        v2 = wait_until(
            lambda: Submission.objects.filter(
                experiment=experiment, version=2, status=Submission.Status.RECEIVED
            ).first(),
            timeout=30,
            what="version 2 checked",
        )
        assert v2.learner == other_learner

        # The instructor sees the kept file and the new one, not the removed one, and approves.
        teacher.goto(journey.url(reverse("workshops:review", args=[v2.pk])))
        files = teacher.locator("[data-testid='files']")
        expect(files).to_contain_text("kartta.pdf")
        expect(files).to_contain_text("kysely.pdf")
        expect(files).not_to_contain_text("liikkumisen-palvelut")
        expect(files.locator("[data-testid='kept-from']")).to_have_count(1)
        teacher.locator("input[name='decision'][value='approve']").check()
        teacher.locator("[data-testid='review-submit']").click()
        expect(teacher).to_have_url(journey.url(reverse("workshops:review_queue")))

        # Oona sees the team's phase approved once and the next phase open.
        oona.goto(journey.url(reverse("workshops:experiment", args=[experiment.pk])))
        track = oona.locator("[data-testid='phase-track']")
        expect(track.locator("[data-phase='1']")).to_have_attribute("data-state", "approved")
        expect(track.locator("[data-phase='1'] .badge.text-bg-success")).to_have_count(1)
        expect(track.locator("[data-phase='2']")).to_have_attribute("data-state", "open")

        # The coordinator sees the team's phase approved for both members, not per author.
        coordinator_page = journey.sign_in("coordinator", coordinator.email)
        coordinator_page.goto(journey.url(reverse("learners:cohort_detail", args=[cohort.pk])))
        for member in (learner, other_learner):
            row = coordinator_page.locator(f"tr[data-learner='{member.email}']")
            expect(row.locator(".heat-status [data-status]").first).to_have_attribute(
                "data-status", "approved"
            )
    except BaseException:
        journey.screenshot_all("failure-revision-loop")
        raise
    assert not journey.errors, "Errors in the browser console:\n" + "\n".join(journey.errors)


def test_a_reload_right_after_typing_keeps_the_newest_words(
    transactional_db, live_server, browser, settings, learner, assignment, experiment
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    draft_url = reverse("workshops:draft", args=[assignment.pk])
    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("learner", learner.email)
        page.goto(journey.url(reverse("workshops:assignment", args=[assignment.pk])))
        text = page.locator("[data-testid='answer-text']")
        text.fill("Ensimmäiset sanat.")
        expect(page.locator("[data-testid='draft-saved']")).to_be_visible()
        wait_until(
            lambda: Draft.objects.filter(experiment=experiment, text="Ensimmäiset sanat.").exists(),
            timeout=10,
            what="the first draft",
        )
        # The worst case of "the page-close save lands after the reload's GET": it never lands
        # (Chromium's beacons bypass request interception, so the beacon is held back here).
        hold_beacon = "navigator.sendBeacon = function () { return true; };"
        page.evaluate(hold_beacon)
        page.add_init_script(hold_beacon)
        page.route(f"**{draft_url}", lambda route: route.abort())
        text.press_sequentially(" Viimeiset sanat.")
        page.reload()
        newest = "Ensimmäiset sanat. Viimeiset sanat."
        expect(text).to_have_value(newest)
        # The page was rendered with the older draft; the newer words came from the browser.
        assert Draft.objects.get(experiment=experiment).text == "Ensimmäiset sanat."
        page.unroute(f"**{draft_url}")
        # The restored words reach the server, and the next keystrokes build on them.
        text.press_sequentially(" Ja vielä nämä.")
        wait_until(
            lambda: Draft.objects.filter(
                experiment=experiment, text=newest + " Ja vielä nämä."
            ).exists(),
            timeout=15,
            what="the newest words saved after the reload",
        )
        # A late save from before the reload, with its older revision, is refused.
        status = page.evaluate(
            """async (url) => {
                const data = new FormData();
                data.append("csrfmiddlewaretoken",
                    document.querySelector("input[name='csrfmiddlewaretoken']").value);
                data.append("text", "Ensimmäiset sanat.");
                data.append("revision", "1");
                return (await fetch(url, {method: "POST", body: data})).status;
            }""",
            draft_url,
        )
        assert status == 409
        assert Draft.objects.get(experiment=experiment).text == newest + " Ja vielä nämä."
        page.reload()
        expect(text).to_have_value(newest + " Ja vielä nämä.")
    except BaseException:
        journey.screenshot_all("failure-autosave-reload")
        raise
    # The aborted saves are logged by Chromium as failed requests; nothing else may be.
    assert not [e for e in journey.errors if "ERR_FAILED" not in e and "409" not in e]


def test_an_autosave_that_fails_says_so_and_recovers(
    transactional_db, live_server, browser, settings, learner, assignment, experiment
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    draft_url = reverse("workshops:draft", args=[assignment.pk])
    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("learner", learner.email)
        page.goto(journey.url(reverse("workshops:assignment", args=[assignment.pk])))
        # The save endpoint answers 500 (a locked database, a restarting server).
        page.route(
            f"**{draft_url}",
            lambda route: route.fulfill(status=500, body="Server Error"),
        )
        page.locator("[data-testid='answer-text']").fill("Tärkeät sanat, joita ei saa hukata.")
        status = page.locator("[data-testid='draft-status']")
        expect(status).to_have_attribute("data-state", "retrying")
        expect(status).to_have_text(status.get_attribute("data-msg-retrying"))
        assert not Draft.objects.filter(experiment=experiment).exists()
        # The server is back: the retry saves the text and the page says so.
        page.unroute(f"**{draft_url}")
        expect(status).to_have_attribute("data-state", "saved", timeout=40_000)
        expect(page.locator("[data-testid='draft-saved']")).to_be_visible()
        assert (
            Draft.objects.get(experiment=experiment).text == "Tärkeät sanat, joita ei saa hukata."
        )
    except BaseException:
        journey.screenshot_all("failure-autosave-retry")
        raise
    assert not [e for e in journey.errors if "500" not in e]


def test_after_the_invitation_import_focus_moves_to_the_result(
    transactional_db, live_server, browser, settings, tmp_path, cohort, coordinator
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    people = tmp_path / "ryhma.csv"
    people.write_text(
        "nimi;sähköposti;organisaatio;rooli\nAino Aalto;aino@example.fi;;oppija\n",
        encoding="utf-8",
    )
    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("coordinator", coordinator.email)
        page.goto(journey.url(reverse("learners:invitations", args=[cohort.pk])))
        form = page.locator("[data-testid='upload-form']")
        form.locator("input[type='file']").set_input_files(str(people))
        form.locator("button[type='submit']").click()
        expect(page.locator("[data-testid='import-status']")).to_have_attribute(
            "data-status", "preview"
        )
        page.locator("[data-testid='import-confirm']").focus()
        page.keyboard.press("Enter")
        done = page.locator("[data-testid='import-done']")
        expect(done).to_be_visible()
        expect(done).to_be_focused()
    except BaseException:
        journey.screenshot_all("failure-import-focus")
        raise
    assert not journey.errors, "Errors in the browser console:\n" + "\n".join(journey.errors)


def test_the_review_button_stays_put_when_the_autosave_reports_a_save(
    transactional_db, live_server, browser, settings, instructor, submission
):
    """A decision clicked as the autosave's "Draft saved" appears lands on the button: the
    status line keeps its height, so the button does not move under the pointer. (It moved by
    a line when the save replaced the longer explanation, and a click right after choosing the
    decision landed beside it and was lost.)"""
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("instructor", instructor.email)
        # Wide with nothing saved yet, then narrow with the first draft's line shown.
        for width, decision in ((1280, "approve"), (390, "revise")):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(journey.url(reverse("workshops:review", args=[submission.pk])))
            button = page.locator("[data-testid='review-submit']")
            # Where the button is on the page (not in the window, which check() scrolls).
            place = "(b) => { const r = b.getBoundingClientRect(); return [r.x, r.y + scrollY]; }"
            before = button.evaluate(place)
            page.locator(f"input[name='decision'][value='{decision}']").check()
            status = page.locator("[data-testid='review-draft-status']")
            expect(status).to_have_attribute("data-state", "saved")
            expect(page.locator("[data-testid='review-draft-saved']")).to_be_visible()
            assert button.evaluate(place) == before, (width, before, button.evaluate(place))
        page.locator("input[name='decision'][value='approve']").check()
        button.click()
        expect(page).to_have_url(journey.url(reverse("workshops:review_queue")))
    except BaseException:
        journey.screenshot_all("failure-review-button-moved")
        raise
    assert not journey.errors, "Errors in the browser console:\n" + "\n".join(journey.errors)


def test_a_review_autosave_that_fails_says_so_and_recovers(
    transactional_db, live_server, browser, settings, instructor, submission
):
    from playwright.sync_api import expect

    from workshops.models import ReviewDraft

    settings.SITE_URL = live_server.url
    draft_url = reverse("workshops:review_draft", args=[submission.pk])
    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("instructor", instructor.email)
        page.goto(journey.url(reverse("workshops:review", args=[submission.pk])))
        page.route(f"**{draft_url}", lambda route: route.fulfill(status=500, body="Server Error"))
        page.locator("textarea[name='strengths']").fill("Selkeä ja rajattu haaste.")
        status = page.locator("[data-testid='review-draft-status']")
        expect(status).to_have_attribute("data-state", "retrying")
        expect(status).to_have_text(status.get_attribute("data-msg-retrying"))
        page.unroute(f"**{draft_url}")
        expect(status).to_have_attribute("data-state", "saved", timeout=40_000)
        expect(page.locator("[data-testid='review-draft-saved']")).to_be_visible()
        assert ReviewDraft.objects.get(submission=submission).strengths == (
            "Selkeä ja rajattu haaste."
        )
    except BaseException:
        journey.screenshot_all("failure-review-autosave-retry")
        raise
    assert not [e for e in journey.errors if "500" not in e]


def test_a_review_autosave_after_signing_out_says_so_and_saves_once_signed_in_again(
    transactional_db, live_server, browser, settings, instructor, submission
):
    """The session ended (signed out in another tab): the autosave said "saved" with the
    sign-in page in the status line. It now says the review was not saved and to sign in, the
    text stays, and the save goes through once the person is signed in again."""
    from playwright.sync_api import expect

    from workshops.models import ReviewDraft

    settings.SITE_URL = live_server.url
    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("instructor", instructor.email)
        page.goto(journey.url(reverse("workshops:review", args=[submission.pk])))
        signed_in = page.context.cookies()
        page.context.clear_cookies(name="sessionid")
        page.locator("textarea[name='strengths']").fill("Kirjoitettu uloskirjautuneena.")
        status = page.locator("[data-testid='review-draft-status']")
        expect(status).to_have_attribute("data-state", "signed-out")
        expect(status).to_contain_text("Kirjaudu uudelleen")
        assert not ReviewDraft.objects.filter(submission=submission).exists()
        page.context.add_cookies(signed_in)
        expect(status).to_have_attribute("data-state", "saved", timeout=40_000)
        assert ReviewDraft.objects.get(submission=submission).strengths == (
            "Kirjoitettu uloskirjautuneena."
        )
    except BaseException:
        journey.screenshot_all("failure-review-autosave-signed-out")
        raise
    assert not [e for e in journey.errors if "403" not in e]


def test_a_team_mate_on_the_same_computer_never_gets_the_other_ones_unsaved_words(
    transactional_db,
    live_server,
    browser,
    settings,
    learner,
    other_learner,
    assignment,
    experiment,
):
    from playwright.sync_api import expect

    from tests.browser import UI_TIMEOUT_MS, VIEWPORT
    from tests.factories import PASSWORD

    settings.SITE_URL = live_server.url
    services.experiment_add_member(experiment=experiment, by=learner, email=other_learner.email)
    draft_url = reverse("workshops:draft", args=[assignment.pk])
    assignment_url = f"{live_server.url}{reverse('workshops:assignment', args=[assignment.pk])}"
    context = browser.new_context(viewport=VIEWPORT, locale="fi-FI")
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()

    def sign_in(person):
        page.goto(f"{live_server.url}/accounts/login/")
        form = page.locator("form:has(input[name='login'])")
        form.locator("input[name='login']").fill(person.email)
        form.locator("input[name='password']").fill(PASSWORD)
        form.locator("button[type='submit']").click()
        expect(page).to_have_url(f"{live_server.url}/")

    try:
        sign_in(learner)
        page.goto(assignment_url)
        # Oona's words stay in this browser only (the server cannot be reached).
        page.route(f"**{draft_url}", lambda route: route.abort())
        page.locator("[data-testid='answer-text']").fill("Oonan keskeneräinen luonnos.")
        page.wait_for_function(
            "() => Object.keys(localStorage).some(k => k.startsWith('alueagentti-draft:'))"
        )
        page.unroute(f"**{draft_url}")
        context.clear_cookies()
        sign_in(other_learner)
        page.goto(assignment_url)
        text = page.locator("[data-testid='answer-text']")
        expect(text).to_have_attribute("data-draft-owner", str(other_learner.pk))
        expect(text).to_have_value("")
        assert not Draft.objects.filter(text__contains="Oonan").exists()
    finally:
        context.close()
