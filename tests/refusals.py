"""Checks for a refused one-off action: a 4xx page that shows the translated reason."""

from django.utils import translation
from django.utils.html import escape


def assert_refused(response, status: int, text: str, *, language: str = "fi") -> str:
    """The response answers `status` and shows `text` (a msgid, translated like the view did,
    or a message taken as it is) in an alert; returns the page's HTML."""
    assert response.status_code == status
    html = response.content.decode()
    with translation.override(language):
        expected = translation.gettext(text)
    assert 'role="alert"' in html
    assert escape(expected) in html, expected
    return html
