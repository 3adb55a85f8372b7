from django.urls import path

from . import views

app_name = "workshops"

urlpatterns = [
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission_detail"),
    path("submissions/<int:pk>/review/", views.review, name="review"),
    path("files/<int:pk>/download/", views.file_download, name="file_download"),
    path("reviews/", views.review_queue, name="review_queue"),
]
