"""A version's status badge (workshops/includes/_status_badge.html) for pages that write their
rows in Python: it shows nothing of the version but its status, so it is rendered once per
status and language, not once per row."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.translation import get_language

from .models import Submission

_kept: dict[tuple[str | None, str | None], str] = {}


def status_badge(status: str | None) -> str:
    """The badge of a version in `status`; None for "Not submitted"."""
    key = (get_language(), status)
    badge = _kept.get(key)
    if badge is None:
        submission = None if status is None else Submission(status=status)
        badge = _kept[key] = render_to_string(
            "workshops/includes/_status_badge.html", {"submission": submission}
        )
    return badge
