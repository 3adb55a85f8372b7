"""Indicators, their measured values (in the planner and from the run log), the progress chart
data and the selectors the portfolio reads."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from impact import selectors, services
from impact.models import Indicator, Measurement
from tests.impact.conftest import open_phase
from tests.refusals import assert_refused
from workshops.models import RunLogEntry

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def test_a_learner_adds_an_indicator_tied_to_an_outcome(client_for, experiment, learner, plan):
    client = client_for(learner)
    outcome = plan["statements"]["long_term"]
    url = reverse("impact:indicator_add", args=[experiment.pk])
    form = client.get(url)
    choices = [str(label) for _value, label in form.context["form"].fields["statement"].choices]
    assert any("Kylät pysyvät asuttuina" in c for c in choices)
    assert not any("Kyydit kylistä asemalle" in c for c in choices)  # an activity
    response = client.post(
        url,
        {
            "name": "Kylien asukasluku",
            "statement": outcome.pk,
            "unit": "asukasta",
            "baseline": "420",
            "target": "400",
            "data_source": "Tilastokeskus",
            "measured_when": "Vuosittain",
        },
    )
    assert response.status_code == 302
    indicator = Indicator.objects.get(name="Kylien asukasluku")
    assert response["Location"].endswith(f"#indicator-{indicator.pk}")
    assert indicator.statement == outcome
    assert indicator.position == 1
    page = client.get(reverse("impact:plan", args=[experiment.pk]))
    assert "Kylien asukasluku" in page.content.decode()


def test_an_indicator_cannot_be_tied_to_an_activity_or_to_another_plan(
    client_for, experiment, other_experiment, learner, plan
):
    client = client_for(learner)
    activity = plan["statements"]["activities"]
    url = reverse("impact:indicator_add", args=[experiment.pk])
    response = client.post(url, {"name": "Kyydit", "statement": activity.pk})
    assert response.status_code == 400
    foreign = services.statement_add(experiment=other_experiment, column="short_term", text="x")
    response = client.post(url, {"name": "Kyydit", "statement": foreign.pk})
    assert response.status_code == 400
    response = client.post(url, {"name": ""})
    assert response.status_code == 400
    assert Indicator.objects.filter(plan__experiment=experiment).count() == 1
    with pytest.raises(services.ImpactError):
        services.indicator_save(experiment=experiment, name="Kyydit", statement=activity)


def test_an_indicator_is_edited_reordered_and_removed(client_for, experiment, learner, plan):
    client = client_for(learner)
    first = plan["indicator"]
    second = services.indicator_save(experiment=experiment, name="Kyytien määrä", unit="kpl")
    response = client.post(
        reverse("impact:indicator_edit", args=[first.pk]),
        {"name": "Junalla kulkevat", "baseline": "12", "target": "30", "unit": "hlö/vk"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.name, first.baseline, first.statement) == ("Junalla kulkevat", 12, None)
    client.post(reverse("impact:indicator_move", args=[second.pk]), {"direction": "up"})
    assert list(
        Indicator.objects.filter(plan__experiment=experiment)
        .order_by("position")
        .values_list("name", flat=True)
    ) == ["Kyytien määrä", "Junalla kulkevat"]
    client.post(reverse("impact:indicator_delete", args=[second.pk]))
    assert not Indicator.objects.filter(pk=second.pk).exists()


def test_a_value_is_recorded_in_the_planner_and_shown_in_chart_and_table(
    client_for, experiment, learner, plan
):
    client = client_for(learner)
    indicator = plan["indicator"]
    url = reverse("impact:measurement_add", args=[indicator.pk])
    response = client.post(url, {"value": "16", "measured_on": TODAY().isoformat(), "note": "vk 1"})
    assert response.status_code == 302
    page = client.get(reverse("impact:plan", args=[experiment.pk]))
    html = page.content.decode()
    assert 'role="img"' in html
    assert f'aria-labelledby="chart-{indicator.pk}-title chart-{indicator.pk}-desc"' in html
    assert "<title" in html
    assert "<desc" in html
    assert html.count('data-testid="chart-point"') == 1
    assert 'data-testid="measurement-table"' in html
    assert "30\u00a0% matkasta lähtötasosta tavoitteeseen." in html
    assert 'value="30"' in html  # the progress element
    assert "style=" not in html


def test_bad_values_are_refused_with_a_reason(client_for, experiment, learner, plan):
    client = client_for(learner)
    url = reverse("impact:measurement_add", args=[plan["indicator"].pk])
    tomorrow = (TODAY() + datetime.timedelta(days=1)).isoformat()
    response = client.post(url, {"value": "5", "measured_on": tomorrow, "note": "Huomenna"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Mittauksen päivämäärä ei voi olla tulevaisuudessa." in html
    # The plan comes back with the typed value and note still in the open form.
    assert '<details class="impact-record" open>' in html
    assert 'value="Huomenna"' in html
    assert 'value="5"' in html
    response = client.post(url, {"value": "paljon", "measured_on": TODAY().isoformat()})
    assert response.status_code == 400
    assert 'value="paljon"' in response.content.decode()
    assert Measurement.objects.count() == 0


def test_the_run_log_records_a_value_for_an_indicator(
    client_for, experiment, learner, plan, phases
):
    open_phase(experiment, 4)
    client = client_for(learner)
    indicator = plan["indicator"]
    form_page = client.get(reverse("workshops:assignment", args=[phases[4].pk]))
    assert "Junalla kulkevat asukkaat" in form_page.content.decode()
    response = client.post(
        reverse("workshops:runlog_add", args=[experiment.pk]),
        {
            "happened_on": TODAY().isoformat(),
            "kind": "measurement",
            "text": "Viikon kyytikirjanpito: 22 asukasta junalla.",
            "indicator": indicator.pk,
            "value": "22",
        },
    )
    assert response.status_code == 302
    entry = RunLogEntry.objects.get(experiment=experiment)
    measurement = entry.measurement
    assert (measurement.indicator, measurement.value) == (indicator, Decimal("22"))
    assert measurement.measured_on == entry.happened_on
    log = client.get(reverse("workshops:experiment", args=[experiment.pk])).content.decode()
    assert 'data-testid="run-log-measurement"' in log
    plan_page = client.get(reverse("impact:plan", args=[experiment.pk])).content.decode()
    assert "60\u00a0% matkasta" in plan_page
    # A value recorded with the log stays with the log.
    assert_refused(
        client.post(reverse("impact:measurement_delete", args=[measurement.pk])),
        409,
        "This value was recorded in the run log; it stays as part of the log.",
    )


def test_a_run_log_value_needs_its_indicator_and_cannot_use_someone_elses(
    client_for, experiment, other_experiment, learner, plan, phases
):
    open_phase(experiment, 4)
    client = client_for(learner)
    url = reverse("workshops:runlog_add", args=[experiment.pk])
    entry = {"happened_on": TODAY().isoformat(), "kind": "measurement", "text": "Mittaus"}
    response = client.post(url, {**entry, "value": "22"})
    assert response.status_code == 400
    response = client.post(url, {**entry, "indicator": plan["indicator"].pk})
    assert response.status_code == 400
    foreign = services.indicator_save(experiment=other_experiment, name="Vieras")
    response = client.post(url, {**entry, "indicator": foreign.pk, "value": "3"})
    assert response.status_code == 400
    assert not RunLogEntry.objects.exists()
    assert not Measurement.objects.exists()
    # Plain entries without an indicator work as before.
    assert client.post(url, entry).status_code == 302


def test_the_run_log_form_has_no_indicator_fields_without_a_plan(
    client_for, experiment, learner, phases
):
    open_phase(experiment, 4)
    page = client_for(learner).get(reverse("workshops:assignment", args=[phases[4].pk]))
    assert "run_log_form" in page.context
    assert "indicator" not in page.context["run_log_form"].fields


# --- chart data --------------------------------------------------------------------------------


def test_progress_is_measured_from_baseline_toward_target_and_clamped():
    p = selectors.progress_percent
    assert p(baseline=Decimal(10), target=Decimal(30), value=Decimal(20)) == 50
    assert p(baseline=Decimal(10), target=Decimal(30), value=Decimal(40)) == 100
    assert p(baseline=Decimal(10), target=Decimal(30), value=Decimal(5)) == 0
    # A target below the baseline (fewer car trips) works the same way.
    assert p(baseline=Decimal(100), target=Decimal(60), value=Decimal(90)) == 25
    assert p(baseline=Decimal(10), target=Decimal(10), value=Decimal(10)) is None
    assert p(baseline=None, target=Decimal(10), value=Decimal(5)) is None
    assert p(baseline=Decimal(1), target=Decimal(10), value=None) is None


def test_the_chart_places_values_between_baseline_and_target_by_date():
    day = datetime.date(2026, 9, 1)
    chart = selectors.chart_data(
        baseline=Decimal(10),
        target=Decimal(30),
        measurements=[
            (day + datetime.timedelta(days=10), Decimal(30)),
            (day, Decimal(10)),
            (day + datetime.timedelta(days=5), Decimal(20)),
        ],
    )
    top, bottom = chart.PAD, chart.HEIGHT - chart.PAD
    assert [p.when for p in chart.points] == [
        day,
        day + datetime.timedelta(days=5),
        day + datetime.timedelta(days=10),
    ]
    assert chart.baseline_y == bottom
    assert chart.target_y == top
    assert [p.y for p in chart.points] == [bottom, (top + bottom) / 2, top]
    xs = [p.x for p in chart.points]
    assert xs[0] == chart.PAD * 2
    assert xs[-1] == chart.WIDTH - chart.PAD
    assert xs[1] == (xs[0] + xs[2]) / 2  # day 5 of 10 is halfway
    assert chart.polyline.startswith(f"{xs[0]:.1f},{bottom:.1f}")
    assert (chart.low, chart.high) == (Decimal(10), Decimal(30))


def test_the_chart_scale_grows_to_fit_values_beyond_the_target():
    chart = selectors.chart_data(
        baseline=Decimal(0),
        target=Decimal(10),
        measurements=[(datetime.date(2026, 9, 1), Decimal(20))],
    )
    assert chart.high == 20
    assert chart.points[0].y == chart.PAD  # the highest value is at the top
    assert chart.target_y == (chart.PAD + chart.HEIGHT - chart.PAD) / 2
    assert chart.points[0].x == (chart.PAD * 2 + chart.WIDTH - chart.PAD) / 2  # alone: centred


def test_a_chart_without_any_numbers_is_empty():
    chart = selectors.chart_data(baseline=None, target=None, measurements=[])
    assert chart.points == ()
    assert chart.baseline_y is None
    assert chart.target_y is None


# --- what the portfolio reads ------------------------------------------------------------------


def test_indicator_outcomes_give_baseline_target_and_latest_value_in_order(
    experiment, learner, plan
):
    indicator = plan["indicator"]
    services.indicator_save(experiment=experiment, name="Kyytien määrä", unit="kpl")
    services.measurement_record(
        indicator=indicator,
        value=Decimal(14),
        measured_on=TODAY() - datetime.timedelta(days=7),
        by=learner,
    )
    services.measurement_record(
        indicator=indicator, value=Decimal(25), measured_on=TODAY(), by=learner
    )
    first, second = selectors.indicator_outcomes(experiment=experiment)
    assert first == selectors.IndicatorOutcome(
        name="Junalla kulkevat asukkaat",
        unit="hlö/vk",
        baseline=Decimal(10),
        target=Decimal(30),
        latest=Decimal(25),
        measured_on=TODAY(),
        outcome_label="Asukkaat käyttävät junaa työmatkoilla",
        progress_percent=75,
    )
    assert (second.name, second.latest, second.progress_percent, second.outcome_label) == (
        "Kyytien määrä",
        None,
        None,
        "",
    )


def test_the_plan_summary_lists_each_column_in_order(experiment, other_experiment, plan):
    services.statement_add(experiment=experiment, column="risks", text="Talvi")
    summary = selectors.impact_plan_summary(experiment=experiment)
    assert list(summary) == [
        "resources",
        "activities",
        "outputs",
        "short_term",
        "long_term",
        "assumptions",
        "risks",
    ]
    assert summary["risks"] == ["Kuljettajat uupuvat", "Talvi"]
    empty = selectors.impact_plan_summary(experiment=other_experiment)
    assert all(v == [] for v in empty.values())
    assert len(empty) == 7
    assert selectors.indicator_outcomes(experiment=other_experiment) == []


def test_the_run_log_date_is_filled_in_for_a_finnish_browser(experiment, plan):
    from django.utils import translation

    from workshops.forms import RunLogForm

    with translation.override("fi"):
        html = str(RunLogForm(experiment=experiment)["happened_on"])
    assert f'value="{TODAY().isoformat()}"' in html
