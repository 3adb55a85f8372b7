"""Filters for the loops over a course's items (outline, module page, dashboard, search).

A 200-item outline spent most of its rendering in three per-item calls: `{% url %}` (a full
reverse each), `get_kind_display` (Django rebuilds the field's choices dict on every call) and
the lazy translation behind each label. These do the work once per language or URL prefix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from django import template
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language
from modeltranslation import settings as mt_settings
from modeltranslation.utils import build_localized_fieldname, fallbacks_enabled

from core.rendering import templates_digest, url_format
from courses.models import Item

register = template.Library()

_kind_labels: dict[str | None, dict[str, str]] = {}


@register.filter
def item_url(pk: int) -> str:
    """`{% url 'courses:item' pk %}`, reversed once per URL prefix instead of once per item."""
    return url_format("courses:item").format(int(pk))


@register.filter
def module_url(pk: int) -> str:
    """`{% url 'courses:module' pk %}`, reversed once per URL prefix."""
    return url_format("courses:module").format(int(pk))


@register.filter
def item_kind(kind: str) -> str:
    """An item kind's label in the active language (`get_kind_display` without rebuilding the
    choices on every call)."""
    language = get_language()
    labels = _kind_labels.get(language)
    if labels is None:
        labels = _kind_labels[language] = {str(v): str(label) for v, label in Item.Kind.choices}
    return labels.get(str(kind), str(kind))


# --- the outline's cached fragment -------------------------------------------------------------

# Rendered module lists are kept this long; a learner's next change makes a new key anyway.
FRAGMENT_SECONDS = 6 * 60 * 60
# The templates whose markup the cached module list holds: a deploy that changes them must not
# serve fragments rendered by the old ones.
_FRAGMENT_TEMPLATES = ("courses/course_detail.html", "courses/includes/_module_items.html")


_item_rows: list[Callable[[Any], tuple[Any, ...]]] = []


def _item_row() -> Callable[[Any], tuple[Any, ...]]:
    """What the key holds of an item: its id, every title column, state, kind, minutes and
    whether it is published."""
    if not _item_rows:
        titles = (
            build_localized_fieldname("title", lang) for lang in mt_settings.AVAILABLE_LANGUAGES
        )
        _item_rows.append(attrgetter("pk", *titles, "state", "kind", "minutes", "is_published"))
    return _item_rows[0]


@register.simple_tag
def outline_version(modules: Iterable[Any], is_learner: bool) -> str:
    """A digest of everything the outline's module list shows: for each module and item what
    is printed (titles, states, counts, locks, drafts), the language, the URL prefix and the
    templates. It is the learner's progress version for this page: an item done, a submission
    approved, a module unlocked (a day passing, an extension), an author's edit, each changes a
    printed value and so the key, so a change shows at once and no writer has to remember to
    invalidate anything. Two learners at the same point share the fragment."""
    # An item's title is printed from its title columns in the active language (or Finnish):
    # the columns and the language in the key stand for it, without resolving the fallback
    # for each of 200 items.
    row = _item_row()
    parts: list[object] = [
        templates_digest(_FRAGMENT_TEMPLATES),
        get_language(),
        fallbacks_enabled(),
        get_script_prefix(),
        get_urlconf(),
        bool(is_learner),
    ]
    for module in modules:
        lock = getattr(module, "lock", None)
        parts.append(
            (
                module.pk,
                module.title,
                module.summary,
                module.is_published,
                getattr(module, "done_count", None),
                getattr(module, "item_count", None),
                getattr(module, "minutes", None),
                lock.reason if lock else None,
            )
        )
        parts.extend(map(row, module.item_list))
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
