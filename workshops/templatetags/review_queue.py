"""The review queue's rows, rendered in Python (#13).

A page of the queue has fifty rows, and through the template language each row cost two
`{% blocktranslate %}`, two `{% url %}`, a `{% csrf_token %}`, a loop over the cohort's
instructors and some forty variable lookups: most of the page's CPU. Here each row is one
string: the values escaped as the template escaped them (Django's `escape` is `html.escape`),
the texts translated once per page, the URLs reversed once per URL prefix
(core.rendering.url_format) and the status badge of the recently reviewed list rendered once
per status and language from the include the rest of the site uses. The markup is the
template's as it was, byte for byte (tests/workshops/test_review_queue_rows.py holds it).

Each state's tab says what its versions are (queue_tab): its intro, count, caption, empty row
and time column, the waiting time for the versions still waiting, the decision's date for the
decided ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext

from core.rendering import csrf_input, html_url_format
from core.templatetags.datetimes import waited
from workshops.badges import decision_state as _decision_state
from workshops.badges import status_badge
from workshops.models import Submission
from workshops.selectors import QUEUE_DECIDED

register = template.Library()


# What each state's time column shows: how long a version has waited, when it was decided (the
# review's date) or, for a version whose files were rejected, when it was sent.
_WAITED, _DECIDED, _SENT = "waited", "decided", "sent"
_TIME_SHOWN: dict[str, str] = {
    **dict.fromkeys(QUEUE_DECIDED, _DECIDED),  # the rows come with their review's date
    Submission.Status.REJECTED: _SENT,
}


@dataclass(frozen=True)
class QueueTab:
    """The texts of one state's tab of the queue, in the active language."""

    intro: str
    count: str
    caption: str
    time: str  # the time column's heading
    shown: str  # what it shows: _WAITED, _DECIDED or _SENT
    empty: str


# Each state's (intro, count, caption, empty row); the waiting tab's also stands for any state
# without its own (lazy: translated when a page asks, in its language).
_TAB_TEXTS: dict[str, tuple[Promise, Promise, Promise, Promise]] = {
    Submission.Status.APPROVED: (
        gettext_lazy(
            "Submissions from your cohorts that have been approved, the earliest sent first."
        ),
        ngettext_lazy("%(counter)s approved.", "%(counter)s approved.", "counter"),
        gettext_lazy("Approved submissions"),
        gettext_lazy("No submission has been approved."),
    ),
    Submission.Status.REVISION_REQUESTED: (
        gettext_lazy(
            "Submissions from your cohorts sent back for a revision whose learner or team "
            "has not sent a new version yet, the earliest sent first."
        ),
        ngettext_lazy(
            "%(counter)s awaits a new version.", "%(counter)s await a new version.", "counter"
        ),
        gettext_lazy("Submissions awaiting a revision"),
        gettext_lazy("No submission awaits a revision."),
    ),
    Submission.Status.PROCESSING: (
        gettext_lazy(
            "Submissions from your cohorts whose attachments are still being checked. They "
            "wait for your decision once the check is done."
        ),
        ngettext_lazy("%(counter)s being checked.", "%(counter)s being checked.", "counter"),
        gettext_lazy("Submissions being checked"),
        gettext_lazy("No submission is being checked."),
    ),
    Submission.Status.REJECTED: (
        gettext_lazy(
            "Submissions from your cohorts whose files were rejected in the check. The "
            "learner can send a new version."
        ),
        ngettext_lazy("%(counter)s rejected.", "%(counter)s rejected.", "counter"),
        gettext_lazy("Submissions with rejected files"),
        gettext_lazy("No submission has rejected files."),
    ),
    Submission.Status.RECEIVED: (
        gettext_lazy(
            "Submissions from your cohorts that wait for your decision, the longest-waiting first."
        ),
        ngettext_lazy("%(counter)s waiting.", "%(counter)s waiting.", "counter"),
        gettext_lazy("Waiting submissions"),
        gettext_lazy("Nothing is waiting for review."),
    ),
}


def _time_heading(shown: str) -> str:
    if shown == _DECIDED:
        return pgettext("review queue column", "Decided")
    if shown == _SENT:
        return pgettext("review queue column", "Sent")
    return _("Waiting")


