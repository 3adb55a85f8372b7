"""Writes of the discussions: threads, replies, subscriptions, pins, moderation, answers.

Every notification is a row written in the same transaction as the post (notifications'
unique key per person and event, so running a write's notification step twice creates
nothing new); the emails are published after commit as hints (core.outbox).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, linebreaks, strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.html import clean_html
from learners.models import Membership
from notifications.grouping import DISCUSSION_REPLY, Group
from notifications.models import Notification
from notifications.services import (
    notification_notify,
    notification_notify_many,
    notifications_publish_emails,
    notifications_rerender,
)

from .access import can_mark_answer, is_moderator, may_post
from .models import Post, Subscription, Thread
from .search import post_index

if TYPE_CHECKING:
    from core.models import User
    from courses.models import Item
    from learners.models import Cohort

MAX_BODY_CHARS = 20_000
MAX_TITLE_CHARS = 200
MAX_REASON_CHARS = 1_000
_TAG = re.compile(r"<[a-zA-Z/][^>]*>")


class DiscussionError(DomainError):
    pass


def body_clean(text: str) -> str:
    """A post's HTML as the rich-text editor writes it, cleaned with the platform's one
    sanitiser; text typed without the editor (no JavaScript) keeps its paragraphs."""
    text = (text or "").strip()
    if len(text) > MAX_BODY_CHARS:
        raise DiscussionError(
            _("The message is too long: use at most %(n)s characters.") % {"n": MAX_BODY_CHARS}
        )
    if not _TAG.search(text):
        text = linebreaks(escape(text))
    cleaned = clean_html(text).strip()
    if not strip_tags(cleaned).replace("&nbsp;", " ").strip():
        raise DiscussionError(_("Write a message first."))
    return cleaned


def excerpt(post: Post, words: int = 40) -> str:
    """The post's text without its HTML, shortened (for notifications and lists)."""
    text = " ".join(strip_tags(post.body).replace("&nbsp;", " ").split())
    return Truncator(text).words(words)


def _notified_excerpt(post: Post) -> Any:
    """What a notification quotes of the post: its words, or, once a moderator hid it, only
    that (lazy, so each recipient reads it in their own language)."""
    if post.is_hidden:
        return gettext_lazy("Hidden by a moderator.")
    return excerpt(post)


def _reply_context(post: Post) -> dict[str, Any]:
    thread = post.thread
    return {
        "thread": thread,
        "author_name": post.author.display_name,
        "excerpt": _notified_excerpt(post),
        "is_question": thread.kind == Thread.Kind.QUESTION,
    }


def _question_context(thread: Thread, post: Post) -> dict[str, Any]:
    return {
        "thread": thread,
        # The lesson's title, or the kept one once an author removed the lesson.
        "item_title": thread.item.title if thread.item else thread.removed_item_title,
        "author_name": post.author.display_name,
        "excerpt": _notified_excerpt(post),
    }


def post_url(post: Post) -> str:
    """The post's permanent address: it leads to the right page of the thread and the post's
    anchor, also after signing in (the redirect carries the anchor)."""
    return reverse("discussions:post", args=[post.pk])


def _subscribe_default(thread: Thread, user_ids: list[int]) -> None:
    """Subscribe people who have not chosen otherwise (an unsubscribe is remembered)."""
    Subscription.objects.bulk_create(
        [Subscription(thread=thread, user_id=pk) for pk in user_ids], ignore_conflicts=True
    )


def _publish_after_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(lambda: notifications_publish_emails(ids), robust=True)


def _notify_subscribers(post: Post) -> list[int]:
    """Rows for the thread's subscribers who are still in its cohort (not the writer)."""
    thread = post.thread
    from core.models import User

    recipients = list(
        User.objects.filter(
            discussion_subscriptions__thread=thread,
            discussion_subscriptions__is_active=True,
            memberships__cohort_id=thread.cohort_id,
            is_active=True,
        )
        .exclude(pk=post.author_id)
        .order_by("pk")
    )
    ids = notification_notify_many(
        recipients=recipients,
        category=Notification.Category.DISCUSSIONS,
        key=f"discussion-post-{post.pk}",
        template="discussion_reply",
        context=_reply_context(post),
        url=post_url(post),
        # The pages show a thread's replies as one line ("5 new replies: …").
        group=Group(kind=DISCUSSION_REPLY, about=thread.pk, title=thread.title),
    )
    _publish_after_commit(ids)
    return ids


def _check_writer(cohort_id: int, user: User) -> None:
    if not may_post(user, cohort_id):
        raise DiscussionError(_("Only the members of the cohort can write here."))


