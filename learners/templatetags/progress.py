"""The cohort page's progress rows (heatmap and table), rendered in Python (#13).

A page of 50 learners has 50 x (modules + phases) cells. Through the template language each
cell cost a `{% blocktranslate %}` (or the status badge's `{% include %}`) and a `{% url %}`:
about 70 ms of a 100 ms page. Here each row is one string built with `format_html`; the
texts are translated once per page, the URLs reversed once per URL prefix and each status
badge rendered once per status and language from the same include the rest of the site uses.
The markup is the template's as it was (tests/learners hold it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()

_PLACEHOLDERS = (999999991, 999999992)
_url_patterns: dict[tuple[str, str, str | None], str] = {}
_badges: dict[tuple[str | None, str | None, str], SafeString] = {}


def _url(name: str, *ids: int) -> str:
    """`reverse(name, args=ids)` for integer ids, reversed once per URL prefix and name."""
    key = (name, get_script_prefix(), get_urlconf())
    pattern = _url_patterns.get(key)
    if pattern is None:
        url = reverse(name, args=_PLACEHOLDERS[: len(ids)])
        pattern = url.replace("{", "{{").replace("}", "}}")
        for n, placeholder in enumerate(_PLACEHOLDERS[: len(ids)]):
            pattern = pattern.replace(str(placeholder), "{" + str(n) + "}")
        _url_patterns[key] = pattern
    return pattern.format(*(int(i) for i in ids))


def _badge(submission: Any) -> SafeString:
    """The status badge (workshops/includes/_status_badge.html) of a submission or of none,
    rendered once per status and language."""
    status = submission.status if submission is not None else None
    label = submission.get_status_display() if submission is not None else ""
    key = (get_language(), status, label)
    badge = _badges.get(key)
    if badge is None:
        badge = _badges[key] = mark_safe(  # noqa: S308 - a rendered template
            render_to_string("workshops/includes/_status_badge.html", {"submission": submission})
        )
    return badge


def _linked_badge(submission: Any) -> SafeString:
    if submission is None:
        return _badge(None)
    return format_html(
        '<a href="{}">{}</a>',
        _url("workshops:submission_detail", submission.pk),
        _badge(submission),
    )


def _grid_row(row: Any, cohort_pk: int) -> str:
    learner = row.learner
    name = conditional_escape(learner.display_name)
    organisation = conditional_escape(learner.organisation or "")
    parts: list[str] = [
        format_html('<tr data-learner="{}">\n    ', learner.email),
        format_html(
            '<th scope="row"><div class="heat-name"><a class="d-block text-truncate" '
            'href="{}" title="{}">{}</a><span class="d-block text-truncate small fw-normal '
            'text-body-secondary" title="{}">{}</span></div></th>\n    ',
            _url("learners:timeline", cohort_pk, learner.pk),
            name,
            name,
            organisation,
            organisation,
        ),
    ]
    for cell in row.cells:
        level = cell.level
        text = f"{cell.done}/{cell.total}" if cell.total else "–"
        parts.append(f'<td class="heat heat-l{level}" data-level="{level}">{text}</td>')
    parts.append(f'\n    <td class="text-nowrap">{row.percent} %</td>\n    ')
    for _assignment, submission in row.submissions:
        parts.append(f'<td class="heat-status">{_linked_badge(submission)}</td>')
    parts.append("\n  </tr>\n  ")
    return "".join(parts)


def _table_row(row: Any, cohort_pk: int, cell_text: str, phases: list[SafeString]) -> str:
    learner = row.learner
    parts: list[str] = [
        format_html('<tr data-learner="{}">\n    ', learner.email),
        format_html(
            '<th scope="row"><a class="text-nowrap" href="{}">{}</a><br>'
            '<span class="small fw-normal text-body-secondary">{}</span></th>\n    ',
            _url("learners:timeline", cohort_pk, learner.pk),
            learner.display_name,
            learner.organisation or "",
        ),
    ]
    for cell in row.cells:
        if cell.total:
            # As {% blocktranslate %} did: the numbers put into the translated text.
            text = cell_text % {"done": cell.done, "total": cell.total, "percent": cell.percent}
        else:
            text = "–"
        parts.append(f'<td class="progress-cell">{text}</td>')
    parts.append(
        f'\n    <td class="text-nowrap">{row.done}/{row.total}</td>'
        f'\n    <td class="text-nowrap">{row.percent} %</td>\n    '
    )
    if row.submissions:
        parts.append(
            '<td><ul class="list-unstyled mb-0 small progress-phases d-flex flex-wrap gap-1">'
        )
        for phase, (_assignment, submission) in zip(phases, row.submissions, strict=True):
            parts.append(f'<li class="text-nowrap">{phase} {_linked_badge(submission)}</li>')
        parts.append("</ul></td>")
    parts.append("\n  </tr>\n  ")
    return "".join(parts)


@register.simple_tag
def progress_rows(
    rows: Iterable[Any], assignments: Iterable[Any], view: str, cohort_pk: int
) -> SafeString:
    """The `<tr>` of each learner row of cohort_overview, as the heatmap (`view` "grid") or
    the table shows it."""
    if view == "grid":
        return mark_safe("".join(_grid_row(row, cohort_pk) for row in rows))  # noqa: S308
    cell_text = _("%(done)s of %(total)s (%(percent)s %%)")
    phases = [
        format_html(
            '<abbr title="{}" aria-hidden="true">{}.</abbr><span class="visually-hidden">'
            "{}. {}:</span>",
            a.title,
            a.phase,
            a.phase,
            a.title,
        )
        for a in assignments
    ]
    return mark_safe(  # noqa: S308 - built with format_html and escaped values
        "".join(_table_row(row, cohort_pk, cell_text, phases) for row in rows)
    )
