"""A learner marks lessons done; the dashboard and the course outline count them right."""

import re

import pytest
from django.urls import reverse

from courses.models import Completion, Item
from learners.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(course):
    """The course's nine items in course order."""
    return list(
        Item.objects.filter(module__course=course).order_by(
            "module__position", "module__pk", "position", "pk"
        )
    )


def complete(client, item, **extra):
    return client.post(reverse("courses:item_complete", args=[item.pk]), **extra)


def undo(client, item, **extra):
    return client.post(reverse("courses:item_complete", args=[item.pk]), {"undo": "1"}, **extra)


def progress_bar(html):
    """(value, max) of the first course progress bar on the page."""
    match = re.search(r'<progress[^>]*\bmax="(\d+)" value="(\d+)"', html)
    assert match, "no progress bar on the page"
    return int(match[2]), int(match[1])


def continue_link(html):
    match = re.search(r'<a class="btn btn-primary" href="(/courses/items/\d+/)"', html)
    return match[1] if match else None


def dashboard_module_counts(html):
    return [
        (int(done), int(total))
        for done, total in re.findall(
            r'<span class="text-body-secondary text-nowrap">(\d+)/(\d+)</span>', html
        )
    ]


def outline_module_counts(html):
    """The first two numbers under each module heading: done and total, in any language."""
    spans = re.findall(
        r'<h2 class="h5 mb-1">.*?</h2>\s*<span class="text-body-secondary">(.*?)</span>',
        html,
        flags=re.DOTALL,
    )
    return [tuple(int(n) for n in re.findall(r"\d+", span)[:2]) for span in spans]


# --- marking done ----------------------------------------------------------------------------


def test_a_learner_marks_an_item_done_and_is_sent_back_to_it(client_for, learner, items):
    response = complete(client_for(learner), items[0])
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:item", args=[items[0].pk])
    assert Completion.objects.filter(user=learner, item=items[0]).exists()
    page = client_for(learner).get(reverse("courses:item", args=[items[0].pk]))
    assert 'data-testid="item-done"' in page.content.decode()
    assert 'data-testid="mark-done"' not in page.content.decode()


