"""Two team mates editing the experiment's description: the second save never silently
replaces the first (a tester saw Tiina's new title reverted by Juha's save of another field)."""

import pytest
from django.urls import reverse

from workshops import services
from workshops.models import Experiment

pytestmark = pytest.mark.django_db


def form_data(html, **changes):
    based_on = html.split('name="based_on" value="')[1].split('"')[0]
    data = {
        "title": "Kimppakyyti",
        "organisation": "Nokian kaupunki",
        "challenge": "Kylistä ei pääse asemalle.",
        "target_group": "Kylien asukkaat",
        "based_on": based_on,
    }
    return data | changes


def test_a_description_saved_by_a_team_mate_meanwhile_is_not_overwritten(
    client_for, experiment, learner, teammate
):
    url = reverse("workshops:experiment_edit", args=[experiment.pk])
    oona, tiina = client_for(learner), client_for(teammate)
    oona_page = oona.get(url).content.decode()
    tiina_page = tiina.get(url).content.decode()
    assert oona.post(url, form_data(oona_page, title="Asemakyyti")).status_code == 302
    refused = tiina.post(url, form_data(tiina_page, target_group="Nuoret ja ikäihmiset"))
    assert refused.status_code == 400
    html = refused.content.decode()
    saved = html.split('data-testid="saved-description"')[1].split("</div>")[0]
    assert "Asemakyyti" in saved  # the mate's title, shown
    assert "Nuoret ja ikäihmiset" in html  # Tiina's words are still in the form
    experiment.refresh_from_db()
    assert (experiment.title, experiment.target_group) == ("Asemakyyti", "Kylien asukkaat")
    # Saving again from the refused form (having read it) is Tiina's choice.
    again = tiina.post(url, form_data(html, title="Asemakyyti", target_group="Nuoret"))
    assert again.status_code == 302
    experiment.refresh_from_db()
    assert (experiment.title, experiment.target_group) == ("Asemakyyti", "Nuoret")


def test_the_description_digest_follows_every_field_the_form_edits(experiment):
    before = services.experiment_description(experiment)
    Experiment.objects.filter(pk=experiment.pk).update(target_group="Toinen")
    experiment.refresh_from_db()
    assert services.experiment_description(experiment) != before
