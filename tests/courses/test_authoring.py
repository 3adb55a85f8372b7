"""Authoring in the site: only authors (and the superuser); every kind; order; drafts;
editing keeps learners' progress."""

import json

import pytest
from django.urls import reverse

from courses.models import Choice, Completion, Item, Module, Question
from tests import factories
from tests.courses.factories import make_quiz

pytestmark = pytest.mark.django_db

QUIZ_TEXT = """? Mikä on verkosto?
* Yhteistyön rakenne | Oikein.
- Tietokanta | Ei.

?? Mitkä ovat kokeilun vaiheita?
* Suunnittelu
* Arviointi
- Arvonta | Ei kuulu."""


@pytest.fixture
def author(course):
    user = factories.UserFactory(email="kirjoittaja@example.fi")
    course.authors.add(user)
    return user


def item_data(**overrides):
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
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", ["learner", "instructor", "coordinator"])
def test_people_of_the_course_who_are_not_authors_get_403(request, client_for, persona, course):
    client = client_for(request.getfixturevalue(persona))
    module = course.modules.first()
    item = module.items.first()
    assert client.get(reverse("courses:edit", args=[course.pk])).status_code == 403
    assert client.get(reverse("courses:item_edit", args=[item.pk])).status_code == 403
    assert (
        client.post(reverse("courses:item_create", args=[module.pk]), item_data()).status_code
        == 403
    )
    assert client.post(reverse("courses:item_delete", args=[item.pk])).status_code == 403
    assert client.post(reverse("courses:item_move", args=[item.pk])).status_code == 403
    assert Item.objects.filter(pk=item.pk).exists()
    html = client.get(reverse("courses:detail", args=[course.pk])).content.decode()
    assert 'data-testid="edit-course"' not in html


def test_people_outside_the_course_get_404(client_for, course):
    stranger = factories.MembershipFactory().user
    assert client_for(stranger).get(reverse("courses:edit", args=[course.pk])).status_code == 404


def test_an_author_creates_a_module_and_a_text_page_sanitised_on_save(
    client_for, author, learner, course
):
    client = client_for(author)
    assert (
        'data-testid="edit-course"'
        in client.get(reverse("courses:detail", args=[course.pk])).content.decode()
    )
    response = client.post(
        reverse("courses:module_create", args=[course.pk]),
        {"title": "Vaikuttavuus", "summary": "", "is_published": "on", "sequential": "on"},
    )
    assert response.status_code == 302
    module = Module.objects.get(title="Vaikuttavuus")
    assert module.sequential
    assert module.position == 3

    body = '<p onclick="x()">Hei</p><script>alert(1)</script><a href="javascript:x">a</a>'
    response = client.post(reverse("courses:item_create", args=[module.pk]), item_data(body=body))
    assert response.status_code == 302
    item = Item.objects.get(module=module)
    assert "<script" not in item.body
    assert "onclick" not in item.body
    assert "javascript:" not in item.body
    # New items start as drafts: the learner does not see it until it is published.
    assert not item.is_published
    assert client_for(learner).get(reverse("courses:item", args=[item.pk])).status_code == 404
    client_for(author).post(reverse("courses:item_publish", args=[item.pk]))
    # The module is sequential and the learner has not finished the previous one.
    assert client_for(learner).get(reverse("courses:item", args=[item.pk])).status_code == 403


