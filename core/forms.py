"""Form pieces every app shares: date inputs that always carry ISO values, and numbers typed
the Finnish way.

A browser's <input type="date"> (and datetime-local, time) takes and shows only ISO values:
given value="01.01.2026" it shows an empty box and blocks the form's first submit. These
widgets render ISO whatever the page language; config/formats also puts ISO first for any
other date widget.

The calendar fields take the days of core.dates' calendar only (1900-2099) and say so in the
person's language; their boxes carry the same `min` and `max`, so the browser's picker stays
within them too.

<input type="number"> cannot take "9,5" in every browser (some drop the comma: 95), so decimal
numbers are typed into a text input with the decimal keyboard (inputmode="decimal") and parsed
here: "9,5", "9.5", "1 234,5" and "−3" are read; "9,5,1" gets a clear error.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.dates import FIRST_DAY, LAST_DAY, within_calendar
from core.models import User

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME = "%Y-%m-%dT%H:%M"
ISO_TIME = "%H:%M"


class IsoDateInput(forms.DateInput):
    """<input type="date"> with an ISO value in every language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATE)


class IsoDateTimeInput(forms.DateTimeInput):
    """<input type="datetime-local"> with an ISO value (minutes) in every language."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATETIME)


class IsoTimeInput(forms.TimeInput):
    """<input type="time"> with an ISO value in every language."""

    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_TIME)


class CalendarDateField(forms.DateField):
    """A day of 1900-2099 in an ISO date box."""

    default_validators = [within_calendar]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            IsoDateInput(attrs={"min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()}),
        )
        super().__init__(**kwargs)


class CalendarDateTimeField(forms.DateTimeField):
    """A moment of 1900-2099 in an ISO date-and-time box (minutes)."""

    default_validators = [within_calendar]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            IsoDateTimeInput(
                attrs={
                    "min": f"{FIRST_DAY.isoformat()}T00:00",
                    "max": f"{LAST_DAY.isoformat()}T23:59",
                }
            ),
        )
        kwargs.setdefault("input_formats", [ISO_DATETIME, "%Y-%m-%d %H:%M"])
        super().__init__(**kwargs)


class DecimalInput(forms.TextInput):
    """A text box with the phone's decimal keyboard, for numbers typed with a comma."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, (Decimal, int, float)):
            return format_decimal(Decimal(str(value)))
        return str(value)  # as typed, when the form comes back with an error


# Spaces people and spreadsheets use to group thousands: space, no-break, narrow no-break, thin.
_GROUPING = re.compile("[ \u00a0\u202f\u2009]")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


def parse_decimal(text: str) -> Decimal:
    """A number as a Finn (or anyone) types it: one decimal comma or point, spaces between
    thousands. Raises ValueError for anything else ("9,5,1", "1.234,5", "abc")."""
    cleaned = _GROUPING.sub("", str(text).strip()).replace("\u2212", "-")
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(text)
    try:
        return Decimal(cleaned.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only numbers
        raise ValueError(text) from exc


def format_decimal(value: Decimal) -> str:
    """The number in a box as the person would type it again: a comma in Finnish and Swedish,
    no trailing zeros ("9,5", "400")."""
    from django.utils import formats

    integral = value.to_integral_value()
    value = integral if value == integral else value.normalize()
    return str(formats.number_format(value, use_l10n=True, force_grouping=False))


class DecimalCommaField(forms.DecimalField):
    """A DecimalField that takes the decimal comma ("9,5") as well as the point, and spaces
    between thousands; the box is a text input with the decimal keyboard."""

    widget = DecimalInput
    default_error_messages = {
        "invalid": _("Enter a number, for example 9,5 or 1 234,5 (one decimal comma)."),
    }

    # Django's DecimalField subclasses IntegerField; the stubs keep IntegerField's return type.
    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            return parse_decimal(str(value))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # A text box: no step/min/max attributes that only a number input understands.
        return forms.Field.widget_attrs(self, widget)


class OrganisationSignInForm(forms.Form):
    """The address that routes a person to their organisation's identity provider."""

    email = forms.EmailField(
        label=_("Work email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": False}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class ProfileForm(forms.ModelForm):
    """A person's own name and interface language (the profile page, core.views_profile)."""

    class Meta:
        model = User
        fields = ["first_name", "last_name", "language"]
        help_texts = {
            "first_name": _("Your team mates, instructors and certificates show your name."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name"):
            self.fields[name].widget.attrs["autocomplete"] = (
                "given-name" if name == "first_name" else "family-name"
            )
        self.helper = FormHelper()
        self.helper.form_tag = False


class SignupNameForm(forms.Form):
    """The name fields of the sign-up form (ACCOUNT_SIGNUP_FORM_CLASS): allauth's adapter
    saves them on the new account. Without them a learner who joined with a code could never
    give a name, and showed as their email everywhere."""

    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )

    def signup(self, request: Any, user: Any) -> None:
        """allauth calls this after saving the account; the adapter has set the names."""
