"""Search within a course: only what the person may open, each result with its state."""

import pytest
from django.urls import reverse

from courses.models import Item
from courses.search import item_index
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiet_course(course):
    """The shared course with neutral text, so only the items a test adds can match."""
    Item.objects.filter(module__course=course).update(body="<p>Muuta sisältöä.</p>")
    item_index(
        item_ids=list(Item.objects.filter(module__course=course).values_list("pk", flat=True))
    )
    return course


def search(client, course, q):
    return client.get(reverse("courses:search", args=[course.pk]), {"q": q})


def result_ids(response):
    return [item.pk for item in response.context["results"]]


def test_a_learner_finds_an_item_by_a_word_in_its_text(client_for, learner, quiet_course):
    module = quiet_course.modules.order_by("position").first()
    hit = factories.ItemFactory(
        module=module, title="Kehittäminen", body="<p>Kokeilukulttuuri <b>kunnissa</b>.</p>"
    )
    response = search(client_for(learner), quiet_course, "kokeilukulttuuri")
    assert response.status_code == 200
    assert result_ids(response) == [hit.pk]
    assert b'data-testid="search-result"' in response.content
    assert reverse("courses:item", args=[hit.pk]).encode() in response.content


def test_html_tags_and_attributes_never_match(client_for, learner, quiet_course):
    module = quiet_course.modules.order_by("position").first()
    factories.ItemFactory(
        module=module, body='<p><strong>Teksti</strong> <a href="https://x.fi/kuvio">x</a></p>'
    )
    assert result_ids(search(client_for(learner), quiet_course, "strong")) == []
    assert result_ids(search(client_for(learner), quiet_course, "kuvio")) == []


def test_drafts_appear_only_to_authors(client_for, learner, instructor, quiet_course):
    module = quiet_course.modules.order_by("position").first()
    draft = factories.ItemFactory(module=module, title="Luonnos sateenkaari", is_published=False)
    draft_module = factories.ModuleFactory(course=quiet_course, position=9, is_published=False)
    in_draft_module = factories.ItemFactory(module=draft_module, title="Piilotettu sateenkaari")
    assert result_ids(search(client_for(learner), quiet_course, "sateenkaari")) == []
    # An instructor who does not author the course does not see drafts either.
    assert result_ids(search(client_for(instructor), quiet_course, "sateenkaari")) == []
    quiet_course.authors.add(instructor)
    found = result_ids(search(client_for(instructor), quiet_course, "sateenkaari"))
    assert sorted(found) == sorted([draft.pk, in_draft_module.pk])


def test_items_of_other_courses_never_appear(client_for, learner, quiet_course):
    other = factories.CourseFactory(title="Toinen kurssi")
    other_module = factories.ModuleFactory(course=other)
    factories.ItemFactory(module=other_module, title="Sateenkaari muualla")
    assert result_ids(search(client_for(learner), quiet_course, "sateenkaari")) == []


def test_a_locked_item_is_shown_as_locked_without_a_link(client_for, learner, quiet_course):
    module = factories.ModuleFactory(course=quiet_course, position=5, unlock_after_days=3650)
    locked = factories.ItemFactory(module=module, title="Vaikuttavuusajattelu")
    response = search(client_for(learner), quiet_course, "vaikuttavuusajattelu")
    assert result_ids(response) == [locked.pk]
    assert response.context["results"][0].state == "locked"
    assert b'data-state="locked"' in response.content
    assert reverse("courses:item", args=[locked.pk]).encode() not in response.content


def test_someone_outside_the_course_gets_404(client_for, quiet_course):
    stranger = factories.UserFactory(email="vieras@example.fi")
    assert search(client_for(stranger), quiet_course, "verkosto").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, quiet_course):
    response = search(client, quiet_course, "verkosto")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_too_long_search_gets_400_with_the_reason(client_for, learner, quiet_course):
    response = search(client_for(learner), quiet_course, "a" * 201)
    assert response.status_code == 400
    assert b'data-testid="search-error"' in response.content


def test_an_empty_search_shows_the_form_without_results(client_for, learner, quiet_course):
    response = search(client_for(learner), quiet_course, "   ")
    assert response.status_code == 200
    assert response.context["results"] == []
    assert b'data-testid="search-results"' not in response.content


def test_the_outline_has_a_search_box(client_for, learner, quiet_course):
    response = client_for(learner).get(reverse("courses:detail", args=[quiet_course.pk]))
    assert b'data-testid="course-search-form"' in response.content
    assert reverse("courses:search", args=[quiet_course.pk]).encode() in response.content


