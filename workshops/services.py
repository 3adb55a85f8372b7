"""Writes for the workshops: experiments, their phases, submitting, processing and reviewing."""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import partial
from pathlib import PurePath
from typing import Any, TypeGuard, TypeVar

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import User
from core.outbox import publish_on_commit
from core.search import reindex_related as search_reindex_related
from core.staged_uploads import StagedUploadGone
from courses.languages import SOURCE_LANGUAGE
from courses.services import submission_completion_check_later
from learners.models import Cohort, Membership
from learners.rollup import rollup_touch
from notifications.grouping import PHASE_COMMENT, Group
from notifications.models import Notification
from notifications.services import notification_notify

from .checks import (
    check_file,
    extension_for,
    max_file_bytes,
    reason_text,
    safe_name,
    sniff,
    too_large_message,
    too_large_params,
)
from .cohort_settings import marking_for, marking_of, peer_for, peer_of
from .models import (
    Assignment,
    Draft,
    Experiment,
    ExperimentEvent,
    ExperimentMember,
    Extension,
    Phase,
    PhaseComment,
    Review,
    ReviewDraft,
    ReviewFile,
    ReviewScore,
    RubricCriterion,
    RubricLevel,
    RunLogEntry,
    ScanStatus,
    Submission,
    SubmissionFile,
    Theme,
    Workshop,
    phase_due_date,
)
from .services_rubric import RubricCheck, review_rubric_check

logger = logging.getLogger(__name__)

MAX_FILES = 10


class SubmissionError(DomainError):
    pass


class ExperimentError(DomainError):
    pass


class ReviewConflict(DomainError):
    """The review draft was saved, by a colleague or in another window, after the version
    this edit was based on."""

    def __init__(self, draft: ReviewDraft, by: User | None = None) -> None:
        if by is not None and draft.updated_by_id == by.pk:
            message = _(
                "You changed this review in another window while this one was open. That "
                "text is kept below; copy what you need from this one and save again."
            )
        else:
            message = _(
                "%(name)s changed this review while you were editing it. Their text is kept "
                "below; copy what you need from yours and save again."
            ) % {"name": draft.updated_by.display_name}
        super().__init__(message)
        self.draft = draft


class ReviewRubricChanged(SubmissionError):
    """The phase's rubric was changed after the review page was shown: nothing was saved.
    `check` names what changed and the levels picked that still apply."""

    def __init__(self, check: RubricCheck) -> None:
        super().__init__(
            _(
                "The rubric was changed after you opened this page, so your review was not "
                "saved. Your texts and the levels that still apply are kept: check the changes "
                "below, choose the levels that are missing and save again."
            )
        )
        self.check = check


def review_rubric_locked(submission: Submission) -> list[RubricCriterion]:
    """The version's rubric as it is now, its levels prefetched, read under a share of the
    rubric editor's lock (the workshop's row, services_rubric._locked_rubric): an edit being
    saved is waited for, and an edit started now waits until this transaction ends, by when
    the review's scores (or a draft's levels) are there for its check of what is in use.
    FOR KEY SHARE: reviews of the workshop do not wait for each other. Inside a transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM workshops_workshop WHERE id = %s FOR KEY SHARE",
                [submission.assignment.workshop_id],
            )
    return list(
        RubricCriterion.objects.filter(
            workshop_id=submission.assignment.workshop_id, phase=submission.assignment.phase
        ).prefetch_related("levels")
    )


def review_rubric_unchanged(
    *, criteria: list[RubricCriterion], rubric_seen: str | None, levels: dict[int, int] | None
) -> None:
    """Raise ReviewRubricChanged if the rubric is not what the review page showed
    (`rubric_seen`, services_rubric.review_rubric_seen; None: not checked)."""
    if rubric_seen is None:
        return
    check = review_rubric_check(seen=rubric_seen, criteria=criteria, picks=levels or {})
    if check.changes:
        raise ReviewRubricChanged(check)


def review_draft_moved_on(
    draft: ReviewDraft | None, *, draft_version: int | None, by: User, writer: str
) -> TypeGuard[ReviewDraft]:
    """Whether the shared draft holds words the deciding page never had: a newer version
    saved by a colleague, or by the same person in another window (`writer` names the page).
    The page's own autosave still on its way when the decision was clicked is none of these."""
    if draft is None or draft_version is None or draft.version == draft_version:
        return False
    if draft.updated_by_id != by.pk:
        return True
    return bool(draft.writer) and draft.writer != writer


# --- due dates -------------------------------------------------------------------------------


def phase_assignment(*, workshop_id: int, phase: int) -> Assignment | None:
    return Assignment.objects.filter(workshop_id=workshop_id, phase=phase).order_by("pk").first()


# --- experiments -----------------------------------------------------------------------------


def _is_learner(user: User, cohort: Cohort) -> bool:
    return Membership.objects.filter(
        cohort=cohort, user=user, role=Membership.Role.LEARNER
    ).exists()


def _event(
    experiment: Experiment, actor: User, kind: str, note: str = "", phase: int | None = None
) -> ExperimentEvent:
    # Every change to an experiment or its versions passes here: the team's progress rows.
    rollup_touch(cohort_id=experiment.cohort_id, experiment_id=experiment.pk)
    return ExperimentEvent.objects.create(
        experiment=experiment,
        actor=actor,
        kind=kind,
        phase=phase or experiment.phase,
        cycle=experiment.cycle,
        note=note,
    )


@transaction.atomic
def themes_ensure() -> dict[str, Theme]:
    """Every theme of the training by code. A migration creates them; this restores any that an
    emptied table lost (the demo, and tests that run after a database flush)."""
    return {code: Theme.objects.get_or_create(code=code)[0] for code in Theme.Code.values}


def experiment_create(
    *,
    learner: User,
    workshop: Workshop,
    cohort: Cohort,
    title: str,
    organisation: str = "",
    themes: Iterable[Theme] = (),
    challenge: str = "",
    target_group: str = "",
) -> Experiment:
    """Start the learner's own experiment in a workshop. Precondition: none."""
    if not _is_learner(learner, cohort) or cohort.course_id != workshop.course_id:
        raise ExperimentError(_("You are not a learner in a cohort of this course."))
    if not title.strip():
        raise ExperimentError(_("Give your experiment a title."))
    if ExperimentMember.objects.filter(user=learner, cohort=cohort, workshop=workshop).exists():
        raise ExperimentError(_("You already have an experiment in this workshop."))
    experiment = Experiment.objects.create(
        workshop=workshop,
        cohort=cohort,
        title=title.strip(),
        organisation=organisation.strip()
        or (learner.organisation.name if learner.organisation else ""),
        challenge=challenge.strip(),
        target_group=target_group.strip(),
        created_by=learner,
    )
    experiment.themes.set(themes)
    try:
        with transaction.atomic():
            ExperimentMember.objects.create(
                experiment=experiment, user=learner, cohort=cohort, workshop=workshop
            )
    except IntegrityError:
        raise ExperimentError(_("You already have an experiment in this workshop.")) from None
    _event(experiment, learner, ExperimentEvent.Kind.CREATED)
    return experiment


def experiment_description(experiment: Experiment) -> str:
    """A digest of what the description form edits (title, organisation, challenge, target
    group, themes): the form carries it, and a save over a team mate's newer one is refused."""
    themes = sorted(experiment.themes.values_list("pk", flat=True))
    fields = [experiment.title, experiment.organisation, experiment.challenge]
    parts = [*fields, experiment.target_group, *map(str, themes)]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).hexdigest()


class ExperimentChanged(ExperimentError):
    """A team mate saved the description after the editor opened it: nothing was saved."""


