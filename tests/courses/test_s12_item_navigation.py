"""A lesson's previous and next buttons (and its sidebar) lead only where the viewer may go: a
learner, and an author previewing the course as one, step over draft items and have nowhere to
go in a draft module; an author editing the course steps through the drafts."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<nav class="d-flex justify-content-between mt-4".*?</nav>', re.S)
PREVIOUS = re.compile(r'<a class="btn btn-outline-secondary" href="([^"]+)">')
NEXT = re.compile(r'<a class="btn btn-outline-primary" href="([^"]+)" data-testid="next-item">')
SIDEBAR = re.compile(
    r'<ol class="list-group list-group-numbered" data-testid="item-siblings">.*?</ol>', re.S
)
SIDEBAR_ITEM = re.compile(r'data-item="(\d+)"')


def item_url(item, preview=False):
    return reverse("courses:item", args=[item.pk]) + ("?preview=learner" if preview else "")


def navigation(client, url):
    """The lesson's previous and next links (None for none) and its sidebar's item ids."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    nav = NAV.search(html).group(0)
    previous, following = PREVIOUS.search(nav), NEXT.search(nav)
    return {
        "previous": previous and previous.group(1),
        "next": following and following.group(1),
        "back": 'data-testid="back-to-outline"' in nav,
        "sidebar": [int(pk) for pk in SIDEBAR_ITEM.findall(SIDEBAR.search(html).group(0))],
    }


@pytest.fixture
def author(course):
    user = factories.UserFactory(email="kirjoittaja@example.fi")
    course.authors.add(user)
    return user


@pytest.fixture
def first_module(course):
    """The first module's three items, the middle one a draft."""
    module = course.modules.order_by("position").first()
    first, draft, third = module.items.order_by("position")
    draft.is_published = False
    draft.save(update_fields=["is_published"])
    return first, draft, third


def test_a_previewing_author_steps_over_a_draft_as_the_learner_does(
    client_for, author, learner, first_module
):
    first, draft, third = first_module
    client = client_for(author)

    previewed = navigation(client, item_url(first, preview=True))
    assert previewed["next"] == item_url(third, preview=True)
    assert previewed["previous"] is None
    assert previewed["sidebar"] == [first.pk, third.pk]
    # Following the link, the preview goes back the same way.
    back = navigation(client, item_url(third, preview=True))
    assert back["previous"] == item_url(first, preview=True)
    assert back["back"]  # the module's last item: back to the outline

    # The learner meets the same steps, and the step leads to a page that opens.
    learner_client = client_for(learner)
    seen = navigation(learner_client, item_url(first))
    assert seen["next"] == item_url(third)
    assert seen["sidebar"] == [first.pk, third.pk]
    assert learner_client.get(seen["next"]).status_code == 200
    assert navigation(learner_client, item_url(third))["previous"] == item_url(first)
    assert learner_client.get(item_url(draft)).status_code == 404

    # Editing (no preview), the author steps through the draft.
    client = client_for(author)
    edited = navigation(client, item_url(first))
    assert edited["next"] == item_url(draft)
    # ... marked as the draft it is, and the published item before it is not marked.
    html = client.get(item_url(first)).content.decode()
    assert 'data-testid="next-draft"' in NAV.search(html).group(0)
    html = client.get(item_url(third)).content.decode()
    assert 'data-testid="previous-draft"' in NAV.search(html).group(0)
    html = client.get(item_url(draft)).content.decode()
    assert "-draft" not in NAV.search(html).group(0)
    assert edited["sidebar"] == [first.pk, draft.pk, third.pk]
    assert navigation(client, item_url(draft))["next"] == item_url(third)
    # The draft itself previewed keeps its place between the published items.
    seen = navigation(client, item_url(draft, preview=True))
    assert (seen["previous"], seen["next"]) == (item_url(first, True), item_url(third, True))

    # Published, it joins the steps of the learner and of the preview.
    draft.is_published = True
    draft.save(update_fields=["is_published"])
    assert navigation(client, item_url(first, preview=True))["next"] == item_url(draft, True)
    assert navigation(client_for(learner), item_url(first))["next"] == item_url(draft)


def test_an_item_of_a_draft_module_previewed_leads_nowhere_a_learner_cannot_go(
    client_for, author, learner, course
):
    module = course.modules.order_by("position")[1]
    module.is_published = False
    module.save(update_fields=["is_published"])
    first, second, _third = module.items.order_by("position")
    client = client_for(author)

    previewed = navigation(client, item_url(first, preview=True))
    assert previewed["next"] is None
    assert previewed["back"]
    assert previewed["sidebar"] == [first.pk]
    assert navigation(client, item_url(second, preview=True))["previous"] is None
    # What the link would have led to: a learner gets 404 there.
    assert client_for(learner).get(item_url(second)).status_code == 404
    # Editing, the author steps through the draft module.
    client = client_for(author)
    assert navigation(client, item_url(first))["next"] == item_url(second)


def test_staff_and_a_learner_asking_for_the_preview_step_over_drafts_too(
    client_for, learner, instructor, first_module
):
    first, draft, third = first_module
    for person in (learner, instructor):
        client = client_for(person)
        for url in (item_url(first), item_url(first, preview=True)):
            seen = navigation(client, url)
            assert seen["next"] == item_url(third)
            assert draft.pk not in seen["sidebar"]
        assert client.get(item_url(draft, preview=True)).status_code == 404
