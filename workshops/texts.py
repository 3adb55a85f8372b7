"""Saving a phase's texts per language (the phase text editor, workshops/translation.py)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction
from django.utils import translation

from courses.languages import SOURCE_LANGUAGE, content_languages


@transaction.atomic
def phase_texts_save(*, rows: Iterable[tuple[models.Model, tuple[str, ...]]]) -> None:
    """Save the (row, text names) of a phase and its rubric whose per-language texts the editor
    has set, and only those columns (a phase's peer settings saved meanwhile stay). The
    original columns, which the models' orderings and constraints read, get the Finnish text
    whatever the editor's interface language."""
    with translation.override(SOURCE_LANGUAGE):
        for row, names in rows:
            columns = [f"{name}_{language}" for name in names for language in content_languages()]
            row.save(update_fields=[*names, *columns])
