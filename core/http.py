"""Request types for views (annotations only: Django still passes its own request object)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeGuard

from django.http import HttpRequest

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
