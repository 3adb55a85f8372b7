"""`{% organisation_sign_in_form as form %}`: the form of the login page's "Sign in with your
organisation's account", or None while no organisation has connected its provider."""

from typing import Any

from django import template

from core import oidc
from core.forms import OrganisationSignInForm

register = template.Library()


@register.simple_tag(takes_context=True)
def organisation_sign_in_form(context: Any, email: str = "") -> OrganisationSignInForm | None:
    """With `email`, only when an organisation's provider serves that address (an invitation)."""
    if email and oidc.organisation_for_email(email) is None:
        return None
    if not email and not oidc.enabled_organisations().exists():
        return None
    request = context.get("request")
    next_url = request.GET.get("next", "") if request is not None else ""
    return OrganisationSignInForm(initial={"email": email, "next": next_url})
