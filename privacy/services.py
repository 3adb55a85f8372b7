"""Writes of the privacy app: personal data archives, erasure, retention and the access log.

Choices (README "Personal data"):
- The archive holds one JSON file per kind of record and the person's own files as files; it is
  kept PRIVACY_EXPORT_KEEP_DAYS and then removed by a beat task.
- Erasure keeps the user row (many records of others point at it) but strips it of every
  personal detail; the person's own records are deleted, the team's and the cohort's records
  stay with the person's name and email redacted wherever they were written.
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.lookups import JSONText
from core.outbox import publish_on_commit
from core.staged_uploads import staged_uploads_remove

from .models import AccessLogEntry, DataExport, ErasureRequest, RetentionRun

if TYPE_CHECKING:
    from core.models import User

logger = logging.getLogger("alueagentti.privacy")


class PrivacyError(Exception):
    """An action on personal data that cannot be done now; `message` is for the person."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


# --- the access log ------------------------------------------------------------------------


def access_log_record(
    *, viewer: User, learner_id: int, kind: str, cohort_id: int | None, object_id: int | None
) -> None:
    """One insert: `viewer` opened `learner_id`'s work. Nothing is logged when a person opens
    their own work."""
    if viewer.pk == learner_id:
        return
    AccessLogEntry.objects.create(
        viewer=viewer, learner_id=learner_id, kind=kind, cohort_id=cohort_id, object_id=object_id
    )


# --- the personal data archive -------------------------------------------------------------


def export_keep() -> datetime.timedelta:
    return datetime.timedelta(days=settings.PRIVACY_EXPORT_KEEP_DAYS)


@transaction.atomic
def data_export_request(*, user: User) -> DataExport:
    """Queue a new archive of `user`'s data; one at a time (a waiting one is returned)."""
    waiting = (
        DataExport.objects.select_for_update()
        .filter(user=user, status__in=(DataExport.Status.PENDING, DataExport.Status.RUNNING))
        .first()
    )
    if waiting is not None:
        return waiting
    export = DataExport.objects.create(user=user)
    from .tasks import data_export_build

    publish_on_commit(data_export_build, export.pk)
    return export


