"""Sign-in with the organisation's own account: OpenID Connect, one identity provider per
organisation.

Each organisation with `oidc_enabled` is served to allauth's `openid_connect` provider as an app
of its own (`provider_id` "org-<pk>", built from the row by `social_app`, never stored), so its
callback address is /accounts/oidc/org-<pk>/login/callback/. The login page asks for an email
address and `organisation_for_email` routes it by domain to the organisation's provider.

The provider is trusted only for what it vouches for (`check_sign_in`): the ID token must come
from the issuer configured here, the email address must be marked verified (`email_verified`)
and belong to one of the organisation's own domains, and an invitation in the session must be
for exactly that address. Nothing is ever linked by a name.
"""

from __future__ import annotations

import os
import re
from typing import Any

from allauth.core.internal.datakit import parse_bool_safely
from allauth.socialaccount.models import SocialApp
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.ids import parse_id
from core.models import Organisation

PROVIDER_PREFIX = "org-"
# The organisation whose provider signed this session in (core.mfa reads it).
SESSION_KEY = "signed_in_through_organisation"
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ENV_NAME = re.compile(r"^ALUEAGENTTI_OIDC_[A-Z0-9_]+$")


class SignInRefused(Exception):
    """A sign-in through an organisation's provider that must not go on; `message` says why."""

    def __init__(self, message: str, *, status: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def parse_domains(text: str) -> list[str]:
    return [d.strip().lower().lstrip("@") for d in re.split(r"[\s,;]+", text or "") if d.strip()]


def normalise_issuer(url: str) -> str:
    return (url or "").strip().rstrip("/")


def provider_id_for(organisation: Organisation) -> str:
    return f"{PROVIDER_PREFIX}{organisation.pk}"


def enabled_organisations() -> Any:
    return Organisation.objects.filter(oidc_enabled=True).exclude(oidc_issuer="")


def organisation_for_provider_id(provider_id: str) -> Organisation | None:
    if not provider_id.startswith(PROVIDER_PREFIX):
        return None
    pk = parse_id(provider_id.removeprefix(PROVIDER_PREFIX))
    return enabled_organisations().filter(pk=pk).first() if pk is not None else None


def organisation_for_email(email: str) -> Organisation | None:
    """The organisation whose provider serves this address's domain (one query)."""
    domain = email.rpartition("@")[2].strip().lower()
    if not domain:
        return None
    for organisation in enabled_organisations().exclude(email_domains=""):
        if domain in parse_domains(organisation.email_domains):
            return organisation
    return None


def client_secret(organisation: Organisation) -> str:
    """The secret from the named environment variable when there is one, else the stored one."""
    if organisation.oidc_secret_env:
        return os.environ.get(organisation.oidc_secret_env, "")
    return organisation.oidc_secret


def social_app(organisation: Organisation) -> SocialApp:
    """The organisation's provider as an (unsaved) allauth app of the openid_connect provider."""
    return SocialApp(
        provider="openid_connect",
        provider_id=provider_id_for(organisation),
        name=organisation.name,
        client_id=organisation.oidc_client_id,
        secret=client_secret(organisation),
        settings={
            "server_url": normalise_issuer(organisation.oidc_issuer),
            "oauth_pkce_enabled": True,
            # A person already here is found by an address the provider vouches for.
            "email_authentication": True,
            "verified_email": False,
        },
    )


def social_apps(*, provider_id: str | None = None) -> list[SocialApp]:
    organisations = enabled_organisations()
    if provider_id is not None:
        organisation = organisation_for_provider_id(provider_id)
        return [social_app(organisation)] if organisation is not None else []
    return [social_app(o) for o in organisations]


def organisation_for_sociallogin(sociallogin: Any) -> Organisation | None:
    app = getattr(getattr(sociallogin, "provider", None), "app", None)
    return organisation_for_provider_id(app.provider_id or "") if app is not None else None


def validate_organisation(organisation: Organisation) -> None:
    """The admin's checks: an enabled provider is complete, its domains are valid and no other
    organisation serves them, and a secret's variable is one of ours (so the admin cannot send
    the site's own secrets, DJANGO_SECRET_KEY say, to a server of their choosing)."""
    errors: dict[str, Any] = {}
    domains = parse_domains(organisation.email_domains)
    bad = [d for d in domains if not _DOMAIN.match(d)]
    if bad:
        errors["email_domains"] = gettext_lazy("Not a domain: %(domains)s") % {
            "domains": ", ".join(bad)
        }
    if organisation.oidc_secret_env and not _ENV_NAME.match(organisation.oidc_secret_env):
        errors["oidc_secret_env"] = gettext_lazy(
            "The variable's name must start with ALUEAGENTTI_OIDC_ and have only capital "
            "letters, digits and underscores."
        )
    if organisation.oidc_enabled:
        if not organisation.oidc_issuer:
            errors["oidc_issuer"] = gettext_lazy("An enabled sign-in needs the issuer URL.")
        if not organisation.oidc_client_id:
            errors["oidc_client_id"] = gettext_lazy("An enabled sign-in needs the client ID.")
        if not domains:
            errors["email_domains"] = gettext_lazy(
                "An enabled sign-in needs at least one email domain."
            )
        elif not bad:
            others = enabled_organisations().exclude(pk=organisation.pk).exclude(email_domains="")
            taken = sorted(
                {d for o in others for d in parse_domains(o.email_domains) if d in domains}
            )
            if taken:
                errors["email_domains"] = gettext_lazy(
                    "Another organisation's sign-in already serves %(domains)s."
                ) % {"domains": ", ".join(taken)}
    if errors:
        raise ValidationError(errors)


def _claims(extra_data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    id_token = extra_data.get("id_token") or {}
    userinfo = extra_data.get("userinfo") or {}
    return id_token, userinfo


def check_sign_in(
    *,
    organisation: Organisation,
    extra_data: dict[str, Any],
    invitation: Any,
    existing: bool,
) -> str:
    """The verified email address the provider vouched for; SignInRefused if it must not go on.

    `extra_data` is what allauth read: the decoded ID token and the userinfo answer.
    """
    id_token, userinfo = _claims(extra_data)
    issuer = normalise_issuer(str(id_token.get("iss", "")))
    expected = normalise_issuer(organisation.oidc_issuer)
    if issuer != expected:
        raise SignInRefused(
            _(
                "The sign-in service answered as %(issuer)s, not as %(organisation)s's own "
                "service. For your safety the sign-in was refused; please tell your coordinator."
            )
            % {"issuer": issuer or "?", "organisation": organisation.name}
        )
    # The ID token is signed by the issuer; userinfo may only add to it for the same subject.
    if userinfo and str(userinfo.get("sub", "")) != str(id_token.get("sub", "")):
        raise SignInRefused(_("The sign-in service gave two different people. Try again."))
    claims = {**userinfo, **id_token} if "email" in id_token else {**id_token, **userinfo}
    email = str(claims.get("email") or "").strip().lower()
    if not email or not parse_bool_safely(claims.get("email_verified")):
        raise SignInRefused(
            _(
                "%(organisation)s's sign-in service did not confirm your email address, so it "
                "cannot be linked to an account here. Sign in with your password, or ask your "
                "organisation's IT support to confirm the address."
            )
            % {"organisation": organisation.name}
        )
    if email.rpartition("@")[2] not in parse_domains(organisation.email_domains):
        raise SignInRefused(
            _(
                "%(email)s is not an address of %(organisation)s, so its sign-in service cannot "
                "vouch for it."
            )
            % {"email": email, "organisation": organisation.name}
        )
    if invitation is not None and invitation.email.lower() != email:
        raise SignInRefused(
            _(
                "This invitation was sent to %(invited)s, but your organisation's account is "
                "%(email)s. Sign in with the account of %(invited)s, or ask your coordinator to "
                "invite %(email)s."
            )
            % {"invited": invitation.email, "email": email}
        )
    if not existing and invitation is None:
        raise SignInRefused(
            _(
                "There is no account for %(email)s yet. Participants join by invitation from "
                "their coordinator: open the link in your invitation email."
            )
            % {"email": email}
        )
    return email


def authorisation_url(
    request: HttpRequest, *, organisation: Organisation, email: str, next_url: str | None
) -> str:
    """Start the authorisation code flow (with PKCE) at the organisation's provider and return
    the address to send the browser to. The provider's discovery document is read first: one
    that names another issuer is refused before anyone types a password there."""
    import requests
    from allauth.socialaccount.adapter import get_adapter

    provider = get_adapter(request).get_provider(request, provider_id_for(organisation))
    oauth2_adapter = provider.get_oauth2_adapter(request)
    unreachable = SignInRefused(
        _(
            "%(organisation)s's sign-in service did not answer. Try again in a moment, or sign "
            "in with your password."
        )
        % {"organisation": organisation.name},
        status=502,
    )
    try:
        issuer = normalise_issuer(str(oauth2_adapter.openid_config.get("issuer", "")))
    except (requests.RequestException, ValueError, AttributeError):
        raise unreachable from None
    if issuer != normalise_issuer(organisation.oidc_issuer):
        raise SignInRefused(
            _(
                "The sign-in service at %(url)s names itself %(issuer)s, not the issuer set for "
                "%(organisation)s. For your safety the sign-in was refused; please tell your "
                "coordinator."
            )
            % {
                "url": organisation.oidc_issuer,
                "issuer": issuer or "?",
                "organisation": organisation.name,
            }
        )
    # The discovery document just read is used again instead of being fetched twice.
    provider.get_oauth2_adapter = lambda request: oauth2_adapter
    try:
        response = provider.redirect(
            request, process="login", next_url=next_url, auth_params={"login_hint": email}
        )
    except (requests.RequestException, KeyError, ValueError):
        raise unreachable from None
    return str(response["Location"])
