"""The item form shows the chosen kind's fields only, sums up its errors at the top, asks where
a video comes from (an address, a file, or the live webinar session), and keeps what the author
types in the browser (the page's side: data-draft-key, item-form.js); an item previewed as a
learner leaves the drafts out of its navigation."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext

from courses.models import Item
from tests import factories

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
VOID |= {"track", "wbr"}


class Page(HTMLParser):
    """The page's elements in order, each with its attributes and whether it (or a parent)
    carries `hidden`: what a person actually sees."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[dict] = []
        self._stack: list[tuple[str, bool]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        hidden = (self._stack[-1][1] if self._stack else False) or "hidden" in attributes
        self.elements.append({"tag": tag, "attrs": attributes, "hidden": hidden})
        if tag not in VOID:
            self._stack.append((tag, hidden))

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def controls(self, name: str) -> list[dict]:
        return [
            e
            for e in self.elements
            if e["tag"] in ("input", "select", "textarea") and e["attrs"].get("name") == name
        ]

    def shows(self, name: str) -> bool:
        found = self.controls(name)
        assert found, f"no control named {name}"
        return any(not e["hidden"] for e in found)

    def index(self, **attrs: str) -> int:
        for number, element in enumerate(self.elements):
            if all(element["attrs"].get(k) == v for k, v in attrs.items()):
                return number
        raise AssertionError(f"no element with {attrs}")


@pytest.fixture
def author(course):
    user = factories.UserFactory(email="kirjoittaja@example.fi")
    course.authors.add(user)
    return user


@pytest.fixture
def module(course):
    return course.modules.order_by("position").first()


def item_data(**overrides):
    data = {
        "kind": "page",
        "title_fi": "Uusi oppitunti",
        "body_fi": "<p>Teksti</p>",
        "minutes": 5,
        "completion_rule": "manual",
        "is_required": "on",
        "pass_mark": 80,
        "max_attempts": 0,
        "draw_count": 0,
    }
    data.update(overrides)
    return data


def new_form(client, module, kind: str) -> Page:
    response = client.get(reverse("courses:item_create", args=[module.pk]) + f"?kind={kind}")
    assert response.status_code == 200
    return Page(response.content.decode())


OTHER_KINDS_FIELDS = [
    "video_source",
    "video_url",
    "video_file",
    "captions",
    "file",
    "link_url",
    "assignment",
    "pass_mark",
    "max_attempts",
    "draw_count",
    "draw_tag",
    "review_shows_answers",
    "questions_text_fi",
]


# --- 2. only the chosen kind's fields ---------------------------------------------------------


def test_a_new_text_page_shows_only_the_fields_of_a_text_page(client_for, author, module):
    page = new_form(client_for(author), module, "page")
    for name in ("kind", "title_fi", "body_fi", "minutes", "completion_rule", "is_published"):
        assert page.shows(name), name
    for name in OTHER_KINDS_FIELDS:
        assert not page.shows(name), name


@pytest.mark.parametrize(
    ("kind", "own"),
    [
        ("video", {"video_source", "video_url", "video_file", "captions"}),
        ("file", {"file"}),
        ("link", {"link_url"}),
        ("assignment", {"assignment"}),
        (
            "quiz",
            {"questions_text_fi", "pass_mark", "max_attempts", "draw_count", "draw_tag"}
            | {"review_shows_answers"},
        ),
        ("reflection", set()),
    ],
)
def test_each_kind_shows_its_own_fields_and_no_others(client_for, author, module, kind, own):
    page = new_form(client_for(author), module, kind)
    assert page.shows("title_fi")
    assert {name for name in OTHER_KINDS_FIELDS if page.shows(name)} == own


def test_the_completion_rule_offers_only_the_rules_of_the_kind(client_for, author, module):
    page = new_form(client_for(author), module, "page")
    options = {
        e["attrs"]["value"]: e
        for e in page.elements
        if e["tag"] == "option" and e["attrs"].get("data-kinds") is not None
    }
    offered = {v for v, e in options.items() if "hidden" not in e["attrs"]}
    assert offered == {"viewed", "manual"}
    # Each option names its kinds, so the page can offer the others' when the kind changes.
    assert "quiz" in options["quiz_passed"]["attrs"]["data-kinds"].split()


def test_another_kinds_hidden_fields_neither_fail_nor_change_the_item(client_for, author, module):
    item = factories.ItemFactory(module=module, kind=Item.Kind.PAGE, link_url="https://a.fi/")
    response = client_for(author).post(
        reverse("courses:item_edit", args=[item.pk]),
        item_data(
            video_url="https://evil.example/v.mp4",
            link_url="not an address",
            pass_mark=500,
            captions=SimpleUploadedFile("a.txt", b"not captions"),
        ),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.video_url == ""
    assert item.link_url == "https://a.fi/"
    assert item.pass_mark == 80
    assert not item.captions


def test_a_kind_changed_without_javascript_comes_back_with_its_fields(client_for, author, module):
    """Without JavaScript the new kind's fields appear when the form is sent: here with what
    the new kind still lacks."""
    item = factories.ItemFactory(module=module, kind=Item.Kind.PAGE)
    response = client_for(author).post(
        reverse("courses:item_edit", args=[item.pk]), item_data(kind="link")
    )
    assert response.status_code == 400
    page = Page(response.content.decode())
    assert page.shows("link_url")
    assert not page.shows("video_url")
    assert "link_url" in response.context["form"].errors


def test_an_invalid_post_sums_up_its_errors_at_the_top_with_links(client_for, author, module):
    response = client_for(author).post(
        reverse("courses:item_create", args=[module.pk]),
        item_data(
            kind="video",
            completion_rule="viewed",
            video_source="file",
            video_file=SimpleUploadedFile("luento.txt", b"not a video"),
            captions=SimpleUploadedFile("luento.srt", b"1\n00:00:00,000 --> 00:00:01,000\nHei"),
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    page = Page(html)
    summary = page.index(**{"data-testid": "error-summary"})
    attrs = page.elements[summary]["attrs"]
    assert attrs["role"] == "alert"
    assert attrs["tabindex"] == "-1"
    # static/js/focus-result.js moves the focus to it.
    assert "data-focus-on-arrival" in attrs
    assert "js/focus-result.js" in html
    links = [e["attrs"]["href"] for e in page.elements[summary:] if e["tag"] == "a"]
    assert "#id_video_file" in links
    assert "#id_captions" in links
    # Above every field, and each field keeps its own error beside it.
    assert summary < page.index(name="kind")
    form = response.context["form"]
    for name in ("video_file", "captions"):
        error = str(form.errors[name][0])
        assert html.count(error) >= 2, name
        field = page.index(name=name)
        feedback = next(
            i
            for i, e in enumerate(page.elements)
            if i > field and "invalid-feedback" in e["attrs"].get("class", "")
        )
        assert feedback > field
    with translation.override("fi"):
        prefix = pgettext("before the title of a page whose form has errors", "Error:")
    assert f"<title>{prefix} " in html


def test_a_valid_form_has_no_error_summary(client_for, author, module):
    page = new_form(client_for(author), module, "page")
    with pytest.raises(AssertionError):
        page.index(**{"data-testid": "error-summary"})


# --- 3. where a video comes from --------------------------------------------------------------


def test_a_video_with_no_address_file_or_choice_is_refused_with_a_reason(
    client_for, author, module
):
    before = Item.objects.count()
    response = client_for(author).post(
        reverse("courses:item_create", args=[module.pk]),
        item_data(kind="video", completion_rule="viewed"),
    )
    assert response.status_code == 400
    assert "video_source" in response.context["form"].errors
    assert Item.objects.count() == before


def test_a_video_from_an_address_needs_the_address(client_for, author, module):
    response = client_for(author).post(
        reverse("courses:item_create", args=[module.pk]),
        item_data(kind="video", completion_rule="viewed", video_source="url", video_url=""),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "video_url" in errors
    assert "webinaarin" in str(errors["video_url"][0])


def test_a_video_from_a_file_needs_the_file(client_for, author, module):
    response = client_for(author).post(
        reverse("courses:item_create", args=[module.pk]),
        item_data(kind="video", completion_rule="viewed", video_source="file"),
    )
    assert response.status_code == 400
    assert "video_file" in response.context["form"].errors


def test_a_webinar_without_a_recording_is_a_choice_and_learners_see_the_note(
    client_for, author, learner, module
):
    module.items.update(is_published=True)
    response = client_for(author).post(
        reverse("courses:item_create", args=[module.pk]),
        item_data(
            kind="video",
            completion_rule="viewed",
            video_source="live",
            # Left over from an earlier choice: a live session has no address.
            video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            is_published="on",
        ),
    )
    assert response.status_code == 302
    item = Item.objects.get(kind="video", module=module)
    assert item.video_url == ""
    assert not item.video_file
    # Editing it again says what was chosen.
    form = client_for(author).get(reverse("courses:item_edit", args=[item.pk])).context["form"]
    assert form["video_source"].value() == "live"
    learner_page = client_for(learner).get(reverse("courses:item", args=[item.pk]))
    assert "Tallenne esitetään webinaarin suorassa lähetyksessä" in learner_page.content.decode()


def test_choosing_the_file_drops_an_address_that_would_be_shown_instead(client_for, author, module):
    item = factories.ItemFactory(
        module=module, kind=Item.Kind.VIDEO, video_url="https://vimeo.com/76979871"
    )
    item.video_file.save("luento.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42"))
    response = client_for(author).post(
        reverse("courses:item_edit", args=[item.pk]),
        item_data(
            kind="video",
            completion_rule="viewed",
            video_source="file",
            video_url="https://vimeo.com/76979871",
        ),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.video_url == ""
    assert item.video_file


def test_a_post_without_the_choice_still_saves_a_video_address(client_for, author, module):
    response = client_for(author).post(
        reverse("courses:item_create", args=[module.pk]),
        item_data(
            kind="video",
            completion_rule="viewed",
            video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        ),
    )
    assert response.status_code == 302
    assert Item.objects.get(kind="video", module=module).video_url


# --- 1. the unsaved text kept in the browser (the page's side) --------------------------------


def test_the_form_names_its_draft_per_person_and_item(client_for, author, module):
    item = module.items.first()
    client = client_for(author)
    html = client.get(reverse("courses:item_edit", args=[item.pk])).content.decode()
    page = Page(html)
    form = page.elements[page.index(**{"data-testid": "item-form"})]["attrs"]
    assert form["data-draft-key"] == f"alueagentti-item-draft:{author.pk}:item:{item.pk}"
    assert "data-draft-unsaved" not in form
    assert form["data-msg-discard-confirm"]
    # Before the editor module: the kept text is put back before the editor reads it.
    assert html.index("js/item-form.js") < html.index("js/editor-courses.js")
    new = new_form(client, module, "page")
    new_attrs = new.elements[new.index(**{"data-testid": "item-form"})]["attrs"]
    assert (
        new_attrs["data-draft-key"] == f"alueagentti-item-draft:{author.pk}:module:{module.pk}:new"
    )


def test_a_form_sent_back_with_errors_is_marked_unsaved(client_for, author, module):
    response = client_for(author).post(
        reverse("courses:item_create", args=[module.pk]), item_data(title_fi="")
    )
    assert response.status_code == 400
    page = Page(response.content.decode())
    assert (
        "data-draft-unsaved" in page.elements[page.index(**{"data-testid": "item-form"})]["attrs"]
    )


# --- 4. the preview leaves drafts out of the item's navigation --------------------------------


def test_an_item_previewed_as_a_learner_leaves_drafts_out_of_its_navigation(
    client_for, author, module
):
    first, second, third = module.items.order_by("position")
    second.is_published = False
    second.title = "Keskeneräinen luonnos"
    second.save(update_fields=["is_published", "title"])
    client = client_for(author)
    url = reverse("courses:item", args=[first.pk])

    listed = Page(client.get(url).content.decode())
    siblings = [e["attrs"].get("data-item") for e in listed.elements if e["tag"] == "li"]
    assert str(second.pk) in siblings

    previewed = client.get(url + "?preview=learner").content.decode()
    page = Page(previewed)
    siblings = [e["attrs"].get("data-item") for e in page.elements if e["tag"] == "li"]
    assert str(first.pk) in siblings
    assert str(third.pk) in siblings
    assert str(second.pk) not in siblings
    assert second.title not in previewed
    # The preview goes on from item to item.
    assert f'href="{reverse("courses:item", args=[third.pk])}?preview=learner"' in previewed
    assert 'data-testid="preview-banner"' in previewed


def test_a_learner_cannot_turn_on_the_preview_to_change_anything(client_for, learner, module):
    first = module.items.order_by("position").first()
    module.items.update(is_published=True)
    html = (
        client_for(learner)
        .get(reverse("courses:item", args=[first.pk]) + "?preview=learner")
        .content.decode()
    )
    assert 'data-testid="preview-banner"' not in html
