from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("badge/", views.notification_badge, name="badge"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("follow/<str:token>/", views.notification_follow, name="follow"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("settings/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("log/", views.notification_log, name="log"),
    path("log/<int:pk>/resend/", views.notification_resend, name="resend"),
    path("cohorts/<int:cohort_pk>/announcements/", views.announcements, name="announcements"),
]
