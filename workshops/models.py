import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PrivateFileSystemStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT with no URL at all, served only by a checked view.

    FileSystemStorage reads base_url=None as "use MEDIA_URL", so the URL is switched off here;
    `url()` then raises. The folder is read from the settings when first needed (not at import).
    """

    base_url = None  # type: ignore[assignment]

    @cached_property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting: str, **kwargs: object) -> None:
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


def private_storage() -> FileSystemStorage:
    return PrivateFileSystemStorage()


def submission_file_path(instance: "SubmissionFile", filename: str) -> str:
    # The stored name is random, so no URL or path can be guessed from the learner's file name.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"submissions/{uuid.uuid4().hex}{suffix}"


class Workshop(models.Model):
    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="workshops",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["course", "title"]
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")

    def __str__(self) -> str:
        return self.title


class Phase(models.IntegerChoices):
    CHALLENGE = 1, _("Challenge")
    IDEA = 2, _("Idea and hypothesis")
    PLAN = 3, _("Experiment plan")
    RUN = 4, _("Running the experiment")
    RESULTS = 5, _("Results and evaluation")
    SHARING = 6, _("Sharing and next steps")


class Assignment(models.Model):
    workshop = models.ForeignKey(
        Workshop,
        verbose_name=_("workshop"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    phase = models.PositiveSmallIntegerField(
        _("phase"), choices=Phase.choices, default=Phase.CHALLENGE
    )
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True, help_text=_("Sanitised HTML."))

    class Meta:
        ordering = ["workshop", "phase", "pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return self.title


class Submission(models.Model):
    """One version of a learner's answer to an assignment; earlier versions are kept."""

    class Status(models.TextChoices):
        PROCESSING = "processing", pgettext_lazy("submission status", "Processing")
        RECEIVED = "received", pgettext_lazy("submission status", "Waiting for review")
        REJECTED = "rejected", pgettext_lazy("submission status", "File rejected")
        REVISION_REQUESTED = "revision", pgettext_lazy("submission status", "Revision requested")
        APPROVED = "approved", pgettext_lazy("submission status", "Approved")

    # A learner may send a new version once the latest one is in one of these states.
    RESUBMITTABLE = (Status.REJECTED, Status.REVISION_REQUESTED)

    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    cohort = models.ForeignKey(
        "learners.Cohort",
        verbose_name=_("cohort"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    text = models.TextField(_("answer"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROCESSING
    )
    status_reason = models.TextField(_("reason"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "cohort", "learner", "version"],
                name="one_submission_per_version",
            ),
        ]
        indexes = [models.Index(fields=["cohort", "status"])]

    def __str__(self) -> str:
        return f"{self.assignment} – {self.learner} (v{self.version})"

    @property
    def is_final(self) -> bool:
        return self.status == self.Status.APPROVED


class SubmissionFile(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("file status", "Being checked")
        ACCEPTED = "accepted", pgettext_lazy("file status", "Accepted")
        REJECTED = "rejected", pgettext_lazy("file status", "Rejected")

    submission = models.ForeignKey(
        Submission, verbose_name=_("submission"), on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(_("file"), upload_to=submission_file_path, storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("submitted file")
        verbose_name_plural = _("submitted files")

    def __str__(self) -> str:
        return self.original_name


class Review(models.Model):
    """An instructor's decision on one submission version, with written feedback."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REVISE = "revise", _("Request a revision")

    submission = models.OneToOneField(
        Submission, verbose_name=_("submission"), on_delete=models.CASCADE, related_name="review"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="reviews_given",
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    feedback = models.TextField(_("feedback"), blank=True)
    created_at = models.DateTimeField(_("reviewed"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.submission}: {self.get_decision_display()}"