@transaction.atomic
def experiment_update(
    *,
    experiment: Experiment,
    title: str,
    organisation: str,
    themes: Iterable[Theme],
    challenge: str,
    target_group: str,
    based_on: str | None = None,
) -> Experiment:
    """Change the description of an experiment. `based_on`: experiment_description() when the
    editor opened it (None: not checked); a team mate's save since raises ExperimentChanged
    and nothing is saved. Precondition: the editor is on the team."""
    if not title.strip():
        raise ExperimentError(_("Give your experiment a title."))
    if based_on is not None:
        current = Experiment.objects.select_for_update().get(pk=experiment.pk)
        if experiment_description(current) != based_on:
            raise ExperimentChanged(
                _(
                    "A team mate saved this description after you opened it, so your changes "
                    "were not saved over theirs. Your text is still in the form; the saved "
                    "description is shown above it. Save again to keep yours."
                )
            )
    experiment.title = title.strip()
    experiment.organisation = organisation.strip()
    experiment.challenge = challenge.strip()
    experiment.target_group = target_group.strip()
    experiment.save(
        update_fields=["title", "organisation", "challenge", "target_group", "updated_at"]
    )
    experiment.themes.set(themes)
    # The experiment's card is found by its themes' names too (core.search).
    search_reindex_related(Experiment, [experiment.pk])
    return experiment


@transaction.atomic
def experiment_add_member(*, experiment: Experiment, by: User, email: str) -> ExperimentMember:
    """Add a learner of the same cohort to the team (at most four, possibly other towns) and
    tell them who added them, in the app and by email as their preferences say."""
    Experiment.objects.select_for_update().filter(pk=experiment.pk).first()
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is not None and experiment.members.filter(user=user).exists():
        if user.pk == by.pk:
            raise ExperimentError(_("You are already on this team."))
        raise ExperimentError(_("%(name)s is already on this team.") % {"name": user.display_name})
    if experiment.members.count() >= Experiment.MAX_MEMBERS:
        raise ExperimentError(
            _("A team has at most %(n)s learners.") % {"n": Experiment.MAX_MEMBERS}
        )
    if user is None or not _is_learner(user, experiment.cohort):
        raise ExperimentError(_("There is no learner with that email address in your cohort."))
    if ExperimentMember.objects.filter(
        user=user, cohort=experiment.cohort, workshop=experiment.workshop
    ).exists():
        raise ExperimentError(_("That learner already has an experiment in this workshop."))
    member = ExperimentMember.objects.create(
        experiment=experiment, user=user, cohort=experiment.cohort, workshop=experiment.workshop
    )
    _event(experiment, by, ExperimentEvent.Kind.MEMBER_ADDED, note=user.display_name)
    # The experiment's card is found by every team member's town (portfolio.search).
    search_reindex_related(Experiment, [experiment.pk])
    notification_notify(
        recipient=user,
        category=Notification.Category.REVIEWS,
        key=f"experiment-member-added-{member.pk}",
        template="experiment_member_added",
        context={"experiment": experiment, "added_by": by},
        url=reverse("workshops:experiment", args=[experiment.pk]),
    )
    return member


def _notify_team(
    experiment: Experiment, *, key: str, template: str, context: dict[str, Any]
) -> None:
    url = reverse("workshops:experiment", args=[experiment.pk])
    for member in experiment.members.select_related("user"):
        notification_notify(
            recipient=member.user,
            category=Notification.Category.REVIEWS,
            key=key,
            template=template,
            context={"experiment": experiment, **context},
            url=url,
        )


@transaction.atomic
def experiment_pivot(*, experiment: Experiment, by: User, to_phase: int, note: str) -> Experiment:
    """Send the experiment back to an earlier phase; a new cycle starts there.

    Precondition: `by` instructs the experiment's cohort.
    """
    locked = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if to_phase not in Phase.values:
        raise ExperimentError(_("Choose a phase."))
    if locked.is_active and to_phase >= locked.phase:
        raise ExperimentError(_("Choose a phase before the one the experiment is in now."))
    if not note.strip():
        raise ExperimentError(_("Tell the learners why the experiment goes back."))
    locked.phase = to_phase
    locked.cycle += 1
    locked.status = Experiment.Status.ACTIVE
    locked.save(update_fields=["phase", "cycle", "status", "updated_at"])
    _event(locked, by, ExperimentEvent.Kind.PIVOT, note=note.strip())
    _notify_team(
        locked,
        key=f"experiment-pivot-{locked.pk}-{locked.cycle}",
        template="experiment_pivot",
        context={"note": note.strip(), "phase_label": Phase(to_phase).label},
    )
    return locked


@transaction.atomic
def experiment_start_cycle(*, experiment: Experiment, by: User, phase: int) -> Experiment:
    """After phase 6 the team may iterate: a new cycle from the phase they choose."""
    locked = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if locked.is_active:
        raise ExperimentError(_("Finish this cycle before you start another one."))
    if phase not in Phase.values:
        raise ExperimentError(_("Choose a phase."))
    locked.phase = phase
    locked.cycle += 1
    locked.status = Experiment.Status.ACTIVE
    locked.save(update_fields=["phase", "cycle", "status", "updated_at"])
    _event(locked, by, ExperimentEvent.Kind.NEW_CYCLE)
    return locked


@transaction.atomic
def extension_grant(
    *, experiment: Experiment, by: User, phase: int, due_on: datetime.date
) -> Extension:
    """Give one experiment a later due date for a phase. Precondition: `by` instructs it."""
    if phase not in Phase.values:
        raise ExperimentError(_("Choose a phase."))
    extension, _created = Extension.objects.update_or_create(
        experiment=experiment, phase=phase, defaults={"due_on": due_on, "granted_by": by}
    )
    _event(experiment, by, ExperimentEvent.Kind.EXTENSION, note=str(due_on), phase=phase)
    return extension


def experiment_due(experiment: Experiment, phase: int) -> datetime.date | None:
    extension = Extension.objects.filter(experiment=experiment, phase=phase).first()
    return phase_due_date(
        assignment=phase_assignment(workshop_id=experiment.workshop_id, phase=phase),
        cohort=experiment.cohort,
        extension=extension.due_on if extension else None,
    )


# --- drafts and the run log ------------------------------------------------------------------


class DraftClosed(SubmissionError):
    """The phase takes no new version now (one was just sent), so no draft is kept."""


class DraftStale(SubmissionError):
    """A newer revision of the draft is stored already; this older text was not saved."""

    def __init__(self, draft: Draft) -> None:
        super().__init__(
            _(
                "A newer version of this draft was already saved, so this older text was not "
                "saved over it."
            )
        )
        self.draft = draft


