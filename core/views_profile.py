"""A person's own profile: the name others see and the interface language."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from .forms import ProfileForm
from .http import AuthenticatedHttpRequest, set_language_cookie
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
        set_language_cookie(response, user.language)
        return response
    return render(
        request,
        "core/profile.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )
