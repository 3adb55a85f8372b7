"""core.access: roles come from cohort memberships, read through the source that learners
registers (core imports no domain app), and the role names are the memberships' own."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from core import access
from learners.models import Membership

pytestmark = pytest.mark.django_db


def test_membership_roles_are_the_shared_role_names():
    assert Membership.Role is access.Role


def test_a_person_holds_the_roles_of_their_memberships(learner, coordinator, cohort, other_cohort):
    assert access.roles_of(learner) == {access.Role.LEARNER}
    assert access.has_role(coordinator, access.Role.COORDINATOR)
    assert not access.has_role(learner, access.Role.COORDINATOR)
    assert access.cohort_ids_for(coordinator, access.Role.COORDINATOR) == [cohort.pk]


def test_without_a_membership_source_roles_fail_loudly(learner, monkeypatch):
    monkeypatch.setattr(access, "_membership_source", None)
    with pytest.raises(ImproperlyConfigured):
        access.roles_of(learner)
