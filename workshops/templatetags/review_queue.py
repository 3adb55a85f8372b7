"""The review queue's rows, rendered in Python (#13).

A page of the queue has fifty rows, and through the template language each row cost two
`{% blocktranslate %}`, two `{% url %}`, a `{% csrf_token %}`, a loop over the cohort's
instructors and some forty variable lookups: most of the page's CPU. Here each row is one
string: the values escaped as the template escaped them (Django's `escape` is `html.escape`),
the texts translated once per page, the URLs reversed once per URL prefix
(core.rendering.url_format) and the status badge of the recently reviewed list rendered once
per status and language from the include the rest of the site uses. The markup is the
template's as it was, byte for byte (tests/workshops/test_review_queue_rows.py holds it).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.rendering import csrf_input, html_url_format
from core.templatetags.datetimes import waited
from workshops.badges import status_badge

register = template.Library()


def _marking(submission: Any) -> Any:
    """The version's marking row, None without one (the template's failed lookup)."""
    try:
        return submission.marking
    except AttributeError:  # RelatedObjectDoesNotExist is one
        return None


def _name(person: Any) -> str:
    return escape(person.display_name)


class _Rows:
    """What every row of one page shares: texts translated once, URL patterns, the token."""

    def __init__(self, context: Any) -> None:
        self.learner = _("Learner")
        self.organisation = _("Municipality or organisation")
        self.assignment = _("Assignment")
        self.cohort = _("Cohort")
        self.waiting = _("Waiting")
        self.attachments = _("Attachments")
        self.marking_label = _("Marking")
        self.late = _("Late")
        self.review = _("Review")
        self.open = _("Open")
        self.anonymous = _("Submission #%(n)s")
        self.version = _("version %(n)s")
        self.not_reviewed = pgettext("marking", "Not reviewed")
        self.release = _("Release")
        self.reviewer = _("Reviewer")
        self.allocate = _("Allocate")
        self.review_url = html_url_format("workshops:review")
        self.detail_url = html_url_format("workshops:submission_detail")
        self.allocate_url = html_url_format("workshops:marking_allocate")
        request = context.get("request")
        self.next = escape(request.get_full_path()) if request is not None else ""
        self.csrf = csrf_input(context.get("csrf_token"))
        self.now = timezone.now()

    def _marking_cell(self, s: Any) -> str:
        if not s.settings_marking.marking_workflow:
            return "–"
        marking = _marking(s)
        pk = int(s.pk)
        if marking is not None:
            state = escape(str(marking.state))
            parts = [
                f'\n        <span class="badge text-bg-light" data-marking-state="{state}">'
                f"{escape(str(marking.get_state_display()))}</span>"
            ]
            if marking.reviewer_id is not None:
                parts.append(f"<br><small>{_name(marking.reviewer)}</small>")
        else:
            parts = [
                '\n        <span class="badge text-bg-light" data-marking-state="not-reviewed">'
                f"{self.not_reviewed}</span>"
            ]
        ready = marking is not None and marking.state == "ready"
        parts.append("\n        ")
        if ready:
            parts.append(
                '<div class="form-check"><input class="form-check-input" type="checkbox" '
                f'form="bulk-release" name="submission" value="{pk}" id="rel-{pk}">'
                f'<label class="form-check-label small" for="rel-{pk}">{self.release}</label>'
                "</div>"
            )
        parts.append("\n        ")
        if s.allocatable and not ready:
            chosen = marking.reviewer_id if marking is not None else None
            options = "".join(
                f'<option value="{int(i.pk)}"{" selected" if chosen == i.pk else ""}>'
                f"{_name(i)}</option>"
                for i in s.allocatable
            )
            parts.append(
                f'<form method="post" action="{self.allocate_url.format(pk)}" '
                f'class="d-flex gap-1 mt-1">{self.csrf}<input type="hidden" name="next" '
                f'value="{self.next}"><label class="visually-hidden" for="alloc-{pk}">'
                f"{self.reviewer}</label>"
                f'<select class="form-select form-select-sm" name="reviewer" id="alloc-{pk}">'
                f"{options}</select>"
                f'<button type="submit" class="btn btn-sm btn-outline-primary">{self.allocate}'
                "</button></form>"
            )
        parts.append("\n      ")
        return "".join(parts)

    def row(self, s: Any, any_workflow: bool) -> str:
        pk = int(s.pk)
        if s.settings_marking.blind_review:
            who = (
                f'<td data-testid="blind-learner" data-label="{self.learner}">'
                f"{self.anonymous % {'n': pk}}</td>"
                f'<td data-label="{self.organisation}">–</td>'
            )
        else:
            learner = s.learner
            organisation = learner.organisation
            who = (
                f'<td data-label="{self.learner}">{_name(learner)}</td>\n      '
                f'<td data-label="{self.organisation}">'
                f"{escape(str(organisation)) if organisation else '–'}</td>"
            )
        experiment = (
            f'<br><small class="text-body-secondary">{escape(str(s.experiment.title))}</small>'
            if s.experiment_id is not None
            else ""
        )
        late = f' <span class="badge text-bg-warning">{self.late}</span>' if s.is_late else ""
        since = s.processed_at or s.submitted_at
        marking = (
            f'<td data-testid="marking-cell" data-label="{self.marking_label}">'
            f"{self._marking_cell(s)}</td>"
            if any_workflow
            else ""
        )
        if s.status == "received":
            action = (
                f'<a class="btn btn-sm btn-primary" href="{self.review_url.format(pk)}">'
                f"{self.review}</a>"
            )
        else:
            action = (
                f'<a class="btn btn-sm btn-outline-primary" href="{self.detail_url.format(pk)}">'
                f"{self.open}</a>"
            )
        return (
            f'\n    <tr data-testid="queue-row" data-submission="{pk}">\n      {who}\n      '
            f'<td data-label="{self.assignment}">{escape(str(s.assignment.title))} '
            f'<span class="text-body-secondary small">({self.version % {"n": int(s.version)}})'
            f"</span>{experiment}{late}</td>\n      "
            f'<td data-label="{self.cohort}">{escape(str(s.cohort.name))}</td>\n      '
            f'<td data-label="{self.waiting}">{escape(waited(since, self.now))}</td>\n      '
            f'<td data-label="{self.attachments}">{int(s.file_count)}</td>\n      '
            f"{marking}\n      "
            f'<td class="queue-action">{action}</td>\n    </tr>\n  '
        )

    def reviewed(self, s: Any) -> str:
        pk = int(s.pk)
        blind = s.settings_marking.blind_review
        who = self.anonymous % {"n": pk} if blind else _name(s.learner)
        return (
            '\n  <li class="list-group-item d-flex flex-wrap justify-content-between gap-2">\n'
            f'    <a href="{self.detail_url.format(pk)}">{who} – '
            f"{escape(str(s.assignment.title))} ({self.version % {'n': int(s.version)}})</a>\n"
            f"    {status_badge(s.status)}\n  </li>\n  "
        )


@register.simple_tag(takes_context=True)
def queue_rows(context: Any, waiting: Iterable[Any], any_workflow: bool) -> SafeString:
    """The `<tr>` of each version on the queue's page, or the row that says nothing waits."""
    rows = _Rows(context)
    found = "".join(rows.row(s, any_workflow) for s in waiting)
    if not found:
        nothing = _("Nothing is waiting for review.")
        found = f'\n    <tr><td colspan="8" class="text-body-secondary">{nothing}</td></tr>\n  '
    return mark_safe(found)  # noqa: S308 - every value escaped above


@register.simple_tag(takes_context=True)
def reviewed_rows(context: Any, reviewed: Iterable[Any]) -> SafeString:
    """The `<li>` of each recently reviewed version."""
    rows = _Rows(context)
    return mark_safe("".join(rows.reviewed(s) for s in reviewed))  # noqa: S308 - escaped above
