from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Notification(models.Model):
    """One message to one person: shown in the app and, as a row first, sent by email."""

    class Category(models.TextChoices):
        REVIEWS = "reviews", _("Reviews and feedback")
        DEADLINES = "deadlines", _("Deadlines")
        PEER_REVIEW = "peer_review", _("Peer review")
        ANNOUNCEMENTS = "announcements", _("Announcements")
        GALLERY = "gallery", _("Gallery questions")
        # A course certificate issued to the learner: their own news, not site administration.
        CERTIFICATES = "certificates", _("Certificates")
        # Replies in followed threads, questions on lessons, answers and moderation (discussions).
        DISCUSSIONS = "discussions", _("Discussions")
        ADMINISTRATION = "administration", _("Administration")

    class EmailStatus(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("email status", "Queued")
        SENDING = "sending", pgettext_lazy("email status", "Sending")
        SENT = "sent", pgettext_lazy("email status", "Sent")
        FAILED = "failed", pgettext_lazy("email status", "Failed")
        # The whole message went out but the server's reply was lost: maybe delivered, so it is
        # not sent again by itself (core/mail.py); the log offers a resend.
        UNCERTAIN = "uncertain", pgettext_lazy("email status", "Sent, not confirmed")
        SKIPPED = "skipped", pgettext_lazy("email status", "Not emailed")
        DIGEST = "digest", pgettext_lazy("email status", "Waiting for the digest")
        DIGESTED = "digested", pgettext_lazy("email status", "Sent in a digest")

    class Kind(models.TextChoices):
        EVENT = "event", _("Event")
        DIGEST = "digest", _("Digest")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    # One event reaches one person once, however often the code that announces it runs.
    key = models.CharField(_("event key"), max_length=200)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("message"))
    html_body = models.TextField(_("HTML message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    # News of one kind about one object ("discussion-reply:12": the replies in thread 12) share
    # a group: the dashboard and the notification list show them as one line ("5 new replies:
    # …", notifications.grouping), while each stays a row of its own with its own email. Empty:
    # the notification is a group of its own. `group_title` names the object in that line.
    group_key = models.CharField(
        pgettext_lazy("notification", "group"), max_length=200, blank=True, default=""
    )
    group_title = models.CharField(
        pgettext_lazy("notification", "group title"), max_length=255, blank=True, default=""
    )
    # Where a reply to the email goes (a coordinator), when not to the no-reply sender.
    reply_to = models.EmailField(_("reply to"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_status = models.CharField(
        _("email status"), max_length=20, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    email_attempts = models.PositiveSmallIntegerField(_("email attempts"), default=0)
    email_error = models.TextField(_("last email error"), blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    # The outbox columns of the email (core/mail.py): when a worker claimed it for sending, when
    # the sweeper should try it next, and until when it is retried before it is marked failed.
    claimed_at = models.DateTimeField(_("claimed for sending"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    retry_until = models.DateTimeField(_("retried until"), null=True, blank=True)
    # A digest is a row of its own (kind=digest) that the rows it gathers point to.
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.EVENT)
    digest_mode = models.CharField(_("digest"), max_length=10, blank=True)
    digest = models.ForeignKey(
        "self",
        verbose_name=_("sent in digest"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="one_notification_per_event"),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["email_status", "digest_mode"]),
            models.Index(fields=["email_status", "next_attempt_at"]),
            # An announcement's rows share a key: its chunks count them to know when it is done.
            models.Index(fields=["key"]),
        ]

    def __str__(self) -> str:
        return self.subject


class Mode(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately")
    DAILY = "daily", _("Daily digest")
    WEEKLY = "weekly", _("Weekly digest")
    OFF = "off", _("Off")


# Sensible defaults: what needs action comes at once, chatter in a digest.
DEFAULT_MODES: dict[str, str] = {
    Notification.Category.REVIEWS: Mode.IMMEDIATELY,
    Notification.Category.DEADLINES: Mode.IMMEDIATELY,
    Notification.Category.PEER_REVIEW: Mode.DAILY,
    Notification.Category.ANNOUNCEMENTS: Mode.IMMEDIATELY,
    Notification.Category.GALLERY: Mode.WEEKLY,
    Notification.Category.CERTIFICATES: Mode.IMMEDIATELY,
    Notification.Category.DISCUSSIONS: Mode.DAILY,
    Notification.Category.ADMINISTRATION: Mode.IMMEDIATELY,
}


class NotificationPreference(models.Model):
    """How one person wants email per category, and the time zone their digests follow."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Helsinki")
    # {category: mode}; a missing category uses DEFAULT_MODES.
    email_modes = models.JSONField(_("email per category"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)

    def mode_for(self, category: str) -> str:
        mode = self.email_modes.get(category) or DEFAULT_MODES.get(category, Mode.IMMEDIATELY)
        return str(mode)


class Announcement(models.Model):
    """A message from a coordinator or instructor to everyone in a cohort, now or later."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", pgettext_lazy("announcement status", "Scheduled")
        SENDING = "sending", pgettext_lazy("announcement status", "Sending")
        SENT = "sent", pgettext_lazy("announcement status", "Sent")

    cohort = models.ForeignKey(
        "learners.Cohort",
        verbose_name=_("cohort"),
        on_delete=models.CASCADE,
        related_name="announcements",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    send_at = models.DateTimeField(_("send at"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Set by the task that claims the fan-out; a stale claim is taken over by the beat sweeper.
    claimed_at = models.DateTimeField(_("claimed for sending"), null=True, blank=True)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The one-time token of the form that wrote it (views.announcements): the same form sent
    # again (a double click, Back and send) finds this row instead of sending a second one.
    form_token = models.UUIDField(_("form token"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-send_at", "-pk"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        indexes = [models.Index(fields=["status", "send_at"])]
        constraints = [
            # Rows without a token (the API, older rows) are many: NULLs are never equal.
            models.UniqueConstraint(
                fields=["cohort", "form_token"], name="one_announcement_per_form"
            ),
        ]

    def __str__(self) -> str:
        return self.subject
