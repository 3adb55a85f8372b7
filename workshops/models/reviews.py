"""Reviewing: instructors' reviews and their drafts, rubrics and scores, the marking workflow,
peer feedback and the phase thread."""

import datetime
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .common import CheckedFile, private_storage
from .experiments import Experiment, Submission
from .workshop import Assignment, Phase, Workshop


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
        # The review queue's "recently reviewed": the newest reviews first, ten of them.
        indexes = [models.Index(fields=["created_at"], name="review_created_idx")]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.submission}: {self.get_decision_display()}"

    @property
    def listed_files(self) -> list["ReviewFile"]:
        """The feedback files the team is shown: accepted ones and those still being checked,
        not the refused ones (from the prefetched files when they were read with the review)."""
        return [f for f in self.files.all() if f.status != ReviewFile.Status.REJECTED]


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


def first_peer_sweep() -> datetime.datetime:
    from core.outbox import first_attempt_at

    return first_attempt_at("peer")


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
    # The review page that saved it last (a random id each page render makes): the same
    # instructor's other window is told apart from this window's own autosave still on its way.
    writer = models.CharField(_("written in"), max_length=40, blank=True, default="")
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


def review_file_path(instance: "ReviewFile", filename: str) -> str:
    # A random stored name, as for the learners' files: nothing to guess from the upload's name.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"review-files/{uuid.uuid4().hex}{suffix}"


class ReviewFile(CheckedFile):
    """A file an instructor attaches to the review of a submission (an annotated PDF, say).

    Written on the submission while the review is being written (`review` empty: a draft file,
    seen by the cohort's instructors only); the decision (direct, or the workflow's release)
    attaches every draft file to the Review, and only then does the team see them. Checked by
    content after upload through the same outbox as the learners' files (workshops/outbox.py).
    """

    submission = models.ForeignKey(
        Submission,
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        related_name="feedback_files",
    )
    review = models.ForeignKey(
        Review,
        verbose_name=_("review"),
        on_delete=models.CASCADE,
        related_name="files",
        null=True,
        blank=True,
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("file"), upload_to=review_file_path, storage=private_storage)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="review_file_waiting_idx")
        ]
        verbose_name = _("feedback file")
        verbose_name_plural = _("feedback files")
