import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.stages import AuthenticateStage
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

INVITATION_SESSION_KEY = "invitation_token"
ENROLMENT_CODE_SESSION_KEY = "enrolment_code"
logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is closed unless ACCOUNT_OPEN_SIGNUP is set: people join by invitation.

    An invitation link (or an open cohort's enrolment code) puts its token in the session; while
    it is valid the sign-up form is open, and signing up joins the cohort.
    """

    def _invitation(self, request: HttpRequest) -> Any:
        from learners.services import invitation_for_token

        invitation = invitation_for_token(request.session.get(INVITATION_SESSION_KEY, ""))
        return invitation if invitation is not None and invitation.is_usable else None

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        if settings.ACCOUNT_OPEN_SIGNUP:
            return True
        from learners.services import cohort_for_code

        return self._invitation(request) is not None or (
            cohort_for_code(request.session.get(ENROLMENT_CODE_SESSION_KEY, "")) is not None
        )

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        request = getattr(self, "request", None)
        if request is None or settings.ACCOUNT_OPEN_SIGNUP or not hasattr(request, "session"):
            return email
        invitation = self._invitation(request)
        code = request.session.get(ENROLMENT_CODE_SESSION_KEY, "")
        if invitation is not None and not code and invitation.email.lower() != email.lower():
            raise ValidationError(
                _("Use the address the invitation was sent to: %(email)s")
                % {"email": invitation.email}
            )
        return email

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
        and join the cohort of an invitation in the session when it is for this address."""
        from django.contrib import messages
        from django.shortcuts import redirect

        from core import oidc
        from learners import services

        response = super().post_login(request, user, **kwargs)
        sociallogin = (kwargs.get("signal_kwargs") or {}).get("sociallogin")
        organisation = oidc.organisation_for_sociallogin(sociallogin)
        if organisation is None:
            request.session.pop(oidc.SESSION_KEY, None)
            return response
        request.session[oidc.SESSION_KEY] = organisation.pk
        invitation = self._invitation(request)
        if invitation is not None and services.user_has_email(user, invitation.email):
            try:
                services.invitation_accept(invitation=invitation, user=user)
            except services.EnrolmentError as error:
                messages.error(request, str(error))
                return response
            request.session.pop(INVITATION_SESSION_KEY, None)
            messages.success(
                request, _("Welcome to %(cohort)s!") % {"cohort": invitation.cohort.name}
            )
            return redirect("core:home")
        return response

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        from learners import services

        invitation = self._invitation(request)
        if invitation is not None and invitation.email.lower() == (user.email or "").lower():
            user.language = invitation.language or user.language
        user = super().save_user(request, user, form, commit=commit)
        if not commit:
            return user
        if invitation is not None and invitation.email.lower() == user.email.lower():
            services.invitation_accept(invitation=invitation, user=user)
            request.session.pop(INVITATION_SESSION_KEY, None)
        code = request.session.get(ENROLMENT_CODE_SESSION_KEY, "")
        if code and services.cohort_for_code(code) is not None:
            services.cohort_self_enrol(user=user, code=code)
            request.session.pop(ENROLMENT_CODE_SESSION_KEY, None)
        return user


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
                invitation=AccountAdapter(request)._invitation(request),
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
        invitation = AccountAdapter(request)._invitation(request)
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