def test_an_author_builds_a_knowledge_check_from_text(client_for, author, course):
    module = course.modules.first()
    response = client_for(author).post(
        reverse("courses:item_create", args=[module.pk]),
        item_data(kind="quiz", completion_rule="quiz_passed", questions_text=QUIZ_TEXT),
    )
    assert response.status_code == 302
    item = Item.objects.get(kind="quiz")
    questions = list(item.questions.order_by("position"))
    assert [(q.text, q.multiple) for q in questions] == [
        ("Mikä on verkosto?", False),
        ("Mitkä ovat kokeilun vaiheita?", True),
    ]
    assert list(Choice.objects.filter(question=questions[1]).values_list("text", "is_correct")) == [
        ("Suunnittelu", True),
        ("Arviointi", True),
        ("Arvonta", False),
    ]
    assert Choice.objects.get(text="Tietokanta").explanation == "Ei."


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (
            {"kind": "quiz", "completion_rule": "quiz_passed", "questions_text": "? Yksi\n* a"},
            "questions_text_fi",
        ),
        (
            {"kind": "quiz", "completion_rule": "quiz_passed", "questions_text": "? K\n* a\n* b"},
            "questions_text_fi",
        ),
        (
            {
                "kind": "video",
                "completion_rule": "viewed",
                "video_url": "https://evil.example/v.mp4",
            },
            "video_url",
        ),
        ({"kind": "link", "completion_rule": "viewed", "link_url": ""}, "link_url"),
        ({"kind": "assignment", "completion_rule": "submitted"}, "assignment"),
        ({"kind": "page", "completion_rule": "approved"}, "completion_rule"),
    ],
)
def test_bad_input_is_a_400_with_the_reason_and_saves_nothing(
    client_for, author, course, overrides, field
):
    module = course.modules.first()
    before = Item.objects.count()
    response = client_for(author).post(
        reverse("courses:item_create", args=[module.pk]), item_data(**overrides)
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Item.objects.count() == before
    assert not Question.objects.exists()


def test_editing_a_published_item_keeps_learner_progress(client_for, author, learner, course):
    item = course.modules.first().items.first()
    factories.CompletionFactory(user=learner, item=item)
    quiz, c = make_quiz(course.modules.first())
    response = client_for(author).post(
        reverse("courses:item_edit", args=[item.pk]),
        item_data(title="Uusi otsikko", is_published="on"),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "Uusi otsikko"
    assert Completion.objects.filter(user=learner, item=item).exists()
    # Editing the quiz text keeps the question rows (and ids) in place.
    ids = set(quiz.questions.values_list("pk", flat=True))
    client_for(author).post(
        reverse("courses:item_edit", args=[quiz.pk]),
        item_data(kind="quiz", completion_rule="quiz_passed", questions_text=QUIZ_TEXT),
    )
    assert set(quiz.questions.values_list("pk", flat=True)) == ids


def test_moving_and_dragging_reorders_items(client_for, author, course):
    module = course.modules.order_by("position").first()
    a, b, c = module.items.order_by("position")
    client = client_for(author)
    client.post(reverse("courses:item_move", args=[c.pk]), {"direction": "up"})
    assert list(module.items.order_by("position")) == [a, c, b]
    response = client.post(
        reverse("courses:items_reorder", args=[module.pk]),
        json.dumps([b.pk, a.pk, c.pk]),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert list(module.items.order_by("position")) == [b, a, c]
    # An order that is not exactly the module's items changes nothing.
    response = client.post(
        reverse("courses:items_reorder", args=[module.pk]),
        json.dumps([b.pk, a.pk]),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(module.items.order_by("position")) == [b, a, c]


def test_duplicating_copies_questions_as_a_draft(client_for, author, course):
    quiz, _c = make_quiz(course.modules.first())
    client_for(author).post(reverse("courses:item_duplicate", args=[quiz.pk]))
    copy = Item.objects.exclude(pk=quiz.pk).get(kind="quiz")
    assert not copy.is_published
    assert copy.questions.count() == 2
    assert Choice.objects.filter(question__item=copy).count() == 5


def test_the_superuser_may_author_any_course(client_for, superuser, course):
    assert client_for(superuser).get(reverse("courses:edit", args=[course.pk])).status_code == 200


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_label_of_the_item_and_module_forms_starts_with_a_capital(course, language):
    from django.utils import translation

    from courses.forms import ItemForm, ModuleForm

    with translation.override(language):
        labels = [str(f.label) for f in ItemForm(course=course).fields.values()]
        labels += [str(f.label) for f in ModuleForm(course=course).fields.values()]
    assert labels
    assert [label for label in labels if label[:1] != label[:1].upper()] == []


def test_the_video_editor_shows_its_address_labels_capitalised_in_finnish(
    client_for, author, course
):
    module = course.modules.first()
    page = client_for(author).get(
        reverse("courses:item_create", args=[module.pk]) + "?kind=video",
        HTTP_ACCEPT_LANGUAGE="fi",
    )
    html = page.content.decode()
    assert "Videon osoite" in html
    assert "videon osoite" not in html