def _rows(
    queryset: QuerySet[Any] | list[Any], *, exclude: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """The rows as Django's serializer writes them ({"model", "pk", "fields"}), minus
    `exclude` fields (secrets, other people's identities)."""
    rows: list[dict[str, Any]] = serializers.serialize("python", queryset)
    for row in rows:
        for name in exclude:
            row["fields"].pop(name, None)
    return rows


@dataclass
class _Archive:
    """What goes into the ZIP: JSON documents by name, and files (zip path, storage field)."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    files: list[tuple[str, Any]] = field(default_factory=list)


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^\w.\- ]+", "_", PurePath(name).name).strip() or "file"
    return cleaned[:120]


def _collect(user: User) -> list[tuple[str, Callable[[_Archive], None]]]:
    """The sections of the archive, in order; each adds its records (and files) when called."""
    from allauth.account.models import EmailAddress

    from core.models import User as UserModel
    from courses.models import (
        Certificate,
        Completion,
        QuizAttempt,
        Reflection,
        ReleaseExtension,
    )
    from impact.models import (
        ImpactPlan,
        Indicator,
        Measurement,
        PlanFeedback,
        PlanSnapshot,
        Statement,
    )
    from learners.models import Invitation, Membership, Nudge
    from notifications.models import Notification, NotificationPreference
    from portfolio.models import Adaptation, Card, CardMessage, IncludedReflection, NameConsent
    from workshops.models import (
        Attendance,
        CalendarFeed,
        Draft,
        Experiment,
        ExperimentEvent,
        ExperimentMember,
        Extension,
        PeerReview,
        PhaseComment,
        Review,
        ReviewFile,
        ReviewScore,
        RunLogEntry,
        Submission,
        SubmissionFile,
    )

    experiments = Experiment.objects.filter(members__user=user).distinct()
    submissions = Submission.objects.filter(Q(learner=user) | Q(experiment__in=experiments))
    # Reviews exist only once released to the learner; drafts stay the instructors' own.
    reviews = Review.objects.filter(submission__in=submissions)

    def profile(a: _Archive) -> None:
        a.records["profile"] = _rows(UserModel.objects.filter(pk=user.pk), exclude=["password"])
        a.records["email_addresses"] = _rows(EmailAddress.objects.filter(user=user))

    def memberships(a: _Archive) -> None:
        a.records["memberships"] = _rows(Membership.objects.filter(user=user))
        a.records["invitations"] = _rows(
            Invitation.objects.filter(Q(email__unicode_iexact=user.email) | Q(accepted_by=user)),
            exclude=["token"],
        )
        attendance = list(
            Attendance.objects.filter(learner=user).select_related("session__workshop")
        )
        a.records["attendance"] = _rows(attendance)
        # The sessions whose recording an instructor marked the learner as having watched,
        # readable on their own, and whether that counts as attending (the workshop's choice).
        a.records["watched_recordings"] = [
            {
                "attendance": row.pk,
                "session": row.session_id,
                "session_title": row.session.title,
                "starts_at": row.session.starts_at,
                "workshop": row.session.workshop.title,
                "counts_as_attendance": row.session.workshop.recording_counts_as_attendance,
                "recorded_at": row.recorded_at,
            }
            for row in sorted(attendance, key=lambda r: (r.session.starts_at, r.pk))
            if row.status == Attendance.Status.WATCHED
        ]
        a.records["reminders_received"] = _rows(Nudge.objects.filter(learner=user))

    def progress(a: _Archive) -> None:
        a.records["progress"] = _rows(Completion.objects.filter(user=user))
        a.records["release_extensions"] = _rows(ReleaseExtension.objects.filter(user=user))
        a.records["quiz_attempts"] = _rows(QuizAttempt.objects.filter(user=user))
        a.records["reflections"] = _rows(Reflection.objects.filter(user=user))

    def work(a: _Archive) -> None:
        a.records["experiments"] = _rows(experiments)
        a.records["experiment_members"] = _rows(
            ExperimentMember.objects.filter(experiment__in=experiments)
        )
        a.records["experiment_events"] = _rows(
            ExperimentEvent.objects.filter(experiment__in=experiments).exclude(
                kind__in=ExperimentEvent.INTERNAL
            )
        )
        a.records["extensions"] = _rows(Extension.objects.filter(experiment__in=experiments))
        a.records["submissions"] = _rows(submissions.order_by("pk"))
        files = list(
            SubmissionFile.objects.filter(submission__in=submissions).select_related("submission")
        )
        a.records["submission_files"] = _rows(files, exclude=["extracted_text"])
        # A refused file's reason is kept as a code (workshops.checks): the archive says it in
        # words, in the holder's language (data_export_build reads the records in it).
        for row, f in zip(a.records["submission_files"], files, strict=True):
            row["fields"]["reason"] = f.shown_reason
        for f in files:
            if f.file:
                s = f.submission
                a.files.append(
                    (
                        f"files/submissions/{s.pk}-v{s.version}/{f.pk}-{_safe_name(f.original_name)}",
                        f.file,
                    )
                )
        a.records["drafts"] = _rows(Draft.objects.filter(learner=user))
        runlog = RunLogEntry.objects.filter(experiment__in=experiments)
        a.records["run_log"] = _rows(runlog)
        for entry in runlog:
            if entry.photo.name:  # what FieldFile's truth value tests
                a.files.append(
                    (f"files/run-log/{entry.pk}-{_safe_name(entry.photo.name)}", entry.photo)
                )
        a.records["phase_comments"] = _rows(
            PhaseComment.objects.filter(Q(experiment__in=experiments) | Q(author=user))
        )
        from discussions.models import Post, Subscription

        a.records["discussion_posts"] = _rows(
            Post.objects.filter(author=user), exclude=["search_document"]
        )
        a.records["discussion_subscriptions"] = _rows(Subscription.objects.filter(user=user))

    def feedback(a: _Archive) -> None:
        a.records["feedback_received"] = _rows(reviews)
        # The files of the feedback the team received, as the team may download them: on a
        # review that reached them, past their check. Who uploaded one stays out (blind review
        # hides the reviewer), as do the check's by-products.
        feedback_files = list(
            ReviewFile.objects.filter(
                review__in=reviews, status=ReviewFile.Status.ACCEPTED
            ).select_related("submission")
        )
        a.records["feedback_files_received"] = _rows(
            feedback_files, exclude=["uploaded_by", "extracted_text", "preview", "reason"]
        )
        for f in feedback_files:
            if f.file:
                s = f.submission
                a.files.append(
                    (
                        f"files/feedback/{s.pk}-v{s.version}/{f.pk}-{_safe_name(f.original_name)}",
                        f.file,
                    )
                )
        a.records["feedback_received_scores"] = _rows(
            ReviewScore.objects.filter(review__in=reviews)
        )
        a.records["impact_plan_feedback_received"] = _rows(
            PlanFeedback.objects.filter(submission__review__in=reviews)
        )
        a.records["feedback_given"] = _rows(Review.objects.filter(reviewer=user))
        # Peer feedback received: who gave it stays out (it is anonymous to the learner).
        a.records["peer_reviews_received"] = _rows(
            PeerReview.objects.filter(submission__in=submissions, status=PeerReview.Status.DONE),
            exclude=["reviewer"],
        )
        a.records["peer_reviews_given"] = _rows(PeerReview.objects.filter(reviewer=user))

    def impact(a: _Archive) -> None:
        plans = ImpactPlan.objects.filter(experiment__in=experiments)
        a.records["impact_plans"] = _rows(plans)
        a.records["impact_statements"] = _rows(Statement.objects.filter(plan__in=plans))
        a.records["impact_indicators"] = _rows(Indicator.objects.filter(plan__in=plans))
        a.records["impact_measurements"] = _rows(
            Measurement.objects.filter(indicator__plan__in=plans)
        )
        a.records["impact_plan_snapshots"] = _rows(PlanSnapshot.objects.filter(plan__in=plans))

    def cards(a: _Archive) -> None:
        own = Card.objects.filter(experiment__in=experiments)
        a.records["cards"] = _rows(own, exclude=["search_document"])
        a.records["card_messages"] = _rows(
            CardMessage.objects.filter(Q(card__in=own) | Q(author=user))
        )
        a.records["adaptations"] = _rows(Adaptation.objects.filter(created_by=user))
        a.records["reflections_in_portfolio"] = _rows(IncludedReflection.objects.filter(user=user))
        # The person's own answers to showing their name with a team card (asked_by is a
        # team mate's id, as the cards' teams already are).
        a.records["name_consents"] = _rows(NameConsent.objects.filter(user=user))

    def certificates(a: _Archive) -> None:
        certs = Certificate.objects.filter(user=user)
        a.records["certificates"] = _rows(certs)
        for cert in certs:
            if cert.pdf:
                a.files.append((f"files/certificates/{cert.code}.pdf", cert.pdf))

    def notifications(a: _Archive) -> None:
        a.records["notifications"] = _rows(Notification.objects.filter(recipient=user))
        a.records["notification_preferences"] = _rows(
            NotificationPreference.objects.filter(user=user)
        )
        a.records["calendar_feed"] = _rows(CalendarFeed.objects.filter(user=user))

    def waiting_files(a: _Archive) -> None:
        # Files sent ahead of a form that has not used them yet (kept a day at most).
        from core.models import StagedUpload
        from core.staged_uploads import staged_storage

        waiting = list(StagedUpload.objects.filter(owner=user))
        a.records["files_waiting"] = _rows(waiting, exclude=["token", "stored_name", "on_disk"])
        for upload in waiting:
            a.files.append(
                (
                    f"files/waiting/{upload.pk}-{_safe_name(upload.name)}",
                    SimpleNamespace(storage=staged_storage, name=upload.stored_name),
                )
            )

    def privacy(a: _Archive) -> None:
        a.records["work_viewed_by"] = _rows(AccessLogEntry.objects.filter(learner=user))
        a.records["erasure_requests"] = _rows(ErasureRequest.objects.filter(user=user))
        a.records["data_archives"] = _rows(
            DataExport.objects.filter(user=user), exclude=["file", "error"]
        )

    return [
        ("profile", profile),
        ("memberships", memberships),
        ("progress", progress),
        ("work", work),
        ("feedback", feedback),
        ("impact", impact),
        ("cards", cards),
        ("certificates", certificates),
        ("notifications", notifications),
        ("waiting files", waiting_files),
        ("privacy", privacy),
    ]


README_TEXT = _(
    "This archive holds everything Alueagentti keeps about you on the day it was made.\n"
    "Each JSON file holds one kind of record: `model` names the table, `pk` the row and "
    "`fields` its values (references to other rows are their ids).\n"
    "Your files are in the folder files/: the files of your answers, the files of the "
    "feedback you received, your run log photos, your certificates and, in files/waiting/, "
    "files you sent to a form that you have not submitted yet.\n"
)


def _json(value: Any) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def data_export_build(*, export_id: int) -> bool:
    """Make the archive of one queued export; a duplicate run finds it claimed and stops."""
    from core.tasks import TRANSIENT_ERRORS

    claimed = DataExport.objects.filter(pk=export_id, status=DataExport.Status.PENDING).update(
        status=DataExport.Status.RUNNING, claimed_at=timezone.now(), progress=0
    )
    if not claimed:
        return False
    export = DataExport.objects.select_related("user").get(pk=export_id)
    user = export.user
    try:
        archive = _Archive()
        sections = _collect(user)
        for done, (_name, add) in enumerate(sections, start=1):
            with translation.override(user.language or settings.LANGUAGE_CODE):
                add(archive)
            # Reading the records is most of the work: 90 % when they are all read.
            DataExport.objects.filter(pk=export_id).update(
                progress=90 * done // len(sections), claimed_at=timezone.now()
            )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            with translation.override(user.language or settings.LANGUAGE_CODE):
                zf.writestr("README.txt", str(README_TEXT))
            for name, rows in archive.records.items():
                zf.writestr(f"{name}.json", _json(rows))
            for path, stored in archive.files:
                try:
                    with stored.storage.open(stored.name, "rb") as source:
                        zf.writestr(path, source.read())
                except FileNotFoundError:
                    logger.warning("data export %s: stored file %s is missing", export_id, path)
        size = buffer.tell()
        buffer.seek(0)
        stored_name = export.file.storage.save(
            export.file.field.generate_filename(export, "archive.zip"), File(buffer)
        )
    except TRANSIENT_ERRORS:
        DataExport.objects.filter(pk=export_id, status=DataExport.Status.RUNNING).update(
            status=DataExport.Status.PENDING, claimed_at=None
        )
        raise
    except Exception as exc:
        DataExport.objects.filter(pk=export_id).update(
            status=DataExport.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    now = timezone.now()
    DataExport.objects.filter(pk=export_id).update(
        status=DataExport.Status.DONE,
        file=stored_name,
        size=size,
        progress=100,
        finished_at=now,
        expires_at=now + export_keep(),
    )
    return True


def data_exports_expire(*, now: datetime.datetime | None = None) -> int:
    """Beat: remove the archives whose keeping time has passed; the rows stay as "removed"."""
    now = now or timezone.now()
    expired = 0
    for export in DataExport.objects.filter(
        status=DataExport.Status.DONE, expires_at__lte=now
    ).only("pk", "file"):
        if export.file.name:  # what FieldFile's truth value tests
            export.file.storage.delete(export.file.name)
        expired += DataExport.objects.filter(pk=export.pk, status=DataExport.Status.DONE).update(
            status=DataExport.Status.EXPIRED, file=""
        )
    return expired


# --- erasure -------------------------------------------------------------------------------


@transaction.atomic
def erasure_request(*, user: User, requested_by: User) -> ErasureRequest:
    """Ask for `user`'s erasure (by themselves or the superuser); it is carried out
    automatically PRIVACY_ERASURE_GRACE_DAYS later unless the superuser does it sooner."""
    if requested_by.pk != user.pk and not requested_by.is_superuser:
        raise PrivacyError(_("Only the person themselves or the administrator may ask for this."))
    if user.is_superuser:
        raise PrivacyError(_("An administrator's account cannot be erased here."))
    open_request = ErasureRequest.objects.filter(
        user=user, status=ErasureRequest.Status.REQUESTED
    ).first()
    if open_request is not None:
        return open_request
    return ErasureRequest.objects.create(
        user=user,
        requested_by=requested_by,
        due_at=timezone.now() + datetime.timedelta(days=settings.PRIVACY_ERASURE_GRACE_DAYS),
    )


@transaction.atomic
def erasure_cancel(*, request: ErasureRequest, by: User) -> None:
    """The person (or the superuser) withdraws a request not yet carried out."""
    if by.pk != request.user_id and not by.is_superuser:
        raise PrivacyError(_("Only the person themselves or the administrator may cancel this."))
    changed = ErasureRequest.objects.filter(
        pk=request.pk, status=ErasureRequest.Status.REQUESTED
    ).update(status=ErasureRequest.Status.CANCELLED)
    if not changed:
        raise PrivacyError(_("This request has already been carried out or cancelled."))


# Replaces the person's name and email wherever others' records still carry them.
REDACTED = "[–]"


def _terms(user: User) -> list[str]:
    """What identifies the person in free text: email, full name, first and last name."""
    terms = [user.email, user.get_full_name(), user.first_name, user.last_name]
    seen: list[str] = []
    for term in terms:
        term = (term or "").strip()
        # A one- or two-letter name would wipe parts of ordinary words.
        if len(term) >= 3 and term.lower() not in (t.lower() for t in seen):
            seen.append(term)
    # Longest first, so "Oona Mäki" goes before "Oona".
    return sorted(seen, key=len, reverse=True)


def text_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The columns of a model that may hold free text: Char, Text, Email and JSON fields
    without choices (a choice is never free text) that are not unique (a code or token is an
    identifier others rely on, never a name; the user's own email is replaced directly)."""
    kinds = (models.CharField, models.TextField, models.EmailField, models.JSONField)
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, kinds) and not f.choices and not f.primary_key and not f.unique
    ]


