"""A reflection whose item an author removed stays the learner's: the journal's downloads (a
file per language) still hold it under the removed section's title, and the learner's erasure
still removes it."""

import pytest
from django.urls import reverse

from courses.models import Item, Reflection
from privacy import services as privacy
from tests import factories
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db

NAMES = {"fi": "oppimispaivakirja", "sv": "lardagbok", "en": "learning-journal"}


@pytest.fixture
def author(course):
    user = factories.UserFactory(email="kirjoittaja@example.fi")
    course.authors.add(user)
    return user


@pytest.fixture
def removed(client_for, author, learner, course):
    """The learner's reflection on a prompt the author then deleted, and one on a prompt that
    is still there."""
    module = course.modules.order_by("position").first()
    gone = factories.ItemFactory(
        module=module,
        kind=Item.Kind.REFLECTION,
        title="Pohdinta: oma verkostoni",
        title_sv="Reflektion: mitt nätverk",
    )
    stays = factories.ItemFactory(module=module, kind=Item.Kind.REFLECTION, title="Pysyvä")
    for item, text in ((gone, "Poistetun osion pohdinta."), (stays, "Pysyvän pohdinta.")):
        response = client_for(learner).post(
            reverse("courses:reflection_save", args=[item.pk]), {"text": text}
        )
        assert response.status_code == 302
    assert client_for(author).post(reverse("courses:item_delete", args=[gone.pk])).status_code
    reflection = Reflection.objects.get(user=learner, text="Poistetun osion pohdinta.")
    assert reflection.item is None
    return reflection


def _as(client_for, learner, language):
    learner.language = language
    learner.save(update_fields=["language"])
    return client_for(learner)


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("fi", "Pohdinta: oma verkostoni"),
        ("sv", "Reflektion: mitt nätverk"),
        ("en", "Pohdinta: oma verkostoni"),  # no English title: the Finnish one
    ],
)
def test_the_markdown_journal_keeps_a_removed_sections_reflection(
    client_for, learner, removed, language, title
):
    response = _as(client_for, learner, language).get(
        reverse("courses:journal_export", args=["md"])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{NAMES[language]}.md"'
    text = response.content.decode()
    assert "Poistetun osion pohdinta." in text
    assert "Pysyvän pohdinta." in text
    assert f": {title}\n" in text
    assert "## Alueagentti" in text


def test_the_journal_page_shows_the_removed_section_in_the_learners_language(
    client_for, learner, removed
):
    html = _as(client_for, learner, "sv").get(reverse("courses:journal")).content.decode()
    assert "Reflektion: mitt nätverk" in html
    assert "Poistetun osion pohdinta." in html
    assert "Pysyvän pohdinta." in html


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_pdf_journal_keeps_a_removed_sections_reflection(
    client_for, learner, removed, language
):
    from core.pdf import html_to_pdf

    if html_to_pdf("<p>x</p>") is None:
        skip_or_fail("WeasyPrint cannot make PDFs here")
    response = _as(client_for, learner, language).get(
        reverse("courses:journal_export", args=["pdf"])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{NAMES[language]}.pdf"'
    assert response.content.startswith(b"%PDF")


def test_the_learners_erasure_removes_the_reflections_of_removed_sections(
    learner, removed, superuser
):
    request = privacy.erasure_request(user=learner, requested_by=learner)
    privacy.erasure_carry_out(request=request, by=superuser)
    assert not Reflection.objects.filter(user=learner).exists()


def test_nobody_else_reads_a_removed_sections_reflection(client_for, other_learner, removed):
    html = client_for(other_learner).get(reverse("courses:journal")).content.decode()
    assert "Poistetun osion pohdinta." not in html
    export = client_for(other_learner).get(reverse("courses:journal_export", args=["md"]))
    assert "Poistetun osion pohdinta." not in export.content.decode()