@transaction.atomic
def draft_save(
    *,
    experiment: Experiment,
    phase: int,
    learner: User,
    text: str,
    revision: int | None = None,
    writer: str = "",
    base: int | None = None,
) -> Draft:
    """Keep what the learner is writing; called on every pause in typing.

    `revision` is the page's count of edits: a save with an older revision than the stored
    one is refused (DraftStale) and changes nothing. `writer` names the page that saves (kept
    on the draft): the refusal tells the page whether the newer text is its own.

    `base` is the stored revision the page's text was built on (the one it was shown or last
    saved). Another page's save above it holds words this page never had: this page's save is
    refused however many edits it counts, since each page counts its own edits.

    Refused (DraftClosed) once the phase takes no new version: an autosave that arrives after
    the submit must not bring back the draft the submit deleted. The experiment lock orders it
    with a submit running at the same moment.
    """
    if len(text) > 50_000:
        raise SubmissionError(_("The answer is too long (at most 50,000 characters)."))
    locked = Experiment.objects.select_for_update().get(pk=experiment.pk)
    latest = (
        Submission.objects.filter(experiment=locked, assignment__phase=phase, cycle=locked.cycle)
        .order_by("-version")
        .only("status", "learner_id", "version")
        .first()
    )
    if (
        not locked.is_active
        or locked.phase != phase
        or (latest is not None and latest.status not in Submission.RESUBMITTABLE)
    ):
        if latest is not None and latest.learner_id != learner.pk:
            # A team mate sent while this person was writing: their words are not in it.
            raise DraftClosed(
                _(
                    "%(name)s sent version %(version)s of this answer for your team, so what "
                    "you write here is no longer saved. Copy your text if you want to keep it."
                )
                % {"name": latest.learner.display_name, "version": latest.version}
            )
        raise DraftClosed(
            _(
                "This answer has already been sent, so the draft is no longer kept. Your text "
                "is in the version you sent."
            )
        )
    if revision is None:
        # A save without a revision (a page loaded before revisions existed) applies as before.
        draft, _created = Draft.objects.update_or_create(
            experiment=experiment, phase=phase, learner=learner, defaults={"text": text}
        )
        return draft
    mine = Draft.objects.filter(experiment=experiment, phase=phase, learner=learner)
    # The conditional update is the guard: only a newer revision replaces the stored text, and
    # only one this page saved itself or had seen (no base: a page loaded before bases existed).
    newer = mine.filter(revision__lt=revision)
    if base is not None:
        seen = Q(revision__lte=base)
        newer = newer.filter(seen | Q(writer=writer) if writer else seen)
    if newer.update(text=text, revision=revision, writer=writer, updated_at=timezone.now()):
        return mine.get()
    stored = mine.first()
    if stored is None:
        try:
            with transaction.atomic():
                return Draft.objects.create(
                    experiment=experiment,
                    phase=phase,
                    learner=learner,
                    text=text,
                    revision=revision,
                    writer=writer,
                )
        except IntegrityError:
            stored = mine.get()
    if stored.revision == revision and stored.text == text:
        return stored  # the same save again (a retry): nothing to do
    raise DraftStale(stored)


@transaction.atomic
def runlog_add(
    *,
    experiment: Experiment,
    author: User,
    happened_on: datetime.date,
    kind: str,
    text: str,
    photo: UploadedFile[bytes] | None = None,
    indicator_id: int | None = None,
    value: Decimal | None = None,
) -> RunLogEntry:
    """Add a dated entry to the run log (phase 4). A photo must really be an image; with
    `indicator_id` and `value` the entry also records a value of an impact-plan indicator."""
    if kind not in RunLogEntry.Kind.values:
        raise ExperimentError(_("Choose what kind of entry this is."))
    if not text.strip():
        raise ExperimentError(_("Write the entry."))
    if happened_on > timezone.localdate():
        raise ExperimentError(_("The date cannot be in the future."))
    if photo is not None:
        if photo.size and photo.size > max_file_bytes():
            raise ExperimentError(too_large_message(photo.size))
        head = photo.read(1024)
        photo.seek(0)
        detected = sniff(head)
        if detected not in {"image/png", "image/jpeg", "image/gif", "image/webp"}:
            raise ExperimentError(_("The photo must be a PNG, JPEG, GIF or WebP image."))
        # Stored under the detected type's extension, never the uploaded one.
        photo.name = safe_name(photo.name or "photo", detected)
    if (indicator_id is None) != (value is None):
        raise ExperimentError(_("Give both the indicator and its value, or neither."))
    try:
        entry = RunLogEntry.objects.create(
            experiment=experiment,
            cycle=experiment.cycle,
            author=author,
            happened_on=happened_on,
            kind=kind,
            text=text.strip(),
            photo=photo or "",
        )
    except OSError:
        # The storage removes a partly written photo; the transaction keeps no entry.
        logger.exception("storing a run-log photo of experiment %s failed", experiment.pk)
        raise ExperimentError(storage_failed_message()) from None
    if indicator_id is not None and value is not None:
        from impact.services import ImpactError, measurement_from_run_log

        try:
            measurement_from_run_log(entry=entry, indicator_id=indicator_id, value=value, by=author)
        except ImpactError as exc:
            raise ExperimentError(exc.message) from exc
    return entry


# --- submitting ------------------------------------------------------------------------------


def latest_submission(
    *, learner: User, assignment: Assignment, cohort: Cohort
) -> Submission | None:
    return (
        Submission.objects.filter(learner=learner, assignment=assignment, cohort=cohort)
        .order_by("-version")
        .first()
    )


def latest_in_phase(*, experiment: Experiment, assignment: Assignment) -> Submission | None:
    """The newest version of a phase of the experiment, from any cycle and any team member."""
    return (
        Submission.objects.filter(experiment=experiment, assignment=assignment)
        .order_by("-version")
        .first()
    )


def experiment_for(*, learner: User, workshop: Workshop, cohort: Cohort) -> Experiment | None:
    member = (
        ExperimentMember.objects.filter(user=learner, workshop=workshop, cohort=cohort)
        .select_related("experiment")
        .first()
    )
    return member.experiment if member else None


class StorageUnavailable(SubmissionError):
    """The private disk is full or read-only: nothing was saved; the server should answer 503."""


class VersionSentMeanwhile(SubmissionError):
    """A version of the phase was sent after the page this text was written on was shown (by
    a team mate, or by the same person in another window): sending this text would have
    undone that version's changes, so nothing was sent."""

    def __init__(self, newest: Submission, *, learner: User) -> None:
        if newest.learner_id == learner.pk:
            message = _(
                "You sent version %(version)s of this answer in another window after this page "
                "was opened, so this text was not sent over it. Open the answer again to see "
                "version %(version)s, and copy what you need from the text below."
            ) % {"version": newest.version}
        else:
            message = _(
                "%(name)s sent version %(version)s of this answer for your team after this page "
                "was opened, so your text was not sent over it. Open the answer again to see "
                "their version, and copy what you need from your text below."
            ) % {"name": newest.learner.display_name, "version": newest.version}
        super().__init__(message)
        self.newest = newest


class UploadAlreadyUsed(SubmissionError):
    """A file of the form was already taken by another send of the same form (a second click)
    or expired: nothing was saved by this send, and nothing is wrong with the storage."""


def storage_failed_message() -> str:
    return _(
        "Your files could not be stored right now, so nothing was saved. Try again in a few "
        "minutes; if this happens again, tell your instructor."
    )


def _store_files(
    submission: Submission, uploads: Sequence[UploadedFile[bytes]], *, added_by: User
) -> list[SubmissionFile]:
    """Store a learner's uploads as pending files (see _store_uploads)."""
    return _store_uploads(SubmissionFile, uploads, submission=submission, added_by=added_by)


_Stored = TypeVar("_Stored", SubmissionFile, ReviewFile)


def _store_uploads(
    model: type[_Stored],
    uploads: Sequence[UploadedFile[bytes]],
    *,
    submission: Submission,
    **fields: Any,
) -> list[_Stored]:
    """Store the uploads as pending rows of `model` (a learner's file or a feedback file). If
    the disk is full or read-only, the files this call already wrote are removed (the storage
    removes a partly written one) and StorageUnavailable is raised, so the caller's transaction
    rolls back with nothing left over."""
    stored: list[_Stored] = []
    try:
        for upload in uploads:
            stored.append(
                model.objects.create(
                    submission=submission,
                    file=upload,
                    original_name=upload.name[:255] if upload.name else "file",
                    size=upload.size or 0,
                    **fields,
                )
            )
    except StagedUploadGone:
        # Not the disk: the same form was sent twice, and the first send has the file.
        _remove_stored(stored)
        raise UploadAlreadyUsed(
            _(
                "This file was already sent from this form (a second click?). Check the list "
                "of files, and add it again if it is missing."
            )
        ) from None
    except OSError:
        logger.exception(
            "storing uploads (%s) of submission %s failed", model.__name__, submission.pk
        )
        _remove_stored(stored)
        raise StorageUnavailable(storage_failed_message()) from None
    return stored


