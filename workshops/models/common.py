"""Pieces the workshop models share: the private storage of uploaded files, and the columns of
an uploaded file that is checked by content through the files outbox (CheckedFile)."""

import datetime
import uuid
from typing import Any, cast

from django.core.files.storage import Storage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.storage import PrivateStorage


def private_storage() -> Storage:
    # The disk under PRIVATE_MEDIA_ROOT or an S3 bucket, as configured (core/storage.py).
    return cast(Storage, PrivateStorage())  # a lazy proxy of the configured Storage


class ScanStatus(models.TextChoices):
    NOT_SCANNED = "not-scanned", pgettext_lazy("virus scan", "Not scanned")
    CLEAN = "clean", pgettext_lazy("virus scan", "No viruses found")
    INFECTED = "infected", pgettext_lazy("virus scan", "Virus found")


# The two callables below are named by the migrations as workshops.models.experiments.*,
# where they were defined first; experiments.py imports them, so those names still resolve to
# these very functions and the migration state matches (no new migration).
def first_files_sweep() -> datetime.datetime:
    """When the outbox sweeper first looks at a file still waiting for its check."""
    from core.outbox import first_attempt_at

    return first_attempt_at("files")


def preview_path(instance: Any, filename: str) -> str:
    return f"previews/{uuid.uuid4().hex}.png"


class CheckedFile(models.Model):
    """The columns an uploaded file shares with every other file checked by content
    (SubmissionFile, ReviewFile): what the check found, and its outbox state. Each subclass
    keeps its own `file` (its upload path differs), its links and its Meta (indexes)."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("file status", "Being checked")
        ACCEPTED = "accepted", pgettext_lazy("file status", "Accepted")
        REJECTED = "rejected", pgettext_lazy("file status", "Rejected")

    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    # Why the file was refused: a code of workshops.checks.REASONS and its details, put into
    # words when shown (`shown_reason`), in the reader's language. `reason` holds the words of
    # a file checked before the codes, in its uploader's language, and is shown for it as is.
    reason_code = models.CharField(_("reason code"), max_length=40, blank=True, default="")
    reason_params = models.JSONField(_("reason details"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    scan = models.CharField(
        _("virus scan"), max_length=20, choices=ScanStatus.choices, default=ScanStatus.NOT_SCANNED
    )
    preview = models.FileField(
        _("preview"), upload_to=preview_path, storage=private_storage, blank=True
    )
    extracted_text = models.TextField(_("extracted text"), blank=True)
    # Outbox: a pending file is the source of truth for its check; the sweeper publishes the
    # check again when `next_attempt_at` passes (core/outbox.py, workshops/outbox.py).
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("sweeps"), default=0)
    next_attempt_at = models.DateTimeField(_("next sweep"), default=first_files_sweep)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    @property
    def shown_reason(self) -> str:
        """Why the file was refused, in the active language ("" when it was not)."""
        if self.reason_code:
            from workshops.checks import reason_text

            return reason_text(self.reason_code, self.reason_params)
        return self.reason
