"""Building a phase's rubric (the rubric editor, workshops/views_rubric.py): adding and removing
criteria, moving them up and down, and adding, removing and re-pointing their levels.

Every write locks the workshop's row first, so two editors of the same rubric take turns, and
then checks that the rubric is still what the editor's page showed (the criteria's order, a
criterion's levels and their points): a save based on an older page is refused
(RubricChanged) instead of mixing two people's changes. A criterion that a review has scored
with (a given review's score, or a review being written) keeps its levels and points: reviews
already given show "points / maximum" from them (selectors.review_points,
scores.selectors), so only its wording may change (RubricLocked).

A review being recorded takes a share of the same lock (services.review_rubric_locked): an
edit waits for the review and then sees its scores, a review waits for an edit and then reads
the rubric as it became; the review page's rubric is checked like the editor's
(review_rubric_check).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import translation
from django.utils.translation import gettext as _

from core.errors import DomainError
from courses.languages import SOURCE_LANGUAGE, content_languages

from .models import ReviewDraft, ReviewScore, RubricCriterion, RubricLevel, Workshop

# Sane bounds for a rubric typed by hand: points 0-100, at most 10 levels a criterion and
# 20 criteria a phase.
MAX_POINTS = 100
MAX_LEVELS = 10
MAX_CRITERIA = 20

CRITERION_TEXTS = ("title", "description")
LEVEL_TEXTS = ("label", "descriptor")


class RubricError(DomainError):
    """The change is not a valid rubric (bad input: nothing was saved)."""


class RubricChanged(RubricError):
    """Someone changed the rubric after the editor's page was shown: nothing was saved."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else changed this rubric after you opened the page, so your change "
                "was not saved. Reload the page and make it again."
            )
        )


class RubricLocked(RubricError):
    """The criterion has been scored with in a review: its levels and points stay."""

    def __init__(self, criterion: RubricCriterion, *, removing: bool = False) -> None:
        title = criterion.title  # in the reader's language, as the editor shows it
        if removing:
            message = _(
                "The criterion “%(title)s” has already been used in reviews, so it cannot be "
                "removed: the reviews given with it would lose their points. You can still "
                "change its wording."
            )
        else:
            message = _(
                "The criterion “%(title)s” has already been used in reviews, so its levels and "
                "their points can no longer be changed (the reviews given with it keep their "
                "points and maximum). You can still change its wording, or add a new criterion."
            )
        super().__init__(message % {"title": title})


@dataclass(frozen=True)
class LevelChange:
    """A level as the editor sent it: an existing one (`level_id`) or a new one (None), its
    points and its texts by column (`label_fi`, `descriptor_sv`, ...); `remove` deletes it."""

    level_id: int | None
    points: int
    texts: dict[str, str | None] = field(default_factory=dict)
    remove: bool = False


def rubric_order(criteria: Iterable[RubricCriterion]) -> str:
    """The criteria's ids in their order ("12,9,15"): what the editor's move buttons send back,
    so a move is made only on the order the page showed."""
    return ",".join(str(c.pk) for c in criteria)


def criterion_levels_seen(criterion: RubricCriterion) -> str:
    """The criterion's levels and their points ("4=1,5=2,6=3"), with its levels prefetched
    or in one query: what the criterion's form sends back."""
    levels = sorted(criterion.levels.all(), key=lambda level: level.pk)
    return ",".join(f"{level.pk}={level.points}" for level in levels)


def rubric_criteria_in_use(
    *, workshop_id: int, phase: int, criterion_ids: Sequence[int]
) -> set[int]:
    """The ids among `criterion_ids` that a review has scored with: a given review's score,
    or a level picked in a review being written (its shared draft). Two queries, none
    without criteria."""
    ids = set(criterion_ids)
    if not ids:
        return set()
    used = set(
        ReviewScore.objects.filter(criterion_id__in=ids)
        .order_by()  # the default ordering (pk) would make every score distinct
        .values_list("criterion_id", flat=True)
        .distinct()
    )
    # Counted in the database (a draft's `levels` is {criterion id: level id}): the phase's
    # drafts are never read into Python, however many learners the cohorts have.
    picked = ReviewDraft.objects.filter(
        submission__assignment__workshop_id=workshop_id, submission__assignment__phase=phase
    ).aggregate(**{f"c{pk}": Count("pk", filter=Q(levels__has_key=str(pk))) for pk in sorted(ids)})
    return used | {pk for pk in ids if picked[f"c{pk}"]}


