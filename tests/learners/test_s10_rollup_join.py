"""The cohort's figures count every learner after someone joins, also when the others have no
progress row yet (joined without a service, or before the figures were first counted): the
summary, at-risk and overview pages read them (#13's rollup). A tester saw "Oppijat 1" on a
demo cohort of six after the first invitation was accepted, and it never healed without beat."""

import pytest
from django.urls import reverse

from learners import services
from learners.models import LearnerProgress, Membership
from learners.rollup import rollup_for, rollup_summary
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_learner_joining_first_counts_every_learner_not_only_the_newcomer(
    client_for, cohort, coordinator, django_capture_on_commit_callbacks
):
    for n in range(4):
        factories.MembershipFactory(cohort=cohort, user=factories.UserFactory(first_name=f"O{n}"))
    learners = Membership.objects.filter(cohort=cohort, role=Membership.Role.LEARNER).count()
    assert learners >= 4
    assert not LearnerProgress.objects.filter(cohort=cohort).exists()  # never counted yet
    cohort.enrolment_code = "LIITY2026"
    cohort.self_enrolment_open = True
    cohort.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.cohort_self_enrol(user=factories.UserFactory(first_name="Åsa"), code="LIITY2026")
    summary = rollup_summary(rollup=rollup_for(cohort))
    assert summary.learners == learners + 1
    assert LearnerProgress.objects.filter(cohort=cohort).count() == learners + 1
    page = client_for(coordinator).get(reverse("learners:dashboard", args=[cohort.pk]))
    assert page.status_code == 200
    assert page.context["summary"].learners == learners + 1
