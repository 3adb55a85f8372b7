"""Workshop sessions: attendance and the per-learner calendar feed (iCalendar, RFC 5545)."""

from __future__ import annotations

import dataclasses
import datetime
import secrets
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import User
from courses.services import completion_check_later
from learners.models import Membership

from .checks import (
    ScanUnavailable,
    check_file,
    max_file_bytes,
    safe_name,
    too_large_message,
)
from .models import Attendance, CalendarFeed, SessionMaterial, Workshop, WorkshopSession

MAX_MATERIALS = 20


class SessionError(DomainError):
    pass


@dataclasses.dataclass
class AttendanceRecorded:
    """What attendance_record did: the rows it wrote, and the rows another instructor
    changed after the page was shown that this page changed too (left as they were)."""

    saved: list[Attendance] = dataclasses.field(default_factory=list)
    changed_meanwhile: list[Attendance] = dataclasses.field(default_factory=list)


@transaction.atomic
def attendance_record(
    *,
    session: WorkshopSession,
    by: User,
    statuses: Mapping[int, str],
    seen: Mapping[int, str] | None = None,
) -> AttendanceRecorded:
    """Record present / absent / excused for learners of the session's cohort; a learner
    left without a choice keeps what was recorded before. `seen` is what the page showed for
    each learner ("" for nothing): only the choices changed on the page are written, so a page
    opened before a colleague saved does not put back what they changed, and a learner both
    changed is left as the colleague recorded (`changed_meanwhile`). A learner missing from
    `seen` (a page without it) is written as posted. Precondition: `by` instructs it."""
    # Only the posted learners are looked up: a page of them, not the whole cohort.
    learner_ids = set(
        Membership.objects.filter(
            cohort_id=session.cohort_id, role=Membership.Role.LEARNER, user_id__in=list(statuses)
        ).values_list("user_id", flat=True)
    )
    unknown = set(statuses) - learner_ids
    if unknown:
        raise SessionError(_("Attendance can be recorded only for the cohort's learners."))
    if any(status not in Attendance.Status.values for status in statuses.values()):
        raise SessionError(_("Choose present, absent or excused."))
    if (
        Attendance.Status.WATCHED in statuses.values()
        and not session.workshop.recording_counts_as_attendance
    ):
        raise SessionError(
            _("In this workshop, watching the recording does not count as attendance.")
        )
    seen = seen or {}
    # Two instructors saving the same session's attendance take turns: each compares what its
    # page showed with what the other has just saved.
    WorkshopSession.objects.select_for_update().filter(pk=session.pk).exists()
    current = {
        row.learner_id: row
        for row in Attendance.objects.filter(session=session, learner_id__in=list(statuses))
        .select_related("learner", "recorded_by")
        .order_by("learner_id")
    }
    result = AttendanceRecorded()
    for learner_id, status in statuses.items():
        row = current.get(learner_id)
        if learner_id in seen:
            if status == seen[learner_id]:
                continue  # not changed on this page: whatever is recorded now stays
            if (row.status if row else "") != seen[learner_id]:
                if row is not None and row.status != status:
                    result.changed_meanwhile.append(row)
                continue
        row, _created = Attendance.objects.update_or_create(
            session=session, learner_id=learner_id, defaults={"status": status, "recorded_by": by}
        )
        result.saved.append(row)
    # A course may require a share of sessions attended: the record may finish it.
    if result.saved:
        completion_check_later(
            course_id=session.cohort.course_id,
            user_ids=[row.learner_id for row in result.saved],
            cohort_id=session.cohort_id,
        )
    return result


@transaction.atomic
def workshop_recording_attendance_set(*, workshop: Workshop, by: User, counts: bool) -> bool:
    """Let "watched the recording" count as attending the workshop's sessions, or not; it
    applies to every cohort of the course. Returns whether anything changed. Precondition:
    `by` instructs a cohort of the workshop's course (or is the superuser)."""
    changed = (
        Workshop.objects.filter(pk=workshop.pk)
        .exclude(recording_counts_as_attendance=counts)
        .update(recording_counts_as_attendance=counts)
    )
    workshop.recording_counts_as_attendance = counts
    if not changed:
        return False
    # Learners marked as having watched may now reach (or no longer reach) the course's
    # required attendance: their completion is checked again, cohort by cohort.
    watched = (
        Attendance.objects.filter(session__workshop=workshop, status=Attendance.Status.WATCHED)
        .values_list("session__cohort_id", "learner_id")
        .distinct()
    )
    by_cohort: dict[int, set[int]] = {}
    for cohort_id, learner_id in watched:
        by_cohort.setdefault(cohort_id, set()).add(learner_id)
    for cohort_id, learner_ids in sorted(by_cohort.items()):
        completion_check_later(
            course_id=workshop.course_id, user_ids=learner_ids, cohort_id=cohort_id
        )
    return True


