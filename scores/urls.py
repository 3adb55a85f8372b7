from django.urls import path

from . import views

app_name = "scores"

urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("cohorts/<int:pk>/", views.overview, name="overview"),
    path("cohorts/<int:pk>/export.<str:fmt>", views.export, name="export"),
    path("cohorts/<int:pk>/exports/<int:job_id>/", views.export_job, name="export_job"),
]
