"""Experiments and their teams, extensions, audit trail and run log; submissions, their files
and the learner's drafts."""

import datetime
import uuid
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .common import (  # noqa: F401 - ScanStatus and the callables are imported from here
    CheckedFile,
    ScanStatus,
    first_files_sweep,
    preview_path,
    private_storage,
)
from .workshop import Assignment, Phase, Theme, Workshop

if TYPE_CHECKING:
    from core.models import User
    from learners.models import Cohort
    from workshops.cohort_settings import MarkingSettings, PeerSettings


def submission_file_path(instance: "SubmissionFile", filename: str) -> str:
    # The stored name is random, so no URL or path can be guessed from the learner's file name;
    # the check gives an accepted file its detected type's extension (never the uploaded one).
    return f"submissions/{uuid.uuid4().hex}"


class Experiment(models.Model):
    """A learner's (or a team's) own development experiment, worked on phase by phase.

    `phase` is the phase open now and `cycle` counts the rounds: a pivot back to an earlier
    phase, or a new round after phase 6, starts the next cycle. Earlier versions stay.
    """

    MAX_MEMBERS = 4

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("experiment status", "In progress")
        COMPLETED = "completed", pgettext_lazy("experiment status", "Completed")

    workshop = models.ForeignKey(
        Workshop, verbose_name=_("workshop"), on_delete=models.PROTECT, related_name="experiments"
    )
    cohort = models.ForeignKey(
        "learners.Cohort",
        verbose_name=_("cohort"),
        on_delete=models.PROTECT,
        related_name="experiments",
    )
    title = models.CharField(_("title"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    themes = models.ManyToManyField(
        Theme, verbose_name=_("themes"), blank=True, related_name="experiments"
    )
    challenge = models.TextField(_("challenge statement"), blank=True)
    target_group = models.TextField(_("target group"), blank=True)
    phase = models.PositiveSmallIntegerField(
        _("open phase"), choices=Phase.choices, default=Phase.CHALLENGE
    )
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["cohort", "title", "pk"]
        verbose_name = _("experiment")
        verbose_name_plural = _("experiments")
        indexes = [
            # The phases page's order: a page of a large cohort's experiments is read in order
            # from the index instead of sorting all of them (20,000 at L: 6.8 -> 1.1 ms, #13).
            models.Index(fields=["cohort", "phase", "title", "id"], name="experiment_funnel_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(phase__gte=1, phase__lte=6), name="experiment_phase_1_to_6"
            ),
            models.CheckConstraint(condition=models.Q(cycle__gte=1), name="experiment_cycle_1_up"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class ExperimentMember(models.Model):
    """A learner on an experiment's team; one experiment per learner per workshop and cohort."""

    experiment = models.ForeignKey(
        Experiment, verbose_name=_("experiment"), on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="experiment_memberships",
    )
    # Copied from the experiment so the database can enforce one experiment per learner.
    cohort = models.ForeignKey(
        "learners.Cohort", verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="+"
    )
    workshop = models.ForeignKey(
        Workshop, verbose_name=_("workshop"), on_delete=models.CASCADE, related_name="+"
    )
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("experiment member")
        verbose_name_plural = _("experiment members")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "cohort", "workshop"], name="one_experiment_per_learner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.experiment}"


class Extension(models.Model):
    """A later due date for one phase of one experiment, granted by an instructor."""

    experiment = models.ForeignKey(
        Experiment,
        verbose_name=_("experiment"),
        on_delete=models.CASCADE,
        related_name="extensions",
    )
    phase = models.PositiveSmallIntegerField(_("phase"), choices=Phase.choices)
    due_on = models.DateField(_("new due date"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted"), auto_now=True)

    class Meta:
        ordering = ["phase"]
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        constraints = [
            models.UniqueConstraint(fields=["experiment", "phase"], name="one_extension_per_phase"),
        ]

    def __str__(self) -> str:
        return f"{self.experiment}: {self.phase} → {self.due_on}"


class ExperimentEvent(models.Model):
    """The audit trail of an experiment: who did what, when."""

    class Kind(models.TextChoices):
        CREATED = "created", pgettext_lazy("experiment event", "Experiment created")
        MEMBER_ADDED = "member", pgettext_lazy("experiment event", "Team member added")
        MEMBER_REMOVED = "member_removed", pgettext_lazy("experiment event", "Team member removed")
        SUBMITTED = "submitted", pgettext_lazy("experiment event", "Version submitted")
        APPROVED = "approved", pgettext_lazy("experiment event", "Phase approved")
        REVISION = "revision", pgettext_lazy("experiment event", "Revision requested")
        PIVOT = "pivot", pgettext_lazy("experiment event", "Sent back to an earlier phase")
        NEW_CYCLE = "cycle", pgettext_lazy("experiment event", "New cycle started")
        EXTENSION = "extension", pgettext_lazy("experiment event", "Due date extended")
        COMPLETED = "completed", pgettext_lazy("experiment event", "Experiment completed")
        # The marking workflow; all but the release are internal to the instructors.
        ALLOCATED = "allocated", pgettext_lazy("experiment event", "Reviewer allocated")
        MARKED_READY = "ready", pgettext_lazy("experiment event", "Review ready for release")
        CHECKED = "checked", pgettext_lazy("experiment event", "Review checked")
        SENT_BACK = "sent_back", pgettext_lazy("experiment event", "Review sent back to review")
        RELEASED = "released", pgettext_lazy("experiment event", "Feedback released")

    # Events the learners of the team do not see (the review is not released yet).
    INTERNAL = (Kind.ALLOCATED, Kind.MARKED_READY, Kind.CHECKED, Kind.SENT_BACK)

    experiment = models.ForeignKey(
        Experiment, verbose_name=_("experiment"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    phase = models.PositiveSmallIntegerField(_("phase"), choices=Phase.choices)
    cycle = models.PositiveSmallIntegerField(_("cycle"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("experiment event")
        verbose_name_plural = _("experiment events")

    def __str__(self) -> str:
        return f"{self.experiment}: {self.get_kind_display()}"


def runlog_photo_path(instance: "RunLogEntry", filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"runlog/{uuid.uuid4().hex}{suffix}"


class RunLogEntry(models.Model):
    """A short dated note while the experiment runs (phase 4)."""

    class Kind(models.TextChoices):
        MEASUREMENT = "measurement", _("Measurement")
        OBSERVATION = "observation", _("Observation")
        PHOTO = "photo", _("Photo")
        QUOTE = "quote", _("Quote")

    experiment = models.ForeignKey(
        Experiment, verbose_name=_("experiment"), on_delete=models.CASCADE, related_name="run_log"
    )
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    happened_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("entry"), max_length=2000)
    photo = models.FileField(
        _("photo"), upload_to=runlog_photo_path, storage=private_storage, blank=True
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["-happened_on", "-pk"]
        verbose_name = _("run log entry")
        verbose_name_plural = _("run log entries")

    def __str__(self) -> str:
        return f"{self.happened_on} {self.get_kind_display()}"


# Later than any plan, early enough that the day after it (late) can still be computed.
_LATEST_DUE = datetime.date(9000, 1, 1)


def phase_due_date(
    *,
    assignment: "Assignment | None",
    cohort: "Cohort",
    extension: datetime.date | None = None,
) -> datetime.date | None:
    """The due date of a phase: the learner's extension, else the cohort's start plus the
    assignment's days, else none."""
    if extension is not None:
        return extension
    if assignment is None or assignment.due_days is None:
        return None
    try:
        due = cohort.start_date + datetime.timedelta(days=assignment.due_days)
    except OverflowError:  # saved before the dates were bounded (core.dates)
        return _LATEST_DUE
    return min(due, _LATEST_DUE)


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
    # Null only for answers sent before experiments existed.
    experiment = models.ForeignKey(
        Experiment,
        verbose_name=_("experiment"),
        on_delete=models.PROTECT,
        related_name="submissions",
        null=True,
        blank=True,
    )
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1)
    # Versions count up across cycles, so "the latest version" is always the highest number.
    version = models.PositiveIntegerField(_("version"), default=1)
    text = models.TextField(_("answer"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROCESSING
    )
    status_reason = models.TextField(_("reason"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    # A newer version of the same answer exists (set by the service that sends it): a version
    # sent back for a revision is outstanding only until then, and the review queue counts
    # the outstanding ones from an index instead of looking for a newer version of each.
    superseded = models.BooleanField(_("superseded"), default=False)

    # Set on rows for the review queue and the reminders (not columns).
    days_waiting: int
    over_target: bool
    allocatable: list["User"]
    # Set by workshops.cohort_settings for the templates: the cohort's settings for this row.
    settings_marking: "MarkingSettings"
    settings_peer: "PeerSettings"

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "cohort", "learner", "version"],
                name="one_submission_per_version",
            ),
            models.UniqueConstraint(
                fields=["experiment", "assignment", "version"],
                condition=models.Q(experiment__isnull=False),
                name="one_experiment_version",
            ),
        ]
        indexes = [
            models.Index(fields=["cohort", "status"]),
            # The review queue's counts of versions still outstanding in a state.
            models.Index(
                fields=["cohort", "status"],
                condition=models.Q(superseded=False),
                name="submission_outstanding",
            ),
            # The review queue: a state's versions, the longest-waiting first, fifty a page.
            models.Index(fields=["status", "submitted_at", "id"], name="submission_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} – {self.learner} (v{self.version})"

    @property
    def is_final(self) -> bool:
        return self.status == self.Status.APPROVED

    def earlier_versions(self) -> "models.QuerySet[Submission]":
        """The versions of the same answer before this one: the experiment's (whoever of the
        team sent them), else this learner's in this cohort."""
        earlier = Submission.objects.filter(
            assignment_id=self.assignment_id, version__lt=self.version
        )
        if self.experiment_id is not None:
            return earlier.filter(experiment_id=self.experiment_id)
        return earlier.filter(
            learner_id=self.learner_id, cohort_id=self.cohort_id, experiment__isnull=True
        )


class SubmissionFile(CheckedFile):
    """A file of a learner's answer; its check and outbox columns come from CheckedFile."""

    submission = models.ForeignKey(
        Submission, verbose_name=_("submission"), on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(_("file"), upload_to=submission_file_path, storage=private_storage)
    # Kept from the previous version when a revision was sent: the row points at the same
    # stored bytes (nothing is copied) and remembers where it came from.
    carried_from = models.ForeignKey(
        "self",
        verbose_name=_("kept from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who of the team added the file: the version's sender, or a team mate who added it to the
    # version later ("Add a replacement or missing file"). A kept file keeps its adder. Empty
    # for files added before this was recorded.
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # Set by workshops.blind.name_files for pages: the name shown ("Attachment 1.pdf" to
    # someone who may not know the author), not a column.
    shown_name: str

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="file_waiting_idx")]
        verbose_name = _("submitted file")
        verbose_name_plural = _("submitted files")


class Draft(models.Model):
    """The answer a learner is writing for a phase, saved as they type."""

    experiment = models.ForeignKey(
        Experiment, verbose_name=_("experiment"), on_delete=models.CASCADE, related_name="drafts"
    )
    phase = models.PositiveSmallIntegerField(_("phase"), choices=Phase.choices)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    text = models.TextField(_("text"), blank=True)
    # Counts up with every save from the page; a save carrying an older revision (a page-close
    # save landing after the reload's newer one, another tab) is refused, never applied.
    revision = models.PositiveIntegerField(_("revision"), default=0)
    # The page that saved it last (a random id each page load makes): a newer revision from
    # this page is its own earlier save, one from another page (a second tab, another
    # device) holds words this page never had, which it must not write over.
    writer = models.CharField(_("written in"), max_length=40, blank=True, default="")
    updated_at = models.DateTimeField(_("saved"), auto_now=True)

    class Meta:
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        constraints = [
            models.UniqueConstraint(
                fields=["experiment", "phase", "learner"], name="one_draft_per_learner_phase"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.experiment} {self.phase} ({self.learner})"
