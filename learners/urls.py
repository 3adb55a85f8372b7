from django.urls import path

from . import views

app_name = "learners"

urlpatterns = [
    path("", views.cohort_list, name="cohort_list"),
    path("new/", views.cohort_create, name="cohort_create"),
    path("<int:pk>/", views.cohort_detail, name="cohort_detail"),
    path("<int:pk>/copy/", views.cohort_copy, name="cohort_copy"),
    path("<int:pk>/settings/", views.cohort_settings, name="cohort_settings"),
    path("<int:pk>/invitations/", views.invitation_list, name="invitations"),
    path("<int:pk>/invitations/upload/", views.invitation_upload, name="invitation_upload"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("overview/", views.cross_cohort, name="cross_cohort"),
    path("<int:pk>/at-risk/", views.at_risk, name="at_risk"),
    path("<int:pk>/summary/", views.dashboard, name="dashboard"),
    path("<int:pk>/phases/", views.funnel, name="funnel"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("report/", views.funder_report, name="funder_report"),
    path("<int:pk>/learners/<int:user_pk>/", views.timeline, name="timeline"),
    path("<int:pk>/learners/<int:user_pk>/nudge/", views.nudge, name="nudge"),
    path("<int:pk>/learners/<int:user_pk>/remove/", views.learner_remove, name="learner_remove"),
    path("<int:pk>/exports/", views.exports, name="exports"),
    path("<int:pk>/exports/<str:what>.<str:fmt>", views.export_download, name="export"),
    path("join/", views.join, name="join"),
    path("join/<str:code>/", views.join, name="join_code"),
]
