"""The notification log's search finds Å, Ä and Ö typed in any letter case on the embedded
SQLite as on PostgreSQL (session 12): a coordinator looking for what was sent to Åsa Åström
typed "åström" and got nothing on SQLite."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def sent(to, subject):
    return Notification.objects.create(
        recipient=to, category="reviews", key=subject, subject=subject, body=subject
    )


def found(client, q):
    response = client.get(reverse("notifications:log"), {"q": q})
    assert response.status_code == 200
    return sorted(n.subject for n in response.context["page"].object_list)


@pytest.fixture
def asa(cohort):
    person = factories.UserFactory(first_name="Åsa", last_name="Åström", email="asa@example.fi")
    factories.MembershipFactory(cohort=cohort, user=person)
    return person


def test_the_log_finds_a_recipient_and_a_subject_typed_in_lower_case(
    client_for, coordinator, learner, asa
):
    sent(asa, "Palautteesi on valmis")
    sent(learner, "Ääniviesti ryhmältä")
    sent(learner, "Muistutus")
    client = client_for(coordinator)
    assert found(client, "åström") == ["Palautteesi on valmis"]
    assert found(client, "ÅSA") == ["Palautteesi on valmis"]
    assert found(client, "ääniviesti") == ["Ääniviesti ryhmältä"]
    assert found(client, "aaniviesti") == []  # a is not ä
    page = client.get(reverse("notifications:log"), {"q": "åström"}).content.decode()
    assert "Palautteesi on valmis" in page


def test_another_cohort_s_coordinator_does_not_find_them(client_for, other_cohort, asa):
    sent(asa, "Palautteesi on valmis")
    stranger = factories.UserFactory()
    factories.MembershipFactory(cohort=other_cohort, user=stranger, role="coordinator")
    assert found(client_for(stranger), "åström") == []


def test_a_learner_cannot_search_the_log(client_for, learner, asa):
    sent(asa, "Palautteesi on valmis")
    response = client_for(learner).get(reverse("notifications:log"), {"q": "åström"})
    assert response.status_code in (403, 404)
    assert "Palautteesi on valmis" not in response.content.decode()
