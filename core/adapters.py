import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.mfa.stages import AuthenticateStage
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is closed unless ACCOUNT_OPEN_SIGNUP is set: people join by invitation.

    The invitation and enrolment-code rules (which open sign-up and join a cohort) are added by
    learners.adapters.AccountAdapter, the configured ACCOUNT_ADAPTER, so that `core` imports no
    domain app; this class holds the mail, sign-in stages and organisation sign-in parts.
    """

    def _invitation(self, request: HttpRequest) -> Any:
        """The usable invitation in the session, if any (learners.adapters knows them)."""
        return None

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.ACCOUNT_OPEN_SIGNUP)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """allauth's emails (password reset, address confirmation) in the platform's templates
        and in the person's own language (their profile's), not the browser's that asked."""
        from core.models import User

        user = context.get("user")
        if not isinstance(user, User):
            user = User.objects.filter(email__iexact=email).first()
        language = (user.language if user is not None else "") or translation.get_language()
        context = {
            **context,
            "recipient": user,
            "site_url": settings.SITE_URL,
            "LANGUAGE_CODE": language or settings.LANGUAGE_CODE,
        }
        with translation.override(language or settings.LANGUAGE_CODE):
            super().send_mail(template_prefix, email, context)

    def get_login_stages(self) -> list[str]:
        """allauth's stages, with its second-factor step skipped after a provider that enforces
        one (core.adapters.OrganisationMfaStage)."""
        return [
            "core.adapters.OrganisationMfaStage"
            if path == "allauth.mfa.stages.AuthenticateStage"
            else path
            for path in super().get_login_stages()
        ]

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> Any:
        """After a sign-in through an organisation's provider: remember which one (core.mfa),
        then `after_organisation_sign_in` (which joins the cohort of an invitation)."""
        from core import oidc

        response = super().post_login(request, user, **kwargs)
        sociallogin = (kwargs.get("signal_kwargs") or {}).get("sociallogin")
        organisation = oidc.organisation_for_sociallogin(sociallogin)
        if organisation is None:
            request.session.pop(oidc.SESSION_KEY, None)
            return response
        request.session[oidc.SESSION_KEY] = organisation.pk
        return self.after_organisation_sign_in(request, user, response)

    def after_organisation_sign_in(self, request: HttpRequest, user: Any, response: Any) -> Any:
        """A hook for the apps above core (learners.adapters): the response to go on with."""
        return response


class OrganisationMfaStage(AuthenticateStage):
    """allauth's second-factor step, not asked again of a person who signed in through an
    organisation's provider that enforces two-factor authentication itself."""

    def _should_handle(self, request: HttpRequest) -> bool:
        from core import oidc

        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        organisation = oidc.organisation_for_sociallogin(sociallogin)
        if organisation is not None and organisation.idp_enforces_mfa:
            return False
        return bool(super()._should_handle(request))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Each organisation's identity provider is an openid_connect app (core/oidc.py); a sign-in
    through it goes on only for what the provider vouches for (oidc.check_sign_in)."""

    def list_apps(
        self, request: HttpRequest, provider: Any = None, client_id: Any = None
    ) -> list[Any]:
        from core import oidc

        apps = list(super().list_apps(request, provider=provider, client_id=client_id))
        if provider in (None, "openid_connect"):
            organisation_apps = oidc.social_apps()
        elif str(provider).startswith(oidc.PROVIDER_PREFIX):
            organisation_apps = oidc.social_apps(provider_id=str(provider))
        else:
            organisation_apps = []
        return apps + [a for a in organisation_apps if not client_id or a.client_id == client_id]

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        from allauth.core.exceptions import ImmediateHttpResponse
        from django.shortcuts import render

        from core import oidc

        organisation = oidc.organisation_for_sociallogin(sociallogin)
        if organisation is None:
            return
        try:
            oidc.check_sign_in(
                organisation=organisation,
                extra_data=sociallogin.account.extra_data or {},
                invitation=get_adapter(request)._invitation(request),
                existing=sociallogin.is_existing,
            )
        except oidc.SignInRefused as refusal:
            logger.warning(
                "Sign-in through %s refused: %s", oidc.provider_id_for(organisation), refusal
            )
            raise ImmediateHttpResponse(
                render(
                    request,
                    "account/organisation_sign_in_refused.html",
                    {"organisation": organisation, "reason": refusal.message},
                    status=refusal.status,
                )
            ) from None

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        """A person who joins through their organisation's provider belongs to it, and reads the
        platform in the language of their invitation."""
        from core import oidc

        user = sociallogin.user
        organisation = oidc.organisation_for_sociallogin(sociallogin)
        if organisation is not None and user.organisation_id is None:
            user.organisation = organisation
        invitation = get_adapter(request)._invitation(request)
        if invitation is not None and invitation.language:
            user.language = invitation.language
        return super().save_user(request, sociallogin, form=form)

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        logger.warning(
            "Sign-in through %s failed: %s %r",
            getattr(getattr(provider, "app", None), "provider_id", provider),
            error,
            exception,
        )
        super().on_authentication_error(
            request, provider, error=error, exception=exception, extra_context=extra_context
        )
