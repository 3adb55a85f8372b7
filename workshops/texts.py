"""A phase's texts per language (workshops/translation.py): saving them from the phase text
editor, and the rubric scores of a review in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction
from django.utils import translation

from courses.languages import SOURCE_LANGUAGE, content_languages

from .models import Review, ReviewScore, RubricLevel


@transaction.atomic
def phase_texts_save(*, rows: Iterable[tuple[models.Model, tuple[str, ...]]]) -> None:
    """Save the (row, text names) of a phase and its rubric whose per-language texts the editor
    has set, and only those columns (a phase's peer settings saved meanwhile stay). The
    original columns, which the models' orderings and constraints read, get the Finnish text
    whatever the editor's interface language."""
    with translation.override(SOURCE_LANGUAGE):
        for row, names in rows:
            columns = [f"{name}_{language}" for name in names for language in content_languages()]
            row.save(update_fields=[*names, *columns])


def _wordings(row: models.Model, name: str) -> set[str]:
    return {
        value for language in content_languages() if (value := getattr(row, f"{name}_{language}"))
    }


def scores_in_language(
    *,
    review: Review,
    scores: list[ReviewScore] | None = None,
    levels: Iterable[RubricLevel] | None = None,
) -> list[ReviewScore]:
    """The review's rubric scores for the page (two queries, none when `scores` with their
    criteria and the `levels` of those criteria are given, as selectors.feedback_parts reads
    them), their texts in the active language where the rubric still says what the reviewer
    saw (in any of its languages); otherwise, a criterion or level reworded or removed since,
    as the copy holds them (in Finnish: services._rubric_scores copies the source texts
    whatever the reviewer's language; reviews written before that hold the reviewer's). The
    rows are changed in memory only: the copies keep the record."""
    if scores is None:
        scores = list(review.scores.select_related("criterion"))
    if levels is None:
        levels = RubricLevel.objects.filter(
            criterion_id__in={s.criterion_id for s in scores if s.criterion_id}
        )
    by_points = {(level.criterion_id, level.points): level for level in levels}
    for score in scores:
        criterion = score.criterion
        if criterion is None or score.criterion_title not in _wordings(criterion, "title"):
            continue
        score.criterion_title = criterion.title
        level = by_points.get((criterion.pk, score.points))
        if level is not None and score.level_label in _wordings(level, "label"):
            score.level_label = level.label
            if score.descriptor in _wordings(level, "descriptor"):
                score.descriptor = level.descriptor
    return scores
