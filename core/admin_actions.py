"""Admin actions that change state only through the services.

State fields (a submission's status, a marking's state, an email's delivery status, a card's
publication) are read-only in the admin: editing them directly would skip the rules, the
notifications and the history the services keep. Instead, each admin offers the services'
actions; `ask_text` lets an action ask for the one text it needs first (feedback, a reason).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from core.errors import DomainError


class ActionTextForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6, "cols": 80}), max_length=5000)

    def __init__(self, *args: Any, label: str, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label
        self.fields["text"].required = required


def all_fields(model: type[Model]) -> list[str]:
    """Every concrete field of the model, for an admin where nothing is edited by hand."""
    return [field.name for field in model._meta.concrete_fields]


def ask_text(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    title: str,
    label: str,
    button: str,
) -> str | TemplateResponse:
    """The confirmed text, or the page that asks for it (400 with the error when it is empty)."""
    if request.POST.get("confirm") == "1":
        form = ActionTextForm(request.POST, label=label)
        if form.is_valid():
            return str(form.cleaned_data["text"]).strip()
    else:
        form = ActionTextForm(label=label)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "button": button,
        "form": form,
        "objects": list(queryset),
        "opts": modeladmin.model._meta,
        "action": request.POST.get("action", ""),
        "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    status = 400 if form.is_bound else 200
    return TemplateResponse(request, "admin/action_text.html", context, status=status)


def run_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    objects: QuerySet[Any] | list[Any],
    action: Any,
    *,
    done: str,
) -> int:
    """Call `action(obj)` for each object in its own transaction; a domain error skips that
    object with its reason shown, the others go on. Reports how many were done."""
    count = 0
    for obj in objects:
        try:
            with transaction.atomic():
                action(obj)
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.WARNING)
        else:
            count += 1
    if count:
        modeladmin.message_user(request, done % {"n": count}, messages.SUCCESS)
    elif not objects:
        modeladmin.message_user(request, _("Nothing was selected."), messages.WARNING)
    return count
