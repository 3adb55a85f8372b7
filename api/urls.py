from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from . import views, views_pages

app_name = "api"

urlpatterns = [
    path("tokens/", views_pages.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views_pages.token_revoke, name="token_revoke"),
    path(
        "v1/schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny]),
        name="schema",
    ),
    path("v1/docs/", views_pages.docs, name="docs"),
    path("v1/cohorts/", views.CohortList.as_view(), name="cohorts"),
    path("v1/cohorts/<int:pk>/", views.CohortDetail.as_view(), name="cohort"),
    path(
        "v1/cohorts/<int:cohort_pk>/memberships/",
        views.MembershipList.as_view(),
        name="memberships",
    ),
    path("v1/cohorts/<int:cohort_pk>/progress/", views.ProgressList.as_view(), name="progress"),
    path(
        "v1/cohorts/<int:cohort_pk>/invitations/",
        views.InvitationListCreate.as_view(),
        name="invitations",
    ),
    path(
        "v1/cohorts/<int:cohort_pk>/announcements/",
        views.AnnouncementListCreate.as_view(),
        name="announcements",
    ),
    path("v1/experiments/", views.ExperimentList.as_view(), name="experiments"),
    path("v1/experiments/<int:pk>/", views.ExperimentDetail.as_view(), name="experiment"),
    path("v1/submissions/", views.SubmissionList.as_view(), name="submissions"),
    path("v1/submissions/<int:pk>/", views.SubmissionDetail.as_view(), name="submission"),
    path("v1/cards/", views.CardList.as_view(), name="cards"),
    path("v1/certificates/<str:code>/", views.CertificateVerify.as_view(), name="certificate"),
    # Last: any other path ending in a slash (a cohort id that is no number, a typo) answers
    # the API's JSON 404, not the site's HTML page. The token pages keep theirs; a path without
    # its slash is still redirected to it first. Not an endpoint, so not in test_access's matrix.
    path("", include([re_path(r"^(?!tokens/)(?:.*/)?$", views.NoRoute.as_view())])),
]
