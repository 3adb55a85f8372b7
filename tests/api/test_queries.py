"""Query budgets: every list endpoint reads the same number of queries for 3 rows and for 30
(no query per row), within a budget that says what the queries are."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from courses.models import Completion
from learners.models import Invitation, Membership
from notifications.models import Announcement
from portfolio import services as portfolio_services
from portfolio.models import Card
from tests import factories
from workshops import services as workshop_services

pytestmark = pytest.mark.django_db

# The queries each list reads, exactly, on both databases. Every call: 1 the token (with its
# owner). Then: the cohort check where the URL names a cohort (+1), the page (+1), and what
# fills a page's rows: experiments their team members, those people and the phases' latest
# versions (+3), cards their themes (+1), progress the modules and the completion aggregate
# (+2; on PostgreSQL 8 allowed before, when the aggregate turned JIT off in a savepoint of its
# own: connections now start with JIT off, core.db.no_jit). The last-used write happens at
# most once a minute, not here.
BUDGETS = {
    "cohorts": 2,
    "memberships": 3,
    "progress": 5,
    "invitations": 3,
    "announcements": 3,
    "experiments": 5,
    "submissions": 2,
    "cards": 3,
}


def grow(*, cohort, workshop, assignment, upto):
    """Learners with their own experiment, an answer, a cohort card, some progress, and as many
    invitations and announcements, until the cohort has `upto` of each."""
    have = Membership.objects.filter(cohort=cohort, role=Membership.Role.LEARNER).count()
    item = cohort.course.modules.first().items.first()
    for n in range(have, upto):
        person = factories.UserFactory()
        factories.MembershipFactory(cohort=cohort, user=person, role=Membership.Role.LEARNER)
        experiment = workshop_services.experiment_create(
            learner=person, workshop=workshop, cohort=cohort, title=f"Kokeilu {n}"
        )
        factories.SubmissionFactory(
            assignment=assignment, cohort=cohort, learner=person, experiment=experiment
        )
        card = portfolio_services.card_create(experiment=experiment)
        Card.objects.filter(pk=card.pk).update(scope=Card.Scope.COHORT, published_at=timezone.now())
        Completion.objects.create(user=person, item=item)
        Invitation.objects.create(
            cohort=cohort,
            email=f"kutsu{n}@kunta.fi",
            expires_at=timezone.now() + timezone.timedelta(days=7),
        )
        Announcement.objects.create(
            cohort=cohort, author=person, subject=f"Tiedote {n}", body="…", send_at=timezone.now()
        )


def url(name, cohort):
    if name in ("memberships", "progress", "invitations", "announcements"):
        return reverse(f"api:{name}", args=[cohort.pk])
    return reverse(f"api:{name}")


@pytest.mark.parametrize("name", sorted(BUDGETS))
def test_a_list_reads_the_same_queries_for_3_and_30_rows(
    name, api_as, coordinator, cohort, assignment, django_assert_num_queries
):
    client = api_as(coordinator, scope=ApiToken.Scope.READ)
    client.get(url(name, cohort))  # the token's first use writes its last-used time
    for size in (3, 30):
        grow(cohort=cohort, workshop=assignment.workshop, assignment=assignment, upto=size)
        with django_assert_num_queries(BUDGETS[name], info=f"{name}: {size} rows"):
            response = client.get(url(name, cohort))
        assert response.status_code == 200
        rows = response.json()["results"]
        # The cohort list has the one cohort; its memberships the coordinator besides.
        expected = {"cohorts": 1, "memberships": size + 1}.get(name, size)
        assert len(rows) == expected, (name, size)


def test_progress_counts_what_each_learner_has_done_per_module(
    api_as, coordinator, cohort, learner, course
):
    modules = list(course.modules.order_by("position"))
    for item in modules[0].items.all()[:2]:
        Completion.objects.create(user=learner, item=item)
    rows = api_as(coordinator).get(url("progress", cohort)).json()["results"]
    row = next(r for r in rows if r["learner_id"] == learner.pk)
    assert [(m["module_id"], m["done"], m["total"]) for m in row["modules"]] == [
        (modules[0].pk, 2, 3),
        (modules[1].pk, 0, 3),
        (modules[2].pk, 0, 3),
    ]


def test_a_large_list_is_read_page_by_page_with_the_cursor(api_as, coordinator, cohort, assignment):
    grow(cohort=cohort, workshop=assignment.workshop, assignment=assignment, upto=30)
    client = api_as(coordinator)
    seen, link, pages = [], reverse("api:submissions") + "?page_size=7", 0
    while link:
        body = client.get(link).json()
        seen += [row["id"] for row in body["results"]]
        link, pages = body["next"], pages + 1
    assert pages == 5
    assert len(seen) == len(set(seen)) == 30
    # A page size beyond the cap is held to it; a broken cursor is a clear 404, not a 500.
    assert client.get(reverse("api:submissions") + "?cursor=zzz").status_code == 404
