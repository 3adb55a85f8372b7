"""Request types for views (annotations only: Django still passes its own request object), and
the language cookie a response sets."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeGuard

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

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