def _redact_value(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, list):
        return [_redact_value(v, pattern) for v in value]
    if isinstance(value, dict):
        return {_redact_value(k, pattern): _redact_value(v, pattern) for k, v in value.items()}
    return value


# Columns that hold the name or address of *whoever the row is about*: another person who
# happens to share a first name keeps theirs. The erased person's own rows in them are emptied
# directly by erasure_carry_out (and their lines of invitation uploads dropped).
IDENTITY_COLUMNS = frozenset(
    {
        ("core.User", "first_name"),
        ("core.User", "last_name"),
        ("learners.Invitation", "first_name"),
        ("learners.Invitation", "last_name"),
        ("learners.Invitation", "email"),
        ("courses.Certificate", "learner_name"),
        ("learners.InvitationImport", "rows"),
    }
)


def _json_holding_any(field_name: str, terms: Iterable[str]) -> tuple[dict[str, Any], Q]:
    """The aliases and the condition that find rows whose JSON column holds any of `terms` in
    any letter case, on SQLite as on PostgreSQL: an ASCII term in the column's text as stored
    (plain and as JSON escapes it); one with other letters (Å, Ä, Ö) in its text with every
    character as itself (core.lookups.JSONText: SQLite stores "ä" as an escape, whose case LIKE
    cannot fold), which on SQLite costs a Python call a row, so only then."""
    from django.db.models.functions import Cast

    aliases: dict[str, Any] = {"_as_text": Cast(field_name, models.TextField())}
    match = Q()
    for t in terms:
        if t.isascii():
            match |= Q(_as_text__icontains=t) | Q(_as_text__icontains=json.dumps(t)[1:-1])
        else:
            aliases["_json_text"] = JSONText(field_name)
            match |= Q(_json_text__unicode_icontains=t) | Q(
                _json_text__unicode_icontains=json.dumps(t, ensure_ascii=False)[1:-1]
            )
    return aliases, match


