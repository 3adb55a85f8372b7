"""Threads and replies as the cohort uses them: writing, quoting, following, notifications
(each once, rows first, emails after commit), links that lead to the post, polling."""

import pytest
from django.core import mail
from django.urls import reverse

from discussions import services
from discussions.models import Post, Subscription, Thread
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_a_learner_starts_a_discussion_and_the_cohort_sees_it(
    client, cohort, learner, other_learner
):
    client.force_login(learner)
    response = client.post(
        reverse("discussions:thread_create", args=[cohort.pk]),
        {
            "title": "Kimppakyydit",
            "body": "<p>Onko kellään kokemusta <strong>kimppakyydeistä</strong>?</p>",
        },
    )
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("discussions:thread", args=[thread.pk])
    client.force_login(other_learner)
    listing = client.get(reverse("discussions:cohort", args=[cohort.pk]))
    assert [t.pk for t in listing.context["page"]] == [thread.pk]
    page = client.get(reverse("discussions:thread", args=[thread.pk])).content.decode()
    assert "<strong>kimppakyydeistä</strong>" in page


def test_an_empty_message_is_refused_and_nothing_is_saved(client, cohort, learner):
    client.force_login(learner)
    response = client.post(
        reverse("discussions:thread_create", args=[cohort.pk]),
        {"title": "Otsikko", "body": "<p> </p><script>x</script>"},
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not Thread.objects.exists()
    assert not Post.objects.exists()


def test_rich_text_is_cleaned_and_plain_text_keeps_its_paragraphs(thread, other_learner):
    post = services.post_reply(
        thread=thread,
        author=other_learner,
        body=(
            '<p onclick="x()">Hei <a href="javascript:alert(1)">linkki</a></p><script>x()</script>'
        ),
    )
    assert "onclick" not in post.body
    assert "script" not in post.body
    assert "javascript" not in post.body
    plain = services.post_reply(thread=thread, author=other_learner, body="Eka 2 < 3\n\nToka")
    assert plain.body == "<p>Eka 2 &lt; 3</p>\n\n<p>Toka</p>"


def test_a_reply_quotes_another_post_with_its_author(client, thread, learner, other_learner):
    opening = thread.posts.get()
    client.force_login(other_learner)
    form_page = client.get(reverse("discussions:thread", args=[thread.pk]), {"quote": opening.pk})
    assert form_page.context["quote"] == opening
    response = client.post(
        reverse("discussions:reply", args=[thread.pk]),
        {"body": "<p>Samaa mieltä.</p>", "quote": opening.pk},
    )
    reply = Post.objects.latest("pk")
    assert reply.quote == opening
    assert response["Location"] == reverse("discussions:post", args=[reply.pk])
    page = client.get(reverse("discussions:thread", args=[thread.pk]))
    html = page.content.decode()
    quote_at = html.index('data-testid="quote"')
    assert learner.display_name in html[quote_at : quote_at + 400]
    assert "Miten kokoatte verkoston" in html[quote_at : quote_at + 800]


def test_a_post_of_another_thread_cannot_be_quoted(client, thread, cohort, other_learner):
    other = services.thread_start(cohort=cohort, author=other_learner, title="Toinen", body="Hei")
    client.force_login(other_learner)
    response = client.post(
        reverse("discussions:reply", args=[thread.pk]),
        {"body": "Lainaus", "quote": other.posts.get().pk},
    )
    assert response.status_code == 400
    assert thread.posts.count() == 1


def test_the_author_and_repliers_follow_and_are_notified_once(
    thread, learner, other_learner, instructor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.post_reply(thread=thread, author=other_learner, body="Vastaan!")
    followers = set(
        Subscription.objects.filter(thread=thread, is_active=True).values_list("user", flat=True)
    )
    assert followers == {learner.pk, other_learner.pk}
    notes = Notification.objects.filter(key=f"discussion-post-{reply.pk}")
    assert [n.recipient for n in notes] == [learner]
    note = notes.get()
    assert note.category == Notification.Category.DISCUSSIONS
    assert note.url == reverse("discussions:post", args=[reply.pk])
    # Default for discussions: the daily digest, so no email now.
    assert note.email_status == Notification.EmailStatus.DIGEST
    assert mail.outbox == []
    # The same event announced again creates nothing new.
    services._notify_subscribers(reply)
    assert Notification.objects.filter(key=f"discussion-post-{reply.pk}").count() == 1


def test_a_follower_who_wants_email_at_once_gets_one_email(
    thread, learner, other_learner, django_capture_on_commit_callbacks
):
    from notifications.services import preference_update

    preference_update(
        user=learner,
        time_zone="Europe/Helsinki",
        email_modes={Notification.Category.DISCUSSIONS: "immediately"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.post_reply(thread=thread, author=other_learner, body="Hei Oona!")
    assert [m.to for m in mail.outbox] == [[learner.email]]
    # The reply's link, through the signed follow link that marks the notice read.
    from notifications.services import notification_follow_url

    note = Notification.objects.get(
        recipient=learner, url=reverse("discussions:post", args=[reply.pk])
    )
    assert notification_follow_url(note) in mail.outbox[0].body
    # A second delivery of the same rows sends nothing twice.
    from notifications.services import notifications_send_emails

    notifications_send_emails(
        notification_ids=list(Notification.objects.values_list("pk", flat=True))
    )
    assert len(mail.outbox) == 1


def test_an_unsubscribe_is_remembered_when_the_person_writes_again(
    client, thread, learner, other_learner
):
    client.force_login(learner)
    response = client.post(reverse("discussions:subscribe", args=[thread.pk]), {"subscribe": "0"})
    assert response.status_code == 302
    services.post_reply(thread=thread, author=learner, body="Vielä yksi asia.")
    reply = services.post_reply(thread=thread, author=other_learner, body="Kiitos!")
    assert not Notification.objects.filter(recipient=learner, key=f"discussion-post-{reply.pk}")
    client.post(reverse("discussions:subscribe", args=[thread.pk]), {"subscribe": "1"})
    again = services.post_reply(thread=thread, author=other_learner, body="Ja vielä.")
    assert Notification.objects.filter(recipient=learner, key=f"discussion-post-{again.pk}")


def test_a_follower_who_left_the_cohort_is_not_notified(thread, learner, other_learner):
    from learners.models import Membership

    Membership.objects.filter(user=learner).delete()
    reply = services.post_reply(thread=thread, author=other_learner, body="Hei")
    assert not Notification.objects.filter(key=f"discussion-post-{reply.pk}").exists()


def test_a_posts_link_leads_to_its_page_and_anchor_also_after_signing_in(
    client, thread, learner, other_learner
):
    posts = [
        services.post_reply(thread=thread, author=other_learner, body=f"Viesti {n}")
        for n in range(30)
    ]
    last = posts[-1]
    link = reverse("discussions:post", args=[last.pk])
    # From an email, signed out: to the sign-in page, which comes back to the link.
    response = client.get(link)
    assert response.status_code == 302
    assert f"next={link}" in response["Location"].replace("%2F", "/")
    client.force_login(learner)
    response = client.get(link)
    assert response["Location"] == (
        reverse("discussions:thread", args=[thread.pk]) + f"?page=2#post-{last.pk}"
    )
    page = client.get(response["Location"].split("#")[0])
    assert f'id="post-{last.pk}"' in page.content.decode()


def test_polling_returns_only_new_replies_and_nothing_when_there_are_none(
    client, thread, learner, other_learner
):
    client.force_login(learner)
    url = reverse("discussions:thread_poll", args=[thread.pk])
    last = thread.posts.get().pk
    assert client.get(url, {"after": last}).status_code == 204
    reply = services.post_reply(thread=thread, author=other_learner, body="Uusi vastaus")
    response = client.get(url, {"after": last}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="post-{reply.pk}"' in html
    assert f'id="post-{last}"' not in html
    assert f"after={reply.pk}" in html  # the next poll starts from the new reply
    assert client.get(url, {"after": "x"}).status_code == 400


def test_the_thread_page_polls_only_on_its_last_page(client, thread, learner, other_learner):
    for n in range(26):
        services.post_reply(thread=thread, author=other_learner, body=f"Viesti {n}")
    client.force_login(learner)
    first = client.get(reverse("discussions:thread", args=[thread.pk])).content.decode()
    last = client.get(reverse("discussions:thread", args=[thread.pk]), {"page": 2})
    assert "discussion-poller" not in first
    assert "discussion-poller" in last.content.decode()


def test_an_instructor_pins_a_thread_to_the_top(client, cohort, thread, learner, instructor):
    newer = services.thread_start(cohort=cohort, author=learner, title="Uudempi", body="Hei")
    client.force_login(instructor)
    client.post(reverse("discussions:thread_pin", args=[thread.pk]), {"pin": "1"})
    listing = client.get(reverse("discussions:cohort", args=[cohort.pk]))
    assert [t.pk for t in listing.context["page"]] == [thread.pk, newer.pk]


def test_an_instructor_pins_a_post_and_it_is_listed_at_the_top(
    client, thread, other_learner, instructor
):
    reply = services.post_reply(thread=thread, author=other_learner, body="Tärkeä vinkki")
    client.force_login(instructor)
    client.post(reverse("discussions:post_pin", args=[reply.pk]), {"pin": "1"})
    page = client.get(reverse("discussions:thread", args=[thread.pk]))
    assert page.context["pinned"] == [reply]


def test_signing_in_from_an_emails_link_ends_at_the_post(client, thread, learner, other_learner):
    from tests.factories import PASSWORD

    reply = services.post_reply(thread=thread, author=other_learner, body="Katso tämä")
    link = reverse("discussions:post", args=[reply.pk])
    to_login = client.get(link)["Location"]
    signed_in = client.post(to_login, {"login": learner.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in["Location"] == link
    assert client.get(link)["Location"] == (
        reverse("discussions:thread", args=[thread.pk]) + f"#post-{reply.pk}"
    )
