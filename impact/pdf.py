"""The impact plan as a one-page PDF (through core.pdf, the platform's one WeasyPrint helper).

A plan with many statements or indicators would spill onto a second page, so the page is laid
out more compactly step by step (smaller type, tighter spacing) until it fits on one page.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils import timezone

from core.pdf import html_to_pdf

from . import selectors

if TYPE_CHECKING:
    from workshops.models import Experiment

    from .models import ImpactPlan

# From roomy to tight: base type size (pt), page margin (cm) and spacing (pt); at the very
# end assumptions and risks move beside the causal chain (one row of seven columns), which
# trades width for height when every column is long.
DENSITIES: tuple[dict[str, float | bool], ...] = (
    {"font": 8.5, "margin": 1.2, "gap": 6},
    {"font": 7.5, "margin": 1.0, "gap": 5},
    {"font": 6.5, "margin": 0.8, "gap": 4},
    {"font": 5.6, "margin": 0.7, "gap": 3},
    {"font": 4.8, "margin": 0.6, "gap": 2},
    {"font": 4.8, "margin": 0.6, "gap": 2, "one_row": True},
)


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def start_density(columns: list[selectors.ColumnView], n_indicators: int) -> int:
    """A first guess of how tight the page must be, so that a big plan is not rendered in every
    density in turn: the tallest column (in characters) and the indicator rows set the need."""
    main = max(
        (
            sum(len(s.text) + 40 for s in c.statements)
            for c in columns
            if c.code in selectors.MAIN_COLUMNS
        ),
        default=0,
    )
    side = max(
        (
            sum(len(s.text) + 40 for s in c.statements)
            for c in columns
            if c.code not in selectors.MAIN_COLUMNS
        ),
        default=0,
    )
    load = main + side / 2 + n_indicators * 120
    for index, limit in enumerate((1400, 1750, 3000, 4500)):
        if load <= limit:
            return index
    return len(DENSITIES) - 1


def plan_pdf(*, experiment: Experiment, plan: ImpactPlan | None) -> bytes | None:
    view = selectors.plan_view(plan=plan) if plan else None
    columns = view.columns if view else selectors.empty_columns()
    indicators = view.indicators if view else []
    context = {
        "experiment": experiment,
        "main_columns": [c for c in columns if c.code in selectors.MAIN_COLUMNS],
        "side_columns": [c for c in columns if c.code not in selectors.MAIN_COLUMNS],
        "indicators": indicators,
        "today": timezone.localdate(),
    }
    pdf: bytes | None = None
    for density in DENSITIES[start_density(columns, len(indicators)) :]:
        pdf = html_to_pdf(render_to_string("impact/plan_pdf.html", {**context, "size": density}))
        if pdf is None or page_count(pdf) == 1:
            break
    # The tightest layout is returned even if a plan at every limit still needs a second page.
    return pdf