def redact_everywhere(terms: list[str]) -> dict[str, int]:
    """Replace every occurrence of `terms` in every text column of every model (but the
    IDENTITY_COLUMNS of other people), in any letter case (Å, Ä and Ö too); returns the rows
    changed per model. One query per column finds the rows (JSON is searched as its text,
    _json_holding_any)."""
    if not terms:
        return {}
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    changed: dict[str, int] = {}
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        for f in text_fields(model):
            if (model._meta.label, f.name) in IDENTITY_COLUMNS:
                continue
            if isinstance(f, models.JSONField):
                aliases, match = _json_holding_any(f.name, terms)
                rows = model._default_manager.alias(**aliases).filter(match)
            else:
                match = Q()
                for t in terms:
                    # unicode_icontains (core/lookups.py): "äijälä" is Äijälä on SQLite too.
                    match |= Q(**{f"{f.name}__unicode_icontains": t})
                rows = model._default_manager.filter(match)
            for pk, value in rows.values_list("pk", f.name):
                new = _redact_value(value, pattern)
                if isinstance(new, str) and getattr(f, "max_length", None):
                    new = new[: f.max_length]
                if new != value:
                    model._default_manager.filter(pk=pk).update(**{f.name: new})
                    key = model._meta.label
                    changed[key] = changed.get(key, 0) + 1
    return changed