@transaction.atomic
def session_materials_add(
    *, session: WorkshopSession, by: User, uploads: Sequence[UploadedFile]
) -> list[SessionMaterial]:
    """Share files with a session: each is judged by its content like a learner's attachment
    (type, size, archive bomb, virus scan when clamd is configured) and all are stored, or
    none with the reason. Precondition: `by` instructs the session's cohort."""
    if not uploads:
        return []
    if session.material_files.count() + len(uploads) > MAX_MATERIALS:
        raise SessionError(_("A session can have at most %(n)s files.") % {"n": MAX_MATERIALS})
    kinds = []
    for upload in uploads:
        name = upload.name or "file"
        size = upload.size or 0
        if size > max_file_bytes():
            raise SessionError(f"{name}: {too_large_message(size)}")
        try:
            verdict = check_file(upload, size)
        except ScanUnavailable:
            raise SessionError(
                _("The virus scanner did not answer. Try again in a moment.")
            ) from None
        if not verdict.accepted:
            raise SessionError(f"{name}: {verdict.reason}")
        kinds.append(verdict.content_type)
    rows = []
    for upload, kind in zip(uploads, kinds, strict=True):
        upload.seek(0)
        # Stored and downloaded under the detected type's extension, never the uploaded one.
        upload.name = safe_name(upload.name or "file", kind)
        rows.append(
            SessionMaterial.objects.create(
                session=session,
                file=upload,
                original_name=upload.name[:255],
                size=upload.size or 0,
                content_type=kind,
                uploaded_by=by,
            )
        )
    # Calendar apps pick up the changed description.
    WorkshopSession.objects.filter(pk=session.pk).update(sequence=F("sequence") + 1)
    return rows


@transaction.atomic
def session_material_delete(*, material: SessionMaterial) -> None:
    """Remove a shared file; the stored file goes once the removal is committed.
    Precondition: the remover instructs the session's cohort."""
    storage, name = material.file.storage, material.file.name
    material.delete()
    WorkshopSession.objects.filter(pk=material.session_id).update(sequence=F("sequence") + 1)
    # No outbox row: a failed delete leaves only an unreachable file behind, never lost work.
    if name:
        transaction.on_commit(lambda: storage.delete(name), robust=True)


# --- the recording and the slides ------------------------------------------------------------

VIDEO_MAGIC = {"video/webm": b"\x1a\x45\xdf\xa3", "video/ogg": b"OggS"}
VIDEO_EXTENSIONS = {"video/mp4": ".mp4", "video/webm": ".webm", "video/ogg": ".ogv"}
MAX_VIDEO_MB = 2000


def video_type(head: bytes) -> str | None:
    """'video/mp4', 'video/webm' or 'video/ogg' from a file's first bytes, else None."""
    if head[4:8] == b"ftyp":
        return "video/mp4"
    for kind, magic in VIDEO_MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def is_webvtt(head: bytes) -> bool:
    return head.removeprefix(b"\xef\xbb\xbf").startswith(b"WEBVTT")


def recording_started(session: WorkshopSession, now: datetime.datetime | None = None) -> bool:
    """The recording and slides are shown to the cohort once the session has started."""
    return session.starts_at <= (now or timezone.now())


@transaction.atomic
def session_recording_save(
    *,
    session: WorkshopSession,
    by: User,
    url: str,
    video: UploadedFile | None = None,
    captions: UploadedFile | None = None,
    slides: UploadedFile | None = None,
    remove: Iterable[str] = (),
) -> WorkshopSession:
    """Set a session's recording (a link, or an uploaded video with WebVTT captions) and its
    slides; a file is judged by its content (the slides like any shared file), and a refused
    one saves nothing. `remove`: any of "video", "captions", "slides" to take away.
    Precondition: `by` instructs the session's cohort."""
    old: list[str] = []
    removing = set(remove)
    video_kind = ""
    if video is not None:
        head = video.read(16)
        video.seek(0)
        video_kind = video_type(head) or ""
        if not video_kind:
            raise SessionError(_("The video must be an MP4, WebM or Ogg file."))
        if (video.size or 0) > MAX_VIDEO_MB * 1024 * 1024:
            raise SessionError(_("The video is larger than %(mb)s MB.") % {"mb": MAX_VIDEO_MB})
    if captions is not None:
        head = captions.read(16)
        captions.seek(0)
        if not is_webvtt(head):
            raise SessionError(_("Captions must be a WebVTT (.vtt) file."))
    slides_type = ""
    if slides is not None:
        size = slides.size or 0
        if size > max_file_bytes():
            raise SessionError(f"{slides.name or 'file'}: {too_large_message(size)}")
        try:
            verdict = check_file(slides, size)
        except ScanUnavailable:
            raise SessionError(
                _("The virus scanner did not answer. Try again in a moment.")
            ) from None
        if not verdict.accepted:
            raise SessionError(f"{slides.name or 'file'}: {verdict.reason}")
        slides.seek(0)
        slides_type = verdict.content_type
        slides.name = safe_name(slides.name or "slides", slides_type)
    session.recording_url = url
    for field, upload in (
        ("recording_video", video),
        ("recording_captions", captions),
        ("slides", slides),
    ):
        current = getattr(session, field)
        short = {"recording_video": "video", "recording_captions": "captions"}.get(field, field)
        if (upload is not None or short in removing) and current:
            old.append(current.name)
        if upload is not None:
            if field == "recording_video":
                upload.name = "recording" + VIDEO_EXTENSIONS[video_kind]
            elif field == "recording_captions":
                upload.name = "captions.vtt"
            setattr(session, field, upload)
        elif short in removing:
            setattr(session, field, "")
    if slides is not None:
        session.slides_name = (slides.name or "")[:255]
        session.slides_type = slides_type
    elif "slides" in removing:
        session.slides_name = session.slides_type = ""
    session.sequence += 1
    session.save()
    storage = session.slides.storage
    for name in old:
        # No outbox row: a failed delete leaves only an unreachable file behind.
        transaction.on_commit(partial(storage.delete, name), robust=True)
    return session