def _locked_rubric(*, workshop_id: int, phase: int) -> list[RubricCriterion]:
    """Take the rubric editor's lock (the workshop's row) and read the phase's criteria, with
    their levels, as they are now. The criteria are locked too: a review being recorded with
    one (its score's reference) waits for the change, or the change for the review, and the
    check for use that follows sees it."""
    if not Workshop.objects.select_for_update().filter(pk=workshop_id).exists():
        raise RubricChanged
    return list(
        RubricCriterion.objects.select_for_update()
        .filter(workshop_id=workshop_id, phase=phase)
        .order_by("position", "pk")
        .prefetch_related("levels")
    )


def _renumber(criteria: list[RubricCriterion]) -> None:
    """Positions 0, 1, 2... in this order, writing only the rows that move."""
    for position, criterion in enumerate(criteria):
        if criterion.position != position:
            RubricCriterion.objects.filter(pk=criterion.pk).update(position=position)
            criterion.position = position


def _check_title(
    texts: dict[str, str | None], criteria: Iterable[RubricCriterion], *, own: int | None
) -> None:
    """No other criterion of the phase has the same title in any language (the database holds
    one per language)."""
    for other in criteria:
        if other.pk == own:
            continue
        for language in content_languages():
            title = (texts.get(f"title_{language}") or "").strip()
            if title and title == (getattr(other, f"title_{language}") or "").strip():
                raise RubricError(_("Two criteria of the same phase cannot have the same title."))


def _check_levels(kept: list[LevelChange]) -> None:
    """The levels a criterion would have: at least one, a sane number, points within range
    and each points value once."""
    if not kept:
        raise RubricError(_("A criterion needs at least one level."))
    if len(kept) > MAX_LEVELS:
        raise RubricError(
            _("A criterion can have at most %(count)s levels.") % {"count": MAX_LEVELS}
        )
    seen: set[int] = set()
    for level in kept:
        if not 0 <= level.points <= MAX_POINTS:
            raise RubricError(
                _("A level's points must be a whole number from 0 to %(max)s.")
                % {"max": MAX_POINTS}
            )
        if level.points in seen:
            raise RubricError(
                _("Two levels of a criterion cannot have the same points (%(points)s).")
                % {"points": level.points}
            )
        seen.add(level.points)
        if not (level.texts.get(f"label_{SOURCE_LANGUAGE}") or "").strip():
            raise RubricError(_("Every level needs a name in Finnish."))


def _set_texts(
    row: RubricCriterion | RubricLevel, texts: dict[str, str | None], names: tuple[str, ...]
) -> list[str]:
    """Put the per-language texts of `names` on the row; returns the columns to save. Saved
    with Finnish active, the plain columns (which the orderings and constraints read) get
    the Finnish text, as texts.phase_texts_save does (a queryset's update() would not: it
    writes a plain name to the active language's column)."""
    columns = []
    for name in names:
        for language in content_languages():
            column = f"{name}_{language}"
            value = (texts.get(column) or "").strip()
            # The Finnish text is never NULL (the plain column is not); an empty other
            # language is NULL, so that two criteria without a Swedish title do not have
            # "the same" one.
            setattr(row, column, value if value or language == SOURCE_LANGUAGE else None)
            columns.append(column)
        columns.append(name)
    return columns


