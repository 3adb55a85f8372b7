"""What a token may do: a read-only token only reads; everyone must be signed in. Which objects a
caller reaches is decided by the apps' access modules, exactly as for the pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request

from .models import ApiToken


class TokenScope(permissions.BasePermission):
    message = _("This token may only read; create a read and write token to make changes.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        return not isinstance(token, ApiToken) or token.can_write
