from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

# The language of the person a signed link in an email was sent to, kept in a signed-out
# visitor's session by the page the link opens (notifications' follow link), so the sign-in page
# it leads to and the pages after it speak the email's language (use_link_language).
LINK_LANGUAGE_SESSION_KEY = "link_language"
# A language a signed-out visitor chose with the switcher (its cookie, set in this visit): the
# one choice that signing in saves as the person's language (core/signals.py). The cookie alone
# does not tell it: it is also set at every sign-in, to the language of whoever signed in last
# in this browser, which must not become the next person's.
LANGUAGE_CHOSEN_SESSION_KEY = "language_chosen"


def _supported() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def _reader_chose_language(request: HttpRequest) -> bool:
    """Whether the reader has a language of their own: their saved one, signed in, or the
    language cookie (the switcher, their profile, their last sign-in in this browser)."""
    supported = _supported()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in supported:
        return True
    return request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in supported


class UserLanguageMiddleware:
    """Choose the interface language: the person's saved choice, else the language cookie,
    else the language of the email link a signed-out visitor came from (use_link_language),
    else Finnish. The browser's Accept-Language is not consulted: the service is Finnish first.
    A language chosen before signing in becomes the saved one at sign-in (core/signals.py).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = _supported()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = settings.LANGUAGE_CODE
        user = getattr(request, "user", None)
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if user is not None and user.is_authenticated and user.language in self.supported:
            language = user.language
        elif cookie in self.supported:
            language = cookie
        elif (
            user is not None
            and not user.is_authenticated
            and hasattr(request, "session")
            and request.session.get(LINK_LANGUAGE_SESSION_KEY) in self.supported
        ):
            language = request.session[LINK_LANGUAGE_SESSION_KEY]
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        # The view may have chosen another (use_link_language, a sign-in: core/signals.py).
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        self.note_choice_before_sign_in(request, response)
        patch_vary_headers(response, ["Cookie"])
        return response

    def note_choice_before_sign_in(self, request: HttpRequest, response: HttpResponse) -> None:
        """A signed-out answer that sets the language cookie is the switcher's (core:
        set_language; a sign-in's answer is a signed-in one): the session keeps the choice, as
        signing in keeps the session's data."""
        cookie = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
        user = getattr(request, "user", None)
        if (
            cookie is not None
            and cookie.value in self.supported
            and user is not None
            and not user.is_authenticated
            and hasattr(request, "session")
        ):
            request.session[LANGUAGE_CHOSEN_SESSION_KEY] = cookie.value


def use_link_language(request: HttpRequest, language: str, *, remember: bool = False) -> None:
    """Speak `language` on this page: the language of the person a signed link in an email was
    sent to (an unsubscribe or follow link), for a reader who has none of their own (signed
    out, no language cookie). It tells whoever holds the link that language and nothing else.
    With `remember`, the signed-out visitor's session keeps it for the pages after this one
    (the sign-in page a follow link leads to); signing in, their saved language takes over.
    """
    if language not in _supported() or _reader_chose_language(request):
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language
    if not remember:
        return
    # Nothing is written for the default language unless it replaces another link's.
    if request.session.get(LINK_LANGUAGE_SESSION_KEY, settings.LANGUAGE_CODE) != language:
        request.session[LINK_LANGUAGE_SESSION_KEY] = language


def language_switch_return(request: HttpRequest) -> str:
    """Where the footer's language switcher returns to (its `next`): this page's address, but
    for the page that answered a form (a POST) the page the form was on, as its own address
    takes nothing but the form and would answer 405. That is the Referer when it is on this
    site and not this same address (a form sent again from its own answer); else the dashboard.
    """
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("referer", "")
    if url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        came_from = urlsplit(referer)
        if came_from.path and came_from.path != request.path:
            return urlunsplit(("", "", came_from.path, came_from.query, ""))
    return reverse("core:home")


class HealthCheckMiddleware:
    """Answer the health probe (`/healthz`) before any other middleware.

    A probe inside the container or from a load balancer calls the address by IP and over plain
    HTTP. Answered here, it is neither refused by the host check (only the real domain is in
    ALLOWED_HOSTS) nor redirected to HTTPS by SecurityMiddleware. The view is the same one the
    URL `core:healthz` serves; it reads nothing from the request's host.
    """

    PATH = "/healthz"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == self.PATH and request.method in ("GET", "HEAD"):
            from core.views import healthz

            return healthz(request)
        return self.get_response(request)
