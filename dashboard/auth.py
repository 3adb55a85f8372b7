"""The signed-in person read with the navigation's roles and unread count, in one query.

Every signed-in page reads the person's row (Django's authentication backend, on first use of
`request.user`) and then, for the role guard and the navigation bar, their roles and unread
count (dashboard/selectors.py). Two round trips where one does: these backends read the row
with the navigation's three EXISTS and COUNT as annotations, and the navigation state is kept
on the user object, where `kept_navigation_state` finds it (#13: the cohort table's distance
from its SQL floor was mostly per-page fixed cost).

The state is read when the request first uses `request.user`, that is, before the view writes
anything. A view that changes the person's roles or notifications answers with a redirect, and
the next request reads them afresh (tests/dashboard/test_auth_navigation.py holds both).

Sessions signed in before these backends were installed name Django's and allauth's own
backends; `AuthenticationMiddleware` carries them over to these on their next request instead
of signing the person out. Listing the old backends too would make every failed sign-in hash
the password twice more.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from asgiref.sync import sync_to_async
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth import backends as django_backends
from django.contrib.auth import middleware as django_middleware
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core.models import User

from .selectors import user_with_navigation


class _WithNavigation:
    """`get_user` as ModelBackend's (the active person, or None), in one query with the
    navigation's state."""

    def get_user(self, user_id: Any) -> User | None:
        user = user_with_navigation(user_id)
        if user is None or not self.user_can_authenticate(user):  # type: ignore[attr-defined]
            return None
        return user

    async def aget_user(self, user_id: Any) -> User | None:
        return await sync_to_async(self.get_user)(user_id)


class ModelBackend(_WithNavigation, django_backends.ModelBackend):
    """Django's ModelBackend (sign-in by email and password, permissions), reading the
    signed-in person with the navigation's state."""


class AuthenticationBackend(_WithNavigation, AllauthBackend):
    """allauth's backend (allauth's login prefers it), reading the signed-in person with the
    navigation's state."""


# The backends sessions were signed in with before, and the ones that now read them.
CARRIED_OVER = {
    "django.contrib.auth.backends.ModelBackend": "dashboard.auth.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "dashboard.auth.AuthenticationBackend",
}


def _carry_over(request: HttpRequest) -> None:
    """A session signed in through a backend these replace names its replacement (saved with
    the response, once): the person stays signed in."""
    session = request.session
    if session.session_key is None:  # no session cookie: nothing to read
        return
    old = session.get(BACKEND_SESSION_KEY)
    if old in CARRIED_OVER:
        session[BACKEND_SESSION_KEY] = CARRIED_OVER[old]


def _get_user(request: HttpRequest) -> Any:
    if not hasattr(request, "_cached_user"):
        _carry_over(request)
    return django_middleware.get_user(request)


async def _auser(request: HttpRequest) -> Any:
    if not hasattr(request, "_acached_user"):
        await sync_to_async(_carry_over)(request)
    return await django_middleware.auser(request)


class AuthenticationMiddleware(django_middleware.AuthenticationMiddleware):
    """Django's, carrying a session of a replaced backend over first (see CARRIED_OVER)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _get_user(request))  # type: ignore[assignment]
        request.auser = partial(_auser, request)
