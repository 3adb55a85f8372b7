from django.urls import path

from . import views

app_name = "impact"

urlpatterns = [
    path("experiments/<int:pk>/", views.plan_detail, name="plan"),
    path("experiments/<int:pk>/columns/<str:column>/", views.column, name="column"),
    path("experiments/<int:pk>/statements/", views.statement_add, name="statement_add"),
    path("statements/<int:pk>/edit/", views.statement_edit, name="statement_edit"),
    path("statements/<int:pk>/delete/", views.statement_delete, name="statement_delete"),
    path("statements/<int:pk>/move/", views.statement_move, name="statement_move"),
    path("experiments/<int:pk>/indicators/", views.indicators, name="indicators"),
    path("experiments/<int:pk>/indicators/new/", views.indicator_add, name="indicator_add"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/delete/", views.indicator_delete, name="indicator_delete"),
    path("indicators/<int:pk>/move/", views.indicator_move, name="indicator_move"),
    path("indicators/<int:pk>/measurements/", views.measurement_add, name="measurement_add"),
    path("measurements/<int:pk>/delete/", views.measurement_delete, name="measurement_delete"),
    path("experiments/<int:pk>/history/", views.plan_history, name="history"),
    path("experiments/<int:pk>/plan.pdf", views.plan_pdf, name="pdf"),
    path("submissions/<int:pk>/review/", views.plan_review, name="review"),
]