def _remove_stored(stored: Sequence[SubmissionFile | ReviewFile]) -> None:
    """The files a refused call wrote already (its transaction drops their rows)."""
    for attachment in stored:
        try:
            attachment.file.delete(save=False)
        except OSError:
            logger.warning("could not remove %s after a failed upload", attachment.file.name)


def _check_uploads(uploads: Sequence[UploadedFile[bytes]]) -> None:
    if len(uploads) > MAX_FILES:
        raise SubmissionError(_("Attach at most %(n)s files at a time.") % {"n": MAX_FILES})


def refusal(upload: UploadedFile[bytes]) -> tuple[str, dict[str, Any]] | None:
    """Why an upload is refused before it is stored (empty or too large): the reason's code
    and details (workshops.checks.REASONS), or None."""
    if not upload.size:
        return "empty-upload", {}
    if upload.size > max_file_bytes():
        return "too-large", too_large_params(upload.size)
    return None


def refusal_reason(upload: UploadedFile[bytes]) -> str:
    """refusal() in words, in the active language, or ""."""
    found = refusal(upload)
    return reason_text(*found) if found else ""


def _store_refused(
    submission: Submission, uploads: Sequence[UploadedFile[bytes]], *, added_by: User
) -> list[SubmissionFile]:
    """Record uploads refused at once as rejected files, with no stored bytes: the learner sees
    each one named with its reason, and the text and the other files are kept."""
    rows = []
    for upload in uploads:
        code, params = refusal(upload) or ("", {})
        rows.append(
            SubmissionFile.objects.create(
                submission=submission,
                file="",
                original_name=upload.name[:255] if upload.name else "file",
                size=upload.size or 0,
                status=SubmissionFile.Status.REJECTED,
                reason_code=code,
                reason_params=params,
                added_by=added_by,
            )
        )
    return rows


def _keep_files(submission: Submission, kept: Sequence[SubmissionFile]) -> list[SubmissionFile]:
    """Carry accepted files of the previous version into this one. The new rows point at the
    same stored bytes (nothing is copied) and remember the file they came from."""
    return SubmissionFile.objects.bulk_create(
        SubmissionFile(
            submission=submission,
            file=f.file.name,
            original_name=f.original_name,
            size=f.size,
            page_count=f.page_count,
            content_type=f.content_type,
            status=SubmissionFile.Status.ACCEPTED,
            scan=f.scan,
            preview=f.preview.name if f.preview else "",
            extracted_text=f.extracted_text,
            carried_from=f,
            # Whoever added it first, not the sender of the version that keeps it.
            added_by_id=f.added_by_id,
        )
        for f in kept
    )


def keepable_files(*, experiment: Experiment, assignment: Assignment) -> list[SubmissionFile]:
    """The accepted files of the phase's newest version, which a new version may keep."""
    newest = latest_in_phase(experiment=experiment, assignment=assignment)
    if newest is None:
        return []
    return list(
        newest.files.filter(status=SubmissionFile.Status.ACCEPTED)
        .select_related("submission")
        .order_by("pk")
    )


@transaction.atomic
def submission_submit(
    *,
    learner: User,
    assignment: Assignment,
    cohort: Cohort,
    text: str,
    upload: UploadedFile[bytes] | None = None,
    uploads: Sequence[UploadedFile[bytes]] = (),
    experiment: Experiment | None = None,
    keep_files: Iterable[int] | None = None,
    based_on: int | None = None,
) -> Submission:
    """Save a new version of a phase of the experiment at once; files are checked after commit.

    Without `experiment`, the learner's experiment in the workshop is used (one is started,
    named after the assignment, if they have none). `keep_files`: ids of the previous
    version's accepted files that this version keeps (None keeps them all). `based_on`: the
    number of the newest version when the text was opened (0 for none); a newer one sent
    since raises VersionSentMeanwhile (None: not checked). An empty or too large upload is
    recorded as rejected on its own; the text and other files are kept.
    Precondition: none; all rules are checked.
    """
    files = [*([upload] if upload is not None else []), *uploads]
    if not _is_learner(learner, cohort) or cohort.course_id != assignment.workshop.course_id:
        raise SubmissionError(_("You are not a learner in a cohort of this course."))
    if not text.strip():
        raise SubmissionError(_("Write your answer before submitting."))
    _check_uploads(files)
    if experiment is None:
        experiment = experiment_for(learner=learner, workshop=assignment.workshop, cohort=cohort)
    if experiment is None:
        experiment = experiment_create(
            learner=learner, workshop=assignment.workshop, cohort=cohort, title=assignment.title
        )
    # The team, read once: the sender must be on it, and the others are told of the version.
    team = list(experiment.members.select_related("user"))
    if not any(member.user_id == learner.pk for member in team):
        raise SubmissionError(_("You are not on this experiment's team."))
    # Lock the experiment so two quick clicks (or two team members) cannot both send a version.
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if experiment.workshop_id != assignment.workshop_id:
        raise SubmissionError(_("This assignment belongs to another workshop."))
    if not experiment.is_active or assignment.phase != experiment.phase:
        if experiment.is_active and assignment.phase > experiment.phase:
            raise SubmissionError(_("This phase opens when the previous one is approved."))
        raise SubmissionError(_("This phase is not open for new versions now."))
    previous = (
        Submission.objects.filter(
            experiment=experiment, assignment__phase=assignment.phase, cycle=experiment.cycle
        )
        .order_by("-version")
        .first()
    )
    if previous is not None and previous.status == Submission.Status.APPROVED:
        raise SubmissionError(_("This assignment has already been approved."))
    if based_on is not None and previous is not None and previous.version > based_on:
        # Checked under the experiment's lock: of two team mates sending from pages opened on
        # the same version, the second is refused here, whether the first one's version still
        # waits for review or was decided already. The page's base is the newest version of
        # the phase in this cycle, as `previous` is.
        raise VersionSentMeanwhile(previous, learner=learner)
    if previous is not None and previous.status not in Submission.RESUBMITTABLE:
        raise SubmissionError(
            _(
                "Your previous version is still being processed or reviewed. You can send a new "
                "version if the instructor asks for a revision."
            )
        )
    # Versions sent before experiments existed share the numbering (one query for both).
    version = (
        Submission.objects.filter(assignment=assignment)
        .filter(
            Q(experiment=experiment) | Q(learner=learner, cohort=cohort, experiment__isnull=True)
        )
        .aggregate(n=Max("version"))["n"]
        or 0
    )
    kept = keepable_files(experiment=experiment, assignment=assignment)
    if keep_files is not None:
        wanted = set(keep_files)
        kept = [f for f in kept if f.pk in wanted]
    if len(kept) + len(files) > MAX_FILES:
        raise SubmissionError(_("A version can have at most %(n)s files.") % {"n": MAX_FILES})
    refused = [f for f in files if refusal_reason(f)]
    files = [f for f in files if not refusal_reason(f)]
    if experiment.cohort_id == cohort.pk:
        experiment.cohort = cohort  # loaded already: the due date needs no query for it
    due_on = experiment_due(experiment, assignment.phase)
    submission = Submission.objects.create(
        assignment=assignment,
        cohort=cohort,
        learner=learner,
        experiment=experiment,
        cycle=experiment.cycle,
        version=version + 1,
        text=text.strip(),
        due_on=due_on,
        is_late=bool(due_on and timezone.localdate() > due_on),
        status=Submission.Status.PROCESSING if files else Submission.Status.RECEIVED,
        processed_at=None if files else timezone.now(),
    )
    if submission.version > 1:
        # The earlier versions are answered: a revision asked of them is no longer outstanding.
        submission.earlier_versions().filter(superseded=False).update(superseded=True)
    Draft.objects.filter(experiment=experiment, phase=assignment.phase, learner=learner).delete()
    _event(experiment, learner, ExperimentEvent.Kind.SUBMITTED, note=f"v{submission.version}")
    _team_told_of_version(
        submission,
        experiment=experiment,
        sender=learner,
        team=team,
        answered=previous
        if previous is not None and previous.status == Submission.Status.REVISION_REQUESTED
        else None,
    )
    # The impact plan is versioned with the phases: keep it as it is now with this version.
    from impact.services import plan_snapshot_take

    plan_snapshot_take(submission=submission)
    _keep_files(submission, kept)
    # Each refused file says why on its row (CheckedFile.shown_reason, in the reader's
    # language); the version's `status_reason` is no longer written.
    _store_refused(submission, refused, added_by=learner)
    _enqueue(_store_files(submission, files, added_by=learner))
    # An "assignment submitted" item may finish the course for the whole team.
    submission_completion_check_later(
        submission_id=submission.pk, course_id=assignment.workshop.course_id, cohort_id=cohort.pk
    )
    if not files and peer_for(assignment=assignment, cohort_id=cohort.pk).peer_review:
        from .peer import peer_allocate_later

        peer_allocate_later(assignment_id=assignment.pk, cohort_id=cohort.pk)
    return submission


