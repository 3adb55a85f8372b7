"""Accessibility in a real browser: axe-core (WCAG 2.1 A and AA) on every role's main pages.

The demo data (`seed_demo`, plus an announcement so there is an unread notification) is loaded
into a live server; each demo persona signs in in a browser context of its own and axe runs on
the main pages of that role, the anonymous pages and the 403/404 pages. A violation with impact
"serious" or "critical" fails the test, listed with its rule, help text and the offending
elements. At phone width (390 px) no page may scroll sideways (wide tables scroll inside their
own box) and the learner's main pages pass axe there too. The keyboard path is checked with
ordinary personas: the skip link comes first and moves focus to the main content, and the main
navigation and account menu are reached by keyboard with a visible focus outline (3:1 against
what is behind it).

Axe is injected through Playwright's `evaluate`, which the page's Content-Security-Policy does not
block, so these pages run under the real CSP.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from demo.accounts import DEMO_DOMAIN, DEMO_PASSWORD
from tests.browser import UI_TIMEOUT_MS
from tests.conftest import skip_or_fail
from tests.factories import PASSWORD as FACTORY_PASSWORD

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}

Pages = list[tuple[str, str]]
# Error pages are checked too: these labels answer with their error status.
STATUS = {"page not found": 404, "no access": 403}


# --- The pages --------------------------------------------------------------------------------


def demo_pages() -> dict[str, Pages]:
    """Each demo persona's main pages as (label, path), looked up in the seeded demo data."""
    from core.models import User
    from courses.models import Certificate, Course, Item
    from learners.models import Cohort
    from portfolio.models import Card
    from workshops.models import Assignment, Experiment, Submission, WorkshopSession

    course = Course.objects.get(slug="alueagentti")
    cohort = Cohort.objects.get(course=course, name="Alueagentti 2026 – syksyn ryhmä")
    items = Item.objects.filter(module__course=course).order_by("module__position", "position")
    text_page = items.filter(kind=Item.Kind.PAGE).first()
    quiz = items.filter(kind=Item.Kind.QUIZ).first()
    reflection = items.filter(kind=Item.Kind.REFLECTION).first()
    first_module = course.modules.order_by("position").first()
    assignment = Assignment.objects.filter(workshop__course=course).order_by("phase").first()
    experiment = Experiment.objects.get(
        members__user__email=f"oppija@{DEMO_DOMAIN}", members__cohort=cohort
    )
    waiting = (
        Submission.objects.filter(cohort=cohort, status=Submission.Status.RECEIVED)
        .order_by("pk")
        .first()
    )
    second_version = Submission.objects.filter(cohort=cohort, version__gt=1).order_by("pk").first()
    session = WorkshopSession.objects.filter(cohort=cohort).order_by("starts_at").first()
    certificate = Certificate.objects.filter(status=Certificate.Status.ISSUED).first()
    oppija = User.objects.get(email=f"oppija@{DEMO_DOMAIN}")
    public_card = Card.objects.filter(scope=Card.Scope.PUBLIC).order_by("pk").first()
    learner_submission = (
        Submission.objects.filter(learner__email=f"oppija@{DEMO_DOMAIN}").order_by("pk").first()
    )

    learner: Pages = [
        ("learner dashboard", reverse("core:home")),
        ("course outline", reverse("courses:detail", args=[course.pk])),
        ("text page", reverse("courses:item", args=[text_page.pk])),
        ("knowledge check", reverse("courses:item", args=[quiz.pk])),
        ("reflection", reverse("courses:item", args=[reflection.pk])),
        ("module", reverse("courses:module", args=[first_module.pk])),
        ("course search", reverse("courses:search", args=[course.pk]) + "?q=verkosto"),
        ("learning journal", reverse("courses:journal")),
        ("experiment", reverse("workshops:experiment", args=[experiment.pk])),
        ("assignment phase", reverse("workshops:assignment", args=[assignment.pk])),
        ("sessions", reverse("workshops:my_sessions")),
        ("notifications", reverse("notifications:list")),
        ("notification preferences", reverse("notifications:preferences")),
        ("no access", reverse("learners:cohort_detail", args=[cohort.pk])),
    ]
    if learner_submission is not None:
        learner.append(
            ("own submission", reverse("workshops:submission_detail", args=[learner_submission.pk]))
        )
    # Pages of the impact and portfolio areas (their own tests check them in depth).
    learner += [
        ("peer reviews", reverse("workshops:peer_review_list")),
        ("impact plan", reverse("impact:plan", args=[experiment.pk])),
        ("portfolio", reverse("portfolio:home")),
        ("gallery", reverse("portfolio:gallery")),
        ("my data", reverse("privacy:my_data")),
        ("privacy notice", reverse("privacy:notice")),
    ]
    instructor: Pages = [
        ("instructor dashboard", reverse("core:home")),
        ("review queue", reverse("workshops:review_queue")),
        ("experiment, as instructor", reverse("workshops:experiment", args=[experiment.pk])),
        ("course outline, as author", reverse("courses:detail", args=[course.pk])),
        ("course authoring", reverse("courses:edit", args=[course.pk])),
        ("module form", reverse("courses:module_edit", args=[first_module.pk])),
        ("text page form", reverse("courses:item_edit", args=[text_page.pk])),
        ("knowledge check form", reverse("courses:item_edit", args=[quiz.pk])),
        ("new item form", reverse("courses:item_create", args=[first_module.pk])),
        ("completion criteria", reverse("courses:criteria", args=[course.pk])),
        ("release extensions", reverse("courses:extensions", args=[cohort.pk])),
        ("cohort sessions", reverse("workshops:session_list", args=[cohort.pk])),
        ("new session form", reverse("workshops:session_create", args=[cohort.pk])),
        ("peer settings", reverse("workshops:peer_settings", args=[assignment.pk])),
        ("marking settings", reverse("workshops:marking_settings", args=[assignment.workshop_id])),
    ]
    if waiting is not None:
        instructor.insert(2, ("review screen", reverse("workshops:review", args=[waiting.pk])))
    if second_version is not None:
        instructor.append(
            (
                "version comparison",
                reverse("workshops:submission_diff", args=[second_version.pk]),
            )
        )
    if session is not None:
        instructor += [
            ("session form", reverse("workshops:session_edit", args=[session.pk])),
            ("session attendance", reverse("workshops:session_attendance", args=[session.pk])),
        ]
    coordinator: Pages = [
        ("cohort list", reverse("learners:cohort_list")),
        ("staff course list", reverse("courses:list")),
        ("cohort grid", reverse("learners:cohort_detail", args=[cohort.pk])),
        ("cohort table", reverse("learners:cohort_detail", args=[cohort.pk]) + "?view=table"),
        ("phases", reverse("learners:funnel", args=[cohort.pk])),
        ("at risk", reverse("learners:at_risk", args=[cohort.pk])),
        ("attendance", reverse("learners:attendance", args=[cohort.pk])),
        ("summary", reverse("learners:dashboard", args=[cohort.pk])),
        ("invitations", reverse("learners:invitations", args=[cohort.pk])),
        ("exports", reverse("learners:exports", args=[cohort.pk])),
        ("erasure requests", reverse("privacy:erasures")),
        ("cohort settings", reverse("learners:cohort_settings", args=[cohort.pk])),
        ("new cohort form", reverse("learners:cohort_create")),
        ("learner timeline", reverse("learners:timeline", args=[cohort.pk, oppija.pk])),
        ("certificates", reverse("certificates:cohort", args=[cohort.pk])),
        ("cross-cohort overview", reverse("learners:cross_cohort")),
        ("funder report", reverse("learners:funder_report")),
        ("notification log", reverse("notifications:log")),
        ("announcements", reverse("notifications:announcements", args=[cohort.pk])),
        ("gallery approvals", reverse("portfolio:approvals")),
        ("background work", reverse("core:stuck_work")),
    ]
    anonymous: Pages = [
        ("login", reverse("account_login")),
        ("public gallery", reverse("portfolio:public_gallery")),
        ("page not found", "/ei-ole-olemassa/"),
    ]
    from learners.models import Invitation

    invitation = Invitation.objects.filter(status=Invitation.Status.PENDING).first()
    if invitation is not None:
        anonymous.append(
            (
                "invitation welcome",
                reverse("learners:invitation_accept", args=[invitation.token]),
            )
        )
    if public_card is not None:
        anonymous.append(("public card", reverse("portfolio:public_card", args=[public_card.pk])))
    if certificate is not None:
        anonymous.append(
            ("certificate verification", reverse("certificates:verify", args=[certificate.code]))
        )
    return {
        "oppija": learner,
        "ohjaaja": instructor,
        "koordinaattori": coordinator,
        "anonymous": anonymous,
    }


