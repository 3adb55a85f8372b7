"""Which language a course text is shown in (courses/translation.py).

A text is shown in the learner's language where it is written, else in Finnish; a page whose
text fell back says so ("This content is not yet available in Swedish"), in the learner's
interface language. The editor marks the languages an item still lacks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.translation import get_language, pgettext

SOURCE_LANGUAGE = "fi"


def content_languages() -> tuple[str, ...]:
    return tuple(settings.MODELTRANSLATION_LANGUAGES)


def fell_back(rows: Iterable[Any], fields: Iterable[str], language: str | None = None) -> bool:
    """Whether any of these texts is shown in Finnish because it lacks the `language` (the
    active one) version."""
    language = (language or get_language() or SOURCE_LANGUAGE)[:2]
    if language == SOURCE_LANGUAGE or language not in content_languages():
        return False
    names = tuple(fields)
    for row in rows:
        for name in names:
            if getattr(row, f"{name}_{SOURCE_LANGUAGE}", None) and not getattr(
                row, f"{name}_{language}", None
            ):
                return True
    return False


def missing_languages(row: Any, fields: Iterable[str]) -> list[str]:
    """The languages (other than Finnish) in which any of the row's written texts is missing."""
    names = tuple(fields)
    return [
        language
        for language in content_languages()
        if language != SOURCE_LANGUAGE
        and any(
            getattr(row, f"{name}_{SOURCE_LANGUAGE}", None)
            and not getattr(row, f"{name}_{language}", None)
            for name in names
        )
    ]


def fallback_note(language: str | None = None) -> str:
    """ "This content is not yet available in Swedish." in the interface language; one message
    per language, since Finnish inflects the language's name ("ruotsiksi", "englanniksi")."""
    language = (language or get_language() or SOURCE_LANGUAGE)[:2]
    if language == "sv":
        return pgettext("course content", "This content is not yet available in Swedish.")
    return pgettext("course content", "This content is not yet available in English.")


def content_note(*groups: tuple[Iterable[Any], Iterable[str]]) -> str:
    """The note for a page showing these (rows, text fields): empty when nothing fell back."""
    if any(fell_back(rows, fields) for rows, fields in groups):
        return fallback_note()
    return ""
