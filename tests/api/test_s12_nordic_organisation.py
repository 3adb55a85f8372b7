"""An HR system may name an invitation's organisation in any letter case, as the CSV import
allows (session 12): "ähtäri" is Ähtäri on the embedded SQLite too, where it was refused as an
unknown organisation."""

import pytest
from django.urls import reverse

from api.models import ApiToken
from learners.models import Invitation
from tests import factories

pytestmark = pytest.mark.django_db


def invite(api_as, user, cohort, **fields):
    client = api_as(user, scope=ApiToken.Scope.WRITE)
    body = {"email": "uusi@kunta.fi", "first_name": "Uusi", **fields}
    return client.post(reverse("api:invitations", args=[cohort.pk]), body, format="json")


@pytest.mark.parametrize("typed", ["ähtäri", "ÄHTÄRI", " Ähtäri "])
def test_an_organisation_named_in_any_letter_case_is_found(api_as, coordinator, cohort, typed):
    ahtari = factories.OrganisationFactory(name="Ähtäri")
    factories.OrganisationFactory(name="Ahtari")
    response = invite(api_as, coordinator, cohort, organisation=typed)
    assert response.status_code == 201, response.json()
    assert response.json()["organisation"] == "Ähtäri"
    assert Invitation.objects.get().organisation == ahtari
    listed = api_as(coordinator).get(reverse("api:invitations", args=[cohort.pk])).json()
    assert listed["results"][0]["organisation"] == "Ähtäri"


def test_a_name_that_only_looks_alike_is_still_unknown(api_as, coordinator, cohort):
    factories.OrganisationFactory(name="Ähtäri")
    response = invite(api_as, coordinator, cohort, organisation="ähtär_")
    assert response.status_code == 400
    assert "organisation" in response.json()
    assert not Invitation.objects.exists()


def test_another_cohort_s_coordinator_cannot_invite_to_it(api_as, cohort, other_cohort):
    factories.OrganisationFactory(name="Ähtäri")
    stranger = factories.UserFactory()
    factories.MembershipFactory(cohort=other_cohort, user=stranger, role="coordinator")
    response = invite(api_as, stranger, cohort, organisation="ähtäri")
    assert response.status_code in (403, 404)
    assert not Invitation.objects.exists()