def _delete_stored(*fields: Any) -> int:
    deleted = 0
    for stored in fields:
        if stored:
            try:
                stored.storage.delete(stored.name)
                deleted += 1
            except FileNotFoundError:
                pass
    return deleted


@transaction.atomic
def erasure_carry_out(*, request: ErasureRequest, by: User | None) -> dict[str, int]:
    """Anonymise the person everywhere (README "Erasure"): `by` is the superuser, or None when
    the grace period ran out. Returns what was done, in counts."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from core.models import User as UserModel
    from courses.models import Certificate, Reflection
    from learners.models import Invitation
    from notifications.models import Notification, NotificationPreference
    from portfolio.models import Card, CardMessage, NameConsent
    from workshops.models import (
        CalendarFeed,
        Draft,
        Experiment,
        ExperimentMember,
        PhaseComment,
        RunLogEntry,
        Submission,
        SubmissionFile,
    )

    if by is not None and not by.is_superuser:
        raise PrivacyError(_("Only the administrator may carry out an erasure."))
    claimed = ErasureRequest.objects.filter(
        pk=request.pk, status=ErasureRequest.Status.REQUESTED
    ).update(status=ErasureRequest.Status.ERASED, erased_at=timezone.now(), erased_by=by)
    if not claimed:
        raise PrivacyError(_("This request has already been carried out or cancelled."))
    user = UserModel.objects.select_for_update().get(pk=request.user_id)
    terms = _terms(user)
    with translation.override(settings.LANGUAGE_CODE):
        removed_text = gettext("[Removed at the writer's request]")
        revoke_reason = gettext("Erased at the holder's request")
    done: dict[str, int] = {}
    files_to_delete: list[Any] = []

    # Work the person did alone is theirs: its text and files go. Work of a team with other
    # members stays for them (only the name is redacted below).
    # Any experiment the person is or was on (one they left keeps the versions they sent)
    # whose team has someone else on it.
    was_on = Submission.objects.filter(learner=user, experiment__isnull=False).values(
        "experiment_id"
    )
    team_experiments = set(
        ExperimentMember.objects.filter(
            Q(experiment__members__user=user) | Q(experiment_id__in=was_on)
        )
        .exclude(user=user)
        .values_list("experiment_id", flat=True)
    )
    own = Submission.objects.filter(learner=user).exclude(experiment_id__in=team_experiments)
    for f in SubmissionFile.objects.filter(submission__in=own):
        files_to_delete += [f.file, f.preview]
    done["submission_files"] = SubmissionFile.objects.filter(submission__in=own).delete()[0]
    done["answers"] = own.update(text=removed_text, status_reason="")
    solo = Experiment.objects.filter(members__user=user).exclude(pk__in=team_experiments)
    done["experiments"] = solo.update(challenge=removed_text, target_group="")
    photos = RunLogEntry.objects.filter(author=user).exclude(experiment_id__in=team_experiments)
    for entry in photos:
        files_to_delete.append(entry.photo)
    done["run_log"] = photos.update(text=removed_text, photo="")
    done["comments"] = PhaseComment.objects.filter(author=user).update(text=removed_text)
    done["card_messages"] = CardMessage.objects.filter(author=user).update(text=removed_text)
    # An erased member is never named with a card again (portfolio.consent).
    done["name_consents"] = NameConsent.objects.filter(user=user).delete()[0]
    from discussions.services import posts_erase

    done["discussion_posts"] = posts_erase(user=user, text=removed_text)
    done["drafts"] = Draft.objects.filter(learner=user).delete()[0]
    done["staged_files"] = staged_uploads_remove(owner=user)  # sent ahead of a form, unused
    done["reflections"] = Reflection.objects.filter(user=user).delete()[0]
    done["notifications"] = Notification.objects.filter(recipient=user).delete()[0]
    NotificationPreference.objects.filter(user=user).delete()
    CalendarFeed.objects.filter(user=user).delete()
    AccessLogEntry.objects.filter(learner=user).delete()
    for export in DataExport.objects.filter(user=user):
        files_to_delete.append(export.file)
    DataExport.objects.filter(user=user).delete()
    # Certificates: the record stays (verification answers "revoked"), with no personal data.
    certs = Certificate.objects.filter(user=user)
    for cert in certs:
        files_to_delete.append(cert.pdf)
    done["certificates"] = certs.update(
        learner_name="",
        credential={},
        pdf="",
        revoked_at=timezone.now(),
        revoked_by=by,
        revoke_reason=revoke_reason,
    )
    # Solo cards stop showing names; the card itself is the experiment's.
    Card.objects.filter(experiment__members__user=user).exclude(
        experiment_id__in=team_experiments
    ).update(contacts="", show_names=False)
    Invitation.objects.filter(Q(email__unicode_iexact=user.email) | Q(accepted_by=user)).update(
        email=f"erased-{user.pk}@erased.invalid", first_name="", last_name=""
    )
    done["upload_lines"] = _drop_upload_lines(user.email)
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    if apps.is_installed("allauth.socialaccount"):
        from allauth.socialaccount.models import SocialAccount

        SocialAccount.objects.filter(user=user).delete()
    user.first_name = ""
    user.last_name = ""
    user.email = f"erased-{user.pk}@erased.invalid"
    user.is_active = False
    user.is_staff = False
    user.set_unusable_password()
    user.save()
    # Whatever else still carries the name or email (others' messages, notifications sent to
    # others, certificates' copies, the admin's log) is redacted.
    redacted = redact_everywhere(terms)
    done["redacted_rows"] = sum(redacted.values())
    ErasureRequest.objects.filter(pk=request.pk).update(summary=done)
    transaction.on_commit(lambda: _delete_stored(*files_to_delete))
    _reindex_cards(
        list(Card.objects.filter(experiment__members__user=user).values_list("pk", flat=True))
    )
    logger.info("erasure %s carried out: %s", request.pk, done)
    return done


def _drop_upload_lines(email: str) -> int:
    """Invitation uploads keep their lines (name, email, organisation) for the preview: the
    person's lines go, everyone else's stay."""
    from learners.models import InvitationImport

    dropped = 0
    aliases, match = _json_holding_any("rows", [email])
    uploads = InvitationImport.objects.alias(**aliases).filter(match)
    for pk, rows in uploads.values_list("pk", "rows"):
        kept = [
            r
            for r in rows
            if not (isinstance(r, dict) and str(r.get("email", "")).lower() == email.lower())
        ]
        if len(kept) != len(rows):
            InvitationImport.objects.filter(pk=pk).update(rows=kept)
            dropped += len(rows) - len(kept)
    return dropped


def _reindex_cards(card_ids: list[int]) -> None:
    """The search index of the person's cards follows their redacted text."""
    from portfolio.services import card_index

    if card_ids:
        transaction.on_commit(lambda: card_index(card_ids=card_ids))


