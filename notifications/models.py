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
        ADMINISTRATION = "administration", _("Administration")

    class EmailStatus(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("email status", "Queued")
        SENDING = "sending", pgettext_lazy("email status", "Sending")
        SENT = "sent", pgettext_lazy("email status", "Sent")
        FAILED = "failed", pgettext_lazy("email status", "Failed")
        SKIPPED = "skipped", pgettext_lazy("email status", "Not emailed")

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
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_status = models.CharField(
        _("email status"), max_length=20, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    email_attempts = models.PositiveSmallIntegerField(_("email attempts"), default=0)
    email_error = models.TextField(_("last email error"), blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="one_notification_per_event"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.subject
