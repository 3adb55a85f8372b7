"""The review queue's municipality filter follows the cohorts' learners at once: a learner who
moves to another municipality, and a learner of a new municipality joining, show on the
instructor's next page, not ten minutes later (session 14; the queue kept a cache of its own
that nothing cleared)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from core.signals import user_organisation_changed
from learners.models import Membership
from learners.services import cohort_self_enrol
from tests import factories

pytestmark = pytest.mark.django_db


def _towns(client) -> list[str]:
    html = client.get(reverse("workshops:review_queue")).content.decode()
    select = re.search(r'<select[^>]*id="f-org".*?</select>', html, re.S)
    assert select, "the queue shows its municipality filter"
    return re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select.group(0))


def test_a_moved_learner_and_a_new_town_show_in_the_queue_filter_at_once(
    client, cohort, other_cohort, instructor, django_capture_on_commit_callbacks
):
    kotka = factories.OrganisationFactory(name="Kotka")
    hamina = factories.OrganisationFactory(name="Hamina")
    porvoo = factories.OrganisationFactory(name="Porvoo")
    learner = factories.UserFactory(first_name="Kaisa", organisation=kotka)
    factories.MembershipFactory(cohort=cohort, user=learner, role=Membership.Role.LEARNER)
    factories.MembershipFactory(
        cohort=other_cohort, user=instructor, role=Membership.Role.INSTRUCTOR
    )
    client.force_login(instructor)
    assert _towns(client) == ["Kotka"]

    # Kaisa moves from Kotka to Hamina (the admin and an organisation's sign-in send this).
    with django_capture_on_commit_callbacks(execute=True):
        learner.organisation = hamina
        learner.save(update_fields=["organisation"])
        user_organisation_changed.send(sender=type(learner), user=learner)
    assert _towns(client) == ["Hamina"]

    # A learner from Porvoo joins the instructor's other cohort with its code.
    other_cohort.enrolment_code = "PORVOO26"
    other_cohort.self_enrolment_open = True
    other_cohort.save()
    newcomer = factories.UserFactory(first_name="Pekka", organisation=porvoo)
    with django_capture_on_commit_callbacks(execute=True):
        cohort_self_enrol(user=newcomer, code="PORVOO26")
    assert _towns(client) == ["Hamina", "Porvoo"]


def test_the_filter_lists_only_the_instructors_own_cohorts_towns(
    client, cohort, other_cohort, instructor
):
    """Denial: a town whose only learner is in a cohort the instructor does not teach is not
    offered (nor are staff members' towns)."""
    mine = factories.UserFactory(organisation=factories.OrganisationFactory(name="Kerava"))
    theirs = factories.UserFactory(organisation=factories.OrganisationFactory(name="Lahti"))
    factories.MembershipFactory(cohort=cohort, user=mine, role=Membership.Role.LEARNER)
    factories.MembershipFactory(cohort=other_cohort, user=theirs, role=Membership.Role.LEARNER)
    instructor.organisation = factories.OrganisationFactory(name="Tuusula")
    instructor.save()
    client.force_login(instructor)
    assert _towns(client) == ["Kerava"]
