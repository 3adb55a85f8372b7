"""In Chromium: a course video counts as viewed only once it has played to the end.

An uploaded video (a tiny WebM recorded in Chromium, tests/courses/fixtures/tiny.webm) with a
captions track really plays to its `ended` event. YouTube and Vimeo cannot be reached here, so
their embed addresses are answered by small stand-in players (Playwright routes) that speak the
same postMessage protocol as the real ones, from the real origins: the page's script must
subscribe, ignore look-alike messages from elsewhere and the "playing" state, and report the end.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from courses.models import Completion, Item
from tests import factories
from tests.browser import UI_TIMEOUT_MS, VIEWPORT
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).parent / "fixtures"
CAPTIONS = "WEBVTT\n\n00:00.000 --> 00:05.000\nVerkostot syntyvät yhteisestä tekemisestä.\n"

# Stand-in players. Each records what the course page asked of it (window.asked) and sends
# the "ended" event only when the test tells it to (window.finish()).
YOUTUBE_PLAYER = """<!doctype html><title>player</title><script>
window.asked = [];
window.addEventListener("message", (event) => {
  const data = JSON.parse(event.data);
  window.asked.push(data.func || data.event);
});
window.finish = () => {
  const say = (info) => parent.postMessage(
    JSON.stringify({event: "onStateChange", info: info, id: "alueagentti", channel: "widget"}),
    "*");
  say(1);  // playing
  say(2);  // paused
  say(0);  // ended
};
</script>"""

VIMEO_PLAYER = """<!doctype html><title>player</title><script>
window.asked = [];
window.addEventListener("message", (event) => {
  const data = JSON.parse(event.data);
  window.asked.push(data.method + ":" + data.value);
});
window.finish = () => {
  parent.postMessage(JSON.stringify({event: "play"}), "*");
  parent.postMessage(JSON.stringify({event: "ended"}), "*");
};
parent.postMessage(JSON.stringify({event: "ready"}), "*");
</script>"""


@pytest.fixture
def video_module(course):
    module = course.modules.order_by("position").first()
    module.items.all().delete()
    return module


def open_as_learner(browser, live_server, learner, errors):
    from playwright.sync_api import expect

    context = browser.new_context(viewport=VIEWPORT, locale="fi-FI")
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    form = page.locator("form:has(input[name='login'])")
    form.locator("input[name='login']").fill(learner.email)
    form.locator("input[name='password']").fill(PASSWORD)
    form.locator("button[type='submit']").click()
    expect(page).to_have_url(f"{live_server.url}/")
    return context, page


def watched_posts(page, item):
    """Collect the page's reports to the watched endpoint."""
    posts: list[str] = []
    path = reverse("courses:item_watched", args=[item.pk])
    page.on("request", lambda r: r.method == "POST" and r.url.endswith(path) and posts.append(r))
    return posts


def test_an_uploaded_video_with_captions_counts_once_played_to_the_end(
    transactional_db,
    live_server,
    browser,
    video_module,
    cohort,
    learner,
):
    from playwright.sync_api import expect

    item = factories.ItemFactory(
        module=video_module,
        kind=Item.Kind.VIDEO,
        title="Webinaari: verkostojohtaminen",
        completion_rule=Item.Rule.VIEWED,
    )
    item.video_file.save("webinaari.webm", ContentFile((FIXTURES / "tiny.webm").read_bytes()))
    item.captions.save("webinaari.vtt", ContentFile(CAPTIONS.encode()))

    errors: list[str] = []
    context, page = open_as_learner(browser, live_server, learner, errors)
    try:
        page.goto(live_server.url + reverse("courses:item", args=[item.pk]))
        expect(page.locator("[data-testid='watch-to-end']")).to_be_visible()
        video = page.locator("video[data-testid='video']")
        # The captions track loads (readyState 2 = LOADED) with its cue.
        page.wait_for_function("() => document.querySelector('video track').readyState === 2")
        assert page.evaluate(
            "() => document.querySelector('video').textTracks[0].cues[0].text"
        ) == ("Verkostot syntyvät yhteisestä tekemisestä.")
        assert not Completion.objects.filter(user=learner, item=item).exists()

        video.evaluate("v => { v.muted = true; return v.play(); }")
        expect(page.locator("[data-testid='item-done']")).to_be_visible()
        assert video.evaluate("v => v.ended") is True
    finally:
        context.close()

    assert Completion.objects.filter(user=learner, item=item).count() == 1
    assert not errors, "Errors in the browser console:\n" + "\n".join(errors)


