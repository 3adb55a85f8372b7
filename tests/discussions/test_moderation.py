"""Moderation: the cohort's instructors and coordinators hide a post with a reason; its
writer sees it is hidden and why, everyone else sees only that a moderator hid it."""

import pytest
from django.urls import reverse

from discussions import services
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def rude(thread, other_learner):
    return services.post_reply(thread=thread, author=other_learner, body="Asiaton viesti")


@pytest.mark.parametrize("moderator", ["instructor", "coordinator"])
def test_staff_hide_a_post_with_a_reason(client, request, rude, thread, other_learner, moderator):
    person = request.getfixturevalue(moderator)
    client.force_login(person)
    assert client.get(reverse("discussions:post_hide", args=[rude.pk])).status_code == 200
    response = client.post(
        reverse("discussions:post_hide", args=[rude.pk]), {"reason": "Ei kuulu aiheeseen."}
    )
    assert response.status_code == 302
    rude.refresh_from_db()
    assert rude.is_hidden
    assert rude.hidden_by == person
    assert Notification.objects.filter(
        recipient=other_learner, key__startswith=f"discussion-hidden-{rude.pk}-"
    ).exists()


def test_a_hide_without_a_reason_is_refused(client, rude, instructor):
    client.force_login(instructor)
    response = client.post(reverse("discussions:post_hide", args=[rude.pk]), {"reason": " "})
    assert response.status_code == 400
    rude.refresh_from_db()
    assert not rude.is_hidden


def test_the_writer_sees_why_and_the_others_see_only_that_it_was_hidden(
    client, rude, thread, learner, other_learner, instructor
):
    services.post_hide(post=rude, by=instructor, reason="Ei kuulu aiheeseen.")
    url = reverse("discussions:thread", args=[thread.pk])
    client.force_login(other_learner)
    own = client.get(url).content.decode()
    assert "Ei kuulu aiheeseen." in own
    assert "Asiaton viesti" in own
    assert 'data-testid="hidden-notice"' in own
    client.force_login(learner)
    other = client.get(url).content.decode()
    assert "Asiaton viesti" not in other
    assert "Ei kuulu aiheeseen." not in other
    assert 'data-testid="hidden-placeholder"' in other


def test_a_quote_of_a_hidden_post_is_hidden_too(client, rude, thread, learner, instructor):
    services.post_reply(thread=thread, author=learner, body="Vastaan tähän", quote=rude)
    services.post_hide(post=rude, by=instructor, reason="Asiaton.")
    client.force_login(learner)
    page = client.get(reverse("discussions:thread", args=[thread.pk])).content.decode()
    assert "Asiaton viesti" not in page


def test_a_hidden_post_is_shown_again(client, rude, thread, learner, instructor):
    services.post_hide(post=rude, by=instructor, reason="Vahinko.")
    client.force_login(instructor)
    client.post(reverse("discussions:post_unhide", args=[rude.pk]))
    client.force_login(learner)
    page = client.get(reverse("discussions:thread", args=[thread.pk])).content.decode()
    assert "Asiaton viesti" in page
