"""Receivers of other apps' signals (connected in CoreConfig.ready)."""

from typing import Any

from allauth.account.signals import user_logged_in
from django.conf import settings
from django.dispatch import Signal, receiver
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation

from .http import set_language_cookie
from .middleware import LANGUAGE_CHOSEN_SESSION_KEY

# Sent by the profile page after a person changed their first or last name (keyword `user`):
# an app that keeps a copy of the name (courses: the name printed on certificates) follows.
user_renamed = Signal()

# Sent after a person's organisation (their municipality) changed and was saved, in the
# transaction of the change (keyword `user`): by the admin's user form and by accepting an
# invitation that names one. An app that keeps a copy of it follows in that transaction
# (portfolio: the search index of the cards of the person's teams; learners: the progress
# rows the cohort summary counts per organisation). Core imports no app, so they connect.
user_organisation_changed = Signal()


@receiver(user_logged_in, dispatch_uid="core.keep_language_chosen_before_sign_in")
def keep_language_chosen_before_sign_in(
    sender: type, request: HttpRequest, user: Any, **kwargs: Any
) -> None:
    """Sign-in speaks the person's language from its "you have signed in" banner on.

    A language chosen with the switcher on the sign-in page, in this signed-out visit (the
    session notes it: core.middleware.LANGUAGE_CHOSEN_SESSION_KEY), becomes their saved
    language: signed in, the saved language wins over the cookie (UserLanguageMiddleware), so
    without this a person who chose Swedish before signing in got a Finnish dashboard under a
    Swedish banner. Otherwise their saved language is used, from the banner on, and the cookie
    is set to it, so the pages after signing out speak it too. A cookie left by an earlier
    sign-in in this browser (perhaps someone else's) is no choice and changes nothing saved.
    """
    supported = {code for code, _name in settings.LANGUAGES}
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    # Chosen with the switcher in this signed-out visit, not just left by the last sign-in here.
    chosen = cookie if cookie == request.session.pop(LANGUAGE_CHOSEN_SESSION_KEY, None) else None
    if chosen in supported:
        language = chosen
        if chosen != user.language:
            user.language = chosen
            user.save(update_fields=["language"])
    else:
        language = user.language if user.language in supported else settings.LANGUAGE_CODE
        response = kwargs.get("response")
        if cookie != language and isinstance(response, HttpResponseBase):
            set_language_cookie(response, language)
    # The banner allauth adds next is in the same language as the pages after it.
    translation.activate(language)
    request.LANGUAGE_CODE = language
