"""Figures counted a moment ago read "Luvut päivitetty juuri nyt." on the coordinator's pages,
not "0 minuuttia sitten"; older ones still say how long ago."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from learners.models import CohortRollup

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "now", "later"),
    [
        ("fi", "Luvut päivitetty juuri nyt.", "Luvut päivitetty 6\xa0minuuttia sitten."),
        (
            "sv",
            "Siffrorna uppdaterades alldeles nyss.",
            "Siffrorna uppdaterades för 6\xa0minuter sedan.",
        ),
        ("en", "Figures updated just now.", "Figures updated 6\xa0minutes ago."),
    ],
)
def test_figures_counted_a_moment_ago_were_updated_just_now_and_later_ones_say_when(
    client_for, cohort, coordinator, learner, language, now, later
):
    coordinator.language = language
    coordinator.save(update_fields=["language"])
    client = client_for(coordinator)
    urls = [
        reverse("learners:dashboard", args=[cohort.pk]),
        reverse("learners:cross_cohort"),
        reverse("learners:funnel", args=[cohort.pk]),
        reverse("learners:at_risk", args=[cohort.pk]),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        assert now in html, url
        assert "0\xa0min" not in html, url
    CohortRollup.objects.filter(cohort=cohort).update(
        refreshed_at=timezone.now() - datetime.timedelta(minutes=6)
    )
    html = client.get(urls[0]).content.decode()
    assert later in html
    assert now not in html
