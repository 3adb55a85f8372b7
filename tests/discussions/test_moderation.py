"""Moderation: the cohort's instructors and coordinators hide a post with a reason; its
writer sees it is hidden and why, everyone else sees only that a moderator hid it."""

import pytest
from django.urls import reverse

from core.models import User
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


def _quote_block(page):
    start = page.index('data-testid="quote"')
    return page[start : page.index("</blockquote>", start)]


def test_the_hide_page_shows_a_quoted_visible_post_as_the_thread_does(
    client, thread, other_learner, instructor
):
    reply = services.post_reply(
        thread=thread, author=other_learner, body="Samaa mieltä", quote=thread.posts.first()
    )
    client.force_login(instructor)
    page = client.get(reverse("discussions:post_hide", args=[reply.pk])).content.decode()
    quote = _quote_block(page)
    assert "Miten kokoatte verkoston kunnassanne?" in quote
    assert "Moderaattori piilotti tämän viestin." not in quote


AUTHOR_NOTICE = "Vain sinä ja moderaattorit näette sen."
MODERATOR_NOTICE = "Vain sen kirjoittaja ja moderaattorit näkevät sen."


def test_a_hidden_post_tells_its_author_and_a_moderator_who_sees_it(
    client, rude, thread, other_learner, instructor
):
    services.post_hide(post=rude, by=instructor, reason="Ei kuulu aiheeseen.")
    url = reverse("discussions:thread", args=[thread.pk])
    client.force_login(instructor)
    moderator_page = client.get(url).content.decode()
    assert MODERATOR_NOTICE in moderator_page
    assert AUTHOR_NOTICE not in moderator_page
    client.force_login(other_learner)
    author_page = client.get(url).content.decode()
    assert AUTHOR_NOTICE in author_page
    assert MODERATOR_NOTICE not in author_page


def test_the_swedish_notice_for_a_moderator_fits_a_moderator(client, rude, thread, instructor):
    services.post_hide(post=rude, by=instructor, reason="Osakligt.")
    instructor.language = "sv"
    instructor.save(update_fields=["language"])
    client.force_login(instructor)
    page = client.get(reverse("discussions:thread", args=[thread.pk])).content.decode()
    assert "Bara dess skribent och moderatorerna ser det." in page
    assert "Bara du och moderatorerna" not in page


def _notifications_page(client, person):
    client.force_login(person)
    return client.get(reverse("notifications:list")).content.decode()


def test_hiding_a_reply_takes_its_text_out_of_the_others_notifications(
    client, rude, learner, instructor
):
    assert "Asiaton viesti" in _notifications_page(client, learner)
    services.post_hide(post=rude, by=instructor, reason="Ei kuulu aiheeseen.")
    page = _notifications_page(client, learner)
    assert "Asiaton viesti" not in page
    assert "Moderaattori piilotti tämän viestin." in page
    # A notification waiting for its email (a digest) leaves without the text, too.
    note = Notification.objects.get(recipient=learner, key=f"discussion-post-{rude.pk}")
    assert "Asiaton viesti" not in note.body
    assert "Asiaton viesti" not in note.html_body


def test_a_reply_shown_again_is_quoted_in_the_notifications_again(
    client, rude, learner, instructor
):
    services.post_hide(post=rude, by=instructor, reason="Vahinko.")
    services.post_unhide(post=rude, by=instructor)
    page = _notifications_page(client, learner)
    assert "Asiaton viesti" in page
    assert "Moderaattori piilotti tämän viestin." not in page


def test_a_hidden_reply_is_redacted_in_each_recipients_language(client, rude, learner, instructor):
    learner.language = "sv"
    learner.save(update_fields=["language"])
    services.post_hide(post=rude, by=instructor, reason="Osakligt.")
    page = _notifications_page(client, learner)
    assert "Asiaton viesti" not in page
    assert "Dolt av en moderator." in page
    assert "Oona" in Notification.objects.get(key=f"discussion-post-{rude.pk}").body


def test_hiding_a_question_takes_its_text_out_of_the_instructors_notification(
    client, question, instructor, coordinator
):
    opening = question.posts.get()
    assert "hypoteesin ja tavoitteen eroa" in _notifications_page(client, instructor)
    services.post_hide(post=opening, by=coordinator, reason="Väärä paikka.")
    page = _notifications_page(client, instructor)
    assert "hypoteesin ja tavoitteen eroa" not in page
    assert "Mitä hypoteesi tarkoittaa?" in page  # the thread's title is not hidden


def test_hiding_costs_the_same_for_few_or_many_notified_people(
    cohort, thread, other_learner, instructor, django_assert_num_queries
):
    from tests import factories

    def reply_seen_by(extra):
        for _ in range(extra):
            person = factories.UserFactory()
            factories.MembershipFactory(cohort=cohort, user=person)
            services.thread_subscribe(thread=thread, user=person, subscribed=True)
        return services.post_reply(thread=thread, author=other_learner, body="Asiaton viesti")

    few, many = reply_seen_by(1), reply_seen_by(20)
    # The moderator's role in the cohort, the update, the post again with its thread and
    # writer (5); the reply's notifications read and rewritten at once (2); the writer's
    # notification: its lookup, their preferences, the insert (3); three savepoints and their
    # releases (6): the service and the two notification services. (16 allowed before.)
    for post in (few, many):
        # The moderator as a request reads them: the role is kept on the person for the rest
        # of that request, so the same object a second time would skip it (15, not 16).
        moderator = User.objects.get(pk=instructor.pk)
        with django_assert_num_queries(16):
            services.post_hide(post=post, by=moderator, reason="Ei kuulu aiheeseen.")
    assert Notification.objects.filter(key=f"discussion-post-{many.pk}").count() == 22
    assert not Notification.objects.filter(body__contains="Asiaton viesti").exists()


def test_an_erased_writers_words_leave_the_notifications_that_quoted_them(
    client, rude, learner, other_learner, superuser
):
    """A person's erasure replaces their posts' text; the replies' notifications sent to
    others quoted it and must not keep it (their name is redacted with the rest)."""
    from privacy import services as privacy

    assert "Asiaton viesti" in _notifications_page(client, learner)
    request = privacy.erasure_request(user=other_learner, requested_by=other_learner)
    privacy.erasure_carry_out(request=request, by=superuser)
    note = Notification.objects.get(recipient=learner, key=f"discussion-post-{rude.pk}")
    assert "Asiaton viesti" not in note.body
    assert "Asiaton viesti" not in note.html_body
    assert "Asiaton viesti" not in _notifications_page(client, learner)
