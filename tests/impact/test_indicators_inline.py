"""Indicators and measured values edited inline on the plan page with htmx (HX-Request), with
refused input answered in place (4xx) and nothing typed lost; the no-JS pages stay as fallback
(tests/impact/test_indicators.py)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from impact import services
from impact.models import Indicator, Measurement
from tests.impact.conftest import open_phase

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate


def fi(text):
    with translation.override("fi"):
        return translation.gettext(text)


def names(experiment):
    return list(
        Indicator.objects.filter(plan__experiment=experiment)
        .order_by("position", "pk")
        .values_list("name", flat=True)
    )


def test_the_add_button_opens_the_form_inline_and_saving_redraws_the_list(
    client_for, experiment, learner, plan
):
    client = client_for(learner)
    page = client.get(reverse("impact:plan", args=[experiment.pk])).content.decode()
    url = reverse("impact:indicator_add", args=[experiment.pk])
    assert f'hx-get="{url}"' in page
    assert 'id="indicator-new-slot"' in page

    form = client.get(url, **HTMX)
    html = form.content.decode()
    assert form.status_code == 200
    assert "<html" not in html
    assert 'data-testid="indicator-form"' in html
    assert 'id="id_inew_name"' in html
    assert 'data-impact-focus="id_inew_name"' in html

    outcome = plan["statements"]["long_term"]
    response = client.post(
        url,
        {"name": "Kylien asukasluku", "statement": outcome.pk, "baseline": "400", "target": "440"},
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#indicator-list"
    assert response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="indicator-list"' in html
    new = Indicator.objects.get(name="Kylien asukasluku")
    assert f'id="indicator-{new.pk}"' in html
    assert f'data-impact-focus="indicator-{new.pk}-name"' in html
    assert names(experiment) == ["Junalla kulkevat asukkaat", "Kylien asukasluku"]


def test_a_refused_inline_indicator_comes_back_in_place_with_what_was_typed(
    client_for, experiment, learner, plan
):
    client = client_for(learner)
    url = reverse("impact:indicator_add", args=[experiment.pk])
    response = client.post(
        url, {"name": "", "unit": "asukasta", "baseline": "paljon", "data_source": "Kunta"}, **HTMX
    )
    assert response.status_code == 400
    assert "HX-Retarget" not in response  # the form replaces itself
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="indicator-new"' in html
    assert 'value="asukasta"' in html
    assert 'value="paljon"' in html
    assert 'value="Kunta"' in html
    assert "is-invalid" in html

    # Tied to an activity: the service refuses, the reason is shown in the form.
    activity = plan["statements"]["activities"]
    response = client.post(url, {"name": "Kyydit", "statement": activity.pk}, **HTMX)
    assert response.status_code == 400
    assert 'value="Kyydit"' in response.content.decode()
    assert names(experiment) == ["Junalla kulkevat asukkaat"]


def test_an_indicator_is_edited_inline(client_for, experiment, learner, plan):
    client = client_for(learner)
    indicator = plan["indicator"]
    url = reverse("impact:indicator_edit", args=[indicator.pk])
    form = client.get(url, **HTMX)
    html = form.content.decode()
    assert form.status_code == 200
    assert "<html" not in html
    # The form takes the card's place and has ids of its own.
    assert f'id="indicator-{indicator.pk}"' in html
    assert f'id="id_i{indicator.pk}_name"' in html
    assert 'value="Junalla kulkevat asukkaat"' in html
    assert 'name="baseline" value="10"' in html  # not "10.00"
    cancel = reverse("impact:indicators", args=[experiment.pk])
    assert f'hx-get="{cancel}?focus=iedit-{indicator.pk}"' in html

    refused = client.post(url, {"name": "   ", "unit": "hlö/pv", "target": "50"}, **HTMX)
    assert refused.status_code == 400
    assert 'value="hlö/pv"' in refused.content.decode()
    indicator.refresh_from_db()
    assert (indicator.name, indicator.unit, indicator.target) == (
        "Junalla kulkevat asukkaat",
        "hlö/vk",
        Decimal(30),
    )

    response = client.post(
        url,
        {
            "name": "Junalla kulkevat",
            "unit": "hlö/vk",
            "baseline": "12",
            "target": "30",
            "statement": plan["statements"]["short_term"].pk,
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#indicator-list"
    html = response.content.decode()
    assert f'data-impact-focus="iedit-{indicator.pk}"' in html
    assert "Junalla kulkevat</h3>" in html or "Junalla kulkevat <small" in html
    indicator.refresh_from_db()
    assert indicator.baseline == 12


def test_indicators_move_and_are_removed_inline(client_for, experiment, learner, plan):
    client = client_for(learner)
    first = plan["indicator"]
    second = services.indicator_save(experiment=experiment, name="Kyytien määrä", unit="kpl")
    response = client.post(
        reverse("impact:indicator_move", args=[second.pk]), {"direction": "up"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-impact-focus="iup-{second.pk}"' in html
    assert html.index(f'id="indicator-{second.pk}"') < html.index(f'id="indicator-{first.pk}"')
    assert names(experiment) == ["Kyytien määrä", "Junalla kulkevat asukkaat"]

    response = client.post(reverse("impact:indicator_delete", args=[second.pk]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-impact-focus="indicator-add"' in html
    assert f'id="indicator-{second.pk}"' not in html
    assert names(experiment) == ["Junalla kulkevat asukkaat"]
    response = client.post(reverse("impact:indicator_delete", args=[first.pk]), **HTMX)
    assert 'data-testid="no-indicators"' in response.content.decode()


def test_a_value_is_recorded_inline_and_the_chart_redrawn(client_for, experiment, learner, plan):
    client = client_for(learner)
    indicator = plan["indicator"]
    url = reverse("impact:measurement_add", args=[indicator.pk])
    response = client.post(url, {"value": "20", "measured_on": TODAY().isoformat()}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#indicator-list"
    html = response.content.decode()
    assert "<html" not in html
    assert html.count('data-testid="chart-point"') == 1
    assert html.count('data-testid="measurement-row"') == 1
    assert 'value="50"' in html  # the progress element: halfway from 10 to 30
    assert f'data-impact-focus="measurements-{indicator.pk}"' in html
    assert "style=" not in html


def test_a_refused_value_stays_in_its_open_form_with_the_reason(
    client_for, experiment, learner, plan
):
    client = client_for(learner)
    indicator = plan["indicator"]
    tomorrow = (TODAY() + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("impact:measurement_add", args=[indicator.pk]),
        {"value": "25", "measured_on": tomorrow, "note": "Huomenna"},
        **HTMX,
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#indicator-list"
    html = response.content.decode()
    assert "<html" not in html
    assert fi("The date of a measurement cannot be in the future.") in html
    assert '<details class="impact-record" open>' in html
    assert 'value="25"' in html
    assert 'value="Huomenna"' in html
    assert f'data-impact-focus="record-form-{indicator.pk}"' in html
    assert not Measurement.objects.exists()


def test_values_are_removed_inline_but_run_log_values_stay(
    client_for, experiment, learner, plan, phases
):
    client = client_for(learner)
    indicator = plan["indicator"]
    own = services.measurement_record(
        indicator=indicator, value=Decimal(12), measured_on=TODAY(), by=learner
    )
    response = client.post(reverse("impact:measurement_delete", args=[own.pk]), **HTMX)
    assert response.status_code == 200
    assert 'data-testid="measurement-row"' not in response.content.decode()
    assert not Measurement.objects.filter(pk=own.pk).exists()

    open_phase(experiment, 4)
    client.post(
        reverse("workshops:runlog_add", args=[experiment.pk]),
        {
            "happened_on": TODAY().isoformat(),
            "kind": "measurement",
            "text": "Kyytikirjanpito",
            "indicator": indicator.pk,
            "value": "22",
        },
    )
    logged = Measurement.objects.get(indicator=indicator)
    response = client.post(reverse("impact:measurement_delete", args=[logged.pk]), **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="indicator-error"' in html
    assert fi("This value was recorded in the run log; it stays as part of the log.") in html
    assert 'id="indicator-list"' in html  # in place, the list stays whole
    assert Measurement.objects.filter(pk=logged.pk).exists()


def test_staff_read_the_inline_list_but_cannot_change_it(
    client_for, experiment, learner, instructor, coordinator, plan
):
    indicator = plan["indicator"]
    list_url = reverse("impact:indicators", args=[experiment.pk])
    own = client_for(learner).get(list_url, {"focus": f"iedit-{indicator.pk}"}, **HTMX)
    assert own.status_code == 200
    assert f'data-impact-focus="iedit-{indicator.pk}"' in own.content.decode()
    # Opened as a page, the list is the plan's indicator section.
    assert client_for(learner).get(list_url)["Location"].endswith("#indicators")
    for reader in (instructor, coordinator):
        client = client_for(reader)
        response = client.get(list_url, **HTMX)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Junalla kulkevat asukkaat" in html
        assert 'data-testid="indicator-edit"' not in html
        assert 'data-testid="measurement-form"' not in html
        assert 'id="indicator-new-slot"' not in html
        for url, data in (
            (reverse("impact:indicator_add", args=[experiment.pk]), {"name": "x"}),
            (reverse("impact:indicator_edit", args=[indicator.pk]), {"name": "x"}),
            (reverse("impact:indicator_move", args=[indicator.pk]), {"direction": "up"}),
            (reverse("impact:indicator_delete", args=[indicator.pk]), {}),
            (reverse("impact:measurement_add", args=[indicator.pk]), {"value": "1"}),
        ):
            assert client.post(url, data, **HTMX).status_code == 404, (reader, url)
        assert (
            client.get(reverse("impact:indicator_edit", args=[indicator.pk]), **HTMX).status_code
            == 404
        )
    assert names(experiment) == ["Junalla kulkevat asukkaat"]
    assert not Measurement.objects.exists()


def test_people_outside_the_team_and_cohort_cannot_reach_the_inline_list(
    client_for, experiment, learner, other_learner, outsider_learner, other_instructor, plan
):
    indicator = plan["indicator"]
    measurement = services.measurement_record(
        indicator=indicator, value=Decimal(1), measured_on=TODAY(), by=learner
    )
    for person in (other_learner, outsider_learner, other_instructor):
        client = client_for(person)
        assert (
            client.get(reverse("impact:indicators", args=[experiment.pk]), **HTMX).status_code
            == 404
        )
        assert (
            client.get(reverse("impact:indicator_add", args=[experiment.pk]), **HTMX).status_code
            == 404
        )
        assert (
            client.post(
                reverse("impact:indicator_move", args=[indicator.pk]), {"direction": "up"}, **HTMX
            ).status_code
            == 404
        )
        assert (
            client.post(
                reverse("impact:measurement_delete", args=[measurement.pk]), **HTMX
            ).status_code
            == 404
        )
    assert names(experiment) == ["Junalla kulkevat asukkaat"]


def test_the_no_js_pages_post_as_plain_forms(client_for, experiment, learner, plan):
    """Opened as pages of their own (a new tab, no JavaScript), the forms do not try to swap
    into a plan page that is not there."""
    client = client_for(learner)
    for url in (
        reverse("impact:indicator_add", args=[experiment.pk]),
        reverse("impact:indicator_edit", args=[plan["indicator"].pk]),
        reverse("impact:statement_edit", args=[plan["statements"]["risks"].pk]),
    ):
        html = client.get(url).content.decode()
        assert "<html" in html
        form = html[html.index("<main") :]
        assert "hx-post" not in form, url
        assert 'hx-get="/impact' not in form, url
