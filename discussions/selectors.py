"""Reads of the discussions, each a fixed number of queries however many posts there are."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from learners.models import Cohort

from .access import discussion_cohorts, is_moderator
from .models import Post, Subscription, Thread

if TYPE_CHECKING:
    from core.models import User
    from courses.models import Item

THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 25
SEARCH_MAX_CHARS = 200


def cohort_threads(*, cohort: Cohort, kind: str = "") -> QuerySet[Thread]:
    """The cohort's threads, pinned first, then the liveliest (with what a list row shows)."""
    qs = Thread.objects.filter(cohort=cohort).select_related("author", "item")
    if kind in Thread.Kind.values:
        qs = qs.filter(kind=kind)
    return qs.order_by("-is_pinned", "-last_post_at", "-pk")


def thread_posts(*, thread: Thread) -> QuerySet[Post]:
    """A thread's posts in order, with their writers, quoted posts and moderators."""
    return (
        Post.objects.filter(thread=thread)
        .select_related("author", "quote__author", "hidden_by")
        .order_by("pk")
    )


def pinned_posts(*, thread: Thread) -> list[Post]:
    return list(
        Post.objects.filter(thread=thread, is_pinned=True, hidden_at__isnull=True)
        .select_related("author")
        .order_by("pk")
    )


def page_of_post(*, post: Post) -> int:
    """The page of its thread on which the post is shown."""
    before = Post.objects.filter(thread_id=post.thread_id, pk__lt=post.pk).count()
    return before // POSTS_PER_PAGE + 1


def is_subscribed(*, thread: Thread, user: User) -> bool:
    return Subscription.objects.filter(thread=thread, user=user, is_active=True).exists()


def can_read(*, post: Post, user: User, moderator: bool) -> bool:
    """A hidden post's text is read by its author and the cohort's moderators only."""
    return not post.is_hidden or moderator or post.author_id == user.pk


def mark_readable(*, posts: list[Post], user: User, thread: Thread) -> bool:
    """Set `readable` on every post and quoted post (see can_read); returns whether the
    person moderates the thread's cohort."""
    moderator = is_moderator(user, thread.cohort_id)
    for post in posts:
        post.readable = can_read(post=post, user=user, moderator=moderator)
        if post.quote is not None:
            post.quote.readable = can_read(post=post.quote, user=user, moderator=moderator)
    return moderator


def item_cohorts(*, user: User, item: Item) -> QuerySet[Cohort]:
    """The person's cohorts that run the item's course (their questions are shown)."""
    return (
        discussion_cohorts(user)
        .filter(course_id=item.module.course_id)
        .order_by("-start_date", "-pk")
    )


def item_questions(*, user: User, item: Item) -> QuerySet[Thread]:
    """Questions asked under the item in the person's own cohorts."""
    return (
        Thread.objects.filter(item=item, cohort__in=item_cohorts(user=user, item=item).values("pk"))
        .select_related("author", "cohort")
        .order_by("-is_pinned", "-last_post_at", "-pk")
    )


def search_posts(*, user: User, cohort: Cohort, query: str) -> QuerySet[Post]:
    """Posts of the cohort matching `query`, best first, through core.search (Finnish lemmas
    on both databases). Hidden posts are found only by their authors and the moderators."""
    from .search import POST_INDEX

    posts = Post.objects.filter(thread__cohort=cohort)
    if not is_moderator(user, cohort.pk):
        posts = posts.filter(Q(hidden_at__isnull=True) | Q(author=user))
    return (
        POST_INDEX.search(posts, query).select_related("thread", "author").order_by("-rank", "-pk")
    )


def cohorts_with_activity(*, user: User) -> QuerySet[Cohort]:
    """The discussion areas the person may open, the newest cohort first."""
    return discussion_cohorts(user).select_related("course").order_by("-start_date", "-pk")