@pytest.mark.parametrize(
    ("address", "origin", "player", "subscribed"),
    [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://www.youtube-nocookie.com",
            YOUTUBE_PLAYER,
            "window.asked.includes('listening') && window.asked.includes('addEventListener')",
        ),
        (
            "https://vimeo.com/76979871",
            "https://player.vimeo.com",
            VIMEO_PLAYER,
            "window.asked.includes('addEventListener:ended')",
        ),
    ],
    ids=["youtube", "vimeo"],
)
def test_an_embedded_video_counts_when_its_player_says_it_ended(
    transactional_db,
    live_server,
    browser,
    video_module,
    cohort,
    learner,
    address,
    origin,
    player,
    subscribed,
):
    from playwright.sync_api import expect

    item = factories.ItemFactory(
        module=video_module,
        kind=Item.Kind.VIDEO,
        title="Webinaari",
        video_url=address,
        completion_rule=Item.Rule.VIEWED,
    )
    errors: list[str] = []
    context, page = open_as_learner(browser, live_server, learner, errors)
    context.route(
        f"{origin}/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=player),
    )
    posts = watched_posts(page, item)
    try:
        page.goto(live_server.url + reverse("courses:item", args=[item.pk]))
        frame_element = page.locator("iframe[data-watched-url]")
        assert frame_element.get_attribute("src").startswith(f"{origin}/")
        frame = frame_element.element_handle().content_frame()
        frame.wait_for_function(subscribed)

        # A look-alike "ended" from another origin (here: the page itself) is ignored...
        page.evaluate(
            """() => new Promise((done) => {
                 window.postMessage(JSON.stringify({event: "onStateChange", info: 0}), "*");
                 window.postMessage(JSON.stringify({event: "ended"}), "*");
                 setTimeout(done, 0);
               })"""
        )
        expect(page.locator("[data-testid='watch-to-end']")).to_be_visible()
        assert posts == []
        assert not Completion.objects.filter(user=learner, item=item).exists()

        # ...the player's own end is reported once.
        frame.evaluate("window.finish()")
        expect(page.locator("[data-testid='item-done']")).to_be_visible()
        assert len(posts) == 1
    finally:
        context.close()

    assert Completion.objects.filter(user=learner, item=item).count() == 1
    assert not errors, "Errors in the browser console:\n" + "\n".join(errors)


def test_a_player_that_loaded_before_the_page_script_is_still_asked_for_its_end(
    transactional_db, live_server, browser, video_module, cohort, learner
):
    """A cached player can load, and say "ready", before the page's script runs; the script
    must still subscribe (it used to wait for a "load" that had already happened)."""
    from playwright.sync_api import expect

    item = factories.ItemFactory(
        module=video_module,
        kind=Item.Kind.VIDEO,
        title="Webinaari",
        video_url="https://vimeo.com/76979871",
        completion_rule=Item.Rule.VIEWED,
    )
    errors: list[str] = []
    context, page = open_as_learner(browser, live_server, learner, errors)
    context.route(
        "https://player.vimeo.com/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=VIMEO_PLAYER),
    )
    # The page's own copy of the script does nothing; the real one is added after the player
    # has loaded and said "ready" to nobody.
    context.route(
        "**/js/courses-video*.js",
        lambda route: route.fulfill(status=200, content_type="text/javascript", body=""),
    )
    posts = watched_posts(page, item)
    try:
        page.goto(live_server.url + reverse("courses:item", args=[item.pk]))
        frame = page.locator("iframe[data-watched-url]").element_handle().content_frame()
        frame.wait_for_function("Array.isArray(window.asked)")
        script = page.locator("script[src*='courses-video']").get_attribute("src")
        context.unroute("**/js/courses-video*.js")
        page.add_script_tag(url=live_server.url + script)

        frame.wait_for_function("window.asked.includes('addEventListener:ended')")
        frame.evaluate("window.finish()")
        expect(page.locator("[data-testid='item-done']")).to_be_visible()
        assert len(posts) == 1
    finally:
        context.close()

    assert Completion.objects.filter(user=learner, item=item).count() == 1
    assert not errors, "Errors in the browser console:\n" + "\n".join(errors)
