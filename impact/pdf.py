"""The impact plan as a one-page PDF (through core.pdf, the platform's one WeasyPrint helper)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils import timezone

from core.pdf import html_to_pdf

from . import selectors

if TYPE_CHECKING:
    from workshops.models import Experiment

    from .models import ImpactPlan


def plan_pdf(*, experiment: Experiment, plan: ImpactPlan | None) -> bytes | None:
    view = selectors.plan_view(plan=plan) if plan else None
    columns = view.columns if view else selectors.empty_columns()
    html = render_to_string(
        "impact/plan_pdf.html",
        {
            "experiment": experiment,
            "main_columns": [c for c in columns if c.code in selectors.MAIN_COLUMNS],
            "side_columns": [c for c in columns if c.code not in selectors.MAIN_COLUMNS],
            "indicators": view.indicators if view else [],
            "today": timezone.localdate(),
        },
    )
    return html_to_pdf(html)
