import datetime
import secrets
import uuid
from pathlib import PurePath
from typing import cast

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.access import Role as CohortRole
from core.dates import within_calendar
from core.storage import PrivateStorage


class Cohort(models.Model):
    """A group that runs a course together for a period."""

    course = models.ForeignKey(
        "courses.Course", verbose_name=_("course"), on_delete=models.PROTECT, related_name="cohorts"
    )
    name = models.CharField(_("name"), max_length=200)
    start_date = models.DateField(_("start date"), validators=[within_calendar])
    end_date = models.DateField(_("end date"), validators=[within_calendar])
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="cohorts"
    )
    # Self-enrolment: anyone signed in who knows the code joins as a learner while it is open.
    enrolment_code = models.CharField(
        _("enrolment code"), max_length=20, unique=True, null=True, blank=True
    )
    self_enrolment_open = models.BooleanField(_("self-enrolment open"), default=False)
    inactivity_days = models.PositiveSmallIntegerField(
        _("days without activity before a learner is at risk"), default=14
    )
    revision_days = models.PositiveSmallIntegerField(
        _("days a requested revision may wait before a learner is at risk"), default=14
    )
    review_target_days = models.PositiveSmallIntegerField(
        _("days a submission may wait for review before coordinators are told"), default=7
    )

    class Meta:
        ordering = ["-start_date", "name"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="cohort_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def has_ended(self, today: datetime.date | None = None) -> bool:
        """The cohort's last day is past: its learners are alumni, not at risk."""
        return self.end_date < (today or timezone.localdate())

    @property
    def ended(self) -> bool:
        return self.has_ended()

    def has_started(self, today: datetime.date | None = None) -> bool:
        """The cohort's first day has come."""
        return self.start_date <= (today or timezone.localdate())

    @property
    def upcoming(self) -> bool:
        return not self.has_started()


class Membership(models.Model):
    """A person's role in one cohort."""

    # The role names are shared by every layer (core.access.Role); memberships hold them.
    Role = CohortRole

    # No index of its own: the two below start with the cohort.
    cohort = models.ForeignKey(
        Cohort,
        verbose_name=_("cohort"),
        on_delete=models.CASCADE,
        related_name="memberships",
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        ordering = ["cohort", "role", "user"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="one_role_per_cohort"),
        ]
        indexes = [
            # A cohort's learners counted from the index alone, its few staff found without
            # reading its learners (20,000 in a large cohort: #13).
            models.Index(fields=["cohort", "role", "user"], name="membership_cohort_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.cohort} ({self.get_role_display()})"


def new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An invitation for one email address to one cohort; a row before any email is sent."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("invitation status", "Pending")
        ACCEPTED = "accepted", pgettext_lazy("invitation status", "Accepted")
        REVOKED = "revoked", pgettext_lazy("invitation status", "Revoked")

    class EmailStatus(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("email status", "Queued")
        SENDING = "sending", pgettext_lazy("email status", "Sending")
        SENT = "sent", pgettext_lazy("email status", "Sent")
        FAILED = "failed", pgettext_lazy("email status", "Failed")
        # Maybe delivered: the server's reply after the message was lost (core/mail.py).
        UNCERTAIN = "uncertain", pgettext_lazy("email status", "Sent, not confirmed")

    cohort = models.ForeignKey(
        Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email address"))
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    role = models.CharField(
        _("role"), max_length=20, choices=Membership.Role.choices, default=Membership.Role.LEARNER
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    email_status = models.CharField(
        _("email status"), max_length=20, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    email_attempts = models.PositiveSmallIntegerField(_("email attempts"), default=0)
    email_error = models.TextField(_("last email error"), blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    # The email's outbox columns (core/mail.py): claimed by a worker, next try, give up after.
    claimed_at = models.DateTimeField(_("claimed for sending"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    retry_until = models.DateTimeField(_("retried until"), null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(_("times sent"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # Inviting the same address to the same cohort again reuses the row.
            models.UniqueConstraint(fields=["cohort", "email"], name="one_invitation_per_cohort"),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.cohort}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.status == self.Status.PENDING and not self.is_expired

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def first_imports_sweep() -> datetime.datetime:
    from core.outbox import first_attempt_at

    return first_attempt_at("imports")


def first_exports_sweep() -> datetime.datetime:
    from core.outbox import first_attempt_at

    return first_attempt_at("exports")


class InvitationImport(models.Model):
    """An uploaded CSV or XLSX of people to invite: checked by Celery, previewed, then applied."""

    class Status(models.TextChoices):
        CHECKING = "checking", pgettext_lazy("import status", "Checking")
        PREVIEW = "preview", pgettext_lazy("import status", "Ready to confirm")
        APPLYING = "applying", pgettext_lazy("import status", "Sending invitations")
        DONE = "done", pgettext_lazy("import status", "Done")
        FAILED = "failed", pgettext_lazy("import status", "Could not be read")
        CANCELLED = "cancelled", pgettext_lazy("import status", "Cancelled")

    cohort = models.ForeignKey(
        Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("uploaded file"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CHECKING
    )
    error = models.TextField(_("error"), blank=True)
    # [{"line", "first_name", "last_name", "email", "organisation", "role", "language",
    #   "errors": [...]}]
    rows = models.JSONField(_("rows"), default=list, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("invitations created"), default=0)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Outbox (learners/outbox.py): a checking or applying upload is the source of truth for its
    # task. The task refreshes `claimed_at` as it goes; the sweeper publishes the task again when
    # the claim is stale and `next_attempt_at` has passed (the worker died, the publish failed).
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=first_imports_sweep, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation upload")
        verbose_name_plural = _("invitation uploads")

    def __str__(self) -> str:
        return self.file_name

    @property
    def valid_rows(self) -> list[dict]:
        return [r for r in self.rows if not r.get("errors")]

    @property
    def error_rows(self) -> list[dict]:
        return [r for r in self.rows if r.get("errors")]

    @property
    def percent(self) -> int:
        return round(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class Nudge(models.Model):
    """A friendly reminder a coordinator or instructor sent to a learner at risk."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="nudges")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nudges_received"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sent_on = models.DateField(_("date"))
    reasons = models.TextField(_("reasons"), blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("nudge")
        verbose_name_plural = _("nudges")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "learner", "sent_on"], name="one_nudge_per_learner_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} ({self.sent_on})"


def export_storage() -> Storage:
    # Private files: the disk or an S3 bucket, as configured (core/storage.py).
    return cast(Storage, PrivateStorage())  # a lazy proxy of the configured Storage


def export_file_path(instance: "ExportJob", filename: str) -> str:
    # A random stored name; the download keeps the job's own file name.
    return f"exports/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:10]}"


class ExportJob(models.Model):
    """A large export made by Celery and offered for download when ready.

    The file is kept in the private storage (shared by every web and worker machine);
    `content` holds the bytes of exports made before that."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("export status", "Waiting")
        RUNNING = "running", pgettext_lazy("export status", "Being made")
        DONE = "done", pgettext_lazy("export status", "Ready")
        FAILED = "failed", pgettext_lazy("export status", "Failed")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    what = models.CharField(_("contents"), max_length=20)
    fmt = models.CharField(_("format"), max_length=10)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    content = models.BinaryField(_("file"), blank=True)
    file = models.FileField(
        _("file"), upload_to=export_file_path, storage=export_storage, blank=True, max_length=200
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Outbox (learners/outbox.py): see InvitationImport.
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=first_exports_sweep, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return self.file_name or f"{self.what}.{self.fmt}"


# --- the progress rollup (learners/rollup.py) ---------------------------------------------------


class LearnerProgress(models.Model):
    """One learner's state in one cohort, kept by the services that change it (rollup_touch)
    and rebuilt from scratch by beat: what the summary, the at-risk list and the cross-cohort
    overview read instead of every learner's rows. Each time-dependent rule is kept as the
    moment it starts to hold (inactive after `last_activity_at`, late from `overdue_on`), so
    the pages evaluate it for today in SQL."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, primary_key=True, related_name="progress"
    )
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    joined_at = models.DateTimeField()
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # The last lesson done in the course or version sent in the cohort.
    last_activity_at = models.DateTimeField(null=True, blank=True)
    # When the oldest revision request still unanswered by the team was made.
    revision_since = models.DateTimeField(null=True, blank=True)
    # The first day an unsent assignment is late (overdue_on) or a due phase that cannot open
    # waits on staff (blocked_on): late the day after.
    overdue_on = models.DateField(null=True, blank=True)
    blocked_on = models.DateField(null=True, blank=True)
    refreshed_at = models.DateTimeField()
    # Touched by a service since it was computed (rollup_touch): the sweep recomputes it.
    stale = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("learner progress")
        verbose_name_plural = _("learner progress")
        indexes = [
            models.Index(fields=["cohort", "organisation"], name="progress_cohort_org"),
            # The few touched rows, found without reading a cohort's others.
            models.Index(fields=["cohort"], condition=models.Q(stale=True), name="progress_stale"),
            # The at-risk page's learners waiting on staff: the few with a blocked phase, found
            # without reading the cohort's others (1.5 ms at 20,000 learners, 0.15 at 1,000).
            models.Index(
                fields=["cohort", "blocked_on"],
                condition=models.Q(blocked_on__isnull=False),
                name="progress_blocked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.cohort_id}"


class CohortRollup(models.Model):
    """A cohort's headline figures, per-organisation table, review turnaround and phase
    counts, summed from its LearnerProgress rows by beat (`refreshed_at` is shown as the
    figures' age); `stale` marks a cohort a service touched since."""

    cohort = models.OneToOneField(
        Cohort, on_delete=models.CASCADE, primary_key=True, related_name="rollup"
    )
    learners = models.PositiveIntegerField(default=0)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(default=0)
    finished = models.PositiveIntegerField(default=0)
    at_risk = models.PositiveIntegerField(default=0)
    waiting_on_staff = models.PositiveIntegerField(default=0)
    waiting_reviews = models.PositiveIntegerField(default=0)
    # [[organisation name, learners, done, total, finished, at risk]], by name.
    organisations = models.JSONField(default=list)
    # [[reviewer id, reviews, median hours]].
    turnaround = models.JSONField(default=list)
    # [[phase, waiting on, ISO day the phase opened, experiments, learners]].
    funnel = models.JSONField(default=list)
    refreshed_at = models.DateTimeField()
    stale = models.BooleanField(default=False, db_index=True)

    class Meta:
        verbose_name = _("cohort rollup")
        verbose_name_plural = _("cohort rollups")

    def __str__(self) -> str:
        return f"{self.cohort_id} ({self.refreshed_at:%Y-%m-%d %H:%M})"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