def _save_levels(criterion: RubricCriterion, changes: list[LevelChange]) -> None:
    """Apply `changes` to the criterion's levels: removals first, then points moved out of
    the way (so two levels may swap points under the one-level-per-points constraint), then
    the final points and texts, then the new levels."""
    current = {level.pk: level for level in criterion.levels.all()}
    removed = [c.level_id for c in changes if c.remove and c.level_id is not None]
    if removed:
        RubricLevel.objects.filter(criterion=criterion, pk__in=removed).delete()
    kept = [(current[c.level_id], c) for c in changes if not c.remove and c.level_id is not None]
    moving = [level for level, change in kept if level.points != change.points]
    # Out of the range a level may have (MAX_POINTS < 30000 <= the column's 32767).
    for offset, level in enumerate(moving):
        RubricLevel.objects.filter(pk=level.pk).update(points=30000 + offset)
    with translation.override(SOURCE_LANGUAGE):
        for level, change in kept:
            level.points = change.points
            columns = _set_texts(level, change.texts, LEVEL_TEXTS)
            level.save(update_fields=["points", *columns])
        for change in changes:
            if change.level_id is None and not change.remove:
                new = RubricLevel(criterion=criterion, points=change.points)
                _set_texts(new, change.texts, LEVEL_TEXTS)
                new.save()


def _check_level_ids(criterion: RubricCriterion, changes: list[LevelChange]) -> None:
    current = {level.pk for level in criterion.levels.all()}
    sent = [c.level_id for c in changes if c.level_id is not None]
    if len(sent) != len(set(sent)) or set(sent) != current:
        raise RubricChanged


@transaction.atomic
def rubric_criterion_add(
    *,
    workshop_id: int,
    phase: int,
    texts: dict[str, str | None],
    levels: list[LevelChange],
) -> RubricCriterion:
    """Add a criterion with its levels at the end of the phase's rubric (allowed after reviews
    exist: a review's points and maximum count only the criteria it scored)."""
    criteria = _locked_rubric(workshop_id=workshop_id, phase=phase)
    if len(criteria) >= MAX_CRITERIA:
        raise RubricError(
            _("A rubric can have at most %(count)s criteria.") % {"count": MAX_CRITERIA}
        )
    if not (texts.get(f"title_{SOURCE_LANGUAGE}") or "").strip():
        raise RubricError(_("The criterion needs a title in Finnish."))
    _check_title(texts, criteria, own=None)
    kept = [level for level in levels if not level.remove]
    if any(level.level_id is not None for level in kept):
        raise RubricChanged
    _check_levels(kept)
    _renumber(criteria)
    criterion = RubricCriterion(workshop_id=workshop_id, phase=phase, position=len(criteria))
    _set_texts(criterion, texts, CRITERION_TEXTS)
    try:
        with transaction.atomic(), translation.override(SOURCE_LANGUAGE):
            criterion.save()
    except IntegrityError:
        raise RubricError(_("Two criteria of the same phase cannot have the same title.")) from None
    _save_levels(criterion, kept)
    return criterion


@transaction.atomic
def rubric_criterion_update(
    *,
    workshop_id: int,
    phase: int,
    criterion_id: int,
    levels_seen: str,
    texts: dict[str, str | None],
    levels: list[LevelChange],
) -> None:
    """Save a criterion's texts and levels as the editor sent them (`levels_seen`: its levels
    as the page showed them, criterion_levels_seen). A criterion in use keeps its levels and
    their points: anything but a change of wording is refused (RubricLocked)."""
    criteria = _locked_rubric(workshop_id=workshop_id, phase=phase)
    criterion = next((c for c in criteria if c.pk == criterion_id), None)
    if criterion is None or criterion_levels_seen(criterion) != levels_seen:
        raise RubricChanged
    _check_level_ids(criterion, levels)
    if not (texts.get(f"title_{SOURCE_LANGUAGE}") or "").strip():
        raise RubricError(_("The criterion needs a title in Finnish."))
    _check_title(texts, criteria, own=criterion.pk)
    kept = [level for level in levels if not level.remove]
    _check_levels(kept)
    current = {level.pk: level.points for level in criterion.levels.all()}
    structural = any(
        (level.level_id is None and not level.remove)
        or (level.level_id is not None and level.remove)
        or (level.level_id is not None and current[level.level_id] != level.points)
        for level in levels
    )
    if structural and rubric_criteria_in_use(
        workshop_id=workshop_id, phase=phase, criterion_ids=[criterion.pk]
    ):
        raise RubricLocked(criterion)
    columns = _set_texts(criterion, texts, CRITERION_TEXTS)
    try:
        with transaction.atomic(), translation.override(SOURCE_LANGUAGE):
            criterion.save(update_fields=columns)
    except IntegrityError:
        raise RubricError(_("Two criteria of the same phase cannot have the same title.")) from None
    _save_levels(criterion, levels)


