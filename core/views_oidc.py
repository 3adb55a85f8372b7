"""Sign-in with the organisation's own account: route an address to its provider (core/oidc.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core import oidc
from core.forms import OrganisationSignInForm


@require_http_methods(["GET", "POST"])
def organisation_sign_in(request: HttpRequest) -> HttpResponse:
    """Anyone: type your work address and go on to your organisation's sign-in service.

    An address whose domain no organisation's provider serves gets a 400 with a pointer to the
    password sign-in; a provider that does not answer, or names another issuer, a clear 502 or
    403 before the person leaves. The browser is sent on by a page of its own (a meta refresh
    and a link), because the strict Content-Security-Policy (form-action 'self') would block a
    form's redirect to another site.
    """
    data = request.POST if request.method == "POST" else None
    form = OrganisationSignInForm(
        data, initial={"email": request.GET.get("email", ""), "next": request.GET.get("next", "")}
    )
    if data is None or not form.is_valid():
        return render(
            request,
            "account/organisation_sign_in.html",
            {"form": form},
            status=400 if data is not None else 200,
        )
    email = form.cleaned_data["email"].strip().lower()
    next_url = form.cleaned_data["next"] or None
    if next_url and not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = None
    organisation = oidc.organisation_for_email(email)
    if organisation is None:
        form.add_error(
            "email",
            _(
                "No organisation has set up its own sign-in for addresses ending in "
                "@%(domain)s. Sign in with your password instead."
            )
            % {"domain": email.rpartition("@")[2]},
        )
        return render(request, "account/organisation_sign_in.html", {"form": form}, status=400)
    try:
        url = oidc.authorisation_url(
            request, organisation=organisation, email=email, next_url=next_url
        )
    except oidc.SignInRefused as refusal:
        return render(
            request,
            "account/organisation_sign_in_refused.html",
            {"organisation": organisation, "reason": refusal.message},
            status=refusal.status,
        )
    return render(
        request,
        "account/organisation_sign_in_redirect.html",
        {"organisation": organisation, "url": url},
    )