@pytest.mark.parametrize("extra_modules", [1, 30])
def test_search_costs_the_same_queries_for_10_or_300_items(
    client_for, learner, quiet_course, django_assert_num_queries, extra_modules
):
    for m in range(extra_modules):
        module = factories.ModuleFactory(course=quiet_course, position=10 + m)
        items = Item.objects.bulk_create(
            Item(module=module, position=i, title=f"Sateenkaari {m}.{i}", body="<p>x</p>")
            for i in range(10)
        )
        item_index(item_ids=[item.pk for item in items])
    client = client_for(learner)
    search(client, quiet_course, "x")  # warm the session and the per-request caches
    # The session, and the learner with the navigation's roles and unread badge (2); the course
    # (1), the cohort (1), the modules (1) and items (1) for the lock rules; the matching items,
    # at most 50 (1). (12 allowed before.)
    with django_assert_num_queries(7):
        response = search(client, quiet_course, "sateenkaari")
    assert len(response.context["results"]) == min(10 * extra_modules, 50)


def test_an_inflected_finnish_word_finds_its_base_form(client_for, learner, quiet_course):
    module = quiet_course.modules.order_by("position").first()
    hit = factories.ItemFactory(
        module=module, title="Mikä on verkosto?", body="<p>Yhteistyön rakenne.</p>"
    )
    body_hit = factories.ItemFactory(
        module=module, title="Johtaminen", body="<p>Hyvä <em>verkosto</em> kantaa.</p>"
    )
    response = search(client_for(learner), quiet_course, "verkostoissa")
    # The title weighs more than the text.
    assert result_ids(response) == [hit.pk, body_hit.pk]


# --- Finnish: the same table on SQLite and PostgreSQL ------------------------------------------

COURSE_ITEMS = {
    "verkostot": ("Verkostojen johtaminen", "<p>Hyvä verkosto kantaa yli kuntarajojen.</p>"),
    "kokeilut": (
        "Ketterät kokeilut",
        "<p>Kokeilukulttuuri <strong>kunnissa</strong>: pienet kokeilut nopeasti.</p>",
    ),
    "vaikuttavuus": (
        "Vaikuttavuusajattelu",
        "<p>Muutosteoria ja mittarit nuorille suunnatuissa palveluissa.</p>",
    ),
    "kyydit": ("Kimppakyydit ja matkaketjut", "<p>Liikkumisen palvelut maaseudulla.</p>"),
}

COURSE_QUERIES = [
    ("verkostoissa", {"verkostot"}),
    ("johtamisesta", {"verkostot"}),
    ("kunta", {"verkostot", "kokeilut"}),
    ("kokeilu", {"kokeilut"}),
    ("kokeilukulttuurista", {"kokeilut"}),
    ("nuoret", {"vaikuttavuus"}),
    ("mittareita", {"vaikuttavuus"}),
    ("vaikuttavuus", {"vaikuttavuus"}),
    ("kyyti", {"kyydit"}),
    ("kimppakyyti", {"kyydit"}),
    ("liikkuminen", {"kyydit"}),
    ("matkaketju", {"kyydit"}),
    ("palvelu", {"vaikuttavuus", "kyydit"}),
    ("palvelut maaseutu", {"kyydit"}),
    ("strong", set()),
]


@pytest.fixture
def finnish_items(quiet_course):
    module = quiet_course.modules.order_by("position").first()
    return {
        key: factories.ItemFactory(module=module, title=title, body=body)
        for key, (title, body) in COURSE_ITEMS.items()
    }


def test_the_finnish_course_query_table(client_for, learner, quiet_course, finnish_items):
    client = client_for(learner)
    keys = {item.pk: key for key, item in finnish_items.items()}
    misses = []
    for query, expected in COURSE_QUERIES:
        got = {keys[pk] for pk in result_ids(search(client, quiet_course, query)) if pk in keys}
        if got != expected:
            misses.append((query, expected, got))
    assert misses == []


def test_an_edited_item_is_found_by_its_new_words_only(
    client_for, learner, quiet_course, finnish_items
):
    from courses import authoring

    item = finnish_items["kyydit"]
    item.body = "<p>Sähköpotkulaudat asemille.</p>"
    authoring.item_update(item=item)
    client = client_for(learner)
    assert result_ids(search(client, quiet_course, "potkulauta")) == [item.pk]
    assert result_ids(search(client, quiet_course, "maaseudulla")) == []


def test_a_copied_course_is_searchable_at_once(learner, quiet_course, finnish_items):
    from courses import transfer
    from courses.search import ITEM_INDEX

    copy = transfer.course_copy(course=quiet_course, by=learner)
    found = ITEM_INDEX.search(Item.objects.filter(module__course=copy), "kimppakyydeillä")
    assert [item.title for item in found] == ["Kimppakyydit ja matkaketjut"]