@transaction.atomic
def rubric_criterion_move(
    *, workshop_id: int, phase: int, criterion_id: int, offset: int, order_seen: str
) -> None:
    """Move a criterion up (-1) or down (+1) in the rubric shown in `order_seen`
    (rubric_order); the first stays first when moved up, the last last when moved down."""
    criteria = _locked_rubric(workshop_id=workshop_id, phase=phase)
    if rubric_order(criteria) != order_seen:
        raise RubricChanged
    index = next((i for i, c in enumerate(criteria) if c.pk == criterion_id), None)
    if index is None:
        raise RubricChanged
    target = max(0, min(len(criteria) - 1, index + offset))
    criteria.insert(target, criteria.pop(index))
    _renumber(criteria)


@transaction.atomic
def rubric_criterion_delete(*, workshop_id: int, phase: int, criterion_id: int) -> None:
    """Remove a criterion and its levels, unless a review has scored with it (RubricLocked)."""
    criteria = _locked_rubric(workshop_id=workshop_id, phase=phase)
    criterion = next((c for c in criteria if c.pk == criterion_id), None)
    if criterion is None:
        raise RubricChanged
    if rubric_criteria_in_use(workshop_id=workshop_id, phase=phase, criterion_ids=[criterion.pk]):
        raise RubricLocked(criterion, removing=True)
    criterion.delete()
    _renumber([c for c in criteria if c.pk != criterion.pk])


# --- the rubric a review page was shown ------------------------------------------------------
#
# The review page sends back the rubric it showed (`review_rubric_seen`, a hidden field of the
# review form), as the editor's forms do with theirs: a decision made on a page older than the
# rubric is refused with what changed (ReviewRubricChanged in workshops.services), keeping the
# texts and the levels that still mean what the reviewer picked. The browser's copy of a review
# being written (static/js/workshops-review.js) keeps it too, and restores only those levels.


def _digest(*values: object) -> str:
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:12]


