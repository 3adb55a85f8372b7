from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the HR system or the intranet's gallery."),
    )
    scope = forms.ChoiceField(
        label=_("Permissions"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
    )
