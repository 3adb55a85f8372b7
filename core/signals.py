"""Receivers of other apps' signals (connected in CoreConfig.ready)."""

from typing import Any

from allauth.account.signals import user_logged_in
from django.conf import settings
from django.dispatch import Signal, receiver
from django.http import HttpRequest
from django.utils import translation

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
    """A language chosen on the sign-in page becomes the person's saved language.

    Signed in, the saved language wins over the cookie (core.middleware.UserLanguageMiddleware),
    so without this a person who chose Swedish before signing in got a Finnish dashboard under
    a Swedish "you have signed in" banner. Only an explicit choice counts: the cookie is set by
    the language switcher alone, and a missing or unknown one changes nothing.
    """
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen not in {code for code, _name in settings.LANGUAGES} or chosen == user.language:
        return
    user.language = chosen
    user.save(update_fields=["language"])
    # The banner allauth adds next is in the same language as the pages after it.
    translation.activate(chosen)
    request.LANGUAGE_CODE = chosen
