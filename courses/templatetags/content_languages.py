"""The editor's marker of what a module or item still lacks in Swedish or English."""

from __future__ import annotations

from typing import Any

from django import template

from courses.forms import language_marker
from courses.languages import missing_languages as _missing

register = template.Library()


@register.filter
def missing_languages(row: Any, fields: str) -> list[dict[str, Any]]:
    """[{"code", "name"}] of the languages in which any of the row's `fields` (comma
    separated) is missing while the Finnish text is written."""
    return language_marker(_missing(row, [f.strip() for f in fields.split(",") if f.strip()]))
