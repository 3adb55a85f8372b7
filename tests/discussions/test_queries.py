"""Query budgets of the discussion pages: the same with small data and with many more threads,
posts, quotes, pins and hidden posts (an N+1 would grow with the data)."""

import pytest
from django.urls import reverse

from discussions import services
from learners.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


def grow(cohort, item, instructor, times):
    people = [
        factories.MembershipFactory(cohort=cohort, role=Membership.Role.LEARNER).user
        for _ in range(times)
    ]
    threads = []
    for n, person in enumerate(people):
        thread = services.thread_start(
            cohort=cohort,
            author=person,
            title=f"Ketju {n}",
            body="<p>Avaus</p>",
            item=item if n % 2 else None,
        )
        threads.append(thread)
        previous = thread.posts.get()
        for m, writer in enumerate(people[:times]):
            previous = services.post_reply(
                thread=thread, author=writer, body=f"Vastaus {m}", quote=previous
            )
        services.post_hide(post=previous, by=instructor, reason="Asiaton")
        services.post_pin(post=thread.posts.order_by("pk")[1], by=instructor, pinned=True)
    return threads


def check(client, assert_max, url, budget, what):
    with assert_max(budget, info=f"{url}: {what}"):
        response = client.get(url)
    assert response.status_code == 200, what
    return response


@pytest.mark.parametrize(
    ("page", "budget"),
    [
        # Session, user, roles, unread badge (4); the cohort (1); the count and the page (2);
        # the person's role in the cohort (1).
        ("cohort", 9),
        # The thread (1); the person's role (1); posts counted and read with writers, quotes
        # and moderators (2); pinned posts (1); subscribed (1).
        ("thread", 11),
        # The item and the lesson lock (courses); the cohorts, count and page.
        ("item_questions", 20),
        ("search", 10),
    ],
)
def test_the_discussion_pages_have_a_fixed_query_budget(
    client, cohort, item, learner, instructor, django_assert_max_num_queries, page, budget
):
    threads = grow(cohort, item, instructor, 2)
    urls = {
        "cohort": reverse("discussions:cohort", args=[cohort.pk]),
        "thread": reverse("discussions:thread", args=[threads[1].pk]),
        "item_questions": reverse("discussions:item_questions", args=[item.pk]),
        "search": reverse("discussions:search", args=[cohort.pk]) + "?q=vastaus",
    }
    client.force_login(learner)
    small = check(client, django_assert_max_num_queries, urls[page], budget, "small data")
    more = grow(cohort, item, instructor, 12)
    if page == "thread":
        urls["thread"] = reverse("discussions:thread", args=[more[1].pk])
    large = check(client, django_assert_max_num_queries, urls[page], budget, "larger data")
    if page != "thread":
        assert len(large.context["page"].object_list) > len(small.context["page"].object_list)


def test_polling_costs_the_same_for_one_or_many_new_replies(
    client, cohort, item, learner, instructor, django_assert_max_num_queries
):
    thread = grow(cohort, item, instructor, 2)[0]
    url = reverse("discussions:thread_poll", args=[thread.pk])
    client.force_login(learner)
    first = thread.posts.order_by("pk")[0].pk
    with django_assert_max_num_queries(8):
        assert client.get(url, {"after": first}).status_code == 200
    writer = factories.MembershipFactory(cohort=cohort).user
    for n in range(15):
        services.post_reply(thread=thread, author=writer, body=f"Uusi {n}")
    with django_assert_max_num_queries(8):
        assert client.get(url, {"after": first}).status_code == 200