@transaction.atomic
def thread_start(
    *,
    cohort: Cohort,
    author: User,
    title: str,
    body: str,
    item: Item | None = None,
    pinned: bool = False,
) -> Thread:
    """Open a discussion in the cohort's area, or a question under a lesson (`item`, which
    must belong to the cohort's course). The author is subscribed; a question also subscribes
    the cohort's instructors and notifies them."""
    _check_writer(cohort.pk, author)
    title = " ".join((title or "").split())
    if not title:
        raise DiscussionError(_("Give the thread a title."))
    if len(title) > MAX_TITLE_CHARS:
        raise DiscussionError(
            _("The title is too long: use at most %(n)s characters.") % {"n": MAX_TITLE_CHARS}
        )
    cleaned = body_clean(body)
    if item is not None and item.module.course_id != cohort.course_id:
        raise DiscussionError(_("This lesson is not on the cohort's course."))
    if pinned and not is_moderator(author, cohort.pk):
        raise DiscussionError(_("Only the cohort's instructors and coordinators can pin."))
    now = timezone.now()
    thread = Thread.objects.create(
        cohort=cohort,
        kind=Thread.Kind.QUESTION if item is not None else Thread.Kind.DISCUSSION,
        item=item,
        title=title,
        author=author,
        last_post_at=now,
        post_count=1,
        is_pinned=pinned,
    )
    post = Post.objects.create(thread=thread, author=author, body=cleaned)
    post_index(post_ids=[post.pk])
    _subscribe_default(thread, [author.pk])
    if item is not None:
        instructors = list(
            Membership.objects.filter(cohort=cohort, role=Membership.Role.INSTRUCTOR)
            .exclude(user_id=author.pk)
            .values_list("user_id", flat=True)
        )
        _subscribe_default(thread, instructors)
        _notify_new_question(thread, post, instructors)
    return thread


def _notify_new_question(thread: Thread, post: Post, user_ids: list[int]) -> None:
    from core.models import User

    ids = notification_notify_many(
        recipients=list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk")),
        category=Notification.Category.DISCUSSIONS,
        key=f"discussion-question-{thread.pk}",
        template="discussion_question",
        context=_question_context(thread, post),
        url=post_url(post),
    )
    _publish_after_commit(ids)


@transaction.atomic
def post_reply(*, thread: Thread, author: User, body: str, quote: Post | None = None) -> Post:
    """Reply in a thread, optionally quoting one of its posts. The writer is subscribed
    (unless they unsubscribed before) and the other subscribers are notified."""
    _check_writer(thread.cohort_id, author)
    cleaned = body_clean(body)
    if quote is not None and quote.thread_id != thread.pk:
        raise DiscussionError(_("You can only quote a message of the same thread."))
    post = Post.objects.create(thread=thread, author=author, body=cleaned, quote=quote)
    Thread.objects.filter(pk=thread.pk).update(
        post_count=F("post_count") + 1, last_post_at=post.created_at
    )
    post_index(post_ids=[post.pk])
    _subscribe_default(thread, [author.pk])
    post.thread = thread
    _notify_subscribers(post)
    return post


@transaction.atomic
def thread_subscribe(*, thread: Thread, user: User, subscribed: bool) -> Subscription:
    """Follow a thread, or stop following it (remembered, also when the person writes)."""
    _check_writer(thread.cohort_id, user)
    subscription, _created = Subscription.objects.update_or_create(
        thread=thread, user=user, defaults={"is_active": subscribed}
    )
    return subscription


def _check_moderator(cohort_id: int, user: User) -> None:
    if not is_moderator(user, cohort_id):
        raise DiscussionError(_("Only the cohort's instructors and coordinators can do this."))


@transaction.atomic
def thread_pin(*, thread: Thread, by: User, pinned: bool) -> Thread:
    """Pin a thread to the top of the cohort's list, or unpin it."""
    _check_moderator(thread.cohort_id, by)
    Thread.objects.filter(pk=thread.pk).update(is_pinned=pinned)
    thread.is_pinned = pinned
    return thread


@transaction.atomic
def post_pin(*, post: Post, by: User, pinned: bool) -> Post:
    """Pin a post to the top of its thread, or unpin it."""
    _check_moderator(post.thread.cohort_id, by)
    Post.objects.filter(pk=post.pk).update(is_pinned=pinned)
    post.is_pinned = pinned
    return post


