from django.urls import path

from . import views_certificates as views

app_name = "certificates"

urlpatterns = [
    path("issuer.json", views.issuer, name="issuer"),
    path("status/revocation.json", views.status_list, name="status_list"),
    path("cohorts/<int:pk>/", views.cohort_certificates, name="cohort"),
    path("<int:pk>/revoke/", views.certificate_revoke, name="revoke"),
    path("<str:code>/", views.verify, name="verify"),
    path("<str:code>/certificate.pdf", views.certificate_pdf, name="pdf"),
    path("<str:code>/credential.json", views.certificate_json, name="json"),
]
