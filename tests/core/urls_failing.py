"""The platform's URLs plus one view that fails, with the platform's own error handler."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler500
from config.urls import urlpatterns as platform_urlpatterns

__all__ = ["handler500", "urlpatterns"]


def failing(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [path("failing/", failing), *platform_urlpatterns]
