"""Sign-up by invitation or enrolment code: the account adapter's learners part.

An invitation link (or an open cohort's enrolment code) puts its token in the session; while
it is valid the sign-up form is open, and signing up (or signing in through the person's
organisation's provider) joins the cohort. settings.ACCOUNT_ADAPTER names this class; the mail,
sign-in stage and organisation parts are in core.adapters.AccountAdapter.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from core import adapters

from . import services

INVITATION_SESSION_KEY = "invitation_token"
ENROLMENT_CODE_SESSION_KEY = "enrolment_code"


class AccountAdapter(adapters.AccountAdapter):
    """Sign-up is closed unless ACCOUNT_OPEN_SIGNUP is set: people join by invitation.

    An invitation link (or an open cohort's enrolment code) puts its token in the session; while
    it is valid the sign-up form is open, and signing up joins the cohort.
    """

    def _invitation(self, request: HttpRequest) -> Any:
        invitation = services.invitation_for_token(request.session.get(INVITATION_SESSION_KEY, ""))
        return invitation if invitation is not None and invitation.is_usable else None

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        if settings.ACCOUNT_OPEN_SIGNUP:
            return True
        return self._invitation(request) is not None or (
            services.cohort_for_code(request.session.get(ENROLMENT_CODE_SESSION_KEY, ""))
            is not None
        )

    def signup_initial(self, request: HttpRequest) -> dict[str, str]:
        """What the sign-up form starts with for someone who came through an invitation: the
        first and last name the coordinator gave (templates/account/signup.html); they may
        change them."""
        if not hasattr(request, "session"):
            return {}
        invitation = self._invitation(request)
        if invitation is None:
            return {}
        return {"first_name": invitation.first_name, "last_name": invitation.last_name}

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

    def after_organisation_sign_in(self, request: HttpRequest, user: Any, response: Any) -> Any:
        """Join the cohort of an invitation in the session when it is for this address."""
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
        invitation = self._invitation(request)
        # allauth fills in user.email inside super().save_user, so the address to compare is
        # the one the form validated (clean_email held it to the invitation's).
        email = form.cleaned_data.get("email") or user.email or ""
        if invitation is not None and invitation.email.lower() == email.lower():
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
