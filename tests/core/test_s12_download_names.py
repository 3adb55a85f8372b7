"""Downloads are named in the reader's language, as the pages that link them (a Swedish learner
saved her impact plan as "vaikuttavuus-….pdf" and her data archive as "…-omat-tiedot-….zip")."""

import pytest
from django.utils import translation

from privacy.views import _archive_name

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("fi", "alueagentti-omat-tiedot"),
        ("sv", "alueagentti-mina-uppgifter"),
        ("en", "alueagentti-my-data"),
    ],
)
def test_the_data_archive_is_named_in_the_readers_language(language, name):
    with translation.override(language):
        assert _archive_name() == name
