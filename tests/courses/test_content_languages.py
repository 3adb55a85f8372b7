"""Course content per language (courses/translation.py): a Swedish-speaking learner reads the
Swedish text where it is written and the Finnish one, with a note, where it is not; authors
write the languages side by side; export, import and search carry every language."""

import io
import json
import zipfile

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from courses import transfer
from courses.languages import fallback_note
from courses.models import Course, Item, Module
from courses.search import item_index
from tests import factories

pytestmark = pytest.mark.django_db

NOTE = 'data-testid="content-language-note"'


@pytest.fixture(autouse=True)
def _cold_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def swedish_learner(learner):
    learner.language = "sv"
    learner.save(update_fields=["language"])
    return learner


@pytest.fixture
def author(course):
    user = factories.UserFactory(email="kirjoittaja@example.fi")
    course.authors.add(user)
    return user


@pytest.fixture
def first(course):
    """The course's first module and item, with Swedish texts; the rest stays Finnish."""
    module = course.modules.order_by("position", "pk").first()
    module.title_sv = "Nätverk i regionen"
    module.summary_sv = ""
    module.save()
    item = module.items.order_by("position", "pk").first()
    item.title_sv = "Vad är ett nätverk?"
    item.body_sv = "<p>Ett nätverk är ett sätt att samarbeta.</p>"
    item.save()
    course.title_sv = "Regionagent"
    course.description_sv = "Kursen på svenska."
    course.save()
    return module, item


def note(language):
    with translation.override(language):
        return fallback_note()


def test_a_swedish_learner_reads_the_swedish_text_without_a_note(
    client_for, swedish_learner, first
):
    module, item = first
    html = client_for(swedish_learner).get(reverse("courses:item", args=[item.pk])).content
    html = html.decode()
    assert "Vad är ett nätverk?" in html
    assert "Ett nätverk är ett sätt att samarbeta." in html
    assert NOTE not in html


def test_a_swedish_learner_reads_finnish_with_a_note_where_swedish_is_missing(
    client_for, swedish_learner, first
):
    module, item = first
    other = module.items.order_by("position", "pk")[1]
    html = client_for(swedish_learner).get(reverse("courses:item", args=[other.pk])).content
    html = html.decode()
    assert other.title_fi in html
    assert NOTE in html
    assert note("sv") in html
    assert note("sv") != note("en")


def test_a_finnish_learner_sees_finnish_and_no_note(client_for, learner, first):
    module, item = first
    html = client_for(learner).get(reverse("courses:item", args=[item.pk])).content.decode()
    assert item.title_fi in html
    assert "Vad är ett nätverk?" not in html
    assert NOTE not in html


def test_the_outline_shows_each_learner_their_language_from_its_kept_fragment(
    client_for, learner, other_learner, first
):
    """Two learners at the same point share the outline's cached fragment only in one language."""
    module, item = first
    url = reverse("courses:detail", args=[module.course_id])
    finnish = client_for(learner).get(url).content.decode()
    assert item.title_fi in finnish
    assert NOTE not in finnish
    other_learner.language = "sv"
    other_learner.save(update_fields=["language"])
    swedish = client_for(other_learner).get(url).content.decode()
    assert "Vad är ett nätverk?" in swedish
    assert "Nätverk i regionen" in swedish
    assert "Regionagent" in swedish
    # Other modules are still Finnish only: the page says so.
    assert NOTE in swedish


def test_the_module_page_notes_the_fallback(client_for, swedish_learner, first):
    module, item = first
    other_module = module.course.modules.order_by("position", "pk")[1]
    html = client_for(swedish_learner).get(reverse("courses:module", args=[other_module.pk]))
    assert NOTE in html.content.decode()


def test_the_editor_saves_three_languages_side_by_side(client_for, author, course):
    module = course.modules.order_by("position").first()
    client = client_for(author)
    form = client.get(reverse("courses:item_create", args=[module.pk]))
    assert 'data-testid="language-columns"' in form.content.decode()
    for field in ("title_fi", "title_sv", "title_en", "body_fi", "body_sv", "body_en"):
        assert f'name="{field}"' in form.content.decode()
    response = client.post(
        reverse("courses:item_create", args=[module.pk]),
        {
            "kind": "page",
            "title_fi": "Verkostot",
            "title_sv": "Nätverk",
            "title_en": "Networks",
            "body_fi": "<p>Suomeksi</p><script>x</script>",
            "body_sv": "<p>På svenska</p><script>x</script>",
            "body_en": "",
            "minutes": 5,
            "completion_rule": "manual",
            "is_required": "on",
            "pass_mark": 80,
            "max_attempts": 0,
        },
    )
    assert response.status_code == 302
    item = Item.objects.get(title_fi="Verkostot")
    assert (item.title_sv, item.title_en) == ("Nätverk", "Networks")
    assert item.body_fi == "<p>Suomeksi</p>"
    assert item.body_sv == "<p>På svenska</p>"
    assert not item.body_en
    edit = client.get(reverse("courses:edit", args=[course.pk])).content.decode()
    assert f'id="item-{item.pk}"' in edit
    marker = edit[edit.index(f'id="item-{item.pk}"') :].split("</li>")[0]
    assert 'data-testid="missing-language" data-language="en"' in marker
    assert 'data-language="sv"' not in marker


