from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language


def home(request: HttpRequest) -> HttpResponse:
    """Anyone: the home page, which the top app composes from the domain apps
    (settings.HOME_VIEW, the dashboard); `core` imports none of them, so the URL stays here
    under its old name (`core:home`) and the view is looked up by its dotted path."""
    view: Callable[[HttpRequest], HttpResponse] = import_string(settings.HOME_VIEW)
    return view(request)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Anyone: switch the interface language; a signed-in person's choice is saved on them."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(
        request.user._meta.get_field("language").choices or ()
    ):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    """Anyone (load balancers, compose health checks): JSON with the database, the broker, the
    worker heartbeat and late background work (core.outbox.health); 200 when ok or degraded,
    503 when the database does not answer."""
    from django.http import JsonResponse

    from .outbox import health

    report = health()
    response = JsonResponse(report, status=503 if report["status"] == "down" else 200)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Anyone whose request failed (handler500): the static error page with the request id, so
    the person can quote it and support can find the request's log lines. Renders without the
    request's context, which may be what failed."""
    from django.template import loader

    from .requestid import current

    html = loader.get_template("500.html").render({"request_id": current()})
    return HttpResponse(html, status=500)
