"""In a real browser: a thread with a reply that quotes the opening post, written in the
rich-text editor; and axe (WCAG 2.1 A/AA) on every discussion page."""

import pytest
from django.urls import reverse

from discussions import services
from discussions.models import Post
from tests.factories import PASSWORD
from tests.test_accessibility import axe_problems, open_context, visit

pytestmark = pytest.mark.browser


@pytest.fixture
def live_thread(transactional_db, live_server, settings, cohort, learner, other_learner, item):
    settings.SITE_URL = live_server.url
    thread = services.thread_start(
        cohort=cohort,
        author=learner,
        title="Verkostojen rakentaminen",
        body="<p>Miten kokoatte <strong>verkoston</strong> kunnassanne?</p>",
    )
    return thread


def test_a_learner_replies_with_a_quote_and_the_cohort_sees_it(
    live_server, browser, live_thread, learner, other_learner
):
    from playwright.sync_api import expect

    context, page = open_context(browser, live_server.url, other_learner.email, password=PASSWORD)
    try:
        page.locator("[data-testid='nav-discussions']").click()
        page.get_by_role("link", name="Verkostojen rakentaminen").click()
        opening = page.locator("[data-testid='post']").first
        opening.locator("[data-testid='quote-link']").click()
        expect(page.locator("[data-testid='quote-preview']")).to_contain_text(learner.display_name)
        editor = page.locator("[data-testid='reply-form'] [data-testid='rich-text-editor']")
        # The editor's own buttons speak Finnish, to the eye and to a screen reader.
        menu = page.locator("[data-testid='reply-form'] .prose-menubar")
        expect(menu.locator("[aria-label='Lihavointi'][title='Lihavointi']")).to_have_count(1)
        expect(menu.locator("[aria-label='Lisää linkki']")).to_have_count(1)
        expect(menu.locator("[aria-label='bold'], [title='insert link']")).to_have_count(0)
        # ... while an icon's name in its font stays as it is (it draws the icon).
        expect(menu.locator("[aria-label='Kumoa']")).to_have_text("undo")
        editor.click()
        page.keyboard.type("Meillä ")
        page.keyboard.press("Control+b")
        page.keyboard.type("kimppakyyti")
        page.keyboard.press("Control+b")
        page.keyboard.type(" toi ihmiset yhteen.")
        page.locator("[data-testid='reply-submit']").click()

        reply = page.locator("[data-testid='post']").nth(1)
        expect(reply).to_be_visible()
        expect(reply.locator("[data-testid='quote']")).to_contain_text(learner.display_name)
        expect(reply.locator("[data-testid='quote']")).to_contain_text("Miten kokoatte")
        expect(reply.locator("[data-testid='post-body'] strong")).to_have_text("kimppakyyti")
        saved = Post.objects.latest("pk")
        assert saved.quote == live_thread.posts.order_by("pk").first()
        assert "<strong>kimppakyyti</strong>" in saved.body
        # The reply's own address was opened, at its anchor.
        assert page.url.endswith(f"#post-{saved.pk}")
    finally:
        context.close()

    # The asker sees the reply with its quote.
    context, page = open_context(browser, live_server.url, learner.email, password=PASSWORD)
    try:
        page.goto(live_server.url + reverse("discussions:thread", args=[live_thread.pk]))
        expect(page.locator("[data-testid='post']")).to_have_count(2)
        expect(page.locator("[data-testid='quote']")).to_contain_text("Miten kokoatte")
    finally:
        context.close()


def test_the_discussion_pages_have_no_serious_axe_violations(
    live_server, browser, live_thread, cohort, item, learner, other_learner, instructor
):
    try:
        import axe_playwright_python  # noqa: F401
    except ImportError:
        from tests.conftest import skip_or_fail

        skip_or_fail("the axe-playwright-python package is not installed")
    reply = services.post_reply(
        thread=live_thread,
        author=other_learner,
        body="<p>Samaa mieltä.</p>",
        quote=live_thread.posts.get(),
    )
    hidden = services.post_reply(thread=live_thread, author=other_learner, body="Asiaton")
    services.post_hide(post=hidden, by=instructor, reason="Ei kuulu aiheeseen.")
    services.post_pin(post=reply, by=instructor, pinned=True)
    question = services.thread_start(
        cohort=cohort, author=learner, title="Mikä on hypoteesi?", body="Kysyn", item=item
    )
    services.post_reply(thread=question, author=instructor, body="Arvaus, jota koetellaan.")
    pages = {
        learner.email: [
            ("area", reverse("discussions:cohort", args=[cohort.pk])),
            ("thread", reverse("discussions:thread", args=[live_thread.pk])),
            (
                "quoting",
                reverse("discussions:thread", args=[live_thread.pk]) + f"?quote={reply.pk}",
            ),
            ("question", reverse("discussions:thread", args=[question.pk])),
            ("new thread", reverse("discussions:thread_create", args=[cohort.pk])),
            ("lesson questions", reverse("discussions:item_questions", args=[item.pk])),
            ("search", reverse("discussions:search", args=[cohort.pk]) + "?q=verkosto"),
        ],
        instructor.email: [
            ("thread, moderator", reverse("discussions:thread", args=[live_thread.pk])),
            ("hide form", reverse("discussions:post_hide", args=[reply.pk])),
        ],
    }
    report = []
    for email, entries in pages.items():
        context, page = open_context(browser, live_server.url, email, password=PASSWORD)
        try:
            for label, path in entries:
                failure = visit(page, f"{live_server.url}{path}")
                if failure:
                    report.append(f"{label}: {failure}")
                    continue
                report += [f"{label} ({path}): {problem}" for problem in axe_problems(page)]
        finally:
            context.close()
    assert not report, "\n".join(report)
