"""The calendar a person's dates live in.

A date box takes any year up to 9999, one slipped key away from a planned one, and a year past
9999 cannot be computed with (a cohort's copy, a due date, the day after). Dates people type
are kept to the days of 1900-2099 (`within_calendar`, on the models' date fields and in
core.forms' calendar fields), with a translated error.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

# The days a date in the calendar fields may fall on (see the module's docstring).
FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2099, 12, 31)


def within_calendar(value: datetime.date) -> None:
    """Refuse a date (or a moment's date) outside FIRST_DAY..LAST_DAY with a translated error."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(
            _("Give a date between %(first)s and %(last)s."),
            code="out_of_calendar",
            params={
                "first": date_format(FIRST_DAY, "SHORT_DATE_FORMAT"),
                "last": date_format(LAST_DAY, "SHORT_DATE_FORMAT"),
            },
        )
