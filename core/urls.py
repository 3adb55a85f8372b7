from django.urls import path

from . import views, views_oidc, views_outbox, views_profile, views_uploads

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("uploads/", views_uploads.staged_upload, name="staged_upload"),
    path(
        "uploads/<str:token>/discard/",
        views_uploads.staged_upload_discard_view,
        name="staged_upload_discard",
    ),
    path("accounts/organisation/", views_oidc.organisation_sign_in, name="organisation_sign_in"),
    path("accounts/profile/", views_profile.profile, name="profile"),
    path("background-work/", views_outbox.stuck_work, name="stuck_work"),
    path(
        "background-work/<str:key>/retry/", views_outbox.stuck_work_retry, name="stuck_work_retry"
    ),
]