def sessions_for_learner(user: User) -> QuerySet[WorkshopSession]:
    return (
        WorkshopSession.objects.filter(
            cohort__memberships__user=user, cohort__memberships__role=Membership.Role.LEARNER
        )
        .select_related("workshop", "cohort")
        .prefetch_related("material_files")
    )


def upcoming_for_learner(user: User, *, limit: int = 5) -> list[WorkshopSession]:
    return list(sessions_for_learner(user).filter(ends_at__gte=timezone.now())[:limit])


def calendar_feed_for(user: User) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(
        user=user, defaults={"token": secrets.token_urlsafe(32)}
    )
    return feed


@transaction.atomic
def calendar_feed_renew(*, user: User) -> CalendarFeed:
    """A new secret address; the old one stops working at once."""
    feed = calendar_feed_for(user)
    feed.token = secrets.token_urlsafe(32)
    feed.save(update_fields=["token"])
    return feed


# --- iCalendar -------------------------------------------------------------------------------


def ics_escape(text: str) -> str:
    """TEXT value escaping of RFC 5545 3.3.11."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character."""
    out: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not out else 74  # continuation lines start with a space
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_ics(sessions: Iterable[WorkshopSession], *, name: str) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "alueagentti.fi"
    now = _utc(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Alueagentti//Workshop sessions//FI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_escape(name)}",
    ]
    for session in sessions:
        description = session.agenda
        links = session.material_links() + [
            (
                material.original_name,
                settings.SITE_URL + reverse("workshops:session_material", args=[material.pk]),
            )
            for material in session.material_files.all()
        ]
        if links:
            description += "\n\n" + "\n".join(f"{title}: {url}" for title, url in links)
        lines += [
            "BEGIN:VEVENT",
            f"UID:workshop-session-{session.pk}@{host}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_utc(session.starts_at)}",
            f"DTEND:{_utc(session.ends_at)}",
            f"SEQUENCE:{session.sequence}",
            f"SUMMARY:{ics_escape(session.title)}",
        ]
        location = session.place or session.online_url
        if location:
            lines.append(f"LOCATION:{ics_escape(location)}")
        if session.online_url:
            lines.append(f"URL:{session.online_url}")
        if description.strip():
            lines.append(f"DESCRIPTION:{ics_escape(description.strip())}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _shift_moment(moment: datetime.datetime, shift: datetime.timedelta) -> datetime.datetime:
    """The same wall-clock time `shift` days later where the cohort meets: a 10 o'clock
    session in winter stays at 10 in summer."""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return timezone.make_aware(local.replace(tzinfo=None) + shift, timezone.get_default_timezone())


def sessions_copy(*, source_id: int, cohort_id: int, shift: datetime.timedelta) -> None:
    """The source cohort's planned sessions for a copy of it (learners' cohort_copy), at the
    dates shifted by `shift`: title, place, link, agenda and material links. No recording,
    slides or files (they belong to the meeting that was held), and no attendance."""
    copies = []
    for session in WorkshopSession.objects.filter(cohort_id=source_id).order_by("starts_at", "pk"):
        starts_at = _shift_moment(session.starts_at, shift)
        ends_at = _shift_moment(session.ends_at, shift)
        if ends_at <= starts_at:  # a clock change in between: keep its length
            ends_at = starts_at + (session.ends_at - session.starts_at)
        copies.append(
            WorkshopSession(
                workshop_id=session.workshop_id,
                cohort_id=cohort_id,
                title=session.title,
                starts_at=starts_at,
                ends_at=ends_at,
                place=session.place,
                online_url=session.online_url,
                agenda=session.agenda,
                materials=session.materials,
            )
        )
    WorkshopSession.objects.bulk_create(copies)
