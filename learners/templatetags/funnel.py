"""The phases page's rows (the phases and a page of experiments), rendered in Python (#13).

A page of 100 experiments through the template language cost six `{% translate %}`, a
`{% blocktranslate %}` and a `{% url %}` per team member in every row: most of the page's CPU.
Here each row is one string: the values escaped as the template escaped them (Django's
`escape` is `html.escape`), the texts translated once per page and the learners' URL reversed
once per URL prefix (core.rendering.url_format). The markup is the template's as it was
(tests/learners/test_funnel_rows.py holds the two equal).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from django import template
from django.template.defaultfilters import floatformat
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.rendering import html_url_format
from learners.selectors import (
    WAITING_INSTRUCTOR,
    WAITING_LEARNER,
    WAITING_NOBODY,
    WAITING_REVIEWER,
)

register = template.Library()


@register.simple_tag
def funnel_rows(rows: Iterable[Any], cohort_pk: int) -> SafeString:
    """The `<tr>` of each FunnelExperiment of a page, or the row that says there are none."""
    label = {
        # The cells' labels for narrow screens (`table-stack`), as {% translate %} escaped them.
        name: escape(text)
        for name, text in (
            ("team", _("Team")),
            ("phase", _("Phase")),
            ("days", _("Days in phase")),
            ("waiting", _("Waiting on")),
            ("waiting_days", _("Waiting (days)")),
        )
    }
    # As {% blocktranslate %} did: the text is not escaped, the number put into it is.
    cycle_text = _("cycle %(cycle)s")
    timeline = html_url_format("learners:timeline", 2)
    cohort = int(cohort_pk)
    parts = []
    for row in rows:
        experiment = row.experiment
        team = ", ".join(
            f'<a href="{timeline.format(cohort, int(member.pk))}">{escape(member.display_name)}</a>'
            for member in row.members
        )
        cycle = cycle_text % {"cycle": experiment.cycle}
        waiting_days = row.waiting_days if row.waiting_on != WAITING_NOBODY else "–"
        parts.append(
            f'<tr data-testid="funnel-row-{experiment.pk}">\n'
            f'    <th scope="row">{escape(experiment.title)}</th>\n'
            f'    <td data-label="{label["team"]}"><span>{team}</span></td>\n'
            f'    <td data-label="{label["phase"]}">{row.phase}. {escape(row.phase_label)}'
            f" ({cycle})</td>\n"
            f'    <td data-label="{label["days"]}">{row.days_in_phase}</td>\n'
            f'    <td data-label="{label["waiting"]}" data-testid="waiting-on">'
            f"{escape(row.waiting_label)}</td>\n"
            f'    <td data-label="{label["waiting_days"]}">{waiting_days}</td>\n'
            "  </tr>"
        )
    if not parts:
        none_yet = escape(_("No experiments in this cohort yet."))
        parts.append(f'<tr><td colspan="6" class="text-body-secondary">{none_yet}</td></tr>')
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


@register.simple_tag
def funnel_phases(phases: Iterable[Any]) -> SafeString:
    """The `<tr>` of each FunnelPhase: its experiments, learners, days and whom they wait on."""
    label = {
        name: escape(text)
        for name, text in (
            ("experiments", _("Experiments")),
            ("learners", _("Learners")),
            ("median", _("Median days in phase")),
            ("longest", _("Longest (days)")),
            (WAITING_LEARNER, _("Waiting on the learner")),
            (WAITING_REVIEWER, _("Waiting on a reviewer")),
            (WAITING_INSTRUCTOR, _("Waiting on an instructor")),
        )
    }
    parts = []
    for p in phases:
        n = p.phase
        median = "–" if p.median_days is None else floatformat(p.median_days, 1)
        longest = "–" if p.longest_days is None else p.longest_days
        waiting = "".join(
            f'\n    <td data-label="{label[who]}" data-testid="phase-{n}-{who}">'
            f"{p.waiting.get(who) or 0}</td>"
            for who in (WAITING_LEARNER, WAITING_REVIEWER, WAITING_INSTRUCTOR)
        )
        parts.append(
            f'<tr data-testid="funnel-phase-{n}">\n'
            f'    <th scope="row">{n}. {escape(p.label)}</th>\n'
            f'    <td data-label="{label["experiments"]}" data-testid="phase-{n}-experiments">'
            f"{p.experiments}</td>\n"
            f'    <td data-label="{label["learners"]}">{p.learners}</td>\n'
            f'    <td data-label="{label["median"]}">{median}</td>\n'
            f'    <td data-label="{label["longest"]}">{longest}</td>'
            f"{waiting}\n"
            "  </tr>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above
