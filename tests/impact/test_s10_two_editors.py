"""Two team mates editing one statement of the impact plan: the second save never silently
replaces the first (a tester saw Tiina's text vanish under Juha's, neither warned)."""

import pytest
from django.urls import reverse

from impact.models import Statement

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def opened_with(html):
    return html.split('name="based_on" value="')[1].split('"')[0]


def test_a_statement_saved_by_a_team_mate_meanwhile_is_not_overwritten(
    client_for, experiment, learner, other_learner, plan
):
    from workshops import services as workshop_services

    workshop_services.experiment_add_member(
        experiment=experiment, by=learner, email=other_learner.email
    )
    statement = plan["statements"]["risks"]
    url = reverse("impact:statement_edit", args=[statement.pk])
    oona, olli = client_for(learner), client_for(other_learner)
    oona_form = oona.get(url, **HTMX).content.decode()
    olli_form = olli.get(url, **HTMX).content.decode()
    assert opened_with(oona_form) == opened_with(olli_form) == "Kuljettajat uupuvat"
    saved = oona.post(
        url, {"text": "Kuljettajat uupuvat talvella", "based_on": "Kuljettajat uupuvat"}, **HTMX
    )
    assert saved.status_code == 200
    refused = olli.post(
        url, {"text": "Kyytiauto hajoaa", "based_on": "Kuljettajat uupuvat"}, **HTMX
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Kuljettajat uupuvat talvella" in html  # the mate's text, named
    assert "Kyytiauto hajoaa" in html  # Olli's words are still in the box
    assert Statement.objects.get(pk=statement.pk).text == "Kuljettajat uupuvat talvella"
    # Having read it, Olli saves again from the refused form: his choice goes through.
    again = olli.post(url, {"text": "Kyytiauto hajoaa", "based_on": opened_with(html)}, **HTMX)
    assert again.status_code == 200
    assert Statement.objects.get(pk=statement.pk).text == "Kyytiauto hajoaa"
    # Saving the same text as the mate's is no conflict; a form without a base is not checked.
    assert olli.post(url, {"text": "Uusi"}, **HTMX).status_code == 200
