from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("<int:pk>/", views.course_detail, name="detail"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/complete/", views.item_complete, name="item_complete"),
]
