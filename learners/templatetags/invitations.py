"""Invitation helpers for templates: a language's name in the import preview, and the sign-up
form's names filled in from the invitation the person arrived with."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

register = template.Library()


@register.filter
def language_name(code: str) -> str:
    """The name of one of the site's languages (in the page's language): the default's for an
    empty cell, the text itself for one that is not a language (a preview's problem row)."""
    names = dict(settings.LANGUAGES)
    return str(names.get(code or settings.LANGUAGE_CODE, code))


@register.simple_tag(takes_context=True)
def invitation_signup_prefill(context: template.Context, form: Any) -> str:
    """Fill the empty sign-up form's first and last name in from the invitation in the session
    (learners.adapters.AccountAdapter.signup_initial); the person may still change them. A
    posted form keeps what was posted. Prints nothing."""
    request = context.get("request")
    if request is None or form is None or form.is_bound:
        return ""
    from allauth.account.adapter import get_adapter

    signup_initial = getattr(get_adapter(request), "signup_initial", None)
    if signup_initial is None:
        return ""
    for name, value in signup_initial(request).items():
        if value and name in form.fields and not form.initial.get(name):
            form.initial[name] = value
    return ""
