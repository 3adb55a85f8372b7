"""Search finds posts by their Finnish base forms, only in the person's cohort and only posts
they may read."""

import pytest
from django.urls import reverse

from discussions import services

pytestmark = pytest.mark.django_db


def _found(client, cohort, q):
    response = client.get(reverse("discussions:search", args=[cohort.pk]), {"q": q})
    assert response.status_code == 200
    return [p.pk for p in response.context["page"]]


def test_search_finds_a_post_by_an_inflected_word_and_the_threads_title(
    client, thread, other_learner, learner
):
    reply = services.post_reply(
        thread=thread, author=other_learner, body="<p>Kokeilimme kimppakyytejä nuorille.</p>"
    )
    client.force_login(learner)
    assert _found(client, thread.cohort, "kimppakyyti") == [reply.pk]
    assert _found(client, thread.cohort, "verkostojen") == [thread.posts.order_by("pk")[0].pk]


def test_search_does_not_reach_another_cohort(client, thread, outsider_learner, other_cohort):
    client.force_login(outsider_learner)
    assert _found(client, other_cohort, "verkosto") == []


def test_a_hidden_post_is_found_by_its_writer_and_moderators_only(
    client, thread, learner, other_learner, instructor
):
    rude = services.post_reply(thread=thread, author=other_learner, body="Salainen kommentti")
    services.post_hide(post=rude, by=instructor, reason="Asiaton.")
    client.force_login(learner)
    assert _found(client, thread.cohort, "kommentti") == []
    for person in (other_learner, instructor):
        client.force_login(person)
        assert _found(client, thread.cohort, "kommentti") == [rude.pk]


def test_too_long_a_search_is_refused(client, thread, learner):
    client.force_login(learner)
    response = client.get(reverse("discussions:search", args=[thread.cohort_id]), {"q": "a" * 201})
    assert response.status_code == 400
