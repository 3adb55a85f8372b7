"""A person's data rights: their export archives, erasure requests, the access log of their
work and the retention runs that remove old personal data (README: "Personal data")."""

import datetime
import uuid
from typing import cast

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.storage import PrivateStorage


def archive_storage() -> Storage:
    # Private files: the disk or an S3 bucket, as configured (core/storage.py).
    return cast(Storage, PrivateStorage())  # a lazy proxy of the configured Storage


def archive_path(instance: "DataExport", filename: str) -> str:
    # A random stored name; the download is named by the view.
    return f"personal-data/{uuid.uuid4().hex}.zip"


def first_data_export_sweep() -> datetime.datetime:
    from core.outbox import first_attempt_at

    return first_attempt_at("data_exports")


class DataExport(models.Model):
    """One archive of everything the platform holds about a person, made by Celery (queue
    `bulk`) and removed EXPORT_KEEP_DAYS after it is ready."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("export status", "Waiting")
        RUNNING = "running", pgettext_lazy("export status", "Being made")
        DONE = "done", pgettext_lazy("export status", "Ready")
        FAILED = "failed", pgettext_lazy("export status", "Failed")
        EXPIRED = "expired", pgettext_lazy("export status", "Removed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="data_exports",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(
        _("archive"), upload_to=archive_path, storage=archive_storage, blank=True, max_length=200
    )
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("removed after"), null=True, blank=True)
    # Outbox (privacy/outbox.py): a pending row is the source of truth for its task.
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=first_data_export_sweep, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("personal data archive")
        verbose_name_plural = _("personal data archives")
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.get_status_display()}"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)


class ErasureRequest(models.Model):
    """A request to erase a person: carried out by the superuser, or automatically once
    `due_at` (ERASURE_GRACE_DAYS after the request) has passed (privacy/services.py)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("erasure status", "Requested")
        ERASED = "erased", pgettext_lazy("erasure status", "Erased")
        CANCELLED = "cancelled", pgettext_lazy("erasure status", "Cancelled")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="erasure_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    due_at = models.DateTimeField(_("erased automatically on"))
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("erased by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # What was done, in counts per kind (no personal data).
    summary = models.JSONField(_("what was done"), default=dict, blank=True)

    # Set on rows for the erasure list: the person's cohorts' names (not a column).
    cohort_names: list[str]

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="requested"),
                name="one_open_erasure_request_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.get_status_display()}"


class AccessLogEntry(models.Model):
    """An instructor, coordinator or superuser opened a learner's work: one row per page view,
    shown to the learner on their "My data" page."""

    class Kind(models.TextChoices):
        SUBMISSION = "submission", pgettext_lazy("access log", "Submission")
        TIMELINE = "timeline", pgettext_lazy("access log", "Timeline")

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("viewed by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    cohort = models.ForeignKey(
        "learners.Cohort",
        verbose_name=_("cohort"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("object"), null=True, blank=True)
    created_at = models.DateTimeField(_("viewed"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log entries")
        indexes = [models.Index(fields=["learner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.viewer_id} → {self.learner_id} ({self.kind})"


class RetentionRun(models.Model):
    """A run of the retention task that removed something: what, in counts per kind."""

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    removed = models.JSONField(_("removed"), default=dict)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"
