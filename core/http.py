"""Request types for views (annotations only: Django still passes its own request object), the
language cookie a response sets, and the names downloads are saved under."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, TypeGuard
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.text import slugify

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from core.models import User


class HtmxHttpRequest(HttpRequest):
    """Any request: django-htmx's middleware (installed for every request) adds `htmx`."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """The request of a view behind `login_required` (or `require_role`, or the admin): `user`
    is a signed-in `User`, never `AnonymousUser` (the django-stubs pattern)."""

    user: User


def is_signed_in(request: HttpRequest) -> TypeGuard[AuthenticatedHttpRequest]:
    """`request.user.is_authenticated`, telling the type checker what it means."""
    return request.user.is_authenticated


def set_language_cookie(response: HttpResponseBase, language: str) -> None:
    """The language chooser's cookie set to `language`, as Django's set_language view sets it
    (so signed-out pages in this browser speak it too)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


# Longest slug of one part of a name (a cohort's or a course's name can be 200 characters).
NAME_PART_LENGTH = 60


def download_name(*parts: object, extension: str) -> str:
    """A download's file name: each part (a translated word, a cohort's name, a date) slugified
    with its letters kept, joined by "-": "edistyminen-kevät-2027-2026-12-07.csv".

    Give the words in the reader's language (pgettext with a "file name of ..." context) and the
    object's name, so files of different cohorts or courses can be told apart once saved."""
    words = [slugify(str(part), allow_unicode=True)[:NAME_PART_LENGTH].strip("-") for part in parts]
    stem = "-".join(word for word in words if word) or "download"
    return f"{stem}.{extension}"


def _ascii_name(name: str) -> str:
    """The name in plain ASCII for clients that do not read filename*: ä -> a, and anything a
    quoted header value cannot carry -> "_"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r'[^\x20-\x7e]|["\\]', "_", plain) or "download"


def content_disposition(name: str, *, inline: bool = False) -> str:
    """The Content-Disposition value for a download saved as `name` (RFC 6266): an ASCII
    filename="..." that every client reads and, when the name has other letters (ä, ö, å),
    filename*=UTF-8''... with the name itself, which browsers prefer."""
    kind = "inline" if inline else "attachment"
    fallback = _ascii_name(name)
    if fallback == name:
        return f'{kind}; filename="{name}"'
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
