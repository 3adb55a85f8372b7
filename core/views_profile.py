"""A person's own profile: the name others see and the interface language."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from .forms import ProfileForm
from .http import AuthenticatedHttpRequest
from .signals import user_renamed


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Anyone signed in, for their own account only: their first and last name (shown to team
    mates, instructors and coordinators, and printed on certificates) and language."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if {"first_name", "last_name"} & set(form.changed_data):
            # Apps that keep a copy of the name (courses: certificates) follow it.
            user_renamed.send(sender=type(user), user=user)
        translation.activate(user.language)
        messages.success(request, _("Your details were saved."))
        response = redirect("core:profile")
        # The language chooser's cookie follows, so a signed-out page speaks the same.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response
    return render(
        request,
        "core/profile.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )
