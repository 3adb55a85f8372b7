"""Cohort discussions and questions on a lesson.

A cohort has one discussion area: threads (a discussion, or a question asked under a course
item), each a list of posts; the first post opens the thread. Posts are rich text cleaned with
core.html.clean_html when saved and again when shown. A post may quote another post of the
same thread. Staff (the cohort's instructors and coordinators) pin threads and posts and hide
posts with a reason; a question's asker or an instructor marks one reply as the answer.

The threads are the learners' writing and belong to their cohort: when an author deletes an
item (or its module), the questions asked under it stay in the cohort's area, marked as from
a removed section, with the item's titles kept (`Thread.removed_item`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.search.fields import Fts5TableField


class Thread(models.Model):
    class Kind(models.TextChoices):
        DISCUSSION = "discussion", pgettext_lazy("thread kind", "Discussion")
        QUESTION = "question", pgettext_lazy("thread kind", "Question")

    cohort = models.ForeignKey(
        "learners.Cohort",
        verbose_name=_("cohort"),
        on_delete=models.CASCADE,
        related_name="discussion_threads",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DISCUSSION)
    # A question is asked under a course item (a lesson); a discussion has none. Empty again
    # once an author deleted the item: the question stays in its cohort's area (which is what
    # decides who reads it), with the item's titles kept in `removed_item`.
    item = models.ForeignKey(
        "courses.Item",
        verbose_name=_("lesson"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="discussion_threads",
    )
    # The removed item's title per language ({"fi": ..., "sv": ...}), written just before the
    # item is deleted (threads_keep_removed_item below); empty while the item is there.
    removed_item = models.JSONField(_("removed section"), default=dict, blank=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.CASCADE,
        related_name="discussion_threads",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # When the latest post was written: the list shows the liveliest threads first.
    last_post_at = models.DateTimeField(_("latest post"), db_index=True)
    post_count = models.PositiveIntegerField(_("posts"), default=0)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    answer = models.OneToOneField(
        "Post",
        verbose_name=pgettext_lazy("discussions", "the answer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answer_of",
    )

    class Meta:
        ordering = ["-is_pinned", "-last_post_at", "-pk"]
        verbose_name = _("discussion thread")
        verbose_name_plural = _("discussion threads")
        indexes = [
            models.Index(fields=["cohort", "is_pinned", "last_post_at"]),
            models.Index(fields=["item", "cohort"]),
        ]
        constraints = [
            # A question's item may be gone (deleted by an author); a discussion never has one.
            models.CheckConstraint(
                condition=Q(kind="discussion", item__isnull=True) | Q(kind="question"),
                name="discussion_has_no_item",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_from_removed_item(self) -> bool:
        """A question whose item an author has deleted."""
        return self.item_id is None and self.kind == self.Kind.QUESTION

    @property
    def removed_item_title(self) -> str:
        """The removed item's title in the active language where it was written, else in
        Finnish (as course content falls back), else in any language it had."""
        titles = self.removed_item if isinstance(self.removed_item, dict) else {}
        language = (get_language() or "fi")[:2]
        for title in (titles.get(language), titles.get("fi"), *titles.values()):
            if title:
                return str(title)
        return ""


@receiver(pre_delete, sender="courses.Item", dispatch_uid="discussions_keep_removed_item")
def threads_keep_removed_item(
    sender: type[models.Model], instance: models.Model, **kwargs: object
) -> None:
    """Before an item is deleted (alone or with its module or course): keep its titles on the
    questions asked under it, which then stay in their cohorts' areas (Thread.item is set
    empty by the deletion). A receiver here, as courses sits below discussions and does not
    know about them; one UPDATE per deleted item."""
    titles = {
        language: str(title)
        for language in settings.MODELTRANSLATION_LANGUAGES
        if (title := getattr(instance, f"title_{language}", None))
    }
    Thread.objects.filter(item_id=instance.pk).update(removed_item=titles)


class Post(models.Model):
    thread = models.ForeignKey(
        Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="posts"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.CASCADE,
        related_name="discussion_posts",
    )
    body = models.TextField(_("message"))
    quote = models.ForeignKey(
        "self",
        verbose_name=_("quoted post"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quoted_by",
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hidden by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)
    # The post's lemmas (discussions.search) on PostgreSQL, GIN-indexed; SQLite uses
    # PostSearchText.
    search_document = SearchVectorField(null=True, editable=False)

    # Set on rows for a page (discussions.selectors, discussions.views), not columns.
    readable: bool
    snippet: str

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("discussion post")
        verbose_name_plural = _("discussion posts")
        indexes = [models.Index(fields=["thread", "created_at"])]

    def __str__(self) -> str:
        return f"{self.thread} #{self.pk}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class PostSearchText(models.Model):
    """The posts' lemmatised text in SQLite's FTS5 table (discussions.search), created by a
    migration; never used on PostgreSQL."""

    post = models.OneToOneField(
        Post,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_column="rowid",
        related_name="search_text",
    )
    document = Fts5TableField(db_column="discussions_post_fts")

    class Meta:
        managed = False
        db_table = "discussions_post_fts"

    def __str__(self) -> str:
        return str(self.pk)


class Subscription(models.Model):
    """A person's choice to follow a thread (or not). The author and everyone who replies is
    subscribed when they first write, unless they have chosen otherwise: a row with
    `is_active=False` remembers an unsubscribe, so a later reply does not undo it."""

    thread = models.ForeignKey(
        Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="subscriptions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="discussion_subscriptions",
    )
    is_active = models.BooleanField(_("subscribed"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("thread subscription")
        verbose_name_plural = _("thread subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="one_subscription_per_thread"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.thread}"