def review_rubric_seen(criteria: Iterable[RubricCriterion]) -> str:
    """The rubric as the review page shows it, with its levels prefetched (no queries): per
    criterion its id, its title as shown (to name it if it is removed) and a digest of its
    texts, and per level a digest of its points and texts, in the active language.

    JSON: [{"id": 12, "t": "Title", "s": "<digest>", "l": {"<level id>": "<digest>"}}, ...]"""
    return json.dumps(
        [
            {
                "id": criterion.pk,
                "t": criterion.title,
                "s": _digest(criterion.title, criterion.description),
                "l": {
                    str(level.pk): _digest(level.points, level.label, level.descriptor)
                    for level in criterion.levels.all()
                },
            }
            for criterion in criteria
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


@dataclass(frozen=True)
class _SeenCriterion:
    pk: int
    title: str
    digest: str
    levels: dict[int, str]


def _parse_seen(seen: str) -> list[_SeenCriterion] | None:
    """review_rubric_seen's value read back, or None when it is not one."""
    try:
        rows = json.loads(seen)
    except ValueError:
        return None
    if not isinstance(rows, list):
        return None
    parsed = []
    for row in rows:
        if not isinstance(row, dict):
            return None
        pk, title, digest, levels = row.get("id"), row.get("t"), row.get("s"), row.get("l")
        if (
            not isinstance(pk, int)
            or not isinstance(title, str)
            or not isinstance(digest, str)
            or not isinstance(levels, dict)
            or not all(isinstance(v, str) and k.isdigit() for k, v in levels.items())
        ):
            return None
        parsed.append(_SeenCriterion(pk, title, digest, {int(k): v for k, v in levels.items()}))
    return parsed


def review_rubric_seen_valid(seen: str) -> bool:
    return _parse_seen(seen) is not None


class RubricChangeKind(StrEnum):
    REMOVED = "removed"  # the criterion is no longer in the rubric
    ADDED = "added"  # a criterion the page did not show: a level must be chosen
    REPICK = "repick"  # its levels changed and the level picked is gone or changed (or none)
    LEVELS_KEPT = "levels-kept"  # its levels changed; the level picked is still as it was
    REWORDED = "reworded"  # only the criterion's own wording changed


@dataclass(frozen=True)
class RubricChange:
    """How one criterion changed since the review page was shown."""

    kind: RubricChangeKind
    criterion_id: int
    title: str

    @property
    def message(self) -> str:
        title = {"title": self.title}
        if self.kind == RubricChangeKind.REMOVED:
            return _("The criterion “%(title)s” was removed from the rubric.") % title
        if self.kind == RubricChangeKind.ADDED:
            return (
                _("The criterion “%(title)s” was added to the rubric: choose a level for it.")
                % title
            )
        if self.kind == RubricChangeKind.REPICK:
            return (
                _("The levels of the criterion “%(title)s” changed: choose a level for it again.")
                % title
            )
        if self.kind == RubricChangeKind.LEVELS_KEPT:
            return (
                _(
                    "The levels of the criterion “%(title)s” changed; the level you chose is "
                    "unchanged and is kept."
                )
                % title
            )
        return _("The wording of the criterion “%(title)s” changed.") % title


@dataclass(frozen=True)
class RubricCheck:
    """What changed in the rubric since the page was shown (nothing: `changes` is empty), and
    the levels picked on that page that still mean what the reviewer picked."""

    changes: list[RubricChange]
    kept: dict[int, int]


def review_rubric_check(
    *, seen: str, criteria: Sequence[RubricCriterion], picks: dict[int, int]
) -> RubricCheck:
    """Compare the rubric as a review page showed it (`seen`, review_rubric_seen; an invalid
    value counts as a rubric with no criteria) with `criteria` as they are now (levels
    prefetched, no queries). `picks` ({criterion id: level id}) are the page's levels: a level
    is kept when its criterion is still there and the level's points and texts are as the page
    showed them."""
    shown = {c.pk: c for c in _parse_seen(seen) or []}
    changes: list[RubricChange] = []
    kept: dict[int, int] = {}
    current_ids = {c.pk for c in criteria}
    for gone in shown.values():
        if gone.pk not in current_ids:
            changes.append(RubricChange(RubricChangeKind.REMOVED, gone.pk, gone.title))
    for criterion in criteria:
        now = {
            level.pk: _digest(level.points, level.label, level.descriptor)
            for level in criterion.levels.all()
        }
        old = shown.get(criterion.pk)
        pick = picks.get(criterion.pk)
        if old is None:
            changes.append(RubricChange(RubricChangeKind.ADDED, criterion.pk, criterion.title))
            continue
        pick_holds = False
        if pick is not None and pick in now and now[pick] == old.levels.get(pick):
            kept[criterion.pk] = pick
            pick_holds = True
        if now != old.levels:
            kind = RubricChangeKind.LEVELS_KEPT if pick_holds else RubricChangeKind.REPICK
            changes.append(RubricChange(kind, criterion.pk, criterion.title))
        elif old.digest != _digest(criterion.title, criterion.description):
            changes.append(RubricChange(RubricChangeKind.REWORDED, criterion.pk, criterion.title))
    return RubricCheck(changes=changes, kept=kept)
