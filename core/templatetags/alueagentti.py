from decimal import Decimal
from typing import Any

from django import template
from django.conf import settings
from django.utils import formats
from django.utils.html import json_script
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

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


# What follows a percentage in each language: Finnish and Swedish put a space before the sign
# ("25 %"), a no-break one so the sign never wraps onto a line of its own; English writes none
# ("25%"). A language not named here writes it as Finnish does.
PERCENT_SIGNS = {"en": "%"}
PERCENT_SIGN = "\u00a0%"


def percent_sign() -> str:
    """The percent sign with the space before it (if any) in the active language."""
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return PERCENT_SIGNS.get(language, PERCENT_SIGN)


@register.filter
def percent(value: Any) -> str:
    """A percentage as the reader's language writes it: "25 %" (a no-break space) in Finnish
    and Swedish, "25%" in English; "–" for none. Use it wherever a page prints one (exports
    keep the plain number)."""
    if value is None or value == "":
        return "–"
    return f"{formats.localize(value)}{percent_sign()}"


# The rich-text editor's own labels (django-prose-editor writes them in English, without a
# translation hook): its buttons' titles and screen-reader names, its menus and its link
# dialog, each put into the page language by static/js/editor-courses.js.
EDITOR_LABELS = {
    "bold": _("Bold"),
    "italic": _("Italic"),
    "unordered list": _("Bulleted list"),
    "ordered list": _("Numbered list"),
    "blockquote": _("Quotation"),
    "horizontal rule": _("Horizontal line"),
    "insert link": _("Insert a link"),
    "remove link": _("Remove the link"),
    "undo": _("Undo"),
    "redo": _("Redo"),
    "figure": _("Image"),
    "paragraph": _("Paragraph"),
    "Paragraph": _("Paragraph"),
    "heading 2": _("Heading 2"),
    "heading 3": _("Heading 3"),
    "heading 4": _("Heading 4"),
    "Heading 2": _("Heading 2"),
    "Heading 3": _("Heading 3"),
    "Heading 4": _("Heading 4"),
    "List properties": _("List properties"),
    "Edit Link": _("Edit the link"),
    "URL": _("Address (URL)"),
    "Title": _("Title"),
    "Update": _("Update"),
    "Insert": _("Insert"),
    "Cancel": _("Cancel"),
}


@register.simple_tag
def editor_labels() -> SafeString:
    """The editor's labels in the page language, as a JSON script (id "editor-labels")."""
    return json_script(
        {english: str(label) for english, label in EDITOR_LABELS.items()}, "editor-labels"
    )
