"""The scores overview's filters: a value that is no id shows the whole list, as an unknown
filter does, never a 500 (a number too large for the database, a digit int() cannot read)."""

import pytest
from django.urls import reverse

from tests import factories
from tests.scores.conftest import populate

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"


def rows_of(response):
    assert response.status_code == 200
    return response.content.decode().count('data-testid="scores-row"')


@pytest.fixture
def two_towns(cohort, instructor):
    here = factories.OrganisationFactory(name="Hämeenlinna")
    there = factories.OrganisationFactory(name="Tampere")
    populate(cohort, instructor, learners=2, checks=1, organisation=here)
    populate(cohort, instructor, learners=1, checks=1, organisation=there)
    return here, there


@pytest.mark.parametrize("name", ["org", "phase"])
@pytest.mark.parametrize(
    "value",
    [HUGE, str(2**63), "²", "١", "0", "1" + "0" * 5000],
    ids=["huge", "2**63", "superscript", "arabic-indic", "zero", "long"],
)
def test_a_filter_that_is_no_id_shows_the_whole_list(
    client_for, coordinator, cohort, two_towns, name, value
):
    url = reverse("scores:overview", args=[cohort.pk])
    assert rows_of(client_for(coordinator).get(url, {name: value})) == 3


def test_the_largest_id_is_an_id_no_organisation_has(client_for, coordinator, cohort, two_towns):
    url = reverse("scores:overview", args=[cohort.pk])
    client = client_for(coordinator)
    assert rows_of(client.get(url, {"org": str(2**63 - 1)})) == 0
    assert rows_of(client.get(url, {"org": str(two_towns[0].pk)})) == 2