def _team_told_of_version(
    submission: Submission,
    *,
    experiment: Experiment,
    sender: User,
    team: list[ExperimentMember],
    answered: Submission | None,
) -> None:
    """Tell the sender's team mates that a version was sent (each once, in the app and by
    email as their preferences say; never the sender), and put away the team's "revision
    requested" notices of the version it `answered`, so no dashboard asks for them any more
    (the versions before that one were answered, and their notices put away, by its send)."""
    if answered is not None:
        Notification.objects.filter(
            recipient_id__in=[m.user_id for m in team],
            key=f"submission-reviewed-{answered.pk}",
            read_at__isnull=True,
        ).update(read_at=timezone.now())
    url = reverse("workshops:submission_detail", args=[submission.pk])
    for member in team:
        if member.user_id == sender.pk:
            continue
        notification_notify(
            recipient=member.user,
            category=Notification.Category.REVIEWS,
            # One per version and person: a retried or repeated send tells nobody twice.
            key=f"team-version-sent-{submission.pk}",
            template="team_version_sent",
            context={"experiment": experiment, "submission": submission, "sender": sender},
            url=url,
        )


def _enqueue(files: Iterable[SubmissionFile]) -> None:
    from .tasks import submission_file_process as task

    for attachment in files:
        # The pending file is the outbox row; workshops/outbox.py sweeps it if this is lost.
        publish_on_commit(task, attachment.pk)


@transaction.atomic
def submission_add_files(
    *, submission: Submission, learner: User, uploads: Sequence[UploadedFile[bytes]]
) -> list[SubmissionFile]:
    """Add (replacement) attachments to a version that waits for review.

    Precondition: `learner` may see the submission.
    """
    if not uploads:
        raise SubmissionError(_("Choose at least one file."))
    _check_uploads(uploads)
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    on_team = (
        locked.experiment_id is not None
        and ExperimentMember.objects.filter(
            experiment_id=locked.experiment_id, user=learner
        ).exists()
    )
    if locked.learner_id != learner.pk and not on_team:
        raise SubmissionError(_("Only the learners on the team can add files."))
    if locked.status not in (Submission.Status.PROCESSING, Submission.Status.RECEIVED):
        raise SubmissionError(_("Files can be added only while the version waits for review."))
    if locked.files.count() + len(uploads) > MAX_FILES:
        raise SubmissionError(_("A version can have at most %(n)s files.") % {"n": MAX_FILES})
    stored = _store_files(locked, [u for u in uploads if not refusal_reason(u)], added_by=learner)
    rejected = _store_refused(locked, [u for u in uploads if refusal_reason(u)], added_by=learner)
    _enqueue(stored)
    return stored + rejected


# --- processing ------------------------------------------------------------------------------


def _file_check_pending(attachment: SubmissionFile | ReviewFile) -> bool:
    """Check one stored pending file by its content and record the verdict on its row; shared
    by the learners' files and the instructors' feedback files (same fields, same outbox).

    Safe to run twice: the check is pure and the write is conditional on the row still being
    pending. Returns whether this call wrote the verdict."""
    model = type(attachment)
    if attachment.status != SubmissionFile.Status.PENDING:
        return False
    # A refusal is stored as its reason's code and details, put into words for each reader.
    with attachment.file.open("rb") as stream:
        verdict = check_file(stream, attachment.file.size)
    preview = ""
    if verdict.preview_png:
        preview = attachment.preview.storage.save(
            attachment.preview.field.generate_filename(attachment, "preview.png"),
            ContentFile(verdict.preview_png),
        )
    # An accepted file is kept under its detected type's extension, never the uploaded one.
    stored_name = attachment.file.name or ""
    renamed = ""
    if verdict.accepted:
        wanted = extension_for(verdict.content_type)
        if not stored_name.lower().endswith(wanted):
            with attachment.file.open("rb") as stream:
                renamed = attachment.file.storage.save(
                    str(PurePath(stored_name).with_suffix("")) + wanted, stream
                )
    changed = model.objects.filter(pk=attachment.pk, status=SubmissionFile.Status.PENDING).update(
        status=(
            SubmissionFile.Status.ACCEPTED if verdict.accepted else SubmissionFile.Status.REJECTED
        ),
        reason_code=verdict.code,
        reason_params=dict(verdict.params),
        content_type=verdict.content_type,
        page_count=verdict.page_count,
        size=attachment.file.size,
        scan=verdict.scan if verdict.scan in ScanStatus.values else ScanStatus.NOT_SCANNED,
        preview=preview,
        extracted_text=verdict.text,
        file=renamed or stored_name,
    )
    if not changed and preview:
        attachment.preview.storage.delete(preview)
    if renamed:
        attachment.file.storage.delete(stored_name if changed else renamed)
    if changed and verdict.scan == ScanStatus.INFECTED:
        # An infected file is never kept, not even for its uploader.
        attachment.file.delete(save=False)
    return bool(changed)


def submission_file_process(*, file_id: int) -> SubmissionFile | None:
    """Check one stored file and record the verdict; then settle its submission.

    Safe to run twice: the check is pure and the write is conditional on the file still
    being pending. A failed check rejects this file only, never the text or other files.
    """
    attachment = SubmissionFile.objects.filter(pk=file_id).first()
    if attachment is None:
        return None
    _file_check_pending(attachment)
    submission_settle(submission_id=attachment.submission_id)
    attachment.refresh_from_db()
    return attachment


def submission_settle(*, submission_id: int) -> Submission | None:
    """Once no file is pending, a processing version becomes ready for review."""
    pending = SubmissionFile.objects.filter(
        submission=OuterRef("pk"), status=SubmissionFile.Status.PENDING
    )
    with transaction.atomic():
        submission = Submission.objects.select_related("learner", "assignment").get(
            pk=submission_id
        )
        rejected = list(
            SubmissionFile.objects.filter(
                submission=submission, status=SubmissionFile.Status.REJECTED
            ).order_by("pk")
        )
        changed = (
            Submission.objects.filter(pk=submission_id, status=Submission.Status.PROCESSING)
            .exclude(Exists(pending))
            .update(status=Submission.Status.RECEIVED, processed_at=timezone.now())
        )
        if not changed:
            if submission.status == Submission.Status.RECEIVED and rejected:
                # A replacement file added later was rejected too.
                _notify_rejected(submission, rejected)
            return submission
        submission.refresh_from_db()
        if rejected:
            _notify_rejected(submission, rejected)
        if peer_of(submission).peer_review:
            from .peer import peer_allocate_later

            peer_allocate_later(
                assignment_id=submission.assignment_id, cohort_id=submission.cohort_id
            )
    return submission


