"""The site's URLs plus the benchmark's two floors (used only by `make bench`).

F0 is the cheapest page a signed-in person can get through the full middleware stack (session,
authentication, CSP, locale, messages...); F1 adds one indexed SELECT. Every page's time is
reported as a multiple of these, measured in the same process and the same minute.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler500  # noqa: F401
from config.urls import urlpatterns as site_urlpatterns


@login_required
def f0(request: HttpRequest) -> HttpResponse:
    """Anyone signed in: nothing but the middleware's work."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def f1(request: HttpRequest) -> HttpResponse:
    """Anyone signed in: F0 plus one indexed SELECT (the person's memberships)."""
    from learners.models import Membership

    first = Membership.objects.filter(user_id=request.user.pk).values_list("pk", flat=True)[:1]
    return HttpResponse(str(list(first)), content_type="text/plain")


urlpatterns = [path("bench/f0/", f0), path("bench/f1/", f1), *site_urlpatterns]
