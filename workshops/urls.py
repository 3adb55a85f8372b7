from django.urls import path

from . import views, views_marking, views_peer, views_sessions

app_name = "workshops"

urlpatterns = [
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/draft/", views.draft_save, name="draft"),
    path("<int:pk>/experiments/new/", views.experiment_start, name="experiment_start"),
    path("experiments/<int:pk>/", views.experiment_detail, name="experiment"),
    path("experiments/<int:pk>/edit/", views.experiment_edit, name="experiment_edit"),
    path("experiments/<int:pk>/pivot/", views.experiment_pivot, name="experiment_pivot"),
    path("experiments/<int:pk>/cycle/", views.experiment_new_cycle, name="experiment_cycle"),
    path("experiments/<int:pk>/extensions/", views.extension_grant, name="extension_grant"),
    path("experiments/<int:pk>/run-log/", views.runlog_add, name="runlog_add"),
    path("run-log/<int:pk>/photo/", views.runlog_photo, name="runlog_photo"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission_detail"),
    path("submissions/<int:pk>/diff/", views.submission_diff, name="submission_diff"),
    path("submissions/<int:pk>/review/", views.review, name="review"),
    path("submissions/<int:pk>/review/draft/", views.review_draft, name="review_draft"),
    path("experiments/<int:pk>/phases/<int:phase>/thread/", views.thread, name="thread"),
    path("files/<int:pk>/download/", views.file_download, name="file_download"),
    path("files/<int:pk>/preview/", views.file_preview, name="file_preview"),
    path("reviews/", views.review_queue, name="review_queue"),
    path("reviews/balance/", views_marking.auto_balance, name="marking_balance"),
    path("reviews/release/", views_marking.release_many, name="marking_release_many"),
    path("submissions/<int:pk>/allocate/", views_marking.allocate, name="marking_allocate"),
    path("submissions/<int:pk>/check/", views_marking.check, name="marking_check"),
    path("submissions/<int:pk>/send-back/", views_marking.send_back, name="marking_send_back"),
    path("submissions/<int:pk>/release/", views_marking.release, name="marking_release"),
    path("<int:pk>/marking/", views_marking.settings, name="marking_settings"),
    path("peer/", views_peer.peer_review_list, name="peer_review_list"),
    path("peer/<int:pk>/", views_peer.peer_review, name="peer_review"),
    path("peer/<int:pk>/files/<int:index>/", views_peer.peer_file, name="peer_file"),
    path("peer/<int:pk>/useful/", views_peer.peer_useful, name="peer_useful"),
    path("assignments/<int:pk>/peer/", views_peer.peer_settings, name="peer_settings"),
    path("cohorts/<int:cohort_pk>/sessions/", views_sessions.session_list, name="session_list"),
    path(
        "cohorts/<int:cohort_pk>/sessions/new/",
        views_sessions.session_create,
        name="session_create",
    ),
    path("sessions/<int:pk>/edit/", views_sessions.session_edit, name="session_edit"),
    path(
        "sessions/<int:pk>/attendance/",
        views_sessions.session_attendance,
        name="session_attendance",
    ),
    path(
        "session-materials/<int:pk>/",
        views_sessions.session_material,
        name="session_material",
    ),
    path(
        "session-materials/<int:pk>/delete/",
        views_sessions.session_material_delete,
        name="session_material_delete",
    ),
    path("sessions/", views_sessions.my_sessions, name="my_sessions"),
    path("calendar/renew/", views_sessions.calendar_renew, name="calendar_renew"),
    path("calendar/<str:token>.ics", views_sessions.calendar_feed, name="calendar_feed"),
]
