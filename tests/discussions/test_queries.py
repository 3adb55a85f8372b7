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


def check(client, assert_num, url, budget, what):
    with assert_num(budget, info=f"{url}: {what}"):
        response = client.get(url)
    assert response.status_code == 200, what
    return response


@pytest.mark.parametrize(
    ("page", "budget"),
    # Exactly, with small data and with more. Every page: the session, and the learner with
    # the navigation's roles and unread badge (2; the navigation was a query of its own
    # before); "(N allowed before)" is what the budget allowed when it had slack.
    [
        # The cohort (1); the threads' count (1); the person's role in the cohort (1); the page
        # of threads (1). (9 allowed before.)
        ("cohort", 6),
        # The thread (1); posts counted and read with writers, quotes and moderators (2); the
        # person's role (1); pinned posts (1); subscribed (1). (11 allowed before.)
        ("thread", 8),
        # The item (1); the learner's cohort (1); the lesson lock's cohort and modules
        # (courses, 2); the person's role (1); the threads' count and page (2). (20 allowed
        # before.)
        ("item_questions", 9),
        # The cohort (1); the person's role (1); the matching posts' count and page (2). (10
        # allowed before.)
        ("search", 6),
    ],
)
def test_the_discussion_pages_have_a_fixed_query_budget(
    client, cohort, item, learner, instructor, django_assert_num_queries, page, budget
):
    threads = grow(cohort, item, instructor, 2)
    urls = {
        "cohort": reverse("discussions:cohort", args=[cohort.pk]),
        "thread": reverse("discussions:thread", args=[threads[1].pk]),
        "item_questions": reverse("discussions:item_questions", args=[item.pk]),
        "search": reverse("discussions:search", args=[cohort.pk]) + "?q=vastaus",
    }
    client.force_login(learner)
    small = check(client, django_assert_num_queries, urls[page], budget, "small data")
    more = grow(cohort, item, instructor, 12)
    if page == "thread":
        urls["thread"] = reverse("discussions:thread", args=[more[1].pk])
    large = check(client, django_assert_num_queries, urls[page], budget, "larger data")
    if page != "thread":
        assert len(large.context["page"].object_list) > len(small.context["page"].object_list)


def test_polling_costs_the_same_for_one_or_many_new_replies(
    client, cohort, item, learner, instructor, django_assert_num_queries
):
    # The session, and the learner with the navigation's roles (2); the thread (1); the new
    # posts (1, one or fifteen); the person's role (1). (8 allowed before.)
    budget = 5
    thread = grow(cohort, item, instructor, 2)[0]
    url = reverse("discussions:thread_poll", args=[thread.pk])
    client.force_login(learner)
    first = thread.posts.order_by("pk")[0].pk
    with django_assert_num_queries(budget):
        assert client.get(url, {"after": first}).status_code == 200
    writer = factories.MembershipFactory(cohort=cohort).user
    for n in range(15):
        services.post_reply(thread=thread, author=writer, body=f"Uusi {n}")
    with django_assert_num_queries(budget):
        assert client.get(url, {"after": first}).status_code == 200
