"""A version's status badge (workshops/includes/_status_badge.html) for pages that write their
rows in Python: it shows nothing of the version but its status, so it is rendered once per
status and language, not once per row. And what a review's decision made of the version, in
the words a reader of the feedback expects (decision_state)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.translation import get_language, pgettext_lazy

from .models import Review, Submission

_kept: dict[tuple[str | None, str | None], str] = {}


def status_badge(status: str | None) -> str:
    """The badge of a version in `status`; None for "Not submitted"."""
    key = (get_language(), status)
    badge = _kept.get(key)
    if badge is None:
        submission = None if status is None else Submission(status=status)
        badge = _kept[key] = render_to_string(
            "workshops/includes/_status_badge.html", {"submission": submission}
        )
    return badge


# Review.Decision's labels are the reviewer's buttons ("Approve", "Request a revision"); the
# feedback and the timeline say what became of the version. The texts are the version's and
# the experiment history's, already translated with those words.
_DECISION_STATES: dict[str, Promise] = {
    Review.Decision.APPROVE: pgettext_lazy("submission status", "Approved"),
    Review.Decision.REVISE: pgettext_lazy("experiment event", "Revision requested"),
}


def decision_state(decision: str) -> str:
    """'Approved' or 'Revision requested' for a review's decision; any other value as it is."""
    label = _DECISION_STATES.get(decision)
    return str(label) if label is not None else decision
