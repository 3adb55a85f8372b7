"""The cohort page's progress rows (heatmap and table), rendered in Python (#13).

A page of 50 learners has 50 x (modules + phases) cells. Through the template language each
cell cost a `{% blocktranslate %}` (or the status badge's `{% include %}`) and a `{% url %}`:
about 70 ms of a 100 ms page. Here each row is one string: the values escaped as the template
escaped them (Django's `escape` is `html.escape`), the texts translated once per page, the URLs
reversed once per URL prefix and each status badge rendered once per status and language from
the include the rest of the site uses. The markup is the template's as it was (tests/learners
hold it).
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Iterable
from html import escape
from typing import Any

from django import template
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from modeltranslation.utils import fallbacks_enabled

from core.rendering import html_url_format, templates_digest
from core.templatetags import alueagentti
from core.templatetags.alueagentti import percent_sign
from workshops.badges import status_badge

register = template.Library()


@register.filter
def url_for(pk: int, name: str) -> SafeString:
    """`{% url name pk %}` for one integer argument, reversed once per URL prefix and name
    (the cohort pages' tabs and links: 20 reverses a request otherwise)."""
    return mark_safe(html_url_format(name, 1).format(int(pk)))  # noqa: S308 - escaped by _pattern


@register.simple_tag
def url_of(name: str, *ids: int) -> SafeString:
    """`{% url name id id %}` for integer ids, reversed once per URL prefix and name (the
    per-row links of the cohort pages' lists: 300 reverses a page of 100 otherwise)."""
    return mark_safe(html_url_format(name, len(ids)).format(*(int(i) for i in ids)))  # noqa: S308


def _phase_label(title: str, phase: str) -> str:
    return (
        f'<abbr title="{title}" aria-hidden="true">{phase}.</abbr>'
        f'<span class="visually-hidden">{phase}. {title}:</span>'
    )


class _Cells:
    """What every row of one page shares: URL patterns, translated texts, rendered badges."""

    def __init__(self, cohort_pk: int, assignments: Iterable[Any]) -> None:
        self.cohort_pk = int(cohort_pk)
        self.timeline = html_url_format("learners:timeline", 2)
        self.submission = html_url_format("workshops:submission_detail", 1)
        # As {% blocktranslate %} did: the numbers put into the translated text, the
        # percentage written the reader's way (core's `percent` filter: "30 %" or "30%").
        self.cell_text = _("%(done)s of %(total)s (%(percent)s)")
        self.percent_sign = percent_sign()
        self.phases = [
            _phase_label(escape(str(a.title)), escape(str(a.phase))) for a in assignments
        ]

    def badge(self, submission: Any) -> str:
        """The status badge, linked to the version when there is one."""
        if submission is None:
            return status_badge(None)
        badge = status_badge(submission.status)
        return f'<a href="{self.submission.format(int(submission.pk))}">{badge}</a>'

    def grid_row(self, row: Any) -> str:
        learner = row.learner
        name = escape(learner.display_name)
        organisation = escape(str(learner.organisation or ""))
        parts = [
            f'\n  <tr data-learner="{escape(learner.email)}">\n    '
            f'<th scope="row"><div class="heat-name"><a class="d-block text-truncate" '
            f'href="{self.timeline.format(self.cohort_pk, int(learner.pk))}" title="{name}">'
            f'{name}</a><span class="d-block text-truncate small fw-normal '
            f'text-body-secondary" title="{organisation}">{organisation}</span></div></th>\n    '
        ]
        for cell in row.cells:
            level = cell.level
            text = f"{cell.done}/{cell.total}" if cell.total else "–"
            parts.append(f'<td class="heat heat-l{level}" data-level="{level}">{text}</td>')
        parts.append(f'\n    <td class="text-nowrap">{row.percent}{self.percent_sign}</td>\n    ')
        for _assignment, submission in row.submissions:
            parts.append(f'<td class="heat-status">{self.badge(submission)}</td>')
        parts.append("\n  </tr>\n  ")
        return "".join(parts)

    def table_row(self, row: Any) -> str:
        learner = row.learner
        parts = [
            f'\n  <tr data-learner="{escape(learner.email)}">\n    '
            f'<th scope="row"><a class="text-nowrap" '
            f'href="{self.timeline.format(self.cohort_pk, int(learner.pk))}">'
            f"{escape(learner.display_name)}</a><br>"
            f'<span class="small fw-normal text-body-secondary">'
            f"{escape(str(learner.organisation or ''))}</span></th>\n    "
        ]
        cell_text = self.cell_text
        sign = self.percent_sign
        for cell in row.cells:
            if cell.total:
                text = cell_text % {
                    "done": cell.done,
                    "total": cell.total,
                    "percent": f"{cell.percent}{sign}",
                }
            else:
                text = "–"
            parts.append(f'<td class="progress-cell">{text}</td>')
        parts.append(
            f'\n    <td class="text-nowrap">{row.done}/{row.total}</td>'
            f'\n    <td class="text-nowrap">{row.percent}{sign}</td>\n    '
        )
        if row.submissions:
            parts.append(
                '<td><ul class="list-unstyled mb-0 small progress-phases d-flex flex-wrap gap-1">'
            )
            for phase, (_assignment, submission) in zip(self.phases, row.submissions, strict=True):
                parts.append(f'<li class="text-nowrap">{phase} {self.badge(submission)}</li>')
            parts.append("</ul></td>")
        parts.append("\n  </tr>\n  ")
        return "".join(parts)


@register.simple_tag
def progress_rows(
    rows: Iterable[Any], assignments: Iterable[Any], view: str, cohort_pk: int
) -> SafeString:
    """The `<tr>` of each learner row of cohort_overview, as the heatmap (`view` "grid") or
    the table shows it."""
    cells = _Cells(cohort_pk, assignments)
    render = cells.grid_row if view == "grid" else cells.table_row
    return mark_safe("".join(render(row) for row in rows))  # noqa: S308 - values escaped above


# --- the cohort pages' heading and tabs ------------------------------------------------------

NAV_TEMPLATE = "learners/includes/_cohort_nav.html"
# Rendered headings kept per process, each under every value it prints; a full dict is emptied.
_NAV_KEPT: dict[tuple[Any, ...], SafeString] = {}
_NAV_MAX = 2048


@register.simple_tag(takes_context=True)
def cohort_nav(context: Any, active: str, is_coordinator: bool | None = None) -> SafeString:
    """The cohort pages' breadcrumb, heading, course links and tabs (NAV_TEMPLATE, `active`
    the current tab), rendered once per process for each set of values it prints: the
    cohort's name, course and dates, the course links and whether the tabs are a
    coordinator's, the language and the URL prefix. Its dozen translated tab names and links
    cost 0.6 ms a page rendered each time (#13); a renamed cohort is a new key, so it shows at
    once."""
    cohort = context["cohort"]
    if is_coordinator is None:
        is_coordinator = bool(context.get("is_coordinator"))
    links = context.get("course_links")
    key = (
        active,
        is_coordinator,
        tuple(sorted(links.items())) if links else None,
        cohort.pk,
        cohort.name,
        cohort.course_id,
        str(cohort.course.title),
        cohort.start_date,
        cohort.end_date,
        get_language(),
        get_script_prefix(),
        get_urlconf(),
    )
    html = _NAV_KEPT.get(key)
    if html is None:
        if len(_NAV_KEPT) >= _NAV_MAX:
            _NAV_KEPT.clear()
        values = {
            "cohort": cohort,
            "active": active,
            "is_coordinator": is_coordinator,
            "course_links": links,
        }
        html = _NAV_KEPT[key] = mark_safe(get_template(NAV_TEMPLATE).render(values))  # noqa: S308
    return html


# --- the progress section's cached fragment ----------------------------------------------------

# Rendered progress sections are kept this long; any change to what they print makes a new key.
FRAGMENT_SECONDS = 60 * 60
# What the cached section's markup comes from: a deploy that changes one of them must not serve
# sections rendered by the old ones.
_FRAGMENT_TEMPLATES = (
    "learners/cohort_detail.html",
    "workshops/includes/_status_badge.html",
    "includes/_pagination.html",
)


@register.simple_tag(takes_context=True)
def progress_version(context: Any) -> str:
    """A digest of everything the cohort page's progress section prints: the staff, the filter
    and its choices, the count and the pager, the modules and phases, and for each learner on
    the page the name, email, organisation, items done per module and each phase's version
    and state; with the request's query string (the view toggle's links keep it), the
    language, the URL prefix and the sources of the markup. A lesson done, a version sent or
    reviewed, a learner joining, renamed or moved, an author's edit: each changes a printed
    value and so the key, so the section never shows an old state and no writer has to
    invalidate anything. Two coordinators looking at the same page share it."""
    overview = context["overview"]
    page = context["page"]
    parts: list[object] = [
        templates_digest(_FRAGMENT_TEMPLATES, (__file__, alueagentti.__file__)),
        get_language(),
        fallbacks_enabled(),
        get_script_prefix(),
        get_urlconf(),
        context["request"].GET.urlencode(),
        context["cohort"].pk,
        context["view"],
        context["query"],
        context["organisation_id"],
        context["filtered"],
        tuple(context["organisations"]),
        (page.number, page.paginator.count, page.paginator.num_pages, page.paginator.per_page),
        # The staff, the modules and phases with their titles in every language, and per
        # learner the name, email, organisation, items done per module and each phase's
        # version and state: the rows read for the page, as read (a kept section builds
        # nothing from them).
        overview.printed,
    ]
    # marshal writes the plain values (ints, texts, None) six times faster than repr (0.05 ms
    # against 0.28 for a page); its format 2 writes every value in full, never as a reference
    # to an equal object met before, so equal values give equal bytes.
    return hashlib.blake2b(marshal.dumps(parts, 2), digest_size=16).hexdigest()
