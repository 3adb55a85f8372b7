"""Certificates: the public verification page and issuer key, the holder's downloads and the
coordinator's list with revoking. Access rules live in courses/access.py."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from courses.access import (
    certificates_revocable_by,
    get_certificate_for_holder,
    get_certificate_for_revoker,
)
from learners.access import get_cohort_for_coordinator

from . import credentials, services
from .models import Certificate


def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone, without signing in: whether the certificate with this code is valid or revoked,
    with the holder's name (the one they go by now), the course and the date, and nothing
    else."""
    certificate = get_object_or_404(
        Certificate.objects.select_related("user").only(
            "code",
            "status",
            "learner_name",
            "course_title",
            "issued_at",
            "revoked_at",
            "user",
            "user__first_name",
            "user__last_name",
            "user__email",
            "user__is_active",
        ),
        code=code.strip().upper(),
        status=Certificate.Status.ISSUED,
    )
    response = render(
        request,
        "courses/certificate_verify.html",
        {
            "certificate": certificate,
            "holder_name": services.certificate_holder_name(certificate=certificate),
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@cache_control(public=True, max_age=3600)
def issuer(request: HttpRequest) -> HttpResponse:
    """Anyone: the issuer profile with the public key that signs every credential."""
    return JsonResponse(
        credentials.issuer_profile(),
        content_type="application/ld+json",
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )


@cache_control(public=True, max_age=300)
def status_list(request: HttpRequest) -> HttpResponse:
    """Anyone: the signed revocation list (W3C Bitstring Status List) that every credential's
    `credentialStatus` points to; a revoked certificate's bit is set. Bits only, no names."""
    revoked = Certificate.objects.filter(
        status=Certificate.Status.ISSUED, revoked_at__isnull=False
    ).values_list("pk", flat=True)
    return JsonResponse(
        credentials.status_list_credential(revoked_indexes=list(revoked), now=timezone.now()),
        content_type="application/vc+ld+json",
        json_dumps_params={"ensure_ascii": False},
    )


def certificate_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The holder only (signed in): their certificate as PDF, with their current name."""
    if not request.user.is_authenticated:
        raise Http404
    certificate = get_certificate_for_holder(request.user, code)
    pdf = services.certificate_pdf(certificate=certificate)
    if pdf is None:
        return render(
            request,
            "403.html",
            {"reason": _("PDF output is not available on this server right now.")},
            status=503,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    return response


def certificate_json(request: HttpRequest, code: str) -> HttpResponse:
    """The holder only (signed in): their signed Open Badges 3.0 credential (JSON-LD), with
    their current name."""
    if not request.user.is_authenticated:
        raise Http404
    certificate = get_certificate_for_holder(request.user, code)
    credential = services.certificate_credential(certificate=certificate)
    response = HttpResponse(
        json.dumps(credential, ensure_ascii=False, indent=2),
        content_type="application/ld+json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="credential-{certificate.code}.json"'
    return response


def cohort_certificates(request: HttpRequest, pk: int) -> HttpResponse:
    """Coordinators of the cohort and the superuser: the cohort's certificates."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    cohort = get_cohort_for_coordinator(request.user, pk)
    certificates = list(
        certificates_revocable_by(request.user)
        .filter(cohort=cohort)
        .select_related("user", "course")
        .order_by("-issued_at", "-pk")
    )
    return render(
        request,
        "courses/certificate_list.html",
        {"cohort": cohort, "certificates": certificates},
    )


def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Coordinators of the holder's cohort and the superuser: revoke with a reason (400 and
    nothing saved without one)."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    certificate = get_certificate_for_revoker(request.user, pk)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            services.certificate_revoke(
                certificate=certificate, by=request.user, reason=request.POST.get("reason", "")
            )
        except services.CertificateError as exc:
            error = exc.message
            status = 400
        else:
            if certificate.cohort_id:
                return redirect("certificates:cohort", pk=certificate.cohort_id)
            return redirect("certificates:verify", code=certificate.code)
    return render(
        request,
        "courses/certificate_revoke.html",
        {"certificate": certificate, "error": error, "reason": request.POST.get("reason", "")},
        status=status,
    )