def test_the_editor_refuses_an_item_without_a_finnish_title(client_for, author, course):
    module = course.modules.order_by("position").first()
    before = Item.objects.count()
    response = client_for(author).post(
        reverse("courses:item_create", args=[module.pk]),
        {
            "kind": "page",
            "title_fi": "",
            "title_sv": "Bara svenska",
            "minutes": 5,
            "completion_rule": "manual",
            "pass_mark": 80,
            "max_attempts": 0,
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["title_fi"]
    assert Item.objects.count() == before


def test_a_module_is_saved_in_three_languages(client_for, author, course):
    response = client_for(author).post(
        reverse("courses:module_create", args=[course.pk]),
        {
            "title_fi": "Uusi moduuli",
            "title_sv": "Ny modul",
            "title_en": "New module",
            "summary_fi": "Tiivistelmä",
        },
    )
    assert response.status_code == 302
    module = Module.objects.get(title_fi="Uusi moduuli")
    assert (module.title_sv, module.title_en, module.summary_fi) == (
        "Ny modul",
        "New module",
        "Tiivistelmä",
    )
    assert (
        client_for(author)
        .post(reverse("courses:module_create", args=[course.pk]), {"title_sv": "Ny"})
        .status_code
        == 400
    )


def test_a_learner_cannot_open_the_side_by_side_editor(client_for, swedish_learner, first):
    module, item = first
    assert (
        client_for(swedish_learner).get(reverse("courses:item_edit", args=[item.pk])).status_code
        == 403
    )


def test_export_and_import_keep_every_language(course, first, superuser):
    module, item = first
    archive = transfer.course_export(course=course)
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        data = json.loads(zf.read("course.json"))
    assert data["version"] == 3
    assert data["modules"][0]["translations"]["sv"]["title"] == "Nätverk i regionen"
    with translation.override("en"):  # the importer's language does not matter
        copy = transfer.course_import(archive=archive, by=superuser)
    copy = Course.objects.get(pk=copy.pk)
    assert (copy.title_fi, copy.title_sv) == (course.title_fi, "Regionagent")
    new_module = copy.modules.order_by("position").first()
    assert (new_module.title_fi, new_module.title_sv) == (module.title_fi, "Nätverk i regionen")
    new_item = new_module.items.order_by("position").first()
    assert (new_item.title_fi, new_item.title_sv) == (item.title_fi, "Vad är ett nätverk?")
    assert new_item.body_sv == "<p>Ett nätverk är ett sätt att samarbeta.</p>"
    assert not new_item.title_en


def test_an_archive_of_version_2_is_still_read_as_finnish(course, superuser):
    archive = transfer.course_export(course=course)
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        data = json.loads(zf.read("course.json"))
    data["version"] = 2
    for module in data["modules"]:
        module.pop("translations")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != "course.json":
                dst.writestr(info, src.read(info))
        dst.writestr("course.json", json.dumps(data))
    with translation.override("sv"):
        copy = transfer.course_import(archive=out.getvalue(), by=superuser)
    module = copy.modules.order_by("position").first()
    assert module.title_fi == data["modules"][0]["title"]
    assert not module.title_sv


def test_a_swedish_learner_finds_swedish_content_by_swedish_words(
    client_for, swedish_learner, course
):
    module = course.modules.order_by("position").first()
    Item.objects.filter(module__course=course).update(body_fi="<p>Muuta sisältöä.</p>")
    hit = factories.ItemFactory(module=module, title="Verkostot", body="<p>Yhteistyö.</p>")
    hit.title_sv = "Nätverken"
    hit.body_sv = "<p>Samarbetet mellan kommunerna.</p>"
    hit.save()
    item_index(
        item_ids=list(Item.objects.filter(module__course=course).values_list("pk", flat=True))
    )
    client = client_for(swedish_learner)
    url = reverse("courses:search", args=[course.pk])
    # "kommun" is the base form of "kommunerna" in Swedish.
    found = [i.pk for i in client.get(url, {"q": "kommun"}).context["results"]]
    assert found == [hit.pk]
    found = [i.pk for i in client.get(url, {"q": "samarbete"}).context["results"]]
    assert found == [hit.pk]
    # The Finnish words still find it.
    found = [i.pk for i in client.get(url, {"q": "yhteistyö"}).context["results"]]
    assert found == [hit.pk]


@pytest.mark.parametrize("page", ["courses:detail", "courses:item"])
def test_a_swedish_learner_costs_the_same_queries_as_a_finnish_one(
    client_for, learner, other_learner, first, page
):
    """The languages are columns of the same rows: no join, no extra query per language."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    module, item = first
    other_learner.language = "sv"
    other_learner.save(update_fields=["language"])
    arg = module.course_id if page == "courses:detail" else item.pk
    counts = []
    for person in (learner, other_learner):
        client = client_for(person)
        client.get(reverse(page, args=[arg]))  # the first visit marks a page viewed
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(page, args=[arg])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