def _notify_rejected(submission: Submission, rejected: list[SubmissionFile]) -> None:
    """Tell the version's sender of its refused files, and each team mate who added one of
    them of their own: each in their language, once per refusal (the key names the last
    refused file of what they are told, so a retried check or settle tells nobody twice)."""
    url = reverse("workshops:submission_detail", args=[submission.pk])
    told: list[tuple[User, list[SubmissionFile]]] = [(submission.learner, rejected)]
    mates: dict[int, list[SubmissionFile]] = {}
    for attachment in rejected:
        adder = attachment.added_by_id
        if adder is not None and adder != submission.learner_id:
            mates.setdefault(adder, []).append(attachment)
    told += [(user, mates[user.pk]) for user in User.objects.filter(pk__in=mates)]
    for recipient, files in told:
        notification_notify(
            recipient=recipient,
            category=Notification.Category.REVIEWS,
            key=f"submission-rejected-{submission.pk}-{files[-1].pk}",
            template="submission_rejected",
            context={"submission": submission, "rejected": files},
            url=url,
        )


def submission_process(*, submission_id: int) -> Submission | None:
    """Check every pending file of a submission (kept for tasks enqueued before per-file
    processing); safe to run twice."""
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None:
        return None
    for file_id in submission.files.filter(status=SubmissionFile.Status.PENDING).values_list(
        "pk", flat=True
    ):
        submission_file_process(file_id=file_id)
    return submission_settle(submission_id=submission_id)


# --- reviewing -------------------------------------------------------------------------------


@transaction.atomic
def submission_review(
    *,
    submission: Submission,
    reviewer: User,
    decision: str,
    feedback: str,
    strengths: str = "",
    questions: str = "",
    suggestions: str = "",
    levels: dict[int, int] | None = None,
    draft_version: int | None = None,
    draft_writer: str = "",
    files_seen: str | None = None,
    rubric_seen: str | None = None,
) -> Review:
    """The direct review: record the instructor's decision, move the experiment on and tell
    the learners at once. Refused while the marking workflow is on (see
    `submission_review_release`).

    Precondition: the reviewer may review the submission (see workshops.access.can_review).
    With a rubric for the phase, a level must be picked for every criterion. `draft_version`
    is the shared draft the reviewer was looking at, `draft_writer` the page: a newer draft
    saved by a colleague, or by the reviewer in another window, means the decision would drop
    words the page never had, and it is refused (ReviewConflict). `files_seen`
    (see `files_fingerprint`) binds the decision to the files the reviewer was shown: if the
    learners added one since, the decision is refused. `rubric_seen` (see
    services_rubric.review_rubric_seen) is the rubric the page showed: if it was changed since,
    the decision is refused (ReviewRubricChanged) rather than scored on criteria and levels the
    reviewer never saw.
    """
    if marking_of(submission).marking_workflow:
        # With the marking workflow a decision reaches the learner only through release.
        raise SubmissionError(_("In this workshop, reviews are released through the workflow."))
    _review_decision_valid(decision=decision, feedback=feedback)
    # Lock the version before anything else, in the order every writer of a review takes its
    # locks (version, then draft: review_draft_save, submission_add_files): a colleague's
    # autosave at the same moment waits for the decision, or the decision for the autosave,
    # instead of each holding what the other waits for (a deadlock the browser journey met).
    # A file being added either commits before the files check below and is seen there, or
    # waits and finds the version decided.
    Submission.objects.select_for_update().filter(pk=submission.pk).exists()
    if draft_version is not None:
        draft = ReviewDraft.objects.select_for_update().filter(submission=submission).first()
        if review_draft_moved_on(
            draft, draft_version=draft_version, by=reviewer, writer=draft_writer
        ):
            raise ReviewConflict(draft, by=reviewer)
    if files_seen is not None and files_fingerprint(submission_id=submission.pk) != files_seen:
        raise SubmissionError(
            _(
                "The learners added a file to this version after you opened it. Look at "
                "the files again before you decide; your review text is kept."
            )
        )
    criteria = review_rubric_locked(submission)
    review_rubric_unchanged(criteria=criteria, rubric_seen=rubric_seen, levels=levels)
    scores = _rubric_scores(submission, levels or {}, criteria=criteria)
    return _review_record(
        submission=submission,
        reviewer=reviewer,
        decision=decision,
        feedback=feedback,
        strengths=strengths,
        questions=questions,
        suggestions=suggestions,
        scores=scores,
    )


@transaction.atomic
def submission_review_release(
    *,
    submission: Submission,
    reviewer: User,
    decision: str,
    feedback: str,
    strengths: str = "",
    questions: str = "",
    suggestions: str = "",
    levels: dict[int, int] | None = None,
) -> Review:
    """The release step of the marking workflow: turn the decision kept in the shared draft
    into the Review, move the experiment on and tell the learners, as the direct review does.

    Precondition: called only by `marking.marking_release`, which has checked the workflow
    (who releases, the state, the second check) and holds the Marking row's lock.
    """
    _review_decision_valid(decision=decision, feedback=feedback)
    scores = _rubric_scores(submission, levels or {}, criteria=review_rubric_locked(submission))
    return _review_record(
        submission=submission,
        reviewer=reviewer,
        decision=decision,
        feedback=feedback,
        strengths=strengths,
        questions=questions,
        suggestions=suggestions,
        scores=scores,
    )


def _review_decision_valid(*, decision: str, feedback: str) -> None:
    """Check a decision and its words (the rubric levels are checked under the rubric's lock:
    review_rubric_locked, _rubric_scores)."""
    if decision not in Review.Decision.values:
        raise SubmissionError(_("Choose a decision."))
    if decision == Review.Decision.REVISE and not feedback.strip():
        raise SubmissionError(_("Tell the learner what to change when you ask for a revision."))


