"""Times as people read them, in the page's language (#11 item 19).

`{% load datetimes %}`:

- `{{ when|ago }}`: "just now" under a minute, else "3 hours ago" (Django's timesince said
  "0 minutes" for something that happened a moment ago).
- `{% if when|just_now %}`: less than a minute ago (for a sentence with its own "just now").
- `{{ since|waited }}`: how long something has waited: "less than a minute", else "3 hours".
- `{{ start|timerange:end }}`: "6.12.2026 klo 9.00–12.00" on one day, both dates and times
  across days; formats from config/formats, so Finnish never mixes 9.00 with 12:00.
"""

from __future__ import annotations

import datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()

ONE_MINUTE = datetime.timedelta(minutes=1)


def _age(value: datetime.datetime | datetime.date, now: datetime.datetime | None) -> str | None:
    """timesince's words, or None when less than a minute has passed."""
    now = now or timezone.now()
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time.min, tzinfo=now.tzinfo)
    if now - value < ONE_MINUTE:
        return None
    return timesince(value, now)


@register.filter
def ago(value: datetime.datetime | None, now: datetime.datetime | None = None) -> str:
    """'just now' or '3 hours ago'; empty for no time."""
    if not value:
        return ""
    age = _age(value, now)
    if age is None:
        return _("just now")
    return _("%(time)s ago") % {"time": age}


@register.filter
def just_now(value: datetime.datetime | None, now: datetime.datetime | None = None) -> bool:
    """True when less than a minute has passed: a sentence says "just now", not "0 minutes"."""
    if not value:
        return False
    return _age(value, now) is None


@register.filter
def waited(value: datetime.datetime | None, now: datetime.datetime | None = None) -> str:
    """'less than a minute' or '3 hours': how long something has waited."""
    if not value:
        return ""
    age = _age(value, now)
    return _("less than a minute") if age is None else age


@register.filter(expects_localtime=True)
def timerange(start: datetime.datetime | None, end: datetime.datetime | None) -> str:
    """'6.12.2026 klo 9.00–12.00', or both dates when the range ends on another day."""
    if not start:
        return ""
    first = date_filter(start, "SHORT_DATETIME_FORMAT")
    if not end:
        return first
    end = timezone.localtime(end) if timezone.is_aware(end) else end
    if end.date() == start.date():
        return f"{first}–{date_filter(end, 'TIME_FORMAT')}"
    return f"{first} – {date_filter(end, 'SHORT_DATETIME_FORMAT')}"