def _notifications_follow(post: Post) -> None:
    """Render the other people's notifications that quote the post again from its state now,
    hidden or shown, in the transaction that changed it: a reply's, and a question's for the
    opening post. Emails that already left cannot be recalled; one still waiting in the outbox
    or for a digest goes out as the notification reads now."""
    notifications_rerender(
        key=f"discussion-post-{post.pk}",
        template="discussion_reply",
        context=_reply_context(post),
        url=post_url(post),
    )
    thread = post.thread
    if (
        thread.kind == Thread.Kind.QUESTION
        and not Post.objects.filter(thread_id=thread.pk, pk__lt=post.pk).exists()
    ):
        notifications_rerender(
            key=f"discussion-question-{thread.pk}",
            template="discussion_question",
            context=_question_context(thread, post),
            url=post_url(post),
        )


@transaction.atomic
def post_hide(*, post: Post, by: User, reason: str) -> Post:
    """Hide a post with a reason: its author still reads it and the reason, the others see
    that a moderator hid it. The author is notified."""
    _check_moderator(post.thread.cohort_id, by)
    reason = (reason or "").strip()
    if not reason:
        raise DiscussionError(_("Write the reason for hiding the message."))
    if len(reason) > MAX_REASON_CHARS:
        raise DiscussionError(
            _("The reason is too long: use at most %(n)s characters.") % {"n": MAX_REASON_CHARS}
        )
    now = timezone.now()
    changed = Post.objects.filter(pk=post.pk, hidden_at__isnull=True).update(
        hidden_at=now, hidden_by=by, hidden_reason=reason
    )
    if not changed:
        raise DiscussionError(_("The message is hidden already."))
    # A hidden post cannot be the answer (thread_mark_answer refuses one): the question is
    # open again. Showing the post again does not restore the mark; the asker marks anew.
    # Only a question has an answer, so hiding in a discussion costs no query more.
    if post.thread.kind == Thread.Kind.QUESTION and Thread.objects.filter(
        pk=post.thread_id, answer_id=post.pk
    ).update(answer=None):
        post.thread.answer = None
    post.refresh_from_db()
    _notifications_follow(post)
    if post.author_id != by.pk:
        notification_notify(
            recipient=post.author,
            category=Notification.Category.DISCUSSIONS,
            key=f"discussion-hidden-{post.pk}-{now:%Y%m%d%H%M%S%f}",
            template="discussion_hidden",
            context={"thread": post.thread, "reason": reason},
            url=post_url(post),
        )
    return post


@transaction.atomic
def post_unhide(*, post: Post, by: User) -> Post:
    """Show a hidden post to everyone again, also in the notifications that quote it."""
    _check_moderator(post.thread.cohort_id, by)
    Post.objects.filter(pk=post.pk).update(hidden_at=None, hidden_by=None, hidden_reason="")
    post.refresh_from_db()
    _notifications_follow(post)
    return post


@transaction.atomic
def thread_mark_answer(*, thread: Thread, by: User, post: Post | None) -> Thread:
    """Mark a reply as the question's answer (None takes the mark away): the asker or an
    instructor of the cohort. The reply's writer is notified."""
    if not can_mark_answer(by, thread):
        raise DiscussionError(_("Only the asker and the cohort's instructors can mark the answer."))
    if post is not None:
        if post.thread_id != thread.pk:
            raise DiscussionError(_("Choose a reply of this question."))
        if post.is_hidden:
            raise DiscussionError(_("A hidden message cannot be the answer."))
        first = Post.objects.filter(thread=thread).order_by("pk").values_list("pk", flat=True)[:1]
        if post.pk in list(first):
            raise DiscussionError(_("Choose a reply of this question."))
    Thread.objects.filter(pk=thread.pk).update(answer=post)
    thread.answer = post
    if post is not None and post.author_id != by.pk:
        notification_notify(
            recipient=post.author,
            category=Notification.Category.DISCUSSIONS,
            key=f"discussion-answer-{thread.pk}-{post.pk}",
            template="discussion_answer",
            context={"thread": thread},
            url=post_url(post),
        )
    return thread


@transaction.atomic
def posts_erase(*, user: User, text: str) -> int:
    """A person's erasure (privacy.services): their posts keep their place in the threads
    (the replies and quotes around them still make sense) but their text becomes `text`, and
    the search forgets their words, and so do the notifications that quoted them (their name
    there is redacted with the rest of the erasure). Returns how many posts changed."""
    ids = list(Post.objects.filter(author=user).values_list("pk", flat=True))
    changed = Post.objects.filter(pk__in=ids).update(body=clean_html(f"<p>{escape(text)}</p>"))
    for post in Post.objects.filter(pk__in=ids).select_related("thread__item", "author"):
        _notifications_follow(post)
    Thread.objects.filter(author=user).update(title=text[:MAX_TITLE_CHARS])
    post_index(post_ids=ids)
    Subscription.objects.filter(user=user).delete()
    return changed
