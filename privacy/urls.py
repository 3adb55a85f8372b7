from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/archive/", views.export_request, name="export_request"),
    path("my-data/archive/<int:pk>/", views.export_download, name="export_download"),
    path("my-data/erasure/", views.erasure_request, name="erasure_request"),
    path("erasures/", views.erasure_list, name="erasures"),
    path("erasures/request/", views.erasure_request_for, name="erasure_request_for"),
    path("erasures/<int:pk>/erase/", views.erasure_carry_out, name="erasure_carry_out"),
    path("erasures/<int:pk>/cancel/", views.erasure_cancel, name="erasure_cancel"),
    path("notice/", views.privacy_notice, name="notice"),
]
