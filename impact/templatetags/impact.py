"""Small views of the impact plan for the workshop pages (experiment, phase 3, review)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.db.models import Count, Q
from django.utils import formats

from impact import selectors
from impact.models import ImpactPlan

register = template.Library()


@register.filter
def number(value: Any) -> str:
    """A baseline, target or measured value as the reader's language writes it, without
    trailing zeros: "400" and "12,5" in Finnish (never "400.00" or "12,50"); "–" for none."""
    if value is None or value == "":
        return "–"
    return str(formats.localize(Decimal(str(value)).normalize()))


@register.inclusion_tag("impact/includes/_plan_card.html")
def impact_plan_card(experiment: Any, editable: bool = False) -> dict[str, Any]:
    """A link to the experiment's impact plan with how far it is (one query)."""
    counts = (
        ImpactPlan.objects.filter(experiment=experiment)
        .annotate(
            n_statements=Count("statements", distinct=True),
            n_outcomes=Count(
                "statements",
                filter=Q(statements__column__in=["short_term", "long_term"]),
                distinct=True,
            ),
            n_indicators=Count("indicators", distinct=True),
        )
        .values("n_statements", "n_outcomes", "n_indicators")
        .first()
    )
    return {"experiment": experiment, "counts": counts, "editable": editable}


@register.inclusion_tag("impact/includes/_review_card.html")
def impact_review_card(submission: Any) -> dict[str, Any]:
    """On the review of a phase 3 version: what changed in the plan, and the rubric link."""
    return {
        "submission": submission,
        "changes": selectors.changes_since_snapshot(submission=submission),
    }
