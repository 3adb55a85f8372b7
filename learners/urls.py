from django.urls import path

from . import views

app_name = "learners"

urlpatterns = [
    path("", views.cohort_list, name="cohort_list"),
    path("<int:pk>/", views.cohort_detail, name="cohort_detail"),
]
