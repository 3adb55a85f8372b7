"""The demo has impact plans for the demo experiments, one measured through its run log."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.models import User
from impact import selectors
from impact.models import ImpactPlan, Measurement, PlanFeedback, PlanSnapshot, Statement

pytestmark = pytest.mark.django_db


def test_the_demo_has_impact_plans_and_measurements_through_the_run_log(demo_data, client):
    assert ImpactPlan.objects.count() >= 3
    mikko = ImpactPlan.objects.get(experiment__title__icontains="Yhteiskehittämisen aamut")
    outcomes = selectors.indicator_outcomes(experiment=mikko.experiment)
    assert [o.latest for o in outcomes[:2]] == [12, 5]
    assert Measurement.objects.filter(run_log_entry__experiment=mikko.experiment).count() == 4
    assert PlanSnapshot.objects.filter(plan=mikko).exists()
    assert PlanFeedback.objects.filter(submission__experiment=mikko.experiment).exists()

    counts = (Statement.objects.count(), Measurement.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Statement.objects.count(), Measurement.objects.count()) == counts

    # Mikko sees his plan, its chart and the released feedback.
    client.force_login(User.objects.get(email="mikko.laine@demo.alueagentti.fi"))
    page = client.get(reverse("impact:plan", args=[mikko.experiment_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="indicator-chart"' in html
    assert 'data-testid="plan-feedback"' in html
    history = client.get(reverse("impact:history", args=[mikko.experiment_id]))
    assert 'data-kind="added"' in history.content.decode()


def test_the_demo_plan_shows_numbers_in_finnish_on_the_page_the_review_and_the_pdf(
    demo_data, client
):
    """Never "15.00", "12.5" or "12,50": the plan page, the instructor's review and the PDF
    all write "15" and "12,5"."""
    import io
    import re
    from decimal import Decimal

    from pypdf import PdfReader

    from impact.models import Indicator
    from workshops.models import Submission

    mikko = ImpactPlan.objects.get(experiment__title__icontains="Yhteiskehittämisen aamut")
    Indicator.objects.filter(plan=mikko, name="Osallistujia aamua kohden").update(
        target=Decimal("12.5")
    )
    phase3 = Submission.objects.get(
        experiment=mikko.experiment, assignment__phase=3, impact_snapshot__isnull=False
    )
    # A number with a decimal point; dates (23.11.2026) are not numbers.
    dotted = re.compile(r"(?<![\d.])\d+\.\d+(?![\d.])")

    def text_of(html: str) -> str:
        # What a reader sees: no tags, no attribute values (SVG coordinates use dots).
        return re.sub(r"<[^>]*>", " ", html)

    client.force_login(User.objects.get(email="mikko.laine@demo.alueagentti.fi"))
    plan = text_of(client.get(reverse("impact:plan", args=[mikko.experiment_id])).content.decode())
    pdf = client.get(reverse("impact:pdf", args=[mikko.experiment_id]))
    client.force_login(User.objects.get(email="ohjaaja@demo.alueagentti.fi"))
    review = text_of(client.get(reverse("impact:review", args=[phase3.pk])).content.decode())

    for text in (plan, review):
        assert "12,5 " in text
        assert "12,50" not in text
        found = dotted.search(text)
        assert found is None, repr(text[found.start() - 150 : found.end() + 50])
    if pdf["Content-Type"] == "application/pdf":  # WeasyPrint is installed
        pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "12,5" in pdf_text
        assert "12,50" not in pdf_text
        assert not dotted.search(pdf_text), dotted.search(pdf_text)
