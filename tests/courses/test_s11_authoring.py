"""An author's edit never destroys learners' writing, and the editor's buttons are safe to click
on a page that is out of date or to send again:

- deleting an item (or its module) keeps the learners' reflections in their journals, and the
  confirmation says in counts what is lost and what is kept;
- "Publish" sends the state it asks for: a stale click changes nothing and says so;
- the new-item form sent again (Back, then Save) adds no second item.
"""

import re
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from courses.models import Completion, Item, ItemCreation, QuizAttempt, Reflection
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(course):
    user = factories.UserFactory(email="kirjoittaja@example.fi", language="en")
    course.authors.add(user)
    return user


@pytest.fixture
def prompt(course):
    """A published reflection prompt in the first module, titled in Finnish and Swedish."""
    return factories.ItemFactory(
        module=course.modules.order_by("position").first(),
        kind=Item.Kind.REFLECTION,
        title="Pohdinta: oma verkostoni",
        title_sv="Reflektion: mitt nätverk",
        completion_rule=Item.Rule.MANUAL,
    )


def _reflect(client_for, person, item, text):
    response = client_for(person).post(
        reverse("courses:reflection_save", args=[item.pk]), {"text": text}
    )
    assert response.status_code == 302, response.content[:500]


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _delete_confirmation(html, item_pk):
    form = re.search(
        rf'<form method="post" action="{reverse("courses:item_delete", args=[item_pk])}"'
        r' data-confirm="([^"]*)"',
        html,
    )
    assert form, "the delete button has no confirmation"
    return unescape(form.group(1))


# --- 1. deleting an item keeps the learners' reflections ------------------------------------


def test_deleting_a_reflection_item_keeps_the_learners_reflections_in_their_journal(
    client_for, author, learner, other_learner, prompt
):
    _reflect(client_for, learner, prompt, "Verkostoni on pieni mutta tiivis.")
    _reflect(client_for, other_learner, prompt, "Tunnen kunnan väkeä.")
    assert Completion.objects.filter(item=prompt).count() == 2

    response = client_for(author).post(reverse("courses:item_delete", args=[prompt.pk]))

    assert response.status_code == 302
    assert not Item.objects.filter(pk=prompt.pk).exists()
    kept = Reflection.objects.get(user=learner)
    assert kept.item is None
    assert kept.text == "Verkostoni on pieni mutta tiivis."
    assert kept.removed_item["item"] == {
        "fi": "Pohdinta: oma verkostoni",
        "sv": "Reflektion: mitt nätverk",
    }
    assert kept.removed_item["course"]["fi"] == "Alueagentti"
    assert Reflection.objects.filter(user=other_learner, item=None).count() == 1
    assert "2 learners' reflections were kept in their learning journals." in _messages(response)

    journal = client_for(learner).get(reverse("courses:journal")).content.decode()
    assert "Verkostoni on pieni mutta tiivis." in journal
    assert "Pohdinta: oma verkostoni" in journal
    assert 'data-testid="removed-section"' in journal
    assert "Tunnen kunnan väkeä." not in journal  # still nobody else's


def test_deleting_a_module_keeps_the_reflections_on_its_items(client_for, author, learner, prompt):
    _reflect(client_for, learner, prompt, "Moduulin pohdinta.")
    response = client_for(author).post(reverse("courses:module_delete", args=[prompt.module_id]))
    assert response.status_code == 302
    kept = Reflection.objects.get(user=learner)
    assert kept.item is None
    assert kept.removed_item["module"]["fi"] == prompt.module.title
    assert (
        "Moduulin pohdinta." in client_for(learner).get(reverse("courses:journal")).content.decode()
    )


def test_the_delete_confirmation_says_what_is_lost_and_what_is_kept(
    client_for, author, learner, other_learner, prompt, course
):
    _reflect(client_for, learner, prompt, "Ensimmäinen.")
    _reflect(client_for, other_learner, prompt, "Toinen.")
    check = factories.ItemFactory(module=prompt.module, kind=Item.Kind.QUIZ, title="Tietovisa")
    for number in (1, 2):
        QuizAttempt.objects.create(user=learner, item=check, number=number, score=40)
    factories.CompletionFactory(user=learner, item=check)

    html = client_for(author).get(reverse("courses:edit", args=[course.pk])).content.decode()

    confirmation = _delete_confirmation(html, prompt.pk)
    assert "“Pohdinta: oma verkostoni”" in confirmation
    assert "2 learners have done this item: their progress on it is lost." in confirmation
    assert "2 learners' reflections are kept" in confirmation
    assert "learning journals" in confirmation
    confirmation = _delete_confirmation(html, check.pk)
    assert "1 learner has done this item" in confirmation
    assert "The knowledge check attempts of 1 learner are deleted." in confirmation
    assert "reflection" not in confirmation
    untouched = prompt.module.items.exclude(pk__in=[prompt.pk, check.pk]).first()
    assert "No learner has done it yet." in _delete_confirmation(html, untouched.pk)
    module_form = re.search(
        rf'action="{reverse("courses:module_delete", args=[prompt.module_id])}"'
        r' data-confirm="([^"]*)"',
        html,
    )
    assert module_form
    module_confirmation = unescape(module_form.group(1))
    assert "2 knowledge check attempts are deleted." in module_confirmation
    assert "2 reflections are kept in their writers' learning journals." in module_confirmation


def test_a_learner_cannot_delete_an_item_and_its_reflections_stay_with_it(
    client_for, learner, prompt
):
    _reflect(client_for, learner, prompt, "Oma.")
    response = client_for(learner).post(reverse("courses:item_delete", args=[prompt.pk]))
    assert response.status_code == 403
    assert Reflection.objects.get(user=learner).item == prompt


