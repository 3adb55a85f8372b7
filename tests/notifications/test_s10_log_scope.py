"""The notification log shows a coordinator what was sent to the learners of their cohorts,
never what was sent to another cohort's coordinator or instructor about that cohort's learners
(a tester, coordinator of one cohort, read a colleague's "review waiting too long" notices
naming learners of cohorts she does not run, because the colleague coordinated hers too)."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_coordinator_of_one_cohort_sees_its_learners_messages_only(
    client_for, cohort, coordinator, learner, course
):
    other = factories.CohortFactory(course=course, name="Kevät 2027")
    cecilia = factories.UserFactory(first_name="Cecilia")
    factories.MembershipFactory(cohort=other, user=cecilia, role="coordinator")
    # The first coordinator runs both cohorts; a learner is in the second only.
    factories.MembershipFactory(cohort=other, user=coordinator, role="coordinator")
    own = factories.UserFactory(first_name="Åsa")
    factories.MembershipFactory(cohort=other, user=own)

    def sent(to, subject):
        return Notification.objects.create(
            recipient=to, category="reviews", key=subject, subject=subject, body=subject
        )

    sent(coordinator, "Oppijan Jari Mäkinen vastaus odottaa liian kauan")
    sent(learner, "Oonan palaute")  # a learner of the first cohort only
    sent(own, "Åsan muistutus")
    html = client_for(cecilia).get(reverse("notifications:log")).content.decode()
    assert "Åsan muistutus" in html
    assert "Jari Mäkinen" not in html
    assert "Oonan palaute" not in html
    searched = client_for(cecilia).get(reverse("notifications:log"), {"q": "Mäkinen"})
    assert "Jari Mäkinen" not in searched.content.decode()
    # Resending another cohort's or a colleague's message is refused as unknown.
    colleague = Notification.objects.get(subject__startswith="Oppijan Jari")
    assert (
        client_for(cecilia).post(reverse("notifications:resend", args=[colleague.pk])).status_code
        == 404
    )
