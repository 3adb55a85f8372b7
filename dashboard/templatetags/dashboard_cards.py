"""Filters for the dashboard's course cards (templates/dashboard/dashboard.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.filter
def done_of_total(module: Any) -> SafeString:
    """A module's "3/10" on a card: what `{% blocktranslate with done=module.done_count
    total=module.item_count %}{{ done }}/{{ total }}{% endblocktranslate %}` printed (the same
    message, the numbers localised and escaped as blocktranslate does), without a
    blocktranslate node per module (#13)."""
    counts = {
        "done": conditional_escape(localize(module.done_count)),
        "total": conditional_escape(localize(module.item_count)),
    }
    # As blocktranslate, the message from the catalogue is not escaped; the numbers are.
    return mark_safe(gettext("%(done)s/%(total)s") % counts)  # noqa: S308
