"""Workshop sessions: meetings, their materials, attendance and the learners' calendar feeds."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .common import private_storage
from .workshop import Workshop


def session_recording_path(instance: "WorkshopSession", filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"session-recordings/{uuid.uuid4().hex}{suffix}"


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
    # After the session: its recording (a YouTube/Vimeo link, or an uploaded video with
    # WebVTT captions) and its slides, shown to the cohort once the session has started.
    recording_url = models.URLField(
        _("recording address"),
        blank=True,
        help_text=_("A YouTube or Vimeo address is played on the page; other links are linked."),
    )
    recording_video = models.FileField(
        _("recording video file"),
        blank=True,
        upload_to=session_recording_path,
        storage=private_storage,
    )
    recording_captions = models.FileField(
        _("captions (.vtt)"), blank=True, upload_to=session_recording_path, storage=private_storage
    )
    slides = models.FileField(
        _("slides"), blank=True, upload_to=session_recording_path, storage=private_storage
    )
    slides_name = models.CharField(_("slides file name"), max_length=255, blank=True)
    slides_type = models.CharField(_("slides content type"), max_length=100, blank=True)
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

    @property
    def has_recording(self) -> bool:
        return bool(self.recording_url or self.recording_video or self.slides)


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
        # Offered only where the workshop lets the recording count (see
        # Workshop.recording_counts_as_attendance); counts as present there only.
        WATCHED = "watched", pgettext_lazy("attendance", "Watched the recording")

    # No index of its own: the unique constraint and the index below start with the session.
    session = models.ForeignKey(
        WorkshopSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="attendance",
        db_index=False,
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
        indexes = [
            # The attendance page's counts per session and status read from the index alone
            # (40,000 records at L: 12 -> 4 ms, #13).
            models.Index(fields=["session", "status"], name="attendance_session_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "learner"], name="one_attendance_per_learner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session}: {self.learner} {self.get_status_display()}"


def attended_filter(*, status: str = "status", allowed: str) -> models.Q:
    """Attendance that counts as attending: present, or watched the recording where the
    workshop lets that count. `status` and `allowed` are the lookups, from the queried model,
    of Attendance.status and of Workshop.recording_counts_as_attendance."""
    return models.Q(**{status: Attendance.Status.PRESENT}) | models.Q(
        **{status: Attendance.Status.WATCHED, allowed: True}
    )


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