# --- 2. "Publish" sends the state it asks for ------------------------------------------------


def test_a_stale_publish_click_on_a_published_item_changes_nothing_and_says_so(
    client_for, author, course
):
    item = course.modules.first().items.first()
    assert item.is_published
    client = client_for(author)

    response = client.post(reverse("courses:item_publish", args=[item.pk]), {"publish": "1"})

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.is_published
    assert f"“{item.title}” is already published; nothing changed." in _messages(response)


def test_publish_and_unpublish_set_the_state_asked_for_idempotently(client_for, author, course):
    item = course.modules.first().items.first()
    client = client_for(author)
    url = reverse("courses:item_publish", args=[item.pk])

    response = client.post(url, {"publish": "0"})
    item.refresh_from_db()
    assert not item.is_published
    assert f"“{item.title}” was moved back to draft." in _messages(response)
    response = client.post(url, {"publish": "0"})
    item.refresh_from_db()
    assert not item.is_published
    assert f"“{item.title}” is already a draft; nothing changed." in _messages(response)
    client.post(url, {"publish": "1"})
    item.refresh_from_db()
    assert item.is_published
    assert client.post(url, {"publish": "maybe"}).status_code == 400
    item.refresh_from_db()
    assert item.is_published


def test_the_editor_buttons_send_the_state_they_ask_for(client_for, author, course):
    item = course.modules.first().items.first()
    item.is_published = False
    item.save(update_fields=["is_published"])
    html = client_for(author).get(reverse("courses:edit", args=[course.pk])).content.decode()
    form = re.search(
        rf'action="{reverse("courses:item_publish", args=[item.pk])}">.*?</form>', html
    )
    assert form
    assert 'name="publish" value="1"' in form.group(0)
    other = course.modules.first().items.exclude(pk=item.pk).first()
    form = re.search(
        rf'action="{reverse("courses:item_publish", args=[other.pk])}">.*?</form>', html
    )
    assert form
    assert 'name="publish" value="0"' in form.group(0)


@pytest.mark.parametrize("persona", ["learner", "instructor"])
def test_people_who_are_not_authors_cannot_publish(request, client_for, persona, course):
    item = course.modules.first().items.first()
    client = client_for(request.getfixturevalue(persona))
    response = client.post(reverse("courses:item_publish", args=[item.pk]), {"publish": "0"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.is_published


# --- 3. the new-item form sent again adds no second item ------------------------------------


def _new_item_data(token, **overrides):
    data = {
        "kind": "page",
        "title": "Uusi oppitunti",
        "body": "<p>Teksti</p>",
        "minutes": 5,
        "completion_rule": "manual",
        "is_required": "on",
        "pass_mark": 80,
        "max_attempts": 0,
    }
    if token is not None:
        data["create_token"] = token
    data.update(overrides)
    return data


def _form_token(client, module):
    html = client.get(reverse("courses:item_create", args=[module.pk])).content.decode()
    found = re.search(r'<input type="hidden" name="create_token" value="([0-9a-f-]{36})"', html)
    assert found, "the new-item form has no one-time token"
    return found.group(1)


def test_the_new_item_form_sent_again_leads_to_the_item_it_created(client_for, author, course):
    module = course.modules.first()
    client = client_for(author)
    token = _form_token(client, module)
    url = reverse("courses:item_create", args=[module.pk])

    first = client.post(url, _new_item_data(token))
    assert first.status_code == 302
    created = Item.objects.get(module=module, title_fi="Uusi oppitunti")
    # Back, then Save again (perhaps after another change): no second item.
    again = client.post(url, _new_item_data(token, title="Uusi oppitunti (muokattu)"))

    assert again.status_code == 302
    assert again["Location"] == reverse("courses:item_edit", args=[created.pk])
    assert Item.objects.filter(module=module).count() == 4
    assert not Item.objects.filter(title_fi="Uusi oppitunti (muokattu)").exists()
    assert ItemCreation.objects.get(token=token).item == created
    assert any("no second copy was added" in m for m in _messages(again))


def test_each_new_item_form_creates_its_own_item(client_for, author, course):
    module = course.modules.first()
    client = client_for(author)
    url = reverse("courses:item_create", args=[module.pk])
    for title in ("Ensimmäinen", "Toinen"):
        response = client.post(url, _new_item_data(_form_token(client, module), title=title))
        assert response.status_code == 302
    assert set(module.items.values_list("title_fi", flat=True)) >= {"Ensimmäinen", "Toinen"}


def test_a_new_item_form_without_its_token_still_creates_the_item(client_for, author, course):
    module = course.modules.first()
    response = client_for(author).post(
        reverse("courses:item_create", args=[module.pk]), _new_item_data(None)
    )
    assert response.status_code == 302
    assert Item.objects.filter(module=module, title_fi="Uusi oppitunti").count() == 1


def test_an_invalid_new_item_form_keeps_its_token(client_for, author, course):
    module = course.modules.first()
    client = client_for(author)
    token = _form_token(client, module)
    response = client.post(
        reverse("courses:item_create", args=[module.pk]), _new_item_data(token, title="")
    )
    assert response.status_code == 400
    assert f'name="create_token" value="{token}"' in response.content.decode()
    assert not ItemCreation.objects.exists()


def test_a_learner_cannot_create_items_nor_reuse_an_authors_token(
    client_for, author, learner, course
):
    module = course.modules.first()
    token = _form_token(client_for(author), module)
    response = client_for(learner).post(
        reverse("courses:item_create", args=[module.pk]), _new_item_data(token)
    )
    assert response.status_code == 403
    assert not Item.objects.filter(title_fi="Uusi oppitunti").exists()
