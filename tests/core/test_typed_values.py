"""Dates and numbers as people type them (#11 items 6 and 8).

A browser's date input takes only ISO values: value="01.01.2026" shows an empty box and blocks
the first submit. Every date, datetime-local and time input in the project renders ISO in every
language and submits as is. Decimal numbers take the Finnish decimal comma ("9,5" was stored
as 95) as well as the point and spaces between thousands, and "9,5,1" is a clear error.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation

from core.forms import DecimalCommaField, parse_decimal

pytestmark = pytest.mark.django_db

FORM_MODULES = [
    "core.forms",
    "courses.forms",
    "learners.forms",
    "workshops.forms",
    "impact.forms",
    "notifications.forms",
    "portfolio.forms",
]
ISO = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "datetime-local": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"),
    "time": re.compile(r"^\d{2}:\d{2}$"),
}
SAMPLE = {
    forms.DateField: datetime.date(2026, 1, 1),
    forms.DateTimeField: datetime.datetime(2026, 12, 6, 7, 6, tzinfo=ZoneInfo("Europe/Helsinki")),
    forms.TimeField: datetime.time(9, 0),
}


def project_form_fields():
    """(form name, field name, field) for every field declared on the project's form classes."""
    found = []
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module_name or not issubclass(cls, forms.BaseForm):
                continue
            for field_name, field in cls.base_fields.items():
                found.append((f"{module_name}.{name}", field_name, field))
    return found


def rendered_value(html: str) -> str:
    match = re.search(r'value="([^"]*)"', html)
    assert match, html
    return match.group(1)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_date_time_input_in_the_project_renders_iso_and_submits_as_is(language):
    checked = []
    with translation.override(language):
        for form_name, field_name, field in project_form_fields():
            input_type = getattr(field.widget, "input_type", "")
            if input_type not in ISO:
                continue
            sample = next(v for kind, v in SAMPLE.items() if isinstance(field, kind))
            html = field.widget.render(field_name, field.prepare_value(sample))
            value = rendered_value(html)
            assert ISO[input_type].match(value), f"{form_name}.{field_name}: value={value!r}"
            # What the box shows goes back as it is.
            cleaned = field.clean(value)
            if isinstance(sample, datetime.datetime):
                assert timezone.localtime(cleaned) == sample, f"{form_name}.{field_name}"
            else:
                assert cleaned == sample, f"{form_name}.{field_name}"
            checked.append(f"{form_name}.{field_name}")
    # The funder report, cohorts, extensions, run log, measurements, sessions, announcements.
    assert {
        "learners.forms.FunderReportForm.start",
        "learners.forms.FunderReportForm.end",
        "workshops.forms.ExtensionForm.due_on",
        "workshops.forms.RunLogForm.happened_on",
        "impact.forms.MeasurementForm.measured_on",
        "notifications.forms.AnnouncementForm.send_at",
    } <= set(checked), checked
    assert len(checked) >= 10


def test_every_decimal_field_in_the_project_takes_a_decimal_comma():
    checked = []
    with translation.override("fi"):
        for form_name, field_name, field in project_form_fields():
            if not isinstance(field, (forms.DecimalField, forms.FloatField)):
                continue
            assert field.clean("9,5") == Decimal("9.5"), f"{form_name}.{field_name}"
            assert not isinstance(field.widget, forms.NumberInput), f"{form_name}.{field_name}"
            assert field.widget.attrs.get("inputmode") == "decimal"
            checked.append(f"{form_name}.{field_name}")
    assert {
        "impact.forms.IndicatorForm.baseline",
        "impact.forms.IndicatorForm.target",
        "impact.forms.MeasurementForm.value",
        "workshops.forms.RunLogForm.value",
    } <= set(checked), checked


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("9,5", Decimal("9.5")),
        ("9.5", Decimal("9.5")),
        ("1 234,5", Decimal("1234.5")),
        ("1\u00a0234,5", Decimal("1234.5")),
        ("1\u202f234", Decimal("1234")),
        (" 400 ", Decimal("400")),
        ("−3,25", Decimal("-3.25")),
        (",5", Decimal("0.5")),
    ],
)
def test_numbers_are_read_as_a_finn_types_them(typed, number):
    assert parse_decimal(typed) == number


@pytest.mark.parametrize("typed", ["9,5,1", "1.234,5", "9.5.1", "abc", "9,5 %", "--1", ""])
def test_a_number_that_cannot_be_read_is_refused(typed):
    with pytest.raises(ValueError, match=re.escape(typed) if typed else "^$"):
        parse_decimal(typed)


def test_the_error_for_an_unreadable_number_says_how_to_write_one():
    field = DecimalCommaField(max_digits=14, decimal_places=2)
    with translation.override("en"):
        with pytest.raises(forms.ValidationError) as caught:
            field.clean("9,5,1")
        # The message is lazy: read it while English is still the language.
        assert caught.value.messages == [
            "Enter a number, for example 9,5 or 1 234,5 (one decimal comma)."
        ]
    with pytest.raises(forms.ValidationError):
        field.clean("9,555")  # three decimals where two are allowed: Django's own message


def test_the_funder_report_form_shows_its_period_in_iso_and_the_first_submit_works(
    client_for, coordinator
):
    client = client_for(coordinator)
    today = timezone.localdate()
    with translation.override("fi"):
        page = client.get(reverse("learners:funder_report"), HTTP_ACCEPT_LANGUAGE="fi")
    html = page.content.decode()
    start = re.search(r'<input type="date" name="start" value="([^"]*)"', html)
    end = re.search(r'<input type="date" name="end" value="([^"]*)"', html)
    assert start, html
    assert end, html
    assert start.group(1) == today.replace(month=1, day=1).isoformat()
    assert end.group(1) == today.isoformat()
    # "Näytä raportti" with the values as the page shows them.
    response = client.get(
        reverse("learners:funder_report"), {"start": start.group(1), "end": end.group(1)}
    )
    assert response.status_code == 200
    assert 'data-testid="report-participants"' in response.content.decode()