def queue_tab_texts(status: str, count: int) -> QueueTab:
    """The tab's texts for versions in `status`, `count` of them."""
    intro, counted, caption, empty = _TAB_TEXTS.get(status, _TAB_TEXTS[Submission.Status.RECEIVED])
    shown = _TIME_SHOWN.get(status, _WAITED)
    return QueueTab(
        str(intro),
        counted % {"counter": count},
        str(caption),
        _time_heading(shown),
        shown,
        str(empty),
    )


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

    def __init__(self, context: Any, status: str = Submission.Status.RECEIVED) -> None:
        self.tab = queue_tab_texts(status, 0)
        self.learner = _("Learner")
        self.organisation = _("Municipality or organisation")
        self.assignment = _("Assignment")
        self.cohort = _("Cohort")
        self.waiting = self.tab.time
        self.attachments = _("Attachments")
        self.marking_label = _("Marking")
        self.late = _("Late")
        self.review = _("Review")
        self.open = _("Open")
        self.anonymous = _("Submission #%(n)s")
        self.version = _("version %(n)s")
        self.reviewed_by = escape(_("Reviewed by %(name)s"))
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

    def _time(self, s: Any) -> str:
        """The time column's value: how long the version has waited, or a date."""
        if self.tab.shown == _WAITED:
            return waited(s.processed_at or s.submitted_at, self.now)
        if self.tab.shown == _SENT:
            when = s.submitted_at
        else:
            try:
                when = s.review.created_at
            except AttributeError:  # decided without a review row (RelatedObjectDoesNotExist)
                return "–"
        return date_format(timezone.localtime(when), "SHORT_DATE_FORMAT")

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
            f'<td data-label="{self.waiting}">{escape(self._time(s))}</td>\n      '
            f'<td data-label="{self.attachments}">{int(s.file_count)}</td>\n      '
            f"{marking}\n      "
            f'<td class="queue-action">{action}</td>\n    </tr>\n  '
        )

    def reviewed(self, s: Any) -> str:
        pk = int(s.pk)
        blind = s.settings_marking.blind_review
        who = self.anonymous % {"n": pk} if blind else _name(s.learner)
        reviewer = self.reviewed_by % {"name": _name(s.review.reviewer)}
        return (
            '\n  <li class="list-group-item d-flex flex-wrap justify-content-between gap-2">\n'
            f'    <a href="{self.detail_url.format(pk)}">{who} – '
            f"{escape(str(s.assignment.title))} ({self.version % {'n': int(s.version)}})</a>\n"
            # Who decided it: an instructor sees at once which of the cohort's reviews were a
            # colleague's.
            '    <span class="d-flex flex-wrap align-items-center gap-2">'
            f'<small class="text-body-secondary" data-testid="reviewed-by">{reviewer}</small>'
            f"{status_badge(s.status)}</span>\n  </li>\n  "
        )


@register.simple_tag
def queue_tab(status: str, count: int) -> QueueTab:
    """`{% queue_tab filters.status page.paginator.count as tab %}`: the tab's texts."""
    return queue_tab_texts(status, count)


@register.filter
def decision_state(decision: str) -> str:
    """`{{ review.decision|decision_state }}`: "Approved", not the button's "Approve"."""
    return _decision_state(decision)


@register.simple_tag(takes_context=True)
def queue_rows(
    context: Any,
    waiting: Iterable[Any],
    any_workflow: bool,
    status: str = Submission.Status.RECEIVED,
) -> SafeString:
    """The `<tr>` of each version on the queue's page in the tab of `status`, or the row that
    says the tab has none."""
    rows = _Rows(context, status)
    found = "".join(rows.row(s, any_workflow) for s in waiting)
    if not found:
        nothing = escape(rows.tab.empty)
        found = f'\n    <tr><td colspan="8" class="text-body-secondary">{nothing}</td></tr>\n  '
    return mark_safe(found)  # noqa: S308 - every value escaped above


@register.simple_tag(takes_context=True)
def reviewed_rows(context: Any, reviewed: Iterable[Any]) -> SafeString:
    """The `<li>` of each recently reviewed version."""
    rows = _Rows(context)
    return mark_safe("".join(rows.reviewed(s) for s in reviewed))  # noqa: S308 - escaped above
