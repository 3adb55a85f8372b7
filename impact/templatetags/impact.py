"""Small views of the impact plan for the workshop pages (experiment, phase 3, review)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count, Q

from impact import selectors
from impact.models import ImpactPlan

register = template.Library()


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
