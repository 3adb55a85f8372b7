"""The first journey, end to end, in a real browser and in Finnish.

A learner signs in, marks a lesson done, answers a workshop assignment with a real PDF; the file
is checked (by a real Celery worker when a broker and PostgreSQL are configured, otherwise
eagerly in the web process); the instructor downloads the file and asks for a revision; the
learner is notified in the app and by email, reads the feedback and sends version 2; the
coordinator follows the cohort's progress. Screenshots of each role's main page are saved in
test-artifacts/ for the README.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core import mail

from notifications.models import Notification
from tests.browser import UI_TIMEOUT_MS, VIEWPORT, artifacts_dir
from tests.e2e_support import Worker, celery_worker, wait_until, worker_unavailable_reason
from tests.factories import PASSWORD
from tests.pdfs import pdf_bytes
from workshops.models import Submission, SubmissionFile

pytestmark = [pytest.mark.browser, pytest.mark.worker]

WORKER_TIMEOUT_MS = 60_000
PROCESSED = r"Task workshops\.tasks\.submission_file_process\[[^\]]+\] succeeded"
SUBMISSION_URL = re.compile(r"/workshops/submissions/\d+/$")
EMAILED = r"Task notifications\.tasks\.notification_send_email\[[^\]]+\] succeeded"


@pytest.fixture
def tasks(transactional_db, live_server, settings, tmp_path, request) -> Iterator[Worker | None]:
    """A real Celery worker when a broker and PostgreSQL are there, else eager tasks (None)."""
    settings.SITE_URL = live_server.url
    reason = worker_unavailable_reason()
    mode = "eagerly in the web process" if reason else "by a real Celery worker"
    request.node.user_properties.append(("celery_mode", mode))
    sys.stdout.write(f"\nfirst journey: tasks run {mode}" + (f" ({reason})" if reason else ""))
    if reason:
        yield None
        return
    with celery_worker(tmp_path=tmp_path, site_url=live_server.url) as worker:
        yield worker


class Journey:
    """Browser contexts for several people, with their console errors collected."""

    def __init__(self, browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.pages: dict[str, object] = {}
        self.errors: list[str] = []

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def sign_in(self, role: str, email: str):
        from playwright.sync_api import expect

        context = self.browser.new_context(viewport=VIEWPORT, locale="fi-FI", accept_downloads=True)
        context.set_default_timeout(UI_TIMEOUT_MS)
        page = context.new_page()
        page.on(
            "console",
            lambda msg: (
                msg.type == "error" and self.errors.append(f"{role} at {page.url}: {msg.text}")
            ),
        )
        page.on("pageerror", lambda exc: self.errors.append(f"{role}: {exc}"))
        self.pages[role] = page
        page.goto(self.url("/accounts/login/"))
        expect(page.locator("html")).to_have_attribute("lang", "fi")
        form = page.locator("form:has(input[name='login'])")
        form.locator("input[name='login']").fill(email)
        form.locator("input[name='password']").fill(PASSWORD)
        form.locator("button[type='submit']").click()
        expect(page).to_have_url(self.url("/"))
        return page

    def screenshot_all(self, prefix: str) -> None:
        for role, page in self.pages.items():
            # Best effort while a failure is being reported.
            with contextlib.suppress(Exception):
                page.screenshot(
                    path=artifacts_dir() / f"{prefix}-{role}.png", full_page=True, caret="initial"
                )


def _rename(user, first_name: str, last_name: str, organisation: str = "") -> None:
    user.first_name, user.last_name = first_name, last_name
    user.save(update_fields=["first_name", "last_name"])
    if organisation:
        user.organisation.name = organisation
        user.organisation.save(update_fields=["name"])


def test_first_journey_learner_instructor_coordinator(
    transactional_db,
    live_server,
    tasks,
    browser,
    tmp_path,
    course,
    cohort,
    assignment,
    learner,
    instructor,
    coordinator,
):
    for stale in artifacts_dir().glob("failure-*.png"):
        stale.unlink()
    # Names that read well in the screenshots the README reuses.
    _rename(learner, "Oona", "Laine", organisation="Forssan kaupunki")
    _rename(instructor, "Ilkka", "Ohjaaja")
    _rename(coordinator, "Kaisa", "Koordinaattori")
    journey = Journey(browser, live_server.url)
    try:
        _walk(
            journey, tasks, tmp_path, course, cohort, assignment, learner, instructor, coordinator
        )
    except BaseException:
        journey.screenshot_all("failure")
        if tasks is not None:
            sys.stdout.write(f"\nCelery worker log:\n{tasks.log()[-6000:]}\n")
        raise
    assert not journey.errors, "Errors in the browser console:\n" + "\n".join(journey.errors)


def _walk(journey, worker, tmp_path, course, cohort, assignment, learner, instructor, coordinator):
    from playwright.sync_api import expect

    first_module = course.modules.order_by("position").first()
    lesson = first_module.items.order_by("position").first()
    pdf_v1 = tmp_path / "kehittamishaaste.pdf"
    pdf_v1.write_bytes(pdf_bytes(pages=2))
    pdf_v2 = tmp_path / "kehittamishaaste-v2.pdf"
    pdf_v2.write_bytes(pdf_bytes(pages=3))

    # 1. The learner signs in and lands on the dashboard with the cohort's course.
    page = journey.sign_in("learner", learner.email)
    expect(page.get_by_role("heading", name=course.title, exact=True)).to_be_visible()
    expect(page.get_by_text(cohort.name).first).to_be_visible()
    expect(page.locator("[data-testid='course-progress']")).to_have_attribute("value", "0")
    expect(page.locator("[data-testid='course-progress']")).to_have_attribute("max", "9")
    module_row = page.locator("li").filter(has=page.get_by_text(first_module.title, exact=True))
    expect(module_row).to_contain_text("0/3")

    # 2. A lesson: "Merkitse tehdyksi" updates the page through htmx, without a reload.
    page.locator(f"a[href='/courses/items/{lesson.pk}/']").first.click()
    expect(page.get_by_role("heading", name=lesson.title, exact=True)).to_be_visible()
    page.evaluate("window.__sameDocument = true")
    mark_done = page.locator("[data-testid='mark-done']")
    expect(mark_done).to_have_text("Merkitse tehdyksi")
    mark_done.click()
    expect(page.locator("[data-testid='item-done']")).to_be_visible()
    expect(mark_done).to_have_count(0)
    assert page.evaluate("window.__sameDocument === true"), "marking done reloaded the page"
    assert learner.completions.filter(item=lesson).exists()
    page.goto(journey.url("/"))
    expect(page.locator("[data-testid='course-progress']")).to_have_attribute("value", "1")
    expect(module_row).to_contain_text("1/3")

    # 3. The workshop assignment: the learner first starts an experiment of their own, then
    # writes an answer (autosaved as a draft) and attaches a real PDF.
    page.get_by_role("link", name=assignment.title).click()
    expect(page).to_have_url(journey.url(f"/workshops/assignments/{assignment.pk}/"))
    start = page.locator("[data-testid='experiment-form']")
    start.locator("input[name='title']").fill("Liityntäkyyti asemalle")
    # The form posts back to the same address: wait for the new page, not for the URL.
    with page.expect_navigation():
        start.locator("button[type='submit']").click()
    expect(page).to_have_url(journey.url(f"/workshops/assignments/{assignment.pk}/"))
    expect(page.locator("[data-testid='experiment-form']")).to_have_count(0)
    form = page.locator("[data-testid='submission-form']")
    form.locator("textarea[name='text']").fill("Haasteemme on matkaketjujen toimivuus kylillä.")
    expect(page.locator("[data-testid='draft-saved']")).to_be_visible()
    form.locator("input[name='attachments']").set_input_files(str(pdf_v1))
    submit = form.locator("input[type='submit'], button[type='submit']")
    expect(submit).to_have_value("Lähetä")
    submit.click()
    # The page has loaded before the database is read: with SQLite the live server shares
    # this thread's connection.
    expect(page).to_have_url(SUBMISSION_URL)
    page.wait_for_load_state()
    v1 = Submission.objects.get(learner=learner, version=1)
    assert page.url == journey.url(f"/workshops/submissions/{v1.pk}/")
    badge = page.locator("#submission-status [data-status]")
    assert badge.get_attribute("data-status") in {"processing", "received"}

    # 4. The file is checked (by the worker, or already eagerly); the page polls by itself.
    expect(page.locator("#submission-status [data-status='received']")).to_be_visible(
        timeout=WORKER_TIMEOUT_MS
    )
    if worker is not None:
        worker.wait_for_log(PROCESSED, count=1)
    v1.refresh_from_db()
    attachment = v1.files.get()
    assert v1.status == Submission.Status.RECEIVED
    assert attachment.status == SubmissionFile.Status.ACCEPTED
    assert attachment.page_count == 2
    expect(
        page.locator(f"#submission-status a[href$='/files/{attachment.pk}/download/']")
    ).to_be_visible()

    # 5. The instructor opens the review queue, downloads the file and asks for a revision.
    teacher = journey.sign_in("instructor", instructor.email)
    teacher.get_by_role("link", name="Arviointijono", exact=True).click()
    queue = teacher.locator("[data-testid='review-queue']")
    expect(queue).to_contain_text(learner.first_name)
    expect(queue).to_contain_text(assignment.title)
    queue.locator(f"a[href='/workshops/submissions/{v1.pk}/review/']").click()
    expect(teacher.locator("[data-testid='answer']")).to_contain_text("matkaketjujen")
    with teacher.expect_download() as download_info:
        teacher.locator(f"a[href='/workshops/files/{attachment.pk}/download/']").click()
    download = download_info.value
    assert download.suggested_filename == "kehittamishaaste.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    review_form = teacher.locator("[data-testid='review-form']")
    review_form.get_by_label("Pyydä täydentämään").check()
    feedback = "Hyvä alku! Kuvaa vielä, keitä haaste koskee ja miten sen huomaa arjessa."
    review_form.locator("textarea[name='feedback']").fill(feedback)
    teacher.screenshot(path=artifacts_dir() / "instructor-review.png", caret="initial")
    teacher.get_by_role("button", name="Tallenna ja ilmoita oppijalle").click()
    expect(teacher).to_have_url(journey.url("/workshops/reviews/"))
    v1.refresh_from_db()
    assert v1.status == Submission.Status.REVISION_REQUESTED

    # 6. The learner is notified in the app and by email, and reads the feedback.
    notification = Notification.objects.get(recipient=learner)
    wait_until(
        lambda: Notification.objects.filter(
            pk=notification.pk, email_status=Notification.EmailStatus.SENT
        ).exists(),
        timeout=WORKER_TIMEOUT_MS / 1000,
        what="the notification email to be sent",
    )
    if worker is not None:
        worker.wait_for_log(EMAILED, count=1)
        sent = [m for m in worker.emails() if learner.email in str(m["To"])]
    else:
        sent = [m for m in mail.outbox if learner.email in m.to]
    assert len(sent) == 1, f"expected one email to the learner, got {len(sent)}"
    assert notification.subject in str(
        sent[0]["Subject"] if worker is not None else sent[0].subject
    )

    page.goto(journey.url("/"))
    nav_notifications = page.locator("nav a[href='/notifications/']")
    expect(nav_notifications).to_contain_text("Ilmoitukset")
    expect(nav_notifications.locator(".badge")).to_contain_text("1")
    expect(page.get_by_text(notification.subject).first).to_be_visible()
    expect(page.locator("[data-status='revision']").first).to_be_visible()
    page.screenshot(path=artifacts_dir() / "learner-dashboard.png", caret="initial")
    nav_notifications.click()
    expect(page).to_have_url(journey.url("/notifications/"))
    item = page.locator("main li", has_text=notification.subject)
    item.locator("form[action$='/open/'] button").click()
    expect(page).to_have_url(journey.url(f"/workshops/submissions/{v1.pk}/"))
    expect(page.locator("[data-testid='feedback']")).to_have_text(feedback)
    expect(page.locator("nav a[href='/notifications/'] .badge")).to_have_count(0)

    # ... and sends version 2; version 1 stays listed.
    page.locator(f"a[href='/workshops/assignments/{assignment.pk}/']").first.click()
    form = page.locator("[data-testid='submission-form']")
    text = form.locator("textarea[name='text']")
    expect(text).to_have_value(re.compile("matkaketjujen"))
    text.fill(
        "Haasteemme on matkaketjujen toimivuus kylillä. Se koskee etenkin nuoria ja ikääntyneitä, "
        "ja sen huomaa siitä, että asiointimatkat jäävät tekemättä."
    )
    form.locator("input[name='attachments']").set_input_files(str(pdf_v2))
    form.locator("input[type='submit'], button[type='submit']").click()
    # The page has loaded before the database is read: with SQLite the live server shares
    # this thread's connection.
    expect(page).to_have_url(SUBMISSION_URL)
    page.wait_for_load_state()
    v2 = Submission.objects.get(learner=learner, version=2)
    assert page.url == journey.url(f"/workshops/submissions/{v2.pk}/")
    expect(page.locator("#submission-status [data-status='received']")).to_be_visible(
        timeout=WORKER_TIMEOUT_MS
    )
    if worker is not None:
        worker.wait_for_log(PROCESSED, count=2)
    earlier = page.locator(
        "aside li", has=page.locator(f"a[href='/workshops/submissions/{v1.pk}/']")
    )
    expect(earlier.locator("[data-status='revision']")).to_be_visible()
    assert list(
        Submission.objects.filter(learner=learner)
        .order_by("version")
        .values_list("version", "status")
    ) == [(1, "revision"), (2, "received")]

    # 7. The coordinator follows the cohort: module progress and the submission's status.
    lead = journey.sign_in("coordinator", coordinator.email)
    lead.locator(f"a[href='/cohorts/{cohort.pk}/']").first.click()
    table = lead.locator("[data-testid='cohort-progress']")
    row = table.locator("tbody tr", has_text=learner.display_name)
    expect(row).to_have_count(1)
    # Find the first module's column by its heading (the second heading row names the modules
    # and phases; each row starts with the learner's name).
    headings = table.locator("thead tr").nth(1).locator("th").all_text_contents()
    column = 1 + next(i for i, h in enumerate(headings) if first_module.title in h)
    expect(row.locator("th, td").nth(column)).to_have_text("1/3")
    expect(row.locator("[data-status='received']")).to_be_visible()
    lead.screenshot(path=artifacts_dir() / "coordinator-cohort.png", caret="initial")

    if worker is not None:
        assert not re.search(r"ERROR/|Traceback", worker.log()), worker.log()[-6000:]