def _review_record(
    *,
    submission: Submission,
    reviewer: User,
    decision: str,
    feedback: str,
    strengths: str,
    questions: str,
    suggestions: str,
    scores: list[ReviewScore],
) -> Review:
    """Decide the submission (once: the conditional update is the lock), save the Review and
    its scores, move the experiment on and notify the team. Inside the caller's transaction."""
    new_status = (
        Submission.Status.APPROVED
        if decision == Review.Decision.APPROVE
        else Submission.Status.REVISION_REQUESTED
    )
    # The conditional update is the lock: of two instructors deciding at once, one wins.
    changed = Submission.objects.filter(pk=submission.pk, status=Submission.Status.RECEIVED).update(
        status=new_status
    )
    if not changed:
        raise SubmissionError(
            _("This submission has already been reviewed or is not ready for review.")
        )
    review = Review.objects.create(
        submission=submission,
        reviewer=reviewer,
        decision=decision,
        feedback=feedback.strip(),
        strengths=strengths.strip(),
        questions=questions.strip(),
        suggestions=suggestions.strip(),
    )
    for score in scores:
        score.review = review
    ReviewScore.objects.bulk_create(scores)
    ReviewDraft.objects.filter(submission=submission).delete()
    # The files attached while the review was written (directly, or on the workflow's shared
    # draft) go with it: only now does the team see them.
    ReviewFile.objects.filter(submission=submission, review__isnull=True).update(review=review)
    feedback_files = list(ReviewFile.objects.filter(review=review).order_by("pk"))
    submission.status = new_status
    submission_completion_check_later(submission_id=submission.pk)  # certificates, after commit
    recipients = [submission.learner]
    experiment = submission.experiment  # no query when the submission has no experiment
    if experiment is not None:
        phase = submission.assignment.phase
        _event(
            experiment,
            reviewer,
            ExperimentEvent.Kind.APPROVED
            if decision == Review.Decision.APPROVE
            else ExperimentEvent.Kind.REVISION,
            note=f"v{submission.version}"
            + (f" · {feedback.strip()}" if decision == Review.Decision.REVISE else ""),
            phase=phase,
        )
        if decision == Review.Decision.APPROVE:
            _advance(experiment, reviewer, phase=phase, cycle=submission.cycle)
        recipients += [
            m.user
            for m in experiment.members.select_related("user")
            if m.user_id != submission.learner_id
        ]
    # The email carries the whole structured feedback; with blind review it names nobody.
    email_context = {
        "submission": submission,
        "review": review,
        "scores": scores,
        "total_points": sum(score.points for score in scores),
        # "7 / 12 points": the rubric's maximum beside the points given.
        "max_points": _max_points(scores),
        "blind": marking_of(submission).blind_review,
    }
    email_context["feedback_files"] = feedback_file_links(
        feedback_files, blind=bool(email_context["blind"])
    )
    scores_by_language = _scores_by_language(review, scores, recipients)
    for recipient in recipients:
        notification_notify(
            recipient=recipient,
            category=Notification.Category.REVIEWS,
            key=f"submission-reviewed-{submission.pk}",
            template="submission_reviewed",
            context={**email_context, "scores": scores_by_language[_language_of(recipient)]},
            url=reverse("workshops:submission_detail", args=[submission.pk]),
        )
    if decision == Review.Decision.APPROVE:
        _obsolete_revision_requests(submission, recipients)
    return review


def _language_of(recipient: User) -> str:
    """The language a notification is written in for `recipient` (as notification_notify)."""
    from django.conf import settings

    return recipient.language or settings.LANGUAGE_CODE


def _scores_by_language(
    review: Review, scores: list[ReviewScore], recipients: list[User]
) -> dict[str, list[ReviewScore]]:
    """The review's rubric scores in each recipient's language, as the version page shows them
    (workshops.texts.scores_in_language); the saved copies keep the Finnish texts. No queries:
    the scores come with their criteria and the criteria's levels (_rubric_scores)."""
    from .texts import scores_in_language

    levels = [
        level for s in scores if s.criterion is not None for level in s.criterion.levels.all()
    ]
    by_language: dict[str, list[ReviewScore]] = {}
    for language in {_language_of(recipient) for recipient in recipients}:
        with translation.override(language):
            by_language[language] = scores_in_language(
                review=review,
                # Unsaved copies: scores_in_language rewrites the texts of what it is given.
                scores=[
                    ReviewScore(
                        review=review,
                        criterion=s.criterion,
                        criterion_title=s.criterion_title,
                        points=s.points,
                        level_label=s.level_label,
                        descriptor=s.descriptor,
                    )
                    for s in scores
                ],
                levels=levels,
            )
    return by_language


# --- feedback files ---------------------------------------------------------------------------


class FeedbackFileRefused(SubmissionError):
    """An upload that cannot be a feedback file (empty, too large, too many): bad input."""


def _feedback_files_open(submission: Submission, by: User) -> None:
    """Feedback files change only while the version waits for its decision; in the marking
    workflow not once the review is ready for release (its content is then frozen)."""
    if submission.status != Submission.Status.RECEIVED:
        raise SubmissionError(
            _("Files can be attached to the review only while the version waits for review.")
        )
    if marking_of(submission).marking_workflow:
        from .marking import marking_touch

        marking_touch(submission=submission, by=by)


@transaction.atomic
def review_file_add(
    *, submission: Submission, by: User, uploads: Sequence[UploadedFile[bytes]]
) -> list[ReviewFile]:
    """Attach files to the review being written (a draft until the decision or the release
    attaches them to the Review); each is checked by content after commit, as the learners'
    files are. An empty or too large upload refuses them all, with the reason.

    Precondition: `by` may review the submission (workshops.access.can_review).
    """
    if not uploads:
        raise FeedbackFileRefused(_("Choose at least one file."))
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    _feedback_files_open(locked, by)
    drafts = ReviewFile.objects.filter(submission=locked, review__isnull=True).count()
    if drafts + len(uploads) > MAX_FILES:
        raise FeedbackFileRefused(_("A review can have at most %(n)s files.") % {"n": MAX_FILES})
    for upload in uploads:
        if reason := refusal_reason(upload):
            raise FeedbackFileRefused(f"{upload.name or 'file'}: {reason}")
    stored = _store_uploads(ReviewFile, uploads, submission=locked, uploaded_by=by)
    from .tasks import review_file_process as task

    for attachment in stored:
        # The pending row is the outbox row; workshops/outbox.py sweeps it if this is lost.
        publish_on_commit(task, attachment.pk)
    return stored


@transaction.atomic
def review_file_delete(*, attachment: ReviewFile, by: User) -> None:
    """Remove a feedback file from the review being written; the stored file goes after
    commit. Precondition: `by` may review the submission."""
    locked = Submission.objects.select_for_update().get(pk=attachment.submission_id)
    if attachment.review_id is not None:
        raise SubmissionError(_("The review was already sent with this file."))
    _feedback_files_open(locked, by)
    storage, names = attachment.file.storage, [attachment.file.name, attachment.preview.name]
    attachment.delete()
    for name in filter(None, names):
        transaction.on_commit(partial(storage.delete, name), robust=True)


def review_file_process(*, file_id: int) -> ReviewFile | None:
    """Check one feedback file by its content and record the verdict (idempotent)."""
    attachment = ReviewFile.objects.filter(pk=file_id).first()
    if attachment is None:
        return None
    _file_check_pending(attachment)
    attachment.refresh_from_db()
    return attachment


def feedback_file_links(files: Iterable[ReviewFile], *, blind: bool) -> list[dict[str, str]]:
    """Names and absolute download addresses of feedback files for the review email; with
    blind review a neutral name, so the file name cannot reveal the reviewer."""
    from django.conf import settings

    return [
        {
            "name": feedback_file_name(attachment, index=index, blind=blind),
            "url": settings.SITE_URL
            + reverse("workshops:review_file_download", args=[attachment.pk]),
        }
        for index, attachment in enumerate(files, start=1)
        if attachment.status != ReviewFile.Status.REJECTED
    ]


def feedback_file_name(attachment: ReviewFile, *, index: int, blind: bool) -> str:
    """The name a feedback file is shown and downloaded under."""
    if blind:
        return safe_name(_("feedback-%(n)s") % {"n": index}, attachment.content_type)
    if attachment.content_type:
        return safe_name(attachment.original_name, attachment.content_type)
    return attachment.original_name


def _max_points(scores: list[ReviewScore]) -> int:
    """The most points the scored criteria could have given."""
    maxima: dict[int | None, int] = dict(
        RubricLevel.objects.filter(criterion_id__in=[s.criterion_id for s in scores])
        .values("criterion_id")
        .annotate(top=Max("points"))
        .values_list("criterion_id", "top")
    )
    return sum(max(maxima.get(s.criterion_id, s.points), s.points) for s in scores)


