"""The navigation bar's one query (dashboard/selectors.py) says what core.access and the
notifications selectors say, for every kind of person, and a page that shows no bar reads none."""

import pytest
from django.urls import reverse
from django.utils import timezone

from core.access import roles_of
from dashboard.selectors import navigation_state
from learners.models import Membership
from notifications.models import Notification
from notifications.selectors import unread_count
from tests import factories

pytestmark = pytest.mark.django_db


def _notify(recipient, n, **fields):
    for i in range(n):
        Notification.objects.create(
            recipient=recipient,
            category=Notification.Category.REVIEWS,
            key=f"nav-{recipient.pk}-{i}-{fields.get('kind', 'event')}-{bool(fields)}",
            subject=f"Ilmoitus {i}",
            body="Viesti",
            url="/",
            **fields,
        )


def test_the_state_matches_the_roles_and_the_unread_count(
    learner, instructor, coordinator, superuser, other_cohort
):
    both = factories.UserFactory()
    factories.MembershipFactory(cohort=other_cohort, user=both, role=Membership.Role.LEARNER)
    factories.MembershipFactory(
        cohort=factories.CohortFactory(course=other_cohort.course),
        user=both,
        role=Membership.Role.COORDINATOR,
    )
    nobody = factories.UserFactory()
    _notify(learner, 3)
    _notify(learner, 2, read_at=timezone.now())  # read: not counted
    _notify(learner, 4, kind=Notification.Kind.DIGEST)  # digests are not in the badge
    _notify(instructor, 1)
    for person in (learner, instructor, coordinator, superuser, both, nobody):
        state = navigation_state(person)
        assert state.roles == roles_of(type(person).objects.get(pk=person.pk)), person
        assert state.unread == unread_count(person), person
    assert navigation_state(learner).unread == 3
    assert navigation_state(both).roles == {"learner", "coordinator"}


def test_the_bar_shows_each_role_its_links(client, learner, instructor, superuser):
    _notify(learner, 2)
    client.force_login(learner)
    page = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="nav-my-results"' in page
    assert reverse("portfolio:home") in page
    assert reverse("workshops:review_queue") not in page
    assert '<span class="badge rounded-pill text-bg-warning">2' in page
    client.force_login(instructor)
    page = client.get(reverse("core:home")).content.decode()
    assert reverse("workshops:review_queue") in page
    assert 'data-testid="nav-my-results"' not in page
    assert "text-bg-warning" not in page.split("</nav>")[0]
    client.force_login(superuser)
    page = client.get(reverse("core:home")).content.decode()
    # The superuser passes every role but learns in no cohort: no "My results".
    assert reverse("learners:cohort_list") in page
    assert reverse("portfolio:approvals") in page
    assert 'data-testid="nav-my-results"' not in page


def test_the_badge_reads_the_count_in_one_query(client, learner, django_assert_num_queries):
    _notify(learner, 5)
    client.force_login(learner)
    # The session, and the user with the navigation's roles and unread count
    # (dashboard/auth.py).
    with django_assert_num_queries(2):
        response = client.get(reverse("notifications:badge"))
    assert '<span class="badge rounded-pill text-bg-warning">5' in response.content.decode()
    Notification.objects.filter(recipient=learner).update(read_at=timezone.now())
    assert "badge" not in client.get(reverse("notifications:badge")).content.decode()


def test_a_staff_page_reads_the_roles_once_for_its_guard_and_the_bar(
    client, learner, coordinator, cohort, other_cohort, django_assert_num_queries
):
    # The role guard (core.access.require_role) and the bar read the roles from the query
    # that loads the person: the session, the person with the roles and the badge, the cohorts
    # listed with their counts.
    _notify(coordinator, 2)
    client.force_login(coordinator)
    with django_assert_num_queries(3):
        page = client.get(reverse("learners:cohort_list")).content.decode()
    assert cohort.name in page
    assert reverse("workshops:review_queue") not in page  # the bar of a coordinator only
    assert '<span class="badge rounded-pill text-bg-warning">2' in page
    # The guard still refuses a learner, and a role given between two requests counts on the
    # next one (the roles are kept on the request's user, not beyond it).
    client.force_login(learner)
    assert client.get(reverse("learners:cohort_list")).status_code == 403
    factories.MembershipFactory(cohort=other_cohort, user=learner, role=Membership.Role.INSTRUCTOR)
    page = client.get(reverse("learners:cohort_list"))
    assert page.status_code == 200
    assert reverse("workshops:review_queue") in page.content.decode()
