"""The one-page PDF export and the plan page's query budget."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from impact import services
from impact.models import Column
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db


def test_the_plan_downloads_as_a_one_page_pdf(client_for, experiment, learner, instructor, plan):
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        skip_or_fail(f"WeasyPrint cannot import: {exc}")
    from pypdf import PdfReader

    services.measurement_record(
        indicator=plan["indicator"], value=Decimal(18), measured_on=timezone.localdate(), by=learner
    )
    for person in (learner, instructor):
        response = client_for(person).get(reverse("impact:pdf", args=[experiment.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "vaikuttavuus-liityntakyyti-asemalle.pdf" in response["Content-Disposition"]
        reader = PdfReader(io.BytesIO(response.content))
        assert len(reader.pages) == 1
        text = reader.pages[0].extract_text()
        assert "Kuljettajat uupuvat" in text
        assert "Junalla kulkevat asukkaat" in text
        assert "40\u00a0%" in text


def test_the_pdf_says_so_when_the_server_cannot_make_pdfs(
    client_for, experiment, learner, plan, monkeypatch
):
    monkeypatch.setattr("impact.pdf.html_to_pdf", lambda html: None)
    response = client_for(learner).get(reverse("impact:pdf", args=[experiment.pk]))
    assert response.status_code == 503


def grow(experiment, learner, n):
    """n statements spread over the columns and n indicators, each with three values."""
    columns = list(Column.values)
    outcomes = []
    for i in range(n):
        s = services.statement_add(
            experiment=experiment, column=columns[i % len(columns)], text=f"Lause {i}"
        )
        if s.column in ("short_term", "long_term"):
            outcomes.append(s)
    today = timezone.localdate()
    for i in range(n):
        indicator = services.indicator_save(
            experiment=experiment,
            name=f"Mittari {i}",
            baseline=Decimal(0),
            target=Decimal(100),
            statement=outcomes[i % len(outcomes)],
        )
        for d in range(3):
            services.measurement_record(
                indicator=indicator,
                value=Decimal(10 * d),
                measured_on=today - datetime.timedelta(days=7 * d),
                by=learner,
            )


@pytest.mark.parametrize("reader", ["learner", "instructor"])
def test_the_plan_page_has_a_flat_query_budget(
    client, experiment, learner, instructor, reader, django_assert_num_queries
):
    # The session, and the reader with the navigation's roles and unread badge (2); the
    # experiment (1); the plan (1); can-edit: team member (1) and, for a member, her learner
    # role (1); is-instructor (1); statements (1); indicators with their outcome statements
    # (1) and measurements (1); phase 3 versions for the feedback (1). The instructor is no
    # team member, so her learner role is not asked. (13 allowed before.)
    budget = 11 if reader == "learner" else 10
    client.force_login(learner if reader == "learner" else instructor)
    url = reverse("impact:plan", args=[experiment.pk])
    grow(experiment, learner, 5)
    with django_assert_num_queries(budget):
        small = client.get(url)
    assert len(small.context["indicators"]) == 5
    grow(experiment, learner, 45)
    with django_assert_num_queries(budget):
        large = client.get(url)
    assert len(large.context["indicators"]) == 50
    assert sum(len(c.statements) for c in large.context["columns"]) == 50


def test_the_history_page_has_a_flat_query_budget(
    client, experiment, learner, instructor, phases, django_assert_num_queries
):
    from tests.impact.conftest import open_phase
    from workshops import services as workshop_services

    def send_versions(n):
        for i in range(n):
            services.statement_add(experiment=experiment, column="risks", text=f"Riski {i}")
            v = workshop_services.submission_submit(
                learner=learner,
                assignment=phases[3],
                cohort=experiment.cohort,
                experiment=experiment,
                text=f"v{i}",
            )
            workshop_services.submission_review(
                submission=v, reviewer=instructor, decision="revise", feedback="Lisää."
            )

    open_phase(experiment, 3)
    client.force_login(instructor)
    url = reverse("impact:history", args=[experiment.pk])
    # The session, and the instructor with the navigation's roles and unread badge (2); the
    # experiment (1); the plan (1); snapshots (1). (7 allowed before.)
    budget = 5
    send_versions(2)
    with django_assert_num_queries(budget):
        assert len(client.get(url).context["history"]) == 2
    send_versions(18)
    with django_assert_num_queries(budget):
        assert len(client.get(url).context["history"]) == 20


def fill_canvas(experiment, learner, *, per_column=10, n_indicators=10):
    """Every column full of realistic statements and indicators with values."""
    outcomes = []
    for column in Column.values:
        for i in range(per_column):
            s = services.statement_add(
                experiment=experiment,
                column=column,
                text=(
                    f"{column} {i}: kylien asukkaat pääsevät asemalle ilman omaa autoa, ja "
                    f"kyytipalvelu toimii arkiaamuisin junien aikataulujen mukaan"
                ),
            )
            if column in ("short_term", "long_term"):
                outcomes.append(s)
    for i in range(n_indicators):
        indicator = services.indicator_save(
            experiment=experiment,
            name=f"Mittari {i}: junalla työmatkansa kulkevat asukkaat",
            unit="hlö/vk",
            baseline=Decimal(10),
            target=Decimal(30),
            data_source="Kyytikirjanpito ja asukaskysely",
            measured_when="Joka viikko kokeilun ajan",
            statement=outcomes[i % len(outcomes)],
        )
        services.measurement_record(
            indicator=indicator, value=Decimal(15 + i), measured_on=timezone.localdate(), by=learner
        )


def test_a_full_plan_still_fits_on_one_page(client_for, experiment, learner):
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        skip_or_fail(f"WeasyPrint cannot import: {exc}")
    from pypdf import PdfReader

    fill_canvas(experiment, learner, per_column=10, n_indicators=10)
    response = client_for(learner).get(reverse("impact:pdf", args=[experiment.pk]))
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    # Nothing was cut to make it fit: the last statement of each column and the last
    # indicator are on the page.
    assert "risks 9:" in text
    assert "long_term 9:" in text
    assert "Mittari 9" in text


def test_a_small_plan_keeps_the_roomy_layout_and_a_big_one_starts_tight(experiment, learner):
    from impact import pdf, selectors

    fill_canvas(experiment, learner, per_column=1, n_indicators=1)
    view = selectors.plan_view(plan=selectors.plan_for(experiment=experiment))
    assert pdf.start_density(view.columns, len(view.indicators)) == 0
    fill_canvas(experiment, learner, per_column=9, n_indicators=9)
    view = selectors.plan_view(plan=selectors.plan_for(experiment=experiment))
    assert pdf.start_density(view.columns, len(view.indicators)) > 0


def test_the_inline_indicator_list_has_a_flat_query_budget(
    client, experiment, learner, django_assert_num_queries
):
    # The session, and the learner with the navigation's roles and unread badge (2); the
    # indicator with its plan and experiment (1); savepoint and release (2); the plan, locked
    # (1); its indicators (1); one update per shifted position (2); the redraw: plan (1),
    # statements (1), indicators with their outcomes (1), measurements (1). (16 allowed
    # before.)
    budget = 13
    client.force_login(learner)
    grow(experiment, learner, 5)
    last = experiment.impact_plan.indicators.order_by("-position").first()
    url = reverse("impact:indicator_move", args=[last.pk])
    with django_assert_num_queries(budget):
        small = client.post(url, {"direction": "up"}, HTTP_HX_REQUEST="true")
    assert small.content.decode().count('data-testid="indicator"') == 5
    grow(experiment, learner, 45)
    last = experiment.impact_plan.indicators.order_by("-position").first()
    url = reverse("impact:indicator_move", args=[last.pk])
    with django_assert_num_queries(budget):
        large = client.post(url, {"direction": "up"}, HTTP_HX_REQUEST="true")
    assert large.content.decode().count('data-testid="indicator"') == 50


def test_a_plan_with_long_columns_puts_all_seven_side_by_side_to_stay_on_one_page(
    client_for, experiment, learner
):
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        skip_or_fail(f"WeasyPrint cannot import: {exc}")
    from pypdf import PdfReader

    fill_canvas(experiment, learner, per_column=15, n_indicators=15)
    response = client_for(learner).get(reverse("impact:pdf", args=[experiment.pk]))
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "risks 14:" in text
    assert "Mittari 14" in text