def _obsolete_revision_requests(submission: Submission, recipients: list[User]) -> None:
    """Once a phase is approved, the earlier versions' "revision requested" notifications are
    done with: mark them read so they do not sit unread next to the approval."""
    earlier = Submission.objects.filter(
        assignment_id=submission.assignment_id, version__lt=submission.version
    )
    earlier = (
        earlier.filter(experiment_id=submission.experiment_id)
        if submission.experiment_id
        else earlier.filter(learner_id=submission.learner_id, cohort_id=submission.cohort_id)
    )
    keys = [f"submission-reviewed-{pk}" for pk in earlier.values_list("pk", flat=True)]
    if keys:
        Notification.objects.filter(
            recipient__in=recipients, key__in=keys, read_at__isnull=True
        ).update(read_at=timezone.now())


def files_fingerprint(*, submission_id: int) -> str:
    """The files of a version as the reviewer sees them: their ids, in order ("" for none)."""
    ids = SubmissionFile.objects.filter(submission_id=submission_id).order_by("pk")
    return ",".join(str(pk) for pk in ids.values_list("pk", flat=True))


def _advance(experiment: Experiment, by: User, *, phase: int, cycle: int) -> None:
    """Open the next phase, or complete the cycle after phase 6, if this was the open phase."""
    if phase >= Phase.SHARING:
        done = Experiment.objects.filter(
            pk=experiment.pk, phase=phase, cycle=cycle, status=Experiment.Status.ACTIVE
        ).update(status=Experiment.Status.COMPLETED, updated_at=timezone.now())
        if done:
            experiment.refresh_from_db()
            _event(experiment, by, ExperimentEvent.Kind.COMPLETED)
        return
    Experiment.objects.filter(
        pk=experiment.pk, phase=phase, cycle=cycle, status=Experiment.Status.ACTIVE
    ).update(phase=phase + 1, updated_at=timezone.now())
    experiment.refresh_from_db()


def _rubric_scores(
    submission: Submission,
    levels: dict[int, int],
    *,
    criteria: list[RubricCriterion] | None = None,
) -> list[ReviewScore]:
    """The picked level of every criterion of the phase's rubric (`criteria`, as
    review_rubric_locked read them; read here without the lock when not given), as unsaved
    scores. The copies hold the Finnish (source) texts whatever language the reviewer works
    in, so every review records the same wording; workshops.texts shows each reader their own
    language from them."""
    if criteria is None:
        criteria = list(
            RubricCriterion.objects.filter(
                workshop_id=submission.assignment.workshop_id, phase=submission.assignment.phase
            ).prefetch_related("levels")
        )
    scores = []
    for criterion in criteria:
        level = next(
            (lv for lv in criterion.levels.all() if lv.pk == levels.get(criterion.pk)), None
        )
        if level is None:
            raise SubmissionError(
                _("Pick a level for every criterion of the rubric (missing: %(title)s).")
                % {"title": criterion.title}
            )
        scores.append(
            ReviewScore(
                criterion=criterion,
                criterion_title=_source_text(criterion, "title"),
                points=level.points,
                level_label=_source_text(level, "label"),
                descriptor=_source_text(level, "descriptor"),
            )
        )
    return scores


def _source_text(row: RubricCriterion | RubricLevel, name: str) -> str:
    """The row's Finnish text (its `<name>_fi` column), not the active language's."""
    text: str = getattr(row, f"{name}_{SOURCE_LANGUAGE}") or ""
    return text


REVIEW_DRAFT_FIELDS = ("decision", "strengths", "questions", "suggestions", "feedback")


@transaction.atomic
def review_draft_save(
    *,
    submission: Submission,
    by: User,
    base_version: int,
    fields: dict[str, str],
    levels: dict[int, int],
    writer: str = "",
) -> ReviewDraft:
    """Save the shared review draft if nobody saved a newer one since `base_version`
    (0 = there was no draft). Raises ReviewConflict, keeping the other person's text.

    Precondition: `by` may review the submission.
    """
    # Lock the submission: a draft saved while a colleague's decision commits waits for it and
    # is then refused, instead of racing the decision that deletes the draft.
    ready = (
        Submission.objects.select_for_update()
        .filter(pk=submission.pk, status=Submission.Status.RECEIVED)
        .exists()
    )
    if not ready:
        raise SubmissionError(
            _("This submission has already been reviewed or is not ready for review.")
        )
    if marking_of(submission).marking_workflow:
        from .marking import marking_touch

        marking_touch(submission=submission, by=by)
    values = {name: (fields.get(name) or "")[:20_000] for name in REVIEW_DRAFT_FIELDS}
    if values["decision"] not in ("", *Review.Decision.values):
        values["decision"] = ""
    stored_levels = {str(k): v for k, v in levels.items()}
    if base_version == 0:
        try:
            with transaction.atomic():
                return ReviewDraft.objects.create(
                    submission=submission,
                    updated_by=by,
                    writer=writer,
                    levels=stored_levels,
                    **values,
                )
        except IntegrityError:
            pass
    changed = ReviewDraft.objects.filter(submission=submission, version=base_version).update(
        version=base_version + 1,
        updated_by=by,
        writer=writer,
        updated_at=timezone.now(),
        levels=stored_levels,
        **values,
    )
    draft = ReviewDraft.objects.select_related("updated_by").filter(submission=submission).first()
    if draft is None:
        raise SubmissionError(_("The review draft was removed; reload the page."))
    if not changed:
        raise ReviewConflict(draft, by=by)
    return draft


def thread_audience(experiment: Experiment) -> list[User]:
    """Who takes part in a phase thread: the team and the cohort's instructors."""
    team = [m.user for m in experiment.members.select_related("user")]
    instructors = [
        m.user
        for m in Membership.objects.filter(
            cohort_id=experiment.cohort_id, role=Membership.Role.INSTRUCTOR
        ).select_related("user")
    ]
    return team + [u for u in instructors if u not in team]


@transaction.atomic
def phase_comment_add(
    *, experiment: Experiment, phase: int, author: User, text: str
) -> PhaseComment:
    """Add a message to the thread on a phase and tell everyone else who reads it: the team
    (the writer's team mates too) and, for a message from the team, the instructors. Under
    blind review only the team is told: the pages hide the thread from everyone else, and an
    email would name the learner who wrote.

    Precondition: `author` is on the team or instructs the experiment's cohort.
    """
    if phase not in Phase.values:
        raise ExperimentError(_("Choose a phase."))
    if not text.strip():
        raise ExperimentError(_("Write a message."))
    if len(text) > 5000:
        raise ExperimentError(_("The message is too long (at most 5,000 characters)."))
    comment = PhaseComment.objects.create(
        experiment=experiment, phase=phase, cycle=experiment.cycle, author=author, text=text.strip()
    )
    team_ids = set(experiment.members.values_list("user_id", flat=True))
    from_team = author.pk in team_ids
    blind = marking_for(workshop=experiment.workshop, cohort_id=experiment.cohort_id).blind_review
    url = reverse("workshops:thread", args=[experiment.pk, phase])
    for recipient in thread_audience(experiment):  # each person once
        if recipient.pk == author.pk:
            continue
        if recipient.pk not in team_ids and not from_team:
            continue  # an instructor's message is for the team, not the other instructors
        if blind and recipient.pk not in team_ids:
            continue  # a blind reviewer: the submission and review pages show them no thread
        notification_notify(
            recipient=recipient,
            category=Notification.Category.REVIEWS,
            key=f"phase-comment-{comment.pk}",
            template="phase_comment",
            context={
                "experiment": experiment,
                "comment": comment,
                "phase_label": Phase(phase).label,
                # False while blind reviewers are skipped above; should they ever be told, the
                # template then names no learner ("A learner on the team wrote ...").
                "hide_author": blind and recipient.pk not in team_ids,
            },
            url=url,
            # The pages show a phase thread's messages as one line ("3 new messages on …").
            group=Group(
                kind=PHASE_COMMENT, about=f"{experiment.pk}-{phase}", title=experiment.title
            ),
        )
    return comment
