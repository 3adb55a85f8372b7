"""In Chromium, under the site's Content-Security-Policy: an author writes a text page in the
rich-text editor (bold text, a heading, an uploaded image) and the learner sees it formatted.
Any console error (a CSP refusal of an inline style or script included) fails the test."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from courses.models import CourseImage, Item
from tests import factories
from tests.browser import UI_TIMEOUT_MS, VIEWPORT, artifacts_dir
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (120, 80), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def sign_in(page, base_url, user):
    from playwright.sync_api import expect

    page.goto(f"{base_url}/accounts/login/")
    form = page.locator("form:has(input[name='login'])")
    form.locator("input[name='login']").fill(user.email)
    form.locator("input[name='password']").fill(PASSWORD)
    form.locator("button[type='submit']").click()
    expect(page).to_have_url(f"{base_url}/")


def test_an_author_writes_a_formatted_page_with_an_image_and_the_learner_sees_it(
    transactional_db,
    live_server,
    browser,
    course,
    cohort,
    learner,
    tmp_path,
):
    from playwright.sync_api import expect

    author = factories.UserFactory(email="kirjoittaja@example.fi")
    course.authors.add(author)
    module = course.modules.order_by("position").first()
    image_file = tmp_path / "kartta.png"
    image_file.write_bytes(png_bytes())

    errors: list[str] = []
    context = browser.new_context(viewport=VIEWPORT, locale="fi-FI")
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        sign_in(page, live_server.url, author)
        page.goto(live_server.url + reverse("courses:item_create", args=[module.pk]) + "?kind=page")
        # The Finnish column of the side-by-side languages (its text editor comes first).
        page.get_by_label("Otsikko (suomi)").fill("Verkostot kartalle")
        editor = page.locator("[data-testid='rich-text-editor']").first
        expect(editor).to_be_visible()
        expect(page.locator(".prose-menubar").first).to_be_visible()
        editor.click()
        page.keyboard.type("Verkosto on ")
        page.keyboard.press("Control+b")
        page.keyboard.type("yhteistä tekemistä")
        page.keyboard.press("Control+b")
        page.keyboard.type(".")
        page.keyboard.press("Enter")
        # Markdown-style input rule: "## " starts a heading.
        page.keyboard.type("## Kartta")
        page.keyboard.press("Enter")
        expect(editor.locator("strong")).to_have_text("yhteistä tekemistä")
        expect(editor.locator("h2")).to_have_text("Kartta")

        upload = page.locator("[data-testid='image-upload']")
        expect(upload).to_be_visible()
        upload.locator("[data-testid='image-alt']").fill("Kasvukäytävän kunnat kartalla")
        upload.locator("[data-testid='image-file']").set_input_files(str(image_file))
        expect(upload.locator("[data-upload-status]")).to_have_class("small text-success")
        expect(editor.locator("img")).to_have_attribute("alt", "Kasvukäytävän kunnat kartalla")

        page.get_by_label("Julkaistu").check()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(
            path=artifacts_dir() / "courses-editor.png", full_page=True, caret="initial"
        )
        page.locator("[data-testid='item-save']").click()
        expect(page).to_have_url(live_server.url + reverse("courses:edit", args=[course.pk]))

        item = Item.objects.get(title="Verkostot kartalle")
        image = CourseImage.objects.get(course=course)
        assert "<strong>yhteistä tekemistä</strong>" in item.body
        assert "<h2>Kartta</h2>" in item.body
        assert f'src="/courses/images/{image.name}"' in item.body

        # The learner sees the formatted page and the image loads.
        context.clear_cookies()
        sign_in(page, live_server.url, learner)
        page.goto(live_server.url + reverse("courses:item", args=[item.pk]))
        body = page.locator(".lesson-body")
        expect(body.locator("strong")).to_have_text("yhteistä tekemistä")
        expect(body.locator("h2")).to_have_text("Kartta")
        picture = body.get_by_role("img", name="Kasvukäytävän kunnat kartalla")
        expect(picture).to_be_visible()
        page.wait_for_function(
            "() => document.querySelector('.lesson-body img').naturalWidth === 120"
        )

        # On a phone-sized screen neither the page nor the outline scrolls sideways.
        page.set_viewport_size({"width": 360, "height": 780})
        for url in (
            reverse("courses:item", args=[item.pk]),
            reverse("courses:detail", args=[course.pk]),
        ):
            page.goto(live_server.url + url)
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, url
    finally:
        context.close()

    assert not errors, "Errors in the browser console:\n" + "\n".join(errors)
