import datetime
import uuid
from pathlib import PurePath
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.storage import PrivateStorage

if TYPE_CHECKING:
    from learners.models import Cohort


def private_storage() -> Storage:
    # The disk under PRIVATE_MEDIA_ROOT or an S3 bucket, as configured (core/storage.py).
    return cast(Storage, PrivateStorage())  # a lazy proxy of the configured Storage


def submission_file_path(instance: "SubmissionFile", filename: str) -> str:
    # The stored name is random, so no URL or path can be guessed from the learner's file name;
    # the check gives an accepted file its detected type's extension (never the uploaded one).
    return f"submissions/{uuid.uuid4().hex}"


class Workshop(models.Model):
    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="workshops",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # The marking workflow (not reviewed -> in review -> ready -> released) is off by default:
    # then an instructor's decision reaches the learner at once, as before.
    marking_workflow = models.BooleanField(
        _("marking workflow"),
        default=False,
        help_text=_("Reviews wait as 'ready for release' until an instructor releases them."),
    )
    second_check = models.BooleanField(
        _("second reviewer check"),
        default=False,
        help_text=_("Another instructor must check each review before it can be released."),
    )
    blind_review = models.BooleanField(
        _("blind review"),
        default=False,
        help_text=_(
            "Reviewers do not see the learner's name or municipality, and learners do not see "
            "which instructor reviewed them."
        ),
    )

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
    due_days = models.PositiveIntegerField(
        _("due, days after the cohort starts"),
        null=True,
        blank=True,
        help_text=_("Each cohort's due date is its start date plus this many days."),
    )
    peer_review = models.BooleanField(
        _("peer feedback"),
        default=False,
        help_text=_("Learners give each other short, anonymous feedback on this phase."),
    )
    peer_reviewers = models.PositiveSmallIntegerField(_("peer reviewers per answer"), default=2)
    peer_reviews_each = models.PositiveSmallIntegerField(
        _("peer reviews each learner gives"), default=2
    )
    peer_anonymous = models.BooleanField(
        _("anonymous peer feedback"),
        default=True,
        help_text=_(
            "Fellow learners do not see whose answer they review, nor who gave the feedback. "
            "Turn off to show the names both ways."
        ),
    )

    class Meta:
        ordering = ["workshop", "phase", "pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return self.title


class Theme(models.Model):
    """A theme of the training that experiments are tagged with (the seed's themes)."""

    class Code(models.TextChoices):
        MOBILITY = "mobility", _("Mobility and travel chains")
        MULTI_LOCALITY = "multi-locality", _("Multi-locality")
        IMPACT = "impact", _("Impact thinking")
        NETWORKS = "networks", _("Networks")
        KNOW_HOW = "know-how", _("Know-how")

    code = models.CharField(_("code"), max_length=30, choices=Code.choices, unique=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return str(self.get_code_display())


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
    return cohort.start_date + datetime.timedelta(days=assignment.due_days)


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
        indexes = [models.Index(fields=["cohort", "status"])]

    def __str__(self) -> str:
        return f"{self.assignment} – {self.learner} (v{self.version})"

    @property
    def is_final(self) -> bool:
        return self.status == self.Status.APPROVED


class ScanStatus(models.TextChoices):
    NOT_SCANNED = "not-scanned", pgettext_lazy("virus scan", "Not scanned")
    CLEAN = "clean", pgettext_lazy("virus scan", "No viruses found")
    INFECTED = "infected", pgettext_lazy("virus scan", "Virus found")


def first_files_sweep() -> datetime.datetime:
    """When the outbox sweeper first looks at a file still waiting for its check."""
    from core.outbox import first_attempt_at

    return first_attempt_at("files")


def first_peer_sweep() -> datetime.datetime:
    from core.outbox import first_attempt_at

    return first_attempt_at("peer")


def preview_path(instance: "SubmissionFile", filename: str) -> str:
    return f"previews/{uuid.uuid4().hex}.png"


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
    scan = models.CharField(
        _("virus scan"), max_length=20, choices=ScanStatus.choices, default=ScanStatus.NOT_SCANNED
    )
    preview = models.FileField(
        _("preview"), upload_to=preview_path, storage=private_storage, blank=True
    )
    extracted_text = models.TextField(_("extracted text"), blank=True)
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
    # Outbox: a pending file is the source of truth for its check; the sweeper publishes the
    # check again when `next_attempt_at` passes (core/outbox.py, workshops/outbox.py).
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("sweeps"), default=0)
    next_attempt_at = models.DateTimeField(_("next sweep"), default=first_files_sweep)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="file_waiting_idx")]
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
    strengths = models.TextField(_("strengths"), blank=True)
    questions = models.TextField(_("questions"), blank=True)
    suggestions = models.TextField(_("suggestions"), blank=True)
    created_at = models.DateTimeField(_("reviewed"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.submission}: {self.get_decision_display()}"


class Marking(models.Model):
    """Where the review of one submission is in the marking workflow, and who does it.

    The decision itself is kept in the shared ReviewDraft until release; only then is the
    Review created and the submission's status changed, so the learner sees nothing before.
    """

    class State(models.TextChoices):
        NOT_REVIEWED = "not-reviewed", pgettext_lazy("marking", "Not reviewed")
        IN_REVIEW = "in-review", pgettext_lazy("marking", "In review")
        READY = "ready", pgettext_lazy("marking", "Ready for release")
        RELEASED = "released", pgettext_lazy("marking", "Released")

    submission = models.OneToOneField(
        Submission, verbose_name=_("submission"), on_delete=models.CASCADE, related_name="marking"
    )
    state = models.CharField(
        _("marking state"), max_length=20, choices=State.choices, default=State.NOT_REVIEWED
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="markings",
        null=True,
        blank=True,
    )
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("allocated by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked ready by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("marking")
        verbose_name_plural = _("markings")
        indexes = [models.Index(fields=["reviewer", "state"])]

    def __str__(self) -> str:
        return f"{self.submission}: {self.get_state_display()}"


class PeerReview(models.Model):
    """A learner's short feedback on a fellow learner's answer, anonymous both ways.

    Allocated by `peer.peer_allocate`; a review left waiting too long is withdrawn by the
    starvation guard and given to someone else, so late submitters get feedback too.
    """

    class Status(models.TextChoices):
        ASSIGNED = "assigned", pgettext_lazy("peer review", "To do")
        DONE = "done", pgettext_lazy("peer review", "Given")
        WITHDRAWN = "withdrawn", pgettext_lazy("peer review", "Reallocated")

    submission = models.ForeignKey(
        Submission,
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        related_name="peer_reviews",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("peer reviewer"),
        on_delete=models.CASCADE,
        related_name="peer_reviews_given",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ASSIGNED
    )
    works = models.TextField(_("what works"), blank=True, max_length=3000)
    question = models.TextField(_("a question"), blank=True, max_length=3000)
    suggestion = models.TextField(_("a suggestion"), blank=True, max_length=3000)
    useful = models.BooleanField(_("marked useful"), default=False)
    assigned_at = models.DateTimeField(_("allocated"), auto_now_add=True)
    given_at = models.DateTimeField(_("given"), null=True, blank=True)

    class Meta:
        ordering = ["assigned_at", "pk"]
        verbose_name = _("peer review")
        verbose_name_plural = _("peer reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "reviewer"], name="one_peer_review_per_reviewer"
            ),
        ]
        indexes = [models.Index(fields=["status", "assigned_at"])]

    def __str__(self) -> str:
        return f"{self.submission} ← {self.reviewer} ({self.status})"


class PeerAllocationWanted(models.Model):
    """Outbox: peer reviewers are wanted for a phase's answers in a cohort. Written with the
    answer that asks for them; the allocation task deletes it when done, the sweeper publishes
    the task again while it waits (workshops/outbox.py)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="+")
    cohort = models.ForeignKey("learners.Cohort", on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=first_peer_sweep, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "cohort"], name="one_peer_allocation_wanted"
            )
        ]
        verbose_name = _("peer allocation wanted")
        verbose_name_plural = _("peer allocations wanted")

    def __str__(self) -> str:
        return f"{self.assignment_id}/{self.cohort_id}"


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


# --- rubrics, structured reviews and the phase thread ----------------------------------------


class RubricCriterion(models.Model):
    """One criterion of a phase's rubric in a workshop, with level descriptors."""

    workshop = models.ForeignKey(
        Workshop, verbose_name=_("workshop"), on_delete=models.CASCADE, related_name="criteria"
    )
    phase = models.PositiveSmallIntegerField(_("phase"), choices=Phase.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("criterion"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["workshop", "phase", "position", "pk"]
        verbose_name = _("rubric criterion")
        verbose_name_plural = _("rubric criteria")
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "phase", "title"], name="one_criterion_title_per_phase"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RubricLevel(models.Model):
    """A level of a criterion (e.g. 1 beginning, 2 developing, 3 strong) with its descriptor."""

    criterion = models.ForeignKey(
        RubricCriterion,
        verbose_name=_("criterion"),
        on_delete=models.CASCADE,
        related_name="levels",
    )
    points = models.PositiveSmallIntegerField(_("points"))
    label = models.CharField(_("level"), max_length=100)
    descriptor = models.TextField(_("descriptor"), blank=True)

    class Meta:
        ordering = ["criterion", "points", "pk"]
        verbose_name = _("rubric level")
        verbose_name_plural = _("rubric levels")
        constraints = [
            models.UniqueConstraint(fields=["criterion", "points"], name="one_level_per_points"),
        ]

    def __str__(self) -> str:
        return f"{self.points} {self.label}"


class ReviewDraft(models.Model):
    """The review an instructor is writing, saved as they type and shared by the cohort's
    instructors. `version` goes up on every save, so a save based on an older version is
    refused instead of silently overwriting a colleague's text."""

    submission = models.OneToOneField(
        Submission,
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        related_name="review_draft",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    decision = models.CharField(_("decision"), max_length=20, blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    questions = models.TextField(_("questions"), blank=True)
    suggestions = models.TextField(_("suggestions"), blank=True)
    feedback = models.TextField(_("what to change"), blank=True)
    # {criterion id (str): level id}
    levels = models.JSONField(_("rubric levels"), default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("saved"), auto_now=True)

    class Meta:
        verbose_name = _("review draft")
        verbose_name_plural = _("review drafts")

    def __str__(self) -> str:
        return f"{self.submission} (draft v{self.version})"


class ReviewScore(models.Model):
    """The level an instructor picked for one criterion in a review; the texts are copied so
    a later change to the rubric never rewrites feedback already given."""

    review = models.ForeignKey(
        Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        RubricCriterion,
        verbose_name=_("criterion"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    criterion_title = models.CharField(_("criterion"), max_length=200)
    points = models.PositiveSmallIntegerField(_("points"))
    level_label = models.CharField(_("level"), max_length=100)
    descriptor = models.TextField(_("descriptor"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("rubric score")
        verbose_name_plural = _("rubric scores")

    def __str__(self) -> str:
        return f"{self.criterion_title}: {self.level_label}"


class PhaseComment(models.Model):
    """A message in the thread on one phase of an experiment (learners answer feedback)."""

    experiment = models.ForeignKey(
        Experiment, verbose_name=_("experiment"), on_delete=models.CASCADE, related_name="comments"
    )
    phase = models.PositiveSmallIntegerField(_("phase"), choices=Phase.choices)
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["experiment", "phase"])]

    def __str__(self) -> str:
        return f"{self.experiment} {self.phase}: {self.text[:40]}"


# --- workshop sessions -----------------------------------------------------------------------


class WorkshopSession(models.Model):
    """One meeting of a workshop series for a cohort: when, where (or online) and the agenda."""

    workshop = models.ForeignKey(
        Workshop, verbose_name=_("workshop"), on_delete=models.CASCADE, related_name="sessions"
    )
    cohort = models.ForeignKey(
        "learners.Cohort",
        verbose_name=_("cohort"),
        on_delete=models.CASCADE,
        related_name="workshop_sessions",
    )
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    materials = models.TextField(
        _("materials"),
        blank=True,
        help_text=_("One link per line, optionally with a title: Title | https://..."),
    )
    # Bumped on every change so calendar apps pick up the new version (SEQUENCE).
    sequence = models.PositiveIntegerField(_("revision"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("workshop session")
        verbose_name_plural = _("workshop sessions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def material_links(self) -> list[tuple[str, str]]:
        """(title, url) of each line of `materials` that is an http(s) link."""
        links = []
        for line in self.materials.splitlines():
            title, _sep, url = line.rpartition("|")
            url = url.strip()
            if url.startswith(("https://", "http://")):
                links.append((title.strip() or url, url))
        return links


def session_material_path(instance: "SessionMaterial", filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"session-materials/{uuid.uuid4().hex}{suffix}"


class SessionMaterial(models.Model):
    """A file an instructor shares with a session (slides, a handout); checked by its content
    when uploaded, stored privately and downloaded only by members of the session's cohort."""

    session = models.ForeignKey(
        WorkshopSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="material_files",
    )
    file = models.FileField(_("file"), upload_to=session_material_path, storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["session", "pk"]
        verbose_name = _("session material")
        verbose_name_plural = _("session materials")

    def __str__(self) -> str:
        return self.original_name


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", pgettext_lazy("attendance", "Present")
        ABSENT = "absent", pgettext_lazy("attendance", "Absent")
        EXCUSED = "excused", pgettext_lazy("attendance", "Excused")

    session = models.ForeignKey(
        WorkshopSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    status = models.CharField(_("attendance"), max_length=20, choices=Status.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)

    class Meta:
        ordering = ["session", "learner"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "learner"], name="one_attendance_per_learner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session}: {self.learner} {self.get_status_display()}"


class CalendarFeed(models.Model):
    """A learner's secret calendar address; the token is the only credential of the feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)


class CohortMarkingSettings(models.Model):
    """One cohort's own marking settings for a workshop, chosen by its lead instructor; without
    a row the cohort follows the workshop's course-wide defaults (Workshop's fields)."""

    cohort = models.ForeignKey(
        "learners.Cohort", verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="+"
    )
    workshop = models.ForeignKey(
        Workshop,
        verbose_name=_("workshop"),
        on_delete=models.CASCADE,
        related_name="cohort_marking",
    )
    marking_workflow = models.BooleanField(
        _("marking workflow"),
        default=False,
        help_text=_("Reviews wait as 'ready for release' until an instructor releases them."),
    )
    second_check = models.BooleanField(
        _("second reviewer check"),
        default=False,
        help_text=_("Another instructor must check each review before it can be released."),
    )
    blind_review = models.BooleanField(
        _("blind review"),
        default=False,
        help_text=_(
            "Reviewers do not see the learner's name or municipality, and learners do not see "
            "which instructor reviewed them."
        ),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("cohort's marking settings")
        verbose_name_plural = _("cohorts' marking settings")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "workshop"], name="one_marking_setting_per_cohort"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id}: {self.workshop}"


class CohortPeerSettings(models.Model):
    """One cohort's own peer-feedback settings for a phase (assignment), chosen by its lead
    instructor; without a row the cohort follows the assignment's course-wide defaults."""

    cohort = models.ForeignKey(
        "learners.Cohort", verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="+"
    )
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.CASCADE,
        related_name="cohort_peer",
    )
    peer_review = models.BooleanField(
        _("peer feedback"),
        default=False,
        help_text=_("Learners give each other short, anonymous feedback on this phase."),
    )
    peer_reviewers = models.PositiveSmallIntegerField(_("peer reviewers per answer"), default=2)
    peer_reviews_each = models.PositiveSmallIntegerField(
        _("peer reviews each learner gives"), default=2
    )
    peer_anonymous = models.BooleanField(
        _("anonymous peer feedback"),
        default=True,
        help_text=_(
            "Fellow learners do not see whose answer they review, nor who gave the feedback. "
            "Turn off to show the names both ways."
        ),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("cohort's peer feedback settings")
        verbose_name_plural = _("cohorts' peer feedback settings")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "assignment"], name="one_peer_setting_per_cohort"
            ),
            models.CheckConstraint(
                condition=models.Q(peer_reviewers__gte=1, peer_reviewers__lte=10)
                & models.Q(peer_reviews_each__gte=1, peer_reviews_each__lte=10),
                name="cohort_peer_counts_1_to_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id}: {self.assignment}"
