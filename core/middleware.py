from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme


class UserLanguageMiddleware:
    """Choose the interface language: the person's saved choice, else the language cookie,
    else Finnish. The browser's Accept-Language is not consulted: the service is Finnish first.
    A language chosen before signing in becomes the saved one at sign-in (core/signals.py).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = settings.LANGUAGE_CODE
        user = getattr(request, "user", None)
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if user is not None and user.is_authenticated and user.language in self.supported:
            language = user.language
        elif cookie in self.supported:
            language = cookie
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response


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
