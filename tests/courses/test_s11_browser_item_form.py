"""In Chromium: the item form keeps what the author typed. Leaving with unsaved changes asks
first, a reload puts the text back (kept in this browser) with a note, and saving or
confirming "Cancel" forgets the copy. Changing the kind shows that kind's fields at once, and
a form sent back with errors moves the focus to the summary of them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from courses.models import Item
from tests import factories
from tests.browser import UI_TIMEOUT_MS, VIEWPORT
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

KEPT = "() => Object.keys(localStorage).filter(k => k.startsWith('alueagentti-item-draft:'))"


def sign_in(page, base_url, user):
    from playwright.sync_api import expect

    page.goto(f"{base_url}/accounts/login/")
    form = page.locator("form:has(input[name='login'])")
    form.locator("input[name='login']").fill(user.email)
    form.locator("input[name='password']").fill(PASSWORD)
    form.locator("button[type='submit']").click()
    expect(page).to_have_url(f"{base_url}/")


@pytest.fixture
def author(course):
    user = factories.UserFactory(email="kirjoittaja@example.fi")
    course.authors.add(user)
    return user


@pytest.fixture
def author_page(browser, live_server, author):
    errors: list[str] = []
    dialogs: list[str] = []
    answers: dict[str, bool] = {"confirm": True, "beforeunload": True}
    context = browser.new_context(viewport=VIEWPORT, locale="fi-FI")
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    # A form sent back with errors is a 400 page, which Chromium logs as a failed load.
    page.on(
        "console",
        lambda m: m.type == "error" and "status of 400" not in m.text and errors.append(m.text),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def on_dialog(dialog):
        dialogs.append(dialog.type)
        if answers.get(dialog.type, False):
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)
    sign_in(page, live_server.url, author)
    yield page, dialogs, answers
    context.close()
    assert not errors, "Errors in the browser console:\n" + "\n".join(errors)


def test_unsaved_text_asks_before_leaving_and_comes_back_after_a_reload(
    transactional_db, live_server, author_page, course
):
    from playwright.sync_api import expect

    page, dialogs, answers = author_page
    item = course.modules.order_by("position").first().items.order_by("position").first()
    edit_url = live_server.url + reverse("courses:item_edit", args=[item.pk])
    page.goto(edit_url)
    editor = page.locator("[data-testid='rich-text-editor']").first
    expect(editor).to_be_visible()
    expect(page.locator("[data-testid='draft-restored']")).to_be_hidden()

    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Tallentamaton lisäys.")
    page.wait_for_function(f"() => ({KEPT})().length === 1")

    # "Peruuta" asks first; saying no keeps the page and its text.
    answers["confirm"] = False
    page.get_by_role("link", name="Peruuta").click()
    assert dialogs == ["confirm"]
    expect(page).to_have_url(edit_url)
    expect(editor).to_contain_text("Tallentamaton lisäys.")

    # Reloading asks the browser's leave-page question; leaving keeps the text here.
    page.reload()
    assert dialogs == ["confirm", "beforeunload"]
    note = page.locator("[data-testid='draft-restored']")
    expect(note).to_be_visible()
    expect(note.locator("[data-draft-same]")).to_be_visible()
    expect(note.locator("[data-draft-changed]")).to_be_hidden()
    editor = page.locator("[data-testid='rich-text-editor']").first
    expect(editor).to_contain_text("Tallentamaton lisäys.")

    # Saving leaves without a question, and the copy is forgotten once the saved page shows.
    page.locator("[data-testid='item-save']").click()
    expect(page).to_have_url(live_server.url + reverse("courses:edit", args=[course.pk]))
    assert dialogs == ["confirm", "beforeunload"]
    item.refresh_from_db()
    assert "Tallentamaton lisäys." in item.body
    page.goto(edit_url)
    expect(page.locator("[data-testid='rich-text-editor']").first).to_contain_text(
        "Tallentamaton lisäys."
    )
    expect(page.locator("[data-testid='draft-restored']")).to_be_hidden()
    assert page.evaluate(KEPT) == []

    # "Peruuta" confirmed: the changes are dropped, here and in the browser's copy.
    editor = page.locator("[data-testid='rich-text-editor']").first
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Hylätty.")
    page.wait_for_function(f"() => ({KEPT})().length === 1")
    answers["confirm"] = True
    page.get_by_role("link", name="Peruuta").click()
    expect(page).to_have_url(live_server.url + reverse("courses:edit", args=[course.pk]))
    assert dialogs == ["confirm", "beforeunload", "confirm"]
    assert page.evaluate(KEPT) == []
    page.goto(edit_url)
    expect(page.locator("[data-testid='draft-restored']")).to_be_hidden()
    expect(page.locator("[data-testid='rich-text-editor']").first).not_to_contain_text("Hylätty")
    item.refresh_from_db()
    assert "Hylätty" not in item.body


def test_changing_the_kind_shows_its_fields_and_errors_take_the_focus(
    transactional_db, live_server, author_page, course, tmp_path
):
    from playwright.sync_api import expect

    page, _dialogs, _answers = author_page
    module = course.modules.order_by("position").first()
    page.goto(live_server.url + reverse("courses:item_create", args=[module.pk]) + "?kind=page")
    address = page.locator("#id_video_url")
    video_file = page.locator("#id_video_file")
    expect(page.locator("#id_title_fi")).to_be_visible()
    expect(address).to_be_hidden()
    expect(page.locator("#id_link_url")).to_be_hidden()
    expect(page.locator("#id_pass_mark")).to_be_hidden()

    rule = page.locator("#id_completion_rule")
    expect(rule).to_have_value("manual")
    # A rule that does not fit the new kind gives way to the kind's usual one.
    page.locator("#id_kind").select_option("assignment")
    expect(page.locator("#id_assignment")).to_be_visible()
    expect(rule).to_have_value("submitted")
    expect(rule.locator("option[value='viewed']")).to_be_disabled()
    page.locator("#id_kind").select_option("video")
    expect(rule).to_have_value("viewed")
    expect(page.locator("#id_assignment")).to_be_hidden()
    expect(page.locator("#id_video_source_0")).to_be_visible()
    expect(address).to_be_visible()
    expect(video_file).to_be_hidden()
    page.locator("input[name='video_source'][value='file']").check()
    expect(video_file).to_be_visible()
    expect(page.locator("#id_captions")).to_be_visible()
    expect(address).to_be_hidden()

    page.locator("#id_title_fi").fill("Webinaarin tallenne")
    not_video = tmp_path / "luento.txt"
    not_video.write_text("ei videota")
    not_captions = tmp_path / "luento.srt"
    not_captions.write_text("1\n00:00:00,000 --> 00:00:01,000\nHei\n")
    video_file.set_input_files(str(not_video))
    page.locator("#id_captions").set_input_files(str(not_captions))
    page.locator("[data-testid='item-save']").click()

    summary = page.locator("[data-testid='error-summary']")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    # The form came back as a video from a file, with the errors beside their fields.
    expect(page.locator("#id_video_file")).to_be_visible()
    expect(page.locator("#id_video_file")).to_have_class(re.compile(r"\bis-invalid\b"))
    summary.locator("a[href='#id_captions']").click()
    expect(page.locator("#id_captions")).to_be_focused()
    assert not Item.objects.filter(title="Webinaarin tallenne").exists()
