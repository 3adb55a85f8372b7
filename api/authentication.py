"""How an API caller is known: a personal access token (`Authorization: Bearer …`) or, for the
documentation page and a person trying the API in their browser, the signed-in session."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from . import services

SessionAuthentication = authentication.SessionAuthentication


class TokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).decode(errors="replace")
        parts = header.split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as 'Authorization: Bearer <token>'.")
            )
        token = services.token_authenticate(parts[1])
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid or it was revoked."))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # A 401 (not 403) for a call without credentials, with the scheme to use.
        return 'Bearer realm="api"'
