from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import available_timezones

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import CalendarDateTimeField

from .models import Mode, Notification, NotificationPreference

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The zones people here live in or travel to, first and with translated names; every other
# zone after them by its region and city (600 raw names alone were hard to use).
COMMON_ZONES = [
    ("Europe/Helsinki", _("Finland (Helsinki)")),
    ("Europe/Stockholm", _("Sweden (Stockholm)")),
    ("Europe/Tallinn", _("Estonia (Tallinn)")),
    ("Europe/Oslo", _("Norway (Oslo)")),
    ("Europe/Copenhagen", _("Denmark (Copenhagen)")),
    ("Europe/Berlin", _("Germany (Berlin)")),
    ("Europe/Brussels", _("Belgium (Brussels)")),
    ("Europe/London", _("United Kingdom (London)")),
    ("Europe/Madrid", _("Spain (Madrid)")),
    ("Atlantic/Canary", _("Canary Islands")),
    ("UTC", _("Coordinated Universal Time (UTC)")),
]


def _zone_label(zone: str) -> str:
    """ "America/Argentina/Buenos_Aires" as "America / Argentina / Buenos Aires"."""
    return zone.replace("_", " ").replace("/", " / ")


def _zone_choices() -> list[tuple[StrOrPromise, object]]:
    """Grouped: the common zones, then every other one (evaluated per form, so the labels are
    in the page's language)."""
    common = {zone for zone, _label in COMMON_ZONES}
    others = sorted(z for z in available_timezones() if z not in common and "/" in z)
    return [
        (_("Common time zones"), list(COMMON_ZONES)),
        (_("Other time zones"), [(z, _zone_label(z)) for z in others]),
    ]


class PreferenceForm(forms.Form):
    """One select per category, plus the time zone digests follow."""

    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_zone_choices)

    def __init__(self, *args: Any, preference: NotificationPreference, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].initial = preference.timezone
        for category, label in Notification.Category.choices:
            self.fields[f"mode_{category}"] = forms.ChoiceField(
                label=label, choices=Mode.choices, initial=preference.mode_for(category)
            )

    def email_modes(self) -> dict[str, str]:
        return {
            category: self.cleaned_data[f"mode_{category}"]
            for category in Notification.Category.values
        }


class AnnouncementForm(forms.Form):
    """A new announcement, with the form's one-time token (a hidden field, a new one each time
    the page is opened): the same form sent again answers with the announcement it already
    sent (services.announcement_create, Announcement.form_token)."""

    form_token = forms.UUIDField(
        widget=forms.HiddenInput,
        required=False,
        error_messages={"invalid": _("This form is out of date. Reload the page and try again.")},
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}))
    send_at = CalendarDateTimeField(
        label=_("Send at"), required=False, help_text=_("Leave empty to send now.")
    )

    def clean_send_at(self) -> Any:
        value = self.cleaned_data.get("send_at")
        if value is not None and value < timezone.now():
            raise forms.ValidationError(_("Choose a time in the future, or leave empty."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.has_error("form_token"):
            # A hidden field's error is not shown next to it: it is said above the form.
            self.add_error(None, self.errors.pop("form_token"))
        return cleaned