def erasures_carry_out_due(*, now: datetime.datetime | None = None) -> int:
    """Beat: carry out the requests whose grace period has passed."""
    now = now or timezone.now()
    count = 0
    for request in ErasureRequest.objects.filter(
        status=ErasureRequest.Status.REQUESTED, due_at__lte=now
    ):
        try:
            erasure_carry_out(request=request, by=None)
        except PrivacyError:
            continue  # carried out or cancelled meanwhile
        count += 1
    return count


# --- retention -----------------------------------------------------------------------------


def _days(name: str) -> int:
    return int(getattr(settings, name))


def retention_apply(*, now: datetime.datetime | None = None) -> RetentionRun | None:
    """Beat (daily): remove what has been kept past its retention period (settings
    RETENTION_*); a RetentionRun row records the counts when anything was removed. A second
    run removes nothing and writes nothing."""
    from learners.models import Nudge
    from notifications.models import Notification
    from workshops.models import Draft, SubmissionFile

    started = now or timezone.now()
    today = timezone.localdate(started)
    removed: dict[str, int] = {}
    files_to_delete: list[Any] = []
    with transaction.atomic():
        if days := _days("RETENTION_SUBMISSION_FILES_DAYS"):
            ended_before = today - datetime.timedelta(days=days)
            old_files = SubmissionFile.objects.filter(submission__cohort__end_date__lt=ended_before)
            for f in old_files.only("file", "preview"):
                files_to_delete += [f.file, f.preview]
            removed["submission_files"] = old_files.delete()[0]
        if days := _days("RETENTION_DRAFTS_DAYS"):
            ended_before = today - datetime.timedelta(days=days)
            removed["drafts"] = Draft.objects.filter(
                experiment__cohort__end_date__lt=ended_before
            ).delete()[0]
        if days := _days("RETENTION_NOTIFICATIONS_DAYS"):
            removed["notifications"] = (
                Notification.objects.filter(created_at__lt=started - datetime.timedelta(days=days))
                # Never a message still on its way.
                .exclude(email_status__in=("queued", "sending", "digest"))
                .delete()[0]
            )
        if days := _days("RETENTION_LOGS_DAYS"):
            before = started - datetime.timedelta(days=days)
            removed["access_log"] = AccessLogEntry.objects.filter(created_at__lt=before).delete()[0]
            removed["reminders"] = Nudge.objects.filter(created_at__lt=before).delete()[0]
            removed["retention_runs"] = RetentionRun.objects.filter(started_at__lt=before).delete()[
                0
            ]
        removed = {k: v for k, v in removed.items() if v}
        run = None
        if removed:
            run = RetentionRun.objects.create(
                started_at=started, finished_at=timezone.now(), removed=removed
            )
        transaction.on_commit(lambda: _delete_stored(*files_to_delete))
    logger.info("retention run: %s", removed or "nothing to remove")
    return run
