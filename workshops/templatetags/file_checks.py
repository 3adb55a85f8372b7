"""What the file list says about virus scanning: once for the list, not on every file."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

register = template.Library()


@register.filter
def any_unscanned(files: Iterable[object]) -> bool:
    """True when a checked file of the list was not virus-scanned (no scanner configured)."""
    return any(
        getattr(f, "status", "") != "pending" and getattr(f, "scan", "") == "not-scanned"
        for f in files
    )
