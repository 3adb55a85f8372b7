"""Marking and peer-feedback settings as they apply to one cohort.

The workshop's and the assignment's own fields are the course-wide defaults, which only the
course's authors change. A cohort's lead instructor may choose other settings for their cohort
alone (CohortMarkingSettings, CohortPeerSettings). Every reader asks here, so a cohort's choice
applies everywhere (the queue, marking, release, peer allocation, the pages) and never leaks
into another cohort of the same course.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery

from core import prepared
from core.models import User

from .models import Assignment, CohortMarkingSettings, CohortPeerSettings, Submission, Workshop

MARKING_FIELDS = ("marking_workflow", "second_check", "blind_review")
PEER_FIELDS = ("peer_review", "peer_reviewers", "peer_reviews_each", "peer_anonymous")


@dataclass(frozen=True)
class MarkingSettings:
    marking_workflow: bool
    second_check: bool
    blind_review: bool
    own: bool = False  # the cohort's own choice, not the course-wide default


@dataclass(frozen=True)
class PeerSettings:
    peer_review: bool
    peer_reviewers: int
    peer_reviews_each: int
    peer_anonymous: bool
    own: bool = False


def _marking(source: Any, own: bool) -> MarkingSettings:
    return MarkingSettings(**{f: bool(getattr(source, f)) for f in MARKING_FIELDS}, own=own)


def _peer(source: Any, own: bool) -> PeerSettings:
    return PeerSettings(**{f: getattr(source, f) for f in PEER_FIELDS}, own=own)


def marking_for(*, workshop: Workshop, cohort_id: int) -> MarkingSettings:
    """The marking settings of `workshop` in one cohort (one query, then cached on the
    workshop instance)."""
    cache = workshop.__dict__.setdefault("_cohort_marking_cache", {})
    if cohort_id not in cache:
        # Compiled once (the review and phase answer pages ask on every visit, #13).
        found = prepared.objects(
            CohortMarkingSettings,
            ("cohort_marking",),
            lambda cohort, workshop: CohortMarkingSettings.objects.filter(
                cohort_id=cohort, workshop_id=workshop
            ).order_by("pk")[:1],
            cohort=cohort_id,
            workshop=workshop.pk,
        )
        cache[cohort_id] = _marking(found[0], True) if found else _marking(workshop, False)
    return cache[cohort_id]


def marking_row(*, workshop: Workshop, cohort_id: int) -> CohortMarkingSettings | None:
    """The cohort's own marking settings row for `workshop` (None while it follows the
    course-wide defaults), for the settings form; one query, after which marking_for for the
    same cohort asks nothing more (it would read the same row)."""
    row = CohortMarkingSettings.objects.filter(cohort_id=cohort_id, workshop=workshop).first()
    cache = workshop.__dict__.setdefault("_cohort_marking_cache", {})
    cache[cohort_id] = _marking(row, True) if row else _marking(workshop, False)
    return row


def peer_for(*, assignment: Assignment, cohort_id: int) -> PeerSettings:
    """The peer-feedback settings of `assignment` in one cohort (one query, then cached)."""
    cache = assignment.__dict__.setdefault("_cohort_peer_cache", {})
    if cohort_id not in cache:
        row = CohortPeerSettings.objects.filter(cohort_id=cohort_id, assignment=assignment).first()
        cache[cohort_id] = _peer(row, True) if row else _peer(assignment, False)
    return cache[cohort_id]


def peer_row(*, assignment: Assignment, cohort_id: int) -> CohortPeerSettings | None:
    """The cohort's own peer-feedback settings row for `assignment` (None while it follows
    the course-wide defaults), for the settings form; one query, after which peer_for for the
    same cohort asks nothing more (it would read the same row)."""
    row = CohortPeerSettings.objects.filter(cohort_id=cohort_id, assignment=assignment).first()
    cache = assignment.__dict__.setdefault("_cohort_peer_cache", {})
    cache[cohort_id] = _peer(row, True) if row else _peer(assignment, False)
    return row


def marking_of(submission: Submission) -> MarkingSettings:
    """The marking settings that apply to a submission (its cohort's)."""
    cached = submission.__dict__.get("_marking_settings")
    if cached is None:
        cached = marking_for(
            workshop=submission.assignment.workshop, cohort_id=submission.cohort_id
        )
        submission.__dict__["_marking_settings"] = cached
    return cached


def marking_columns() -> dict[str, Subquery]:
    """The cohort's own marking settings as annotations of a Submission query (NULL when the
    cohort has no row of its own), for marking_from_columns: the settings come with the
    version instead of in a query of their own."""
    own = CohortMarkingSettings.objects.filter(
        cohort_id=OuterRef("cohort_id"), workshop_id=OuterRef("assignment__workshop_id")
    )
    return {f"own_{f}": Subquery(own.values(f)[:1]) for f in MARKING_FIELDS}


def marking_from_columns(submission: Submission) -> MarkingSettings:
    """marking_of(submission) from the marking_columns() read with it (no query): the
    cohort's own row when it has one, else the workshop's course-wide defaults."""
    values = {f: getattr(submission, f"own_{f}") for f in MARKING_FIELDS}
    own = any(v is not None for v in values.values())
    found = (
        MarkingSettings(**{f: bool(v) for f, v in values.items()}, own=True)
        if own
        else _marking(submission.assignment.workshop, False)
    )
    submission.__dict__["_marking_settings"] = found
    return found


def peer_of(submission: Submission) -> PeerSettings:
    """The peer-feedback settings that apply to a submission (its cohort's)."""
    cached = submission.__dict__.get("_peer_settings")
    if cached is None:
        cached = peer_for(assignment=submission.assignment, cohort_id=submission.cohort_id)
        submission.__dict__["_peer_settings"] = cached
    return cached


def attach(submissions: Iterable[Submission], *, peer: bool = True) -> None:
    """Load the settings of many submissions at once (one query each for marking and, unless
    `peer` is False, peer feedback, for any number), so that marking_of / peer_of and the
    templates' `s.settings_marking` ask nothing more."""
    rows = list(submissions)
    if not rows:
        return
    cohorts = {s.cohort_id for s in rows}
    marking = {
        (r.cohort_id, r.workshop_id): r
        for r in CohortMarkingSettings.objects.filter(
            cohort_id__in=cohorts, workshop_id__in={s.assignment.workshop_id for s in rows}
        )
    }
    peers = (
        {
            (r.cohort_id, r.assignment_id): r
            for r in CohortPeerSettings.objects.filter(
                cohort_id__in=cohorts, assignment_id__in={s.assignment_id for s in rows}
            )
        }
        if peer
        else {}
    )
    for s in rows:
        m = marking.get((s.cohort_id, s.assignment.workshop_id))
        p = peers.get((s.cohort_id, s.assignment_id))
        s.__dict__["_marking_settings"] = (
            _marking(m, True) if m else _marking(s.assignment.workshop, False)
        )
        # Read by the templates as submission.settings_marking / settings_peer.
        s.settings_marking = s.__dict__["_marking_settings"]
        if peer:
            s.__dict__["_peer_settings"] = _peer(p, True) if p else _peer(s.assignment, False)
            s.settings_peer = s.__dict__["_peer_settings"]


def marking_q(field: str, value: bool = True, prefix: str = "") -> Q:
    """A filter on Submission (reached through `prefix`, e.g. "submission__"): the marking
    setting `field` of the submission's cohort is `value`."""
    if field not in MARKING_FIELDS:
        raise ValueError(field)
    own = CohortMarkingSettings.objects.filter(
        cohort_id=OuterRef(f"{prefix}cohort_id"),
        workshop_id=OuterRef(f"{prefix}assignment__workshop_id"),
    )
    return Q(Exists(own.filter(**{field: value}))) | (
        ~Q(Exists(own)) & Q(**{f"{prefix}assignment__workshop__{field}": value})
    )


def peer_q(value: bool = True, prefix: str = "") -> Q:
    """A filter on Submission (through `prefix`): peer feedback is on (or off) for the
    submission's phase in its cohort."""
    own = CohortPeerSettings.objects.filter(
        cohort_id=OuterRef(f"{prefix}cohort_id"), assignment_id=OuterRef(f"{prefix}assignment_id")
    )
    return Q(Exists(own.filter(peer_review=value))) | (
        ~Q(Exists(own)) & Q(**{f"{prefix}assignment__peer_review": value})
    )


@transaction.atomic
def cohort_marking_set(
    *, cohort: Any, workshop: Workshop, by: Any, values: dict[str, bool]
) -> CohortMarkingSettings:
    """Save one cohort's own marking settings for a workshop. Precondition: `by` leads the
    cohort (see learners.access.cohorts_led_by); the course-wide defaults stay as they are."""
    row, _created = CohortMarkingSettings.objects.update_or_create(
        cohort=cohort,
        workshop=workshop,
        defaults={**{f: bool(values[f]) for f in MARKING_FIELDS}, "updated_by": by},
    )
    workshop.__dict__.pop("_cohort_marking_cache", None)
    return row


@transaction.atomic
def cohort_peer_set(
    *, cohort: Any, assignment: Assignment, by: Any, values: dict[str, Any]
) -> CohortPeerSettings:
    """Save one cohort's own peer-feedback settings for a phase. Precondition: `by` leads
    the cohort; the course-wide defaults stay as they are."""
    row, _created = CohortPeerSettings.objects.update_or_create(
        cohort=cohort,
        assignment=assignment,
        defaults={**{f: values[f] for f in PEER_FIELDS}, "updated_by": by},
    )
    assignment.__dict__.pop("_cohort_peer_cache", None)
    return row


@transaction.atomic
def cohort_settings_reset(*, cohort: Any, workshop: Workshop) -> int:
    """Drop a cohort's own marking and peer settings for a workshop: it follows the course-wide
    defaults again. Precondition: as for cohort_marking_set."""
    deleted = CohortMarkingSettings.objects.filter(cohort=cohort, workshop=workshop).delete()[0]
    deleted += CohortPeerSettings.objects.filter(
        cohort=cohort, assignment__workshop=workshop
    ).delete()[0]
    return deleted


@dataclass
class SettingsScope:
    """Whose settings a settings page edits: one cohort the person leads, or (for the course's
    authors and the superuser) the course-wide defaults when `cohort` is None."""

    cohorts: list[Any]  # the course's cohorts the person leads
    cohort: Any | None
    is_author: bool


def settings_scope(*, user: Any, course: Any, requested: str | None) -> SettingsScope:
    """The scope of a marking or peer settings page; Http404 when the person neither leads a
    cohort of the course nor authors it, or asks for a cohort they do not lead."""
    from django.http import Http404

    from courses.access import is_course_author
    from learners.access import cohorts_led_by

    led = cohorts_led_by(user)
    cohorts = list(course.cohorts.filter(pk__in=led).order_by("-start_date", "name", "pk"))
    is_author = is_course_author(user, course)
    if not cohorts and not is_author:
        raise Http404
    if requested:
        cohort = next((c for c in cohorts if str(c.pk) == requested), None)
        if cohort is None:
            raise Http404
        return SettingsScope(cohorts, cohort, is_author)
    if is_author:
        return SettingsScope(cohorts, None, is_author)
    return SettingsScope(cohorts, cohorts[0], is_author)


def cohort_settings_copy(*, source_id: int, cohort_id: int, by: User) -> None:
    """The source cohort's own marking and peer-feedback choices for a copy of it (learners'
    cohort_copy): without them the copy would quietly fall back to the course-wide defaults."""
    CohortMarkingSettings.objects.bulk_create(
        [
            CohortMarkingSettings(
                cohort_id=cohort_id,
                workshop_id=row.workshop_id,
                updated_by=by,
                **{f: getattr(row, f) for f in MARKING_FIELDS},
            )
            for row in CohortMarkingSettings.objects.filter(cohort_id=source_id)
        ]
    )
    CohortPeerSettings.objects.bulk_create(
        [
            CohortPeerSettings(
                cohort_id=cohort_id,
                assignment_id=row.assignment_id,
                updated_by=by,
                **{f: getattr(row, f) for f in PEER_FIELDS},
            )
            for row in CohortPeerSettings.objects.filter(cohort_id=source_id)
        ]
    )
