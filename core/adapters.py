from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

INVITATION_SESSION_KEY = "invitation_token"
ENROLMENT_CODE_SESSION_KEY = "enrolment_code"


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
