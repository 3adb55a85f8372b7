"""Release rules per module: sequential, prerequisites, unlock days from the cohort's start,
per-learner extensions; drafts only for authors. A locked item cannot be opened or marked done."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Completion, Item, ReleaseExtension
from tests import factories

pytestmark = pytest.mark.django_db


def outline(client, course):
    return client.get(reverse("courses:detail", args=[course.pk])).content.decode()


def complete_module(user, module):
    for item in module.items.all():
        factories.CompletionFactory(user=user, item=item)


def assert_locked(client, item, reason_part):
    response = client.get(reverse("courses:item", args=[item.pk]))
    assert response.status_code == 403
    assert reason_part in response.content.decode()
    response = client.post(reverse("courses:item_complete", args=[item.pk]))
    assert response.status_code == 403
    assert reason_part in response.content.decode()


def test_a_sequential_module_opens_when_the_previous_one_is_complete(
    client_for, learner, course, modules
):
    modules[1].sequential = True
    modules[1].save()
    locked_item = modules[1].items.first()
    client = client_for(learner)

    assert_locked(client, locked_item, modules[0].title)
    html = outline(client, course)
    assert f'data-item="{locked_item.pk}" data-state="locked"' in html
    assert 'data-testid="module-lock"' in html
    assert f'href="{reverse("courses:item", args=[locked_item.pk])}"' not in html
    assert not Completion.objects.filter(item=locked_item).exists()

    complete_module(learner, modules[0])
    assert client.get(reverse("courses:item", args=[locked_item.pk])).status_code == 200
    assert f'data-item="{locked_item.pk}" data-state="available"' in outline(client, course)


def test_optional_items_do_not_hold_the_next_module_back(client_for, learner, modules):
    modules[1].sequential = True
    modules[1].save()
    first_items = list(modules[0].items.order_by("position"))
    Item.objects.filter(pk=first_items[2].pk).update(is_required=False)
    for item in first_items[:2]:
        factories.CompletionFactory(user=learner, item=item)
    response = client_for(learner).get(reverse("courses:item", args=[modules[1].items.first().pk]))
    assert response.status_code == 200


def test_a_prerequisite_must_be_complete(client_for, learner, modules):
    modules[2].prerequisites.add(modules[0])
    client = client_for(learner)
    target = modules[2].items.first()
    assert_locked(client, target, modules[0].title)
    # Module 2 is not a prerequisite: finishing it changes nothing.
    complete_module(learner, modules[1])
    assert client.get(reverse("courses:item", args=[target.pk])).status_code == 403
    complete_module(learner, modules[0])
    assert client.get(reverse("courses:item", args=[target.pk])).status_code == 200


def test_an_unlock_day_counts_from_the_cohorts_start_and_shows_the_date(
    client_for, learner, cohort, course, modules
):
    today = timezone.localdate()
    cohort.start_date = today - datetime.timedelta(days=5)
    cohort.save()
    modules[1].unlock_after_days = 7
    modules[1].save()
    modules[2].unlock_after_days = 5
    modules[2].save()
    client = client_for(learner)
    opens = today + datetime.timedelta(days=2)

    html = outline(client, course)
    assert opens.strftime("%-d.%-m.%Y") in html  # Finnish short date
    assert_locked(client, modules[1].items.first(), opens.strftime("%-d.%-m.%Y"))
    # Day 5 is today: open.
    assert (
        client.get(reverse("courses:item", args=[modules[2].items.first().pk])).status_code == 200
    )


def test_a_learners_extension_shifts_the_unlock_day_for_them_only(
    client_for, learner, other_learner, cohort, modules
):
    cohort.start_date = timezone.localdate() - datetime.timedelta(days=10)
    cohort.save()
    modules[1].unlock_after_days = 10
    modules[1].save()
    target = modules[1].items.first()
    url = reverse("courses:item", args=[target.pk])
    ReleaseExtension.objects.create(module=modules[1], user=learner, days=3, reason="Myöhässä")

    assert client_for(learner).get(url).status_code == 403
    assert client_for(other_learner).get(url).status_code == 200

    ReleaseExtension.objects.filter(user=learner).update(days=0)
    assert client_for(learner).get(url).status_code == 200


def test_a_negative_extension_opens_a_module_early(client_for, learner, cohort, modules):
    cohort.start_date = timezone.localdate()
    cohort.save()
    modules[1].unlock_after_days = 14
    modules[1].save()
    url = reverse("courses:item", args=[modules[1].items.first().pk])
    assert client_for(learner).get(url).status_code == 403
    ReleaseExtension.objects.create(module=modules[1], user=learner, days=-14)
    assert client_for(learner).get(url).status_code == 200


def test_the_rules_combine_a_date_then_a_sequence(client_for, learner, cohort, modules):
    cohort.start_date = timezone.localdate() - datetime.timedelta(days=30)
    cohort.save()
    modules[1].unlock_after_days = 7
    modules[1].sequential = True
    modules[1].save()
    url = reverse("courses:item", args=[modules[1].items.first().pk])
    assert client_for(learner).get(url).status_code == 403  # date passed, sequence not
    complete_module(learner, modules[0])
    assert client_for(learner).get(url).status_code == 200


@pytest.mark.parametrize("persona", ["instructor", "coordinator"])
def test_staff_see_every_module_open(request, client_for, persona, cohort, course, modules):
    user = request.getfixturevalue(persona)
    modules[1].sequential = True
    modules[1].unlock_after_days = 300
    modules[1].save()
    client = client_for(user)
    assert (
        client.get(reverse("courses:item", args=[modules[1].items.first().pk])).status_code == 200
    )
    assert 'data-state="locked"' not in outline(client, course)


def test_continue_skips_a_locked_module(client_for, learner, course, modules):
    modules[0].unlock_after_days = 3650
    modules[0].save()
    html = outline(client_for(learner), course)
    first_open = modules[1].items.order_by("position").first()
    assert (
        f'<a class="btn btn-primary" href="{reverse("courses:item", args=[first_open.pk])}"' in html
    )


# --- drafts --------------------------------------------------------------------------------


def test_drafts_are_hidden_from_learners_and_staff_but_shown_to_authors(
    client_for, learner, instructor, course, modules
):
    draft_item = modules[0].items.order_by("position").last()
    draft_item.is_published = False
    draft_item.save()
    modules[2].is_published = False
    modules[2].save()
    hidden_in_module = modules[2].items.first()
    author = factories.UserFactory()
    course.authors.add(author)

    for user in (learner, instructor):
        client = client_for(user)
        for item in (draft_item, hidden_in_module):
            assert client.get(reverse("courses:item", args=[item.pk])).status_code == 404
        assert client.get(reverse("courses:module", args=[modules[2].pk])).status_code == 404
        html = outline(client, course)
        assert draft_item.title not in html
        assert modules[2].title not in html

    client = client_for(author)
    assert client.get(reverse("courses:item", args=[draft_item.pk])).status_code == 200
    html = outline(client, course)
    assert draft_item.title in html
    assert modules[2].title in html


def test_drafts_do_not_count_in_progress(client_for, learner, course, modules):
    Item.objects.filter(module=modules[2]).update(is_published=False)
    html = client_for(learner).get(reverse("core:home")).content.decode()
    assert 'max="6" value="0"' in html


def test_a_non_enrolled_learner_gets_404_everywhere(client_for, course, modules):
    stranger = factories.MembershipFactory().user
    client = client_for(stranger)
    item = modules[0].items.first()
    for url in (
        reverse("courses:detail", args=[course.pk]),
        reverse("courses:module", args=[modules[0].pk]),
        reverse("courses:item", args=[item.pk]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("courses:quiz_submit", args=[item.pk])).status_code == 404
    assert client.post(reverse("courses:reflection_save", args=[item.pk])).status_code == 404
    assert client.post(reverse("courses:item_watched", args=[item.pk])).status_code == 404
