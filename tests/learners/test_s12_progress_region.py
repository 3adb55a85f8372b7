"""The cohort page's progress table scrolls sideways on a phone (1,062 px in 351): its scroll box
takes keyboard focus and is named by the table's caption, so a keyboard user can scroll it and
a screen reader says what it is (the tester's finding on /cohorts/4/ at 375 px)."""

import re

import pytest
from django.urls import reverse

from learners.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("view", ["grid", "table"])
def test_the_progress_scroll_box_is_focusable_and_named(client, view):
    cohort = factories.CohortFactory()
    coordinator = factories.UserFactory()
    factories.MembershipFactory(cohort=cohort, user=coordinator, role=Membership.Role.COORDINATOR)
    factories.MembershipFactory(cohort=cohort, role=Membership.Role.LEARNER)
    client.force_login(coordinator)

    html = client.get(reverse("learners:cohort_detail", args=[cohort.pk]), {"view": view}).content
    page = html.decode()

    box = re.search(r'<div class="table-responsive"([^>]*)>\s*<table[^>]*data-view="(\w+)"', page)
    assert box
    assert box.group(2) == view
    assert 'tabindex="0"' in box.group(1)
    assert 'role="region"' in box.group(1)
    label = re.search(r'aria-labelledby="([^"]+)"', box.group(1)).group(1)
    assert re.search(rf'<caption[^>]*id="{label}"', page)
