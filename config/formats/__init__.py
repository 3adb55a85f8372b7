"""The project's date, time and number formats (FORMAT_MODULE_PATH), over Django's own.

Django looks here first and falls back to its locale's formats for anything not set. What
differs, and why:

- Finnish writes a time as 9.00 and a date with its time as "6.12.2026 klo 7.06"; Django's
  SHORT_DATETIME_FORMAT leaves the "klo" out, so a sentence had to add it in front of the date.
- Swedish on this platform is Finland's Swedish: 6.12.2026 kl. 7.06, not 2026-12-06 07:06.
- English uses day-first dates and a 24-hour clock (6 Dec 2026, 14:30), never the US 12/06/2026.
- Every language reads ISO dates first (the first input format is also the one a form renders
  into an <input>): type="date" and "datetime-local" inputs take ISO only and show nothing
  for 01.01.2026. Typed day-first dates are still accepted after ISO.
"""

# Shared by every language: ISO first for the browser's date inputs, then day-first forms.
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-12-06, what <input type="date"> sends and shows
    "%d.%m.%Y",  # 6.12.2026
    "%d.%m.%y",  # 6.12.26
    "%d/%m/%Y",  # 06/12/2026 (day first, never month first)
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",  # 2026-12-06T07:06, what <input type="datetime-local"> sends and shows
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H.%M",  # 6.12.2026 7.06
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y klo %H.%M",
    "%d/%m/%Y %H:%M",
]
TIME_INPUT_FORMATS = [
    "%H:%M",  # 07:06, what <input type="time"> sends and shows
    "%H:%M:%S",
    "%H.%M",  # 7.06
    "%H.%M.%S",
]
