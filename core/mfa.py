"""Two-factor authentication is required of staff: instructors, coordinators and superusers.

With ALUEAGENTTI_REQUIRE_STAFF_MFA on (the production default), a staff person signed in without
an authenticator app (TOTP) or a security key (WebAuthn) is sent to allauth's two-factor page
before any other page, the Django admin included; only their own account pages (sign-out,
password, email, the two-factor setup itself), the language switch, the health probe and static
files stay open. Learners are never asked. `make run`'s demo and the tests run with the rule off
unless a test turns it on.

`mfa_enforced_elsewhere` is the hook for an organisation whose identity provider already
requires a second factor: when it answers True, the person is not asked again here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .access import STAFF_ROLES, has_role

# The second factors that count; recovery codes alone are a fallback, not a factor.
FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def is_staff_person(user: Any) -> bool:
    """Instructors and coordinators of any cohort, Django staff and superusers."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.is_staff or any(has_role(user, r) for r in STAFF_ROLES))
    )


def has_second_factor(user: Any) -> bool:
    return Authenticator.objects.filter(user=user, type__in=FACTORS).exists()


def mfa_enforced_elsewhere(user: Any, request: HttpRequest | None = None) -> bool:
    """True when this session was signed in through the person's organisation's identity
    provider and that provider enforces a second factor itself (`idp_enforces_mfa`, core/oidc.py).
    A password sign-in by the same person is asked as anyone else."""
    from core.oidc import SESSION_KEY, enabled_organisations

    session = getattr(request, "session", None)
    organisation_pk = session.get(SESSION_KEY) if session is not None else None
    if not organisation_pk:
        return False
    return enabled_organisations().filter(pk=organisation_pk, idp_enforces_mfa=True).exists()


def needs_mfa_setup(user: Any, request: HttpRequest | None = None) -> bool:
    """Whether this signed-in person must set up a second factor before going on."""
    return (
        is_staff_person(user)
        and not has_second_factor(user)
        and not mfa_enforced_elsewhere(user, request)
    )


class StaffMfaMiddleware:
    """Send staff without a second factor to set one up (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def open_prefixes(self) -> tuple[str, ...]:
        if self._open is None:
            accounts = reverse("account_login").rstrip("/").rsplit("/", 1)[0] + "/"
            self._open = tuple(
                prefix
                for prefix in (
                    accounts,  # allauth: sign-out, password, email, two-factor setup
                    reverse("core:set_language"),
                    reverse("core:healthz"),
                    settings.STATIC_URL,
                    settings.MEDIA_URL,
                )
                if prefix
            )
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            getattr(settings, "ALUEAGENTTI_REQUIRE_STAFF_MFA", False)
            and request.user.is_authenticated
            and not request.path_info.startswith(self.open_prefixes())
            and needs_mfa_setup(request.user, request)
        ):
            return self.refuse(request)
        return self.get_response(request)

    def refuse(self, request: HttpRequest) -> HttpResponse:
        target = reverse("mfa_index")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        messages.warning(
            request,
            _(
                "Staff accounts need two-factor authentication. Set up an authenticator app "
                "or a security key to continue."
            ),
        )
        if request.headers.get("HX-Request") == "true":
            # An htmx request would swap the setup page into a fragment: send the browser there.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