# The learner's main pages, checked with axe on a phone too.
PHONE_PAGES = {
    "learner dashboard",
    "course outline",
    "text page",
    "knowledge check",
    "reflection",
    "learning journal",
    "experiment",
    "assignment phase",
    "sessions",
    "notifications",
    "impact plan",
    "portfolio",
}


# --- Axe ------------------------------------------------------------------------------------------


def axe_problems(page) -> list[str]:
    """The serious and critical WCAG 2.1 A/AA violations on the page, one readable line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    problems = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in FAILING_IMPACTS:
            continue
        targets = [", ".join(map(str, node["target"])) for node in violation["nodes"]]
        shown = "; ".join(targets[:6]) + (f"; … (+{len(targets) - 6})" if len(targets) > 6 else "")
        problems.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} -> {shown}"
        )
    return problems


def horizontal_overflow(page) -> int:
    """How many pixels the page scrolls sideways (0 when it fits)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )


# --- Browser plumbing -----------------------------------------------------------------------------


@pytest.fixture
def axe(browser):
    """The browser, once axe-core (bundled by axe-playwright-python) is known to be there."""
    try:
        import axe_playwright_python  # noqa: F401
    except ImportError:
        skip_or_fail("the axe-playwright-python package is not installed")
    return browser


def open_context(
    browser, base_url: str, email: str | None, *, password=DEMO_PASSWORD, viewport=DESKTOP
):
    """A browser context in Finnish, signed in as `email` (or anonymous when None)."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport=viewport, locale="fi-FI")
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    if email is not None:
        page.goto(f"{base_url}{reverse('account_login')}")
        form = page.locator("form:has(input[name='login'])")
        form.locator("input[name='login']").fill(email)
        form.locator("input[name='password']").fill(password)
        form.locator("button[type='submit']").click()
        expect(page).to_have_url(f"{base_url}/")
    return context, page


def visit(page, url: str, *, status: int = 200) -> str | None:
    """Open `url` and wait for it to settle; a reason when it did not answer with `status`."""
    from playwright.sync_api import Error

    try:
        response = page.goto(url)
    except Error as exc:
        return f"did not load: {exc.message.splitlines()[0]}"
    if response is None or response.status != status:
        return f"HTTP {response.status if response else 'no response'}, expected {status}"
    # Loaded (goto waits for the load event), its web fonts too (the editor's icon font changes
    # the toolbar's width) and no htmx request under way: the page as it settles, without the
    # half second of network silence that "networkidle" waits out on every page.
    page.wait_for_function(
        "() => document.readyState === 'complete' && document.fonts.status === 'loaded'"
        " && !document.querySelector('.htmx-request')"
    )
    return None


@pytest.fixture
def demo(transactional_db, live_server, settings, request) -> Callable[[], dict[str, Pages]]:
    from core.models import User
    from learners.models import Cohort
    from notifications.services import announcement_create

    settings.SITE_URL = live_server.url
    # Seeded by the first test that asks, copied for the next ones (tests/seed_once.py).
    request.getfixturevalue("demo_data")
    # An announcement, so that the learners have an unread notification with its "Open" button
    # and the coordinator's announcement list and notification log have rows.
    announcement_create(
        cohort=Cohort.objects.get(name="Alueagentti 2026 – syksyn ryhmä"),
        author=User.objects.get(email=f"koordinaattori@{DEMO_DOMAIN}"),
        subject="Seuraava työpaja 12.2.",
        body="Tuo mukaan kokeilusi suunnitelma. Tervetuloa!",
        send_at=None,
    )
    return demo_pages


# --- Tests ----------------------------------------------------------------------------------------


def test_every_roles_main_pages_have_no_serious_axe_violations(demo, live_server, axe):
    browser = axe
    pages = demo()
    report: list[str] = []
    checked = 0
    for persona, entries in pages.items():
        email = None if persona == "anonymous" else f"{persona}@{DEMO_DOMAIN}"
        context, page = open_context(browser, live_server.url, email)
        try:
            for label, path in entries:
                failure = visit(page, f"{live_server.url}{path}", status=STATUS.get(label, 200))
                if failure:
                    report.append(f"{persona} / {label} ({path}): {failure}")
                    continue
                checked += 1
                for problem in axe_problems(page):
                    report.append(f"{persona} / {label} ({path}): {problem}")
        finally:
            context.close()
    assert not report, f"Accessibility problems on {checked} pages:\n" + "\n".join(report)


def test_a_version_approved_without_optional_feedback_has_no_serious_axe_violations(
    demo, live_server, axe
):
    """The feedback block of an approval with strengths, questions, suggestions and the comment
    all left empty: every <dd> still has its <dt> (axe's definition-list rule)."""
    from workshops.models import Review, Submission

    demo()
    approved = (
        Submission.objects.filter(
            status=Submission.Status.APPROVED, review__isnull=False, experiment__isnull=False
        )
        .order_by("pk")
        .first()
    )
    assert approved is not None, "the demo has an approved version"
    Review.objects.filter(submission=approved).update(
        strengths="", questions="", suggestions="", feedback=""
    )
    # The instructor sees the same feedback block as the team.
    context, page = open_context(axe, live_server.url, f"ohjaaja@{DEMO_DOMAIN}")
    try:
        path = reverse("workshops:submission_detail", args=[approved.pk])
        assert visit(page, f"{live_server.url}{path}") is None
        feedback = page.locator("[data-testid='feedback-card'] dl")
        assert feedback.locator("dt").count() == feedback.locator("dd").count() == 1
        problems = axe_problems(page)
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_main_pages_fit_a_phone_without_sideways_scrolling(demo, live_server, axe):
    browser = axe
    """Every role's pages fit 390 px (wide tables scroll inside their own box); the learner's
    main pages are also checked with axe at that width."""
    report: list[str] = []
    for persona, entries in demo().items():
        email = None if persona == "anonymous" else f"{persona}@{DEMO_DOMAIN}"
        context, page = open_context(browser, live_server.url, email, viewport=PHONE)
        try:
            for label, path in entries:
                failure = visit(page, f"{live_server.url}{path}", status=STATUS.get(label, 200))
                if failure:
                    report.append(f"{persona} / {label} ({path}): {failure}")
                    continue
                overflow = horizontal_overflow(page)
                if overflow > 0:
                    report.append(
                        f"{persona} / {label} ({path}): scrolls sideways by {overflow} px"
                    )
                if persona == "oppija" and label in PHONE_PAGES:
                    for problem in axe_problems(page):
                        report.append(f"{persona} / {label} ({path}) at 390 px: {problem}")
        finally:
            context.close()
    assert not report, "Problems on a phone-sized screen:\n" + "\n".join(report)


FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const rgb = (colour) => (colour.match(/[\\d.]+/g) || []).map(Number);
    const luminance = ([r, g, b]) => {
        const lin = (c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    // The outline is drawn over the background behind it: the element's own when the outline
    // is inset, else the nearest ancestor's that is not transparent.
    let behind = parseFloat(style.outlineOffset) < 0 ? el : el.parentElement;
    while (behind && rgb(getComputedStyle(behind).backgroundColor)[3] === 0) {
        behind = behind.parentElement;
    }
    const background = behind ? rgb(getComputedStyle(behind).backgroundColor) : [255, 255, 255];
    const [light, dark] = [luminance(rgb(style.outlineColor)), luminance(background)].sort(
        (a, b) => b - a
    );
    return {
        tag: el.tagName.toLowerCase(),
        id: el.id,
        href: el.getAttribute("href"),
        text: (el.getAttribute("aria-label") || el.textContent || "").trim().replace(/\\s+/g, " "),
        inNav: !!el.closest("nav.navbar"),
        inMain: !!el.closest("main"),
        outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2
            && (light + 0.05) / (dark + 0.05) >= 3,
        visible: box.width > 1 && box.height > 1,
    };
}"""


def test_the_skip_link_comes_first_and_moves_focus_to_the_main_content(
    transactional_db, live_server, browser, learner
):
    from playwright.sync_api import expect

    context, page = open_context(browser, live_server.url, learner.email, password=FACTORY_PASSWORD)
    try:
        # The first Tab reaches the skip link, which shows itself with a focus outline.
        page.keyboard.press("Tab")
        skip = page.evaluate(FOCUSED)
        assert skip["href"] == "#main", f"the first Tab stop is not the skip link: {skip}"
        assert skip["text"] == "Siirry sisältöön"
        assert skip["visible"], "the focused skip link is not visible"
        assert skip["outline"], "the focused skip link has no visible focus outline"

        # Enter moves focus into the main content; the next Tab stays there, past the menu.
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{live_server.url}/#main")
        assert page.evaluate("document.activeElement.id") == "main"
        page.keyboard.press("Tab")
        after = page.evaluate(FOCUSED)
        assert after["inMain"], f"Tab after the skip link went to {after}, not the main content"
    finally:
        context.close()


def test_the_main_navigation_is_reached_by_tab_with_a_visible_focus_outline(
    transactional_db, live_server, browser, learner
):
    from playwright.sync_api import expect

    context, page = open_context(browser, live_server.url, learner.email, password=FACTORY_PASSWORD)
    try:
        page.keyboard.press("Tab")  # the skip link
        stops = []
        for _ in range(20):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            if not focused or not focused["inNav"]:
                break
            stops.append(focused)
        hrefs = [stop["href"] for stop in stops]
        for expected in ("/", reverse("portfolio:gallery"), reverse("notifications:list")):
            assert expected in hrefs, f"{expected} is not reached by Tab; the stops were {hrefs}"
        names = [stop["text"] for stop in stops]
        assert any(learner.display_name in name for name in names), names
        unmarked = [stop["text"] for stop in stops if not (stop["outline"] and stop["visible"])]
        assert not unmarked, f"no visible focus outline on: {unmarked}"

        # The account menu opens from the keyboard and its items are reachable.
        toggle = page.locator("nav .dropdown-toggle")
        toggle.focus()
        page.keyboard.press("Enter")
        expect(toggle).to_have_attribute("aria-expanded", "true")
        page.keyboard.press("ArrowDown")
        item = page.evaluate(FOCUSED)
        assert item["href"] == reverse("core:profile"), item  # the menu's first item
        assert item["outline"], "the focused menu item has no visible focus outline"
        page.keyboard.press("Escape")
        expect(toggle).to_have_attribute("aria-expanded", "false")

        # On a phone the menu is behind a toggle button, which opens from the keyboard too.
        page.set_viewport_size(PHONE)
        page.goto(f"{live_server.url}/")
        menu = page.locator("nav .navbar-toggler")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.classList.contains('navbar-toggler')")
        page.keyboard.press("Enter")
        expect(menu).to_have_attribute("aria-expanded", "true")
        expect(page.locator("#main-nav a[href='/']")).to_be_visible()
        page.keyboard.press("Tab")
        first = page.evaluate(FOCUSED)
        assert first["href"] == "/", first
        assert first["outline"], "the first menu link has no visible focus outline on a phone"
    finally:
        context.close()


def test_a_long_name_without_spaces_wraps_instead_of_widening_the_page(
    transactional_db, live_server, browser, coordinator, cohort
):
    """A cohort named with 200 characters and no space (a pasted identifier) stays inside the
    screen on its pages and in the list of cohorts, at desktop and at phone width."""
    cohort.name = "Kasvukäytävä" + "x" * 188
    cohort.save()
    pages = [reverse("learners:cohort_detail", args=[cohort.pk]), reverse("learners:cohort_list")]
    report = []
    for viewport in (DESKTOP, PHONE):
        context, page = open_context(
            browser,
            live_server.url,
            coordinator.email,
            password=FACTORY_PASSWORD,
            viewport=viewport,
        )
        try:
            for path in pages:
                page.goto(f"{live_server.url}{path}")
                assert page.get_by_text("Kasvukäytävä", exact=False).first.is_visible()
                if (overflow := horizontal_overflow(page)) > 0:
                    report.append(f"{path} at {viewport['width']} px: {overflow} px sideways")
        finally:
            context.close()
    assert not report, "\n".join(report)
