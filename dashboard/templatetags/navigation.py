"""The navigation bar and the footer of every page (templates/base.html), rendered once per
process for each thing they can show, not on every request (#13).

The bar (templates/includes/_nav.html) reverses some twenty URLs and translates as many labels
for every page: about a millisecond of CPU a page, as much as the bare request itself. What it
prints depends only on the language, the URL prefix, the person's roles, whether they are the
superuser, their unread count, their name and the page's CSRF token; the footer
(templates/includes/_footer.html) on the language, the page's address and the CSRF token. Each
is rendered with markers standing for the person's name, the token and the address, and kept,
split at the markers, under a key of everything else it shows (and the template itself, so a
changed template is rendered anew); a request fills the markers in, escaped as the template
escapes them. tests/dashboard/test_page_cost_nav.py holds the result equal to rendering the
template for the request, for each role, language, count and address.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django import template
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from core.middleware import language_switch_return

register = template.Library()

# Letters and digits only, so that autoescaping leaves them as they are; new each process.
_TOKEN = secrets.token_hex(8)
NAME, CSRF, PATH = (f"navmark{_TOKEN}{n}x" for n in range(3))
_MARKERS = re.compile(f"(navmark{_TOKEN}[0-9]x)")
# Kept renderings; a bounded number (roles x languages x unread counts in use).
_LIMIT = 512
_kept: dict[tuple[Any, ...], list[str]] = {}


class _Person:
    """What the bar reads of the signed-in person, with a marker for the name."""

    def __init__(self, *, is_authenticated: bool, is_superuser: bool) -> None:
        self.is_authenticated = is_authenticated
        self.is_superuser = is_superuser
        self.display_name = NAME


class _Page:
    """What the footer reads of the request, with a marker for the address."""

    def get_full_path(self) -> str:
        return PATH


def _template(name: str) -> Any:
    """The compiled template behind the backend's (the cached loader keeps one per process; a
    reloaded template is a new object, and so a new key)."""
    loaded: Any = get_template(name)
    return loaded.template


def _parts(key: tuple[Any, ...], name: str, context: dict[str, Any]) -> list[str]:
    """The template `name` rendered with `context`, split at the markers (odd items)."""
    found = _kept.get(key)
    if found is None:
        if len(_kept) >= _LIMIT:
            _kept.clear()
        found = _kept[key] = _MARKERS.split(get_template(name).render(context).removesuffix("\n"))
    return found


def _fill(parts: list[str], values: dict[str, str]) -> SafeString:
    return mark_safe(  # noqa: S308 - the kept parts are template output; values are escaped
        "".join(part if n % 2 == 0 else values[part] for n, part in enumerate(parts))
    )


def _csrf(context: template.Context) -> str:
    token = context.get("csrf_token")
    # As {% csrf_token %}: no field without a token, nor for "NOTPROVIDED".
    return str(conditional_escape(token)) if token and token != "NOTPROVIDED" else ""  # noqa: S105


def _count(value: Any) -> int:
    # The context processor's value is lazy, and a lazy object does not pass int() through.
    return int(str(value)) if value else 0


def _where() -> tuple[Any, ...]:
    return (get_language(), get_script_prefix(), get_urlconf())


@register.simple_tag(takes_context=True)
def navigation_bar(context: template.Context) -> SafeString:
    """templates/includes/_nav.html for this request."""
    user: Any = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    flags: tuple[Any, ...] = ()
    if signed_in:
        flags = (
            bool(user.is_superuser),
            bool(context.get("nav_is_learner")),
            bool(context.get("nav_learns")),
            bool(context.get("nav_is_instructor")),
            bool(context.get("nav_is_coordinator")),
            _count(context.get("nav_unread")),
        )
    name = "includes/_nav.html"
    key = (_template(name), *_where(), signed_in, flags)
    csrf = _csrf(context)
    render_with: dict[str, Any] = {"user": _Person(is_authenticated=False, is_superuser=False)}
    if signed_in:
        superuser, learner, learns, instructor, coordinator, unread = flags
        render_with = {
            "user": _Person(is_authenticated=True, is_superuser=superuser),
            "nav_is_learner": learner,
            "nav_learns": learns,
            "nav_is_instructor": instructor,
            "nav_is_coordinator": coordinator,
            "nav_unread": unread,
        }
    # An empty token renders no hidden field: a rendering of its own.
    render_with["csrf_token"] = CSRF if csrf else ""
    parts = _parts((*key, bool(csrf)), name, render_with)
    shown = str(conditional_escape(user.display_name)) if signed_in else ""
    return _fill(parts, {NAME: shown, CSRF: csrf})


@register.simple_tag(takes_context=True)
def page_footer(context: template.Context) -> SafeString:
    """templates/includes/_footer.html for this request."""
    name = "includes/_footer.html"
    csrf = _csrf(context)
    request = context.get("request")
    key = (_template(name), *_where(), bool(csrf), request is not None)
    parts = _parts(
        key,
        name,
        {
            "csrf_token": CSRF if csrf else "",
            "request": _Page() if request is not None else None,
            "LANGUAGE_CODE": get_language(),
        },
    )
    # After a form (a POST) the switcher returns to the page the form was on, not to the form's
    # own address, which would answer 405 (core.middleware.language_switch_return).
    path = str(conditional_escape(language_switch_return(request))) if request is not None else ""
    return _fill(parts, {CSRF: csrf, PATH: path})