def test_with_htmx_marking_done_returns_only_the_button_partial(client_for, learner, items):
    response = complete(client_for(learner), items[0], HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-testid="item-done"' in html
    assert Completion.objects.filter(user=learner, item=items[0]).exists()


def test_with_htmx_undo_returns_the_mark_as_done_button_again(client_for, learner, items):
    client = client_for(learner)
    complete(client, items[0])
    response = undo(client, items[0], HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-testid="mark-done"' in html
    assert "Merkitse tehdyksi" in html
    assert not Completion.objects.filter(user=learner).exists()


def test_marking_done_twice_keeps_one_completion(client_for, learner, items):
    client = client_for(learner)
    complete(client, items[0])
    first = Completion.objects.get(user=learner)
    assert complete(client, items[0]).status_code == 302
    assert list(Completion.objects.filter(user=learner)) == [first]


def test_undo_removes_only_that_item_and_can_be_repeated(client_for, learner, items):
    client = client_for(learner)
    complete(client, items[0])
    complete(client, items[1])
    assert undo(client, items[0]).status_code == 302
    assert undo(client, items[0]).status_code == 302
    assert list(Completion.objects.filter(user=learner).values_list("item", flat=True)) == [
        items[1].pk
    ]


def test_one_learners_progress_is_their_own(client_for, learner, other_learner, items):
    complete(client_for(learner), items[0])
    assert not Completion.objects.filter(user=other_learner).exists()
    html = client_for(other_learner).get(reverse("core:home")).content.decode()
    assert progress_bar(html) == (0, 9)


@pytest.mark.parametrize("persona", ["instructor", "coordinator"])
def test_staff_of_the_course_cannot_mark_items_done(request, client_for, persona, items):
    user = request.getfixturevalue(persona)
    response = complete(client_for(user), items[0])
    assert response.status_code == 403
    assert not Completion.objects.exists()
    page = client_for(user).get(reverse("courses:item", args=[items[0].pk]))
    assert page.status_code == 200
    assert 'data-testid="mark-done"' not in page.content.decode()


def test_a_learner_of_another_course_cannot_mark_items_done_or_see_them(client_for, items):
    stranger = factories.MembershipFactory(role=Membership.Role.LEARNER).user
    client = client_for(stranger)
    assert complete(client, items[0]).status_code == 404
    assert undo(client, items[0]).status_code == 404
    assert client.get(reverse("courses:item", args=[items[0].pk])).status_code == 404
    course = items[0].module.course
    assert client.get(reverse("courses:detail", args=[course.pk])).status_code == 404
    assert not Completion.objects.exists()


def test_marking_done_needs_a_post(client_for, learner, items):
    response = client_for(learner).get(reverse("courses:item_complete", args=[items[0].pk]))
    assert response.status_code == 405
    assert not Completion.objects.exists()


# --- what the learner sees -------------------------------------------------------------------


def test_the_dashboard_shows_progress_that_matches_the_database(client_for, learner, items):
    client = client_for(learner)
    for item in [items[0], items[1], items[4]]:
        complete(client, item)

    html = client.get(reverse("core:home")).content.decode()

    assert progress_bar(html) == (Completion.objects.filter(user=learner).count(), len(items))
    assert progress_bar(html) == (3, 9)
    assert dashboard_module_counts(html) == [(2, 3), (1, 3), (0, 3)]
    assert "3/9" in html.replace(" ", "")


def test_the_course_outline_shows_progress_that_matches_the_database(
    client_for, learner, course, items
):
    client = client_for(learner)
    for item in [items[0], items[3], items[4], items[5]]:
        complete(client, item)

    html = client.get(reverse("courses:detail", args=[course.pk])).content.decode()

    assert progress_bar(html) == (4, 9)
    assert outline_module_counts(html) == [(1, 3), (3, 3), (0, 3)]


def test_an_undo_shows_in_the_numbers(client_for, learner, course, items):
    client = client_for(learner)
    complete(client, items[0])
    complete(client, items[1])
    undo(client, items[0])
    html = client.get(reverse("courses:detail", args=[course.pk])).content.decode()
    assert progress_bar(html) == (1, 9)
    assert outline_module_counts(html)[0] == (1, 3)


def test_continue_where_you_left_off_points_at_the_first_undone_item(
    client_for, learner, course, items
):
    client = client_for(learner)
    # Done out of order: the first gap is item 2, even though later items are done.
    for item in [items[0], items[1], items[3], items[6]]:
        complete(client, item)

    expected = reverse("courses:item", args=[items[2].pk])
    assert continue_link(client.get(reverse("core:home")).content.decode()) == expected
    outline = client.get(reverse("courses:detail", args=[course.pk])).content.decode()
    assert continue_link(outline) == expected


def test_staff_who_learn_in_another_course_see_no_progress_on_the_course_they_teach(
    client_for, instructor, course
):
    elsewhere = factories.CohortFactory()
    factories.MembershipFactory(cohort=elsewhere, user=instructor, role=Membership.Role.LEARNER)

    html = client_for(instructor).get(reverse("courses:detail", args=[course.pk])).content.decode()

    assert "<progress" not in html
    assert continue_link(html) is None
    # Each module heading shows only its length (3 x 10 min), no "done of total".
    assert outline_module_counts(html) == [(30,)] * 3


def test_a_new_learner_continues_from_the_very_first_item(client_for, learner, items):
    html = client_for(learner).get(reverse("core:home")).content.decode()
    assert continue_link(html) == reverse("courses:item", args=[items[0].pk])


def test_when_everything_is_done_there_is_nothing_to_continue(client_for, learner, items):
    for item in items:
        factories.CompletionFactory(user=learner, item=item)
    html = client_for(learner).get(reverse("core:home")).content.decode()
    assert continue_link(html) is None
    assert progress_bar(html) == (9, 9)
