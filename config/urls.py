from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

# The admin signs in through allauth, so its login gets the same rate limits and MFA (wrapping
# the site's login method in place, which mypy reports as assigning to a method).
admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

# The error page names the request id, which a person can quote to support (core/requestid.py).
handler500 = "core.views.server_error"

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("core.urls")),
    path("courses/", include("courses.urls")),
    path("certificates/", include("courses.urls_certificates")),
    path("cohorts/", include("learners.urls")),
    path("workshops/", include("workshops.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("portfolio.urls")),
    path("impact/", include("impact.urls")),
    path("discussions/", include("discussions.urls")),
    path("scores/", include("scores.urls")),
    path("privacy/", include("privacy.urls")),
    path("api/", include("api.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
