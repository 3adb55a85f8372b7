"""The impact planner and the run log read a value typed with a decimal comma (#11 item 8):
"9,5" was stored as 95. The pattern over every form is in tests/core/test_typed_values.py."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from impact.models import Indicator, Measurement
from tests.impact.conftest import open_phase
from workshops.models import RunLogEntry

pytestmark = pytest.mark.django_db


def test_a_value_typed_with_a_decimal_comma_is_stored_as_nine_and_a_half(
    client_for, experiment, learner, plan
):
    client = client_for(learner)
    indicator = plan["indicator"]
    url = reverse("impact:measurement_add", args=[indicator.pk])
    today = timezone.localdate().isoformat()
    response = client.post(url, {"value": "9,5", "measured_on": today}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Measurement.objects.get().value == Decimal("9.5")
    # Shown back the Finnish way.
    assert "9,5" in response.content.decode()

    response = client.post(url, {"value": "9,5,1", "measured_on": today}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert 'value="9,5,1"' in response.content.decode()  # what was typed stays in the box
    assert Measurement.objects.count() == 1


def test_indicator_baseline_and_target_take_commas_and_spaces_and_are_shown_back_with_a_comma(
    client_for, experiment, learner, plan
):
    client = client_for(learner)
    response = client.post(
        reverse("impact:indicator_add", args=[experiment.pk]),
        {"name": "Kyytejä viikossa", "baseline": "1 234,5", "target": "2 000"},
    )
    assert response.status_code == 302
    indicator = Indicator.objects.get(name="Kyytejä viikossa")
    assert (indicator.baseline, indicator.target) == (Decimal("1234.5"), Decimal("2000"))
    with translation.override("fi"):
        edit = client.get(reverse("impact:indicator_edit", args=[indicator.pk])).content.decode()
    baseline = re.search(r'<input[^>]*name="baseline"[^>]*>', edit).group(0)
    assert 'value="1234,5"' in baseline
    assert 'inputmode="decimal"' in baseline
    assert 'type="text"' in baseline

    response = client.post(
        reverse("impact:indicator_edit", args=[indicator.pk]),
        {"name": "Kyytejä viikossa", "baseline": "9,5,1", "target": "2 000"},
    )
    assert response.status_code == 400
    indicator.refresh_from_db()
    assert indicator.baseline == Decimal("1234.5")


def test_a_run_log_value_takes_a_decimal_comma(client_for, experiment, learner, plan, phases):
    open_phase(experiment, 4)
    client = client_for(learner)
    response = client.post(
        reverse("workshops:runlog_add", args=[experiment.pk]),
        {
            "happened_on": timezone.localdate().isoformat(),
            "kind": "measurement",
            "text": "Viikon kyytikirjanpito.",
            "indicator": plan["indicator"].pk,
            "value": "9,5",
        },
    )
    assert response.status_code == 302
    assert RunLogEntry.objects.get().measurement.value == Decimal("9.5")
