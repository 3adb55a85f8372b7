from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe

from core.html import clean_html

register = template.Library()


@register.filter
def sanitize_html(value: str) -> SafeString:
    """Course text is HTML written by people: keep the structure, drop scripts and styles."""
    return mark_safe(clean_html(value))  # noqa: S308 - clean_html has just sanitised it


@register.filter
def number(value: Any) -> str:
    """A measured value as the reader's language writes it, without trailing zeros: "400" and
    "12,5" in Finnish (never "400.00" or "12,50"); "–" for none."""
    if value is None or value == "":
        return "–"
    return str(formats.localize(Decimal(str(value)).normalize()))
