"""The at-risk page's rows (the learners at risk and the phases waiting on instructors),
rendered in Python (#13).

A page of 100 learners through the template language cost two `{% url %}`-like tags, a
`{% csrf_token %}`, three `{% translate %}`, a `{% blocktranslate %}` and two `date` filters
per row: most of the page's CPU. Here each row is one string: the values escaped as the
template escaped them (Django's `escape` is `html.escape`), the texts translated and each date
formatted once per page, the URLs reversed once per URL prefix (core.rendering.url_format) and
the CSRF token read once. The markup is the template's as it was
(tests/learners/test_at_risk_rows.py holds the two equal).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from html import escape
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.rendering import csrf_input, html_url_format

register = template.Library()


def _short_dates() -> Callable[[datetime.date | datetime.datetime], str]:
    """`value|date:"SHORT_DATE_FORMAT"`, escaped, formatted once per day on the page (the
    format shows no time, so the local day decides it)."""
    seen: dict[datetime.date, str] = {}

    def short(value: datetime.date | datetime.datetime) -> str:
        # As the `date` filter is given it (template_localtime): a moment in local time.
        local = value
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            local = timezone.localtime(value)
        day = local.date() if isinstance(local, datetime.datetime) else local
        text = seen.get(day)
        if text is None:
            text = seen[day] = escape(formats.date_format(local, "SHORT_DATE_FORMAT"))
        return text

    return short


@register.simple_tag(takes_context=True)
def at_risk_rows(context: template.Context, rows: Iterable[Any], cohort: Any) -> SafeString:
    """The `<tr>` of each AtRisk of the page (with its reminder form, or the word that it was
    sent today), or the row that says there are none."""
    never = escape(_("Never"))
    send = escape(_("Send a reminder"))
    # As {% blocktranslate %} did: the text is not escaped, the date put into it is.
    reminded = _("Last reminded %(date)s")
    # templates/learners/includes/_nudge_state.html with sent=False fresh=False.
    reminded_today = escape(_("Reminded today"))
    nudged = (
        '<span class="small text-success" role="status" data-testid="nudged">'
        f"{reminded_today}</span>\n"
    )
    short = _short_dates()
    timeline = html_url_format("learners:timeline", 2)
    nudge = html_url_format("learners:nudge", 2)
    cohort_pk = int(cohort.pk)
    csrf: str | None = None
    parts = []
    for row in rows:
        learner = row.learner
        pk = int(learner.pk)
        organisation = learner.organisation
        last = short(row.last_activity) if row.last_activity else never
        reasons = "".join(f"<li>{escape(str(reason))}</li>" for reason in row.reasons)
        if row.nudged_today:
            state = f"{nudged}\n      "
        else:
            if csrf is None:
                csrf = csrf_input(context.get("csrf_token"))
            url = nudge.format(cohort_pk, pk)
            when = (
                '<span class="small text-body-secondary">'
                f"{reminded % {'date': short(row.last_nudge)}}</span>"
                if row.last_nudge
                else ""
            )
            state = (
                f'\n      <form method="post" action="{url}" hx-post="{url}" '
                f'hx-target="#nudge-{pk}" hx-swap="innerHTML">{csrf}\n'
                '        <button class="btn btn-sm btn-outline-primary" type="submit" '
                f'data-testid="nudge">{send}</button>\n'
                "      </form>\n"
                f"      {when}\n      "
            )
        parts.append(
            f'\n  <tr data-testid="at-risk-{escape(learner.email)}">\n'
            f'    <th scope="row"><a href="{timeline.format(cohort_pk, pk)}">'
            f"{escape(learner.display_name)}</a><br>"
            '<span class="small fw-normal text-body-secondary">'
            f"{escape(str(organisation)) if organisation else ''}</span></th>\n"
            f'    <td class="small text-nowrap">{last}</td>\n'
            f'    <td><ul class="mb-0 small">{reasons}</ul></td>\n'
            f'    <td id="nudge-{pk}">\n'
            f"      {state}\n"
            "    </td>\n"
            "  </tr>\n  "
        )
    if not parts:
        text = _("The cohort has ended.") if cohort.ended else _("Nobody is at risk right now.")
        parts.append(
            '\n  <tr><td colspan="4" class="text-body-secondary" data-testid="at-risk-empty">'
            f"{escape(text)}</td></tr>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


@register.simple_tag
def staff_delay_rows(delays: Iterable[Any], cohort: Any) -> SafeString:
    """The `<tr>` of each StaffDelay: the learner, the phase that cannot open, and the version
    that waits with the instructor's delay in days."""
    timeline = html_url_format("learners:timeline", 2)
    experiment = html_url_format("workshops:experiment", 1)
    cohort_pk = int(cohort.pk)
    badges: dict[int, str] = {}
    parts = []
    for delay in delays:
        learner = delay.learner
        days = delay.waiting_days
        badge = badges.get(days)
        if badge is None:
            # As {% blocktranslate count %} did: the text is not escaped, the number is.
            badge = badges[days] = ngettext(
                "Instructor's delay: %(days)s day", "Instructor's delay: %(days)s days", days
            ) % {"days": escape(str(days))}
        parts.append(
            f'\n  <tr data-testid="delay-{escape(learner.email)}">\n'
            f'    <th scope="row"><a href="{timeline.format(cohort_pk, int(learner.pk))}">'
            f"{escape(learner.display_name)}</a></th>\n"
            f"    <td>{escape(delay.title)}</td>\n"
            f'    <td><a href="{experiment.format(int(delay.experiment_id))}">'
            f"{escape(delay.waiting_title)}</a> "
            f'<span class="badge text-bg-warning">{badge}</span></td>\n'
            "  </tr>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above
