"""A person's posts are in their data archive, and their erasure empties the posts' text
(the thread keeps its shape for the others) and the search forgets it."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from discussions import services
from discussions.models import Post, Subscription
from privacy import services as privacy
from privacy.models import DataExport

pytestmark = pytest.mark.django_db


def test_the_archive_holds_the_persons_posts_and_subscriptions(thread, learner):
    export = DataExport.objects.create(user=learner)
    assert privacy.data_export_build(export_id=export.pk) is True
    export.refresh_from_db()
    with export.file.storage.open(export.file.name, "rb") as stored:
        archive = zipfile.ZipFile(io.BytesIO(stored.read()))
    posts = json.loads(archive.read("discussion_posts.json"))
    assert [p["pk"] for p in posts] == [thread.posts.get().pk]
    assert len(json.loads(archive.read("discussion_subscriptions.json"))) == 1


def test_erasure_empties_the_posts_and_the_search_forgets_them(
    client, thread, learner, other_learner, superuser
):
    reply = services.post_reply(thread=thread, author=other_learner, body="Hyvä kysymys!")
    request = privacy.erasure_request(user=learner, requested_by=learner)
    privacy.erasure_carry_out(request=request, by=superuser)
    opening = Post.objects.get(pk=thread.posts.order_by("pk")[0].pk)
    assert "verkoston" not in opening.body
    assert Post.objects.get(pk=reply.pk).body == reply.body
    assert not Subscription.objects.filter(user=learner).exists()
    client.force_login(other_learner)
    response = client.get(reverse("discussions:search", args=[thread.cohort_id]), {"q": "verkosto"})
    assert list(response.context["page"]) == []
