"""The learning journal downloads under a name in the person's language (ASCII only, as a header
carries it), not the Finnish oppimispaivakirja in Swedish and English too."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db

NAMES = {"fi": "oppimispaivakirja", "sv": "lardagbok", "en": "learning-journal"}


def _signed_in_in(client_for, learner, language):
    with translation.override(language):
        name = translation.pgettext(
            "file name of the learning journal download", "learning-journal"
        )
    assert language == "en" or name != "learning-journal", f"locale/{language} lacks the name"
    learner.language = language
    learner.save(update_fields=["language"])
    return client_for(learner)


@pytest.mark.parametrize("language", sorted(NAMES))
def test_the_markdown_journal_is_named_in_the_persons_language(client_for, learner, language):
    response = _signed_in_in(client_for, learner, language).get(
        reverse("courses:journal_export", args=["md"])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{NAMES[language]}.md"'


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_pdf_journal_is_named_in_the_persons_language(client_for, learner, language):
    from core.pdf import html_to_pdf

    if html_to_pdf("<p>x</p>") is None:
        skip_or_fail("WeasyPrint cannot make PDFs here")
    response = _signed_in_in(client_for, learner, language).get(
        reverse("courses:journal_export", args=["pdf"])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{NAMES[language]}.pdf"'
