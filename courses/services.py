"""Writes for courses: a learner's progress, knowledge-check attempts, reflections and
certificates."""

from __future__ import annotations

import copy
import datetime
import logging
import secrets
from collections.abc import Iterable, Mapping
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import User
from core.outbox import publish_on_commit
from learners.rollup import rollup_touch

from . import credentials, quiz, selectors
from .models import Certificate, Completion, Course, Item, QuizAttempt, Reflection

logger = logging.getLogger(__name__)

REFLECTION_MAX_CHARS = 20_000


class ProgressError(DomainError):
    pass


class ItemLocked(ProgressError):
    """The item's module has not opened for this learner yet; `message` says why."""


def _check_learner(*, user: User, item: Item) -> None:
    if selectors.learner_cohort(user=user, course=item.module.course) is None:
        raise ProgressError(_("Only learners of this course can mark items done."))
    lock = selectors.item_lock(user=user, item=item)
    if lock is not None:
        raise ItemLocked(lock.reason)


def _complete(*, user: User, item: Item) -> Completion:
    completion, created = Completion.objects.get_or_create(user=user, item=item)
    if created:
        course_completion_check(user=user, course=item.module.course)
    return completion


@transaction.atomic
def item_complete(*, user: User, item: Item) -> Completion:
    """Mark an item done by the learner's own button (idempotent); only for items whose rule
    is "marked done" (or "viewed" for items without a player), never for a locked item."""
    _check_learner(user=user, item=item)
    if item.completion_rule not in (Item.Rule.MANUAL, Item.Rule.VIEWED):
        raise ProgressError(_("This item is marked done automatically when its rule is met."))
    return _complete(user=user, item=item)


@transaction.atomic
def item_uncomplete(*, user: User, item: Item) -> None:
    """Undo a learner's own "marked done"; automatic completions (quiz, video) stay."""
    if item.completion_rule == Item.Rule.MANUAL:
        Completion.objects.filter(user=user, item=item).delete()
        rollup_touch(user_ids=[user.pk], course_id=item.module.course_id)


def item_view(*, user: User, item: Item) -> bool:
    """Record that a learner opened an item whose rule is "viewed" (not a video, which counts
    only when played to the end). Returns True when this made the item done."""
    if item.completion_rule != Item.Rule.VIEWED or item.kind == Item.Kind.VIDEO:
        return False
    if selectors.learner_cohort(user=user, course=item.module.course) is None:
        return False
    _completion, created = Completion.objects.get_or_create(user=user, item=item)
    if created:
        course_completion_check(user=user, course=item.module.course)
    return created


@transaction.atomic
def item_video_watched(*, user: User, item: Item) -> Completion:
    """A video played to the end (reported by static/js/courses-video.js)."""
    _check_learner(user=user, item=item)
    if item.kind != Item.Kind.VIDEO:
        raise ProgressError(_("Only a video can be watched to the end."))
    return _complete(user=user, item=item)


def _quiz_check(*, user: User, item: Item) -> None:
    if item.kind != Item.Kind.QUIZ:
        raise ProgressError(_("This item is not a knowledge check."))
    _check_learner(user=user, item=item)
    # Lock the learner's row so two simultaneous requests cannot both open or grade attempt n.
    User.objects.select_for_update().filter(pk=user.pk).first()


def _quiz_open(*, user: User, item: Item) -> QuizAttempt:
    """The open attempt, or a new one with its questions (precondition: _quiz_check)."""
    found = selectors.quiz_open_attempt(user=user, item=item)
    if found is not None:
        return found
    submitted = QuizAttempt.objects.filter(user=user, item=item, submitted_at__isnull=False)
    if submitted.filter(passed=True).exists():
        raise ProgressError(_("You have already passed this knowledge check."))
    used = submitted.count()
    if item.max_attempts and used >= item.max_attempts:
        raise ProgressError(_("You have used all your attempts at this knowledge check."))
    if item.draw_count:
        pool = list(selectors.quiz_draw_pool(item=item).values_list("pk", flat=True))
        # A fresh, unpredictable draw per attempt; it is stored, so the attempt keeps it.
        ids = secrets.SystemRandom().sample(pool, min(item.draw_count, len(pool)))
    else:
        ids = list(item.questions.order_by("position", "pk").values_list("pk", flat=True))
    if not ids:
        raise ProgressError(_("This knowledge check has no questions yet."))
    return QuizAttempt.objects.create(
        user=user, item=item, number=used + 1, questions=ids, submitted_at=None
    )


@transaction.atomic
def quiz_attempt_open(*, user: User, item: Item) -> QuizAttempt:
    """Start an attempt at a knowledge check: the questions are drawn now (at random from the
    bank when the check draws) and kept on the attempt, so a reload shows the same ones.
    Returns the learner's open attempt if there is one (idempotent)."""
    _quiz_check(user=user, item=item)
    return _quiz_open(user=user, item=item)


def _read_differently(attempt: QuizAttempt, answers: Mapping[int, object]) -> bool:
    """Whether `answers`, read as grading reads them, differ from those the attempt kept."""
    questions = selectors.quiz_questions_by_ids(ids=[int(pk) for pk in attempt.questions])
    for question in questions:
        try:
            given = quiz.read(question, answers.get(question.pk))
        except (quiz.Unanswered, quiz.Unreadable):
            return True
        if given != attempt.answers.get(str(question.pk)):
            return True
    return False


@transaction.atomic
def quiz_attempt_submit(
    *,
    user: User,
    item: Item,
    answers: Mapping[int, object],
    number: int | None = None,
) -> QuizAttempt:
    """Grade the learner's attempt at a knowledge check and keep it; passing completes the
    item when its rule is "knowledge check passed". Every question must be answered, and
    nothing is saved otherwise. `number` is the attempt the form was shown for: sending the
    same form again returns that attempt as it was graded (idempotent)."""
    _quiz_check(user=user, item=item)
    if number is not None:
        earlier = QuizAttempt.objects.filter(
            user=user, item=item, number=number, submitted_at__isnull=False
        ).first()
        if earlier is not None:
            # The same form again (a second click) or another window's copy of it: the first
            # send counts. `other_answers` tells the page when these answers were not the ones
            # kept, so it can say so instead of showing another send's result without a word.
            earlier.other_answers = _read_differently(earlier, answers)  # type: ignore[attr-defined]
            return earlier
    attempt = _quiz_open(user=user, item=item)
    questions = selectors.quiz_questions_by_ids(ids=[int(pk) for pk in attempt.questions])
    if not questions:
        raise ProgressError(_("This knowledge check has no questions yet."))
    given: dict[str, object] = {}
    results: dict[str, bool] = {}
    for question in questions:
        try:
            given[str(question.pk)] = quiz.read(question, answers.get(question.pk))
        except quiz.Unanswered:
            raise ProgressError(_("Answer every question before you check your answers.")) from None
        except quiz.NotANumber:
            raise ProgressError(
                _("Enter a number, for example 9,5 or 1 234,5 (one decimal comma).")
            ) from None
        except quiz.RepeatedPosition:
            raise ProgressError(
                _("Give each item of an ordering question a different position.")
            ) from None
        except quiz.Unreadable:
            raise ProgressError(_("The answer could not be read. Please try again.")) from None
        results[str(question.pk)] = quiz.grade(question, given[str(question.pk)])
    correct = sum(results.values())
    attempt.score = round(100 * correct / len(questions))
    attempt.passed = attempt.score >= item.pass_mark
    attempt.answers = given
    attempt.results = results
    attempt.questions = [q.pk for q in questions]
    # What it asked, as asked: its review shows this whatever an author edits later (an edit
    # also snapshots attempts that have none first: authoring.quiz_attempts_freeze).
    attempt.snapshot = quiz.snapshot(questions)
    attempt.submitted_at = timezone.now()
    attempt.save()
    if attempt.passed and item.completion_rule == Item.Rule.QUIZ_PASSED:
        _complete(user=user, item=item)
    return attempt


@transaction.atomic
def reflection_save(*, user: User, item: Item, text: str) -> Reflection:
    """Save the learner's reflection in their learning journal; saving an answer counts as
    marking the reflection done."""
    if item.kind != Item.Kind.REFLECTION:
        raise ProgressError(_("This item is not a reflection."))
    _check_learner(user=user, item=item)
    text = (text or "").strip()
    if not text:
        raise ProgressError(_("Write your reflection before saving it."))
    if len(text) > REFLECTION_MAX_CHARS:
        raise ProgressError(
            _("A reflection can be at most %(n)s characters long.") % {"n": REFLECTION_MAX_CHARS}
        )
    reflection, _created = Reflection.objects.update_or_create(
        user=user, item=item, defaults={"text": text}
    )
    if item.completion_rule in (Item.Rule.MANUAL, Item.Rule.VIEWED):
        _complete(user=user, item=item)
    return reflection


# --- certificates --------------------------------------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
REVOKE_REASON_MAX_CHARS = 2000


class CertificateError(DomainError):
    pass


def certificate_new_code() -> str:
    """A random verification code like 7KQ2-MX4P-RT9B (60 bits)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def course_completion_check(*, user: User, course: Course) -> Certificate | None:
    """After progress that may finish the course: when the learner meets the completion
    criteria, create their (pending) certificate once and enqueue its issue after commit.
    Safe to call any number of times; the database allows one certificate per learner."""
    rollup_touch(user_ids=[user.pk], course_id=course.pk)  # the learner's progress rows
    existing = Certificate.objects.filter(user=user, course=course).first()
    if existing is not None:
        return existing
    cohort = selectors.learner_cohort(user=user, course=course)
    if cohort is None or not selectors.course_is_complete(user=user, course=course):
        return None
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(
                user=user, course=course, cohort=cohort, code=certificate_new_code()
            )
    except IntegrityError:
        # A concurrent request created it first.
        return Certificate.objects.get(user=user, course=course)
    from .tasks import certificate_issue as task

    # The pending certificate is the outbox row; certificate_retry_stalled finds it if lost.
    publish_on_commit(task, certificate.pk)
    return certificate


def submission_completion_check_later(
    *, submission_id: int, course_id: int | None = None, cohort_id: int | None = None
) -> None:
    """Called by workshops when an instructor's decision on a submission is saved (an approval
    may finish the course): after commit, a task checks the course completion of every member
    of the submission's experiment team, so each gets their certificate without visiting
    the course again. The wanted check is a row written in the caller's transaction, so an
    approval made while the broker is down still gets its certificate (courses/outbox.py).
    `course_id` and `cohort_id`: the submission's, when the caller has them (saves a query)."""
    from .outbox import completion_check_want

    completion_check_want(submission_id=submission_id, course_id=course_id, cohort_id=cohort_id)


def completion_check_later(
    *, course_id: int, user_ids: Iterable[int], cohort_id: int | None = None
) -> None:
    """Called when something outside the course may finish it for these learners (attendance
    recorded for a session): after commit, a task checks their course completion (a wanted
    check row, as above)."""
    from .outbox import completion_check_want

    ids = sorted(set(user_ids))
    if ids:
        completion_check_want(course_id=course_id, user_ids=ids, cohort_id=cohort_id)


def completion_check(*, course_id: int, user_ids: Iterable[int]) -> list[Certificate]:
    """Check the course completion of each learner (idempotent: one certificate per learner)."""
    course = Course.objects.filter(pk=course_id).first()
    if course is None:
        return []
    found = []
    for user in User.objects.filter(pk__in=list(user_ids)):
        with transaction.atomic():
            certificate = course_completion_check(user=user, course=course)
        if certificate is not None:
            found.append(certificate)
    return found


def submission_completion_check(*, submission_id: int) -> list[Certificate]:
    """Check the course completion of the submission's learner and of every member of its
    experiment (idempotent: course_completion_check creates one certificate per learner)."""
    from workshops.models import ExperimentMember, Submission

    submission = (
        Submission.objects.select_related("assignment__workshop").filter(pk=submission_id).first()
    )
    if submission is None:
        return []
    people = {submission.learner_id}
    if submission.experiment_id is not None:
        people.update(
            ExperimentMember.objects.filter(experiment_id=submission.experiment_id).values_list(
                "user_id", flat=True
            )
        )
    return completion_check(course_id=submission.assignment.workshop.course_id, user_ids=people)


def _name_of(user: User) -> str:
    """The name a certificate prints: the person's full name (their email without one)."""
    return user.get_full_name() or user.display_name


def certificate_verify_url(certificate: Certificate) -> str:
    return f"{settings.SITE_URL}{reverse('certificates:verify', args=[certificate.code])}"


def _certificate_pdf(certificate: Certificate) -> bytes | None:
    from core.pdf import html_to_pdf

    from .selectors import visible_modules

    course = certificate.course
    html = render_to_string(
        "courses/certificate_pdf.html",
        {
            "certificate": certificate,
            "course": course,
            # What the course covered (its published modules), the issuer and who signs.
            "modules": list(visible_modules(course).order_by("position", "pk").only("title")),
            "issuer": settings.CERTIFICATE_ISSUER_NAME,
            "verify_url": certificate_verify_url(certificate),
        },
    )
    return html_to_pdf(html)


def certificate_issue(*, certificate_id: int) -> bool:
    """Issue a pending certificate: sign its Open Badges credential, render its PDF in the
    learner's language and notify them. A second run (a retried or duplicated task) is a no-op
    thanks to the conditional claim; a failure puts the certificate back to pending."""
    claim = timezone.now()
    claimed = Certificate.objects.filter(
        pk=certificate_id, status=Certificate.Status.PENDING
    ).update(status=Certificate.Status.ISSUING, claimed_at=claim)
    if not claimed:
        return False
    try:
        with transaction.atomic():
            certificate = (
                Certificate.objects.select_for_update(of=("self",))
                .select_related("user", "course")
                .get(pk=certificate_id)
            )
            if certificate.status != Certificate.Status.ISSUING or certificate.claimed_at != claim:
                # certificate_retry_stalled gave it to another worker meanwhile.
                return False
            user = certificate.user
            course = certificate.course
            now = timezone.now()
            certificate.language = user.language or settings.LANGUAGE_CODE
            certificate.learner_name = _name_of(user)
            certificate.issued_at = now
            with translation.override(certificate.language):
                # The course's title in the learner's language (modeltranslation reads the
                # active language's column), as the rest of the certificate speaks it.
                certificate.course_title = course.title
                criteria = _("Completed every required part of the course “%(title)s”.") % {
                    "title": course.title
                }
                certificate.credential = credentials.sign(
                    credentials.achievement_credential(
                        credential_id=certificate_verify_url(certificate),
                        achievement_id=(
                            f"{settings.SITE_URL}{reverse('courses:detail', args=[course.pk])}"
                        ),
                        learner_name=certificate.learner_name,
                        course_title=course.title,
                        course_description=course.description,
                        criteria=criteria,
                        issued_at=now,
                        status_index=certificate.pk,
                        credits=(
                            float(course.scope_credits)
                            if course.scope_credits is not None
                            else None
                        ),
                    ),
                    created=now,
                )
                pdf = _certificate_pdf(certificate)
            if pdf is not None:
                certificate.pdf.save(f"{certificate.code}.pdf", ContentFile(pdf), save=False)
            certificate.status = Certificate.Status.ISSUED
            certificate.save()
            from notifications.models import Notification
            from notifications.services import notification_notify

            notification_notify(
                recipient=user,
                category=Notification.Category.CERTIFICATES,
                key=f"certificate-issued:{certificate.pk}",
                template="certificate_issued",
                context={
                    "certificate": certificate,
                    "verify_url": certificate_verify_url(certificate),
                },
                url=reverse("courses:detail", args=[course.pk]),
            )
    except Exception:
        Certificate.objects.filter(
            pk=certificate_id, status=Certificate.Status.ISSUING, claimed_at=claim
        ).update(status=Certificate.Status.PENDING)
        raise
    return True


# Longer than the hard task time limit (CELERY_TASK_TIME_LIMIT, five minutes): a certificate
# still pending or issuing this long after its last claim has no live worker on it.
CERTIFICATE_STALLED_AFTER = datetime.timedelta(minutes=10)


def certificate_retry_stalled(
    *, now: datetime.datetime | None = None, only: Iterable[int] | None = None
) -> list[int]:
    """Queue again the certificates stuck pending or issuing for longer than
    CERTIFICATE_STALLED_AFTER (a worker died mid-issue, or the enqueue was lost). Each is
    re-claimed with a conditional, timestamped update, so overlapping runs queue it once and
    a worker that wakes up late finds its claim gone. `only`: a person's retry from the
    stuck-work page, these certificates whatever their age. Returns the ids queued."""
    now = now or timezone.now()
    cutoff = now - CERTIFICATE_STALLED_AFTER
    stuck = Certificate.objects.filter(
        status__in=(Certificate.Status.PENDING, Certificate.Status.ISSUING)
    )
    if only is None:
        stuck = stuck.filter(
            Q(claimed_at__lt=cutoff) | Q(claimed_at__isnull=True, created_at__lt=cutoff)
        )
    else:
        stuck = stuck.filter(pk__in=list(only))
    from .tasks import certificate_issue as task

    queued = []
    for pk, status, claimed_at in stuck.values_list("pk", "status", "claimed_at")[:500]:
        same = Certificate.objects.filter(pk=pk, status=status, claimed_at=claimed_at)
        if claimed_at is None:
            same = Certificate.objects.filter(pk=pk, status=status, claimed_at__isnull=True)
        if same.update(status=Certificate.Status.PENDING, claimed_at=now):
            publish_on_commit(task, pk)
            queued.append(pk)
    return queued


# --- the holder's current name --------------------------------------------------------------
#
# A certificate shows the name its holder goes by now (as Open edX and Moodle do): a learner
# who changes their name on the profile page gets it on the PDF, the signed credential and the
# verification page, with the same code, issue date and any revocation. The stored name is the
# one the PDF and the credential were made with, so "stored name != current name" is the row
# that says they are out of date: the downloads bring them up to date on the spot, the profile
# page publishes certificate_name_refresh after commit as a hint, and certificate_names_sweep
# finds what the hint missed (a name changed elsewhere, a lost publish).


def certificate_holder_name(*, certificate: Certificate) -> str:
    """The name the certificate shows now: its holder's current one. An erased holder's
    certificate (its name blanked by privacy's erasure, the account deactivated) keeps what it
    has, so nothing brings the old name back."""
    holder = certificate.user
    if not certificate.learner_name or not holder.is_active:
        return certificate.learner_name
    return _name_of(holder)


def certificate_is_stale(*, certificate: Certificate) -> bool:
    """Whether the issued certificate's PDF and credential still carry an earlier name."""
    return (
        certificate.status == Certificate.Status.ISSUED
        and certificate_holder_name(certificate=certificate) != certificate.learner_name
    )


def _credential_renamed(
    credential: dict[str, object], *, name: str, now: datetime.datetime
) -> dict[str, object]:
    """The signed credential with the holder's new name, signed again: its id, dates,
    achievement and revocation entry are left as they were issued."""
    document = copy.deepcopy(credential)
    document.pop("proof", None)
    subject = document.get("credentialSubject")
    if isinstance(subject, dict):
        for identifier in subject.get("identifier") or []:
            if isinstance(identifier, dict) and identifier.get("identityType") == "name":
                identifier["identityHash"] = name
    return credentials.sign(document, created=now)


def certificate_name_refresh(*, certificate_id: int) -> bool:
    """Bring an issued certificate up to date with its holder's current name: the stored name,
    the signed credential (signed again) and the PDF (rendered again in the certificate's own
    language, whatever language is active). The code, the issue date and a revocation stay.
    Idempotent: a certificate that already shows the current name is left alone, so a second
    run renders nothing. An erased holder's certificate is never touched. Returns whether it
    changed anything."""
    with transaction.atomic():
        user_id = (
            Certificate.objects.filter(pk=certificate_id, status=Certificate.Status.ISSUED)
            .values_list("user_id", flat=True)
            .first()
        )
        if user_id is None:
            return False
        # The holder's row first, as privacy's erasure locks it before it blanks the
        # certificates: an erasure either finishes before this (which then finds the name
        # blanked) or waits for it (and then deletes the PDF made here).
        holder = User.objects.select_for_update().filter(pk=user_id).first()
        certificate = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("course")
            .filter(pk=certificate_id, status=Certificate.Status.ISSUED, user_id=user_id)
            .first()
        )
        if holder is None or certificate is None:
            return False
        certificate.user = holder
        name = certificate_holder_name(certificate=certificate)
        if name == certificate.learner_name:
            return False
        replaced = certificate.pdf.name if certificate.pdf else ""
        certificate.learner_name = name
        if certificate.credential:
            certificate.credential = _credential_renamed(
                certificate.credential, name=name, now=timezone.now()
            )
        with translation.override(certificate.language or settings.LANGUAGE_CODE):
            pdf = _certificate_pdf(certificate)
        if pdf is not None:
            certificate.pdf.save(f"{certificate.code}.pdf", ContentFile(pdf), save=False)
        else:
            # No PDF engine right now: certificate_pdf renders one when asked; the file with
            # the earlier name is never served again.
            certificate.pdf = ""
        certificate.save(update_fields=["learner_name", "credential", "pdf"])
        if replaced and replaced != certificate.pdf.name:
            # A file left behind is harmless (robust: logged); the new one is already saved.
            transaction.on_commit(partial(certificate.pdf.storage.delete, replaced), robust=True)
    return True


def _up_to_date(certificate: Certificate) -> Certificate:
    if certificate_is_stale(certificate=certificate):
        certificate_name_refresh(certificate_id=certificate.pk)
        # Read again even when another worker did the refresh meanwhile: the file this copy
        # names is the one that refresh deleted.
        certificate.refresh_from_db()
    return certificate


def renamed_user_receiver(sender: type, user: User, **kwargs: object) -> None:
    """core.signals.user_renamed (connected in CoursesConfig.ready): user_renamed."""
    user_renamed(user=user)


def user_renamed(*, user: User) -> None:
    """The person changed their name (core.signals.user_renamed, sent by the profile page).
    Each of their issued certificates is brought up to date by certificate_name_refresh,
    published after commit."""
    from .tasks import certificate_name_refresh as task

    issued = (
        Certificate.objects.filter(user=user, status=Certificate.Status.ISSUED)
        .exclude(learner_name="")
        .values_list("pk", flat=True)
    )
    for pk in issued:
        publish_on_commit(task, pk)


CERTIFICATE_NAMES_SWEEP_LIMIT = 500


def certificate_names_sweep(*, limit: int = CERTIFICATE_NAMES_SWEEP_LIMIT) -> list[int]:
    """Beat: queue certificate_name_refresh for the issued certificates whose name is no
    longer their holder's (renamed outside the profile page, such as in the admin, or the
    page's publish was lost). Queuing one twice is harmless: the refresh is idempotent.
    Returns the ids queued."""
    from .tasks import certificate_name_refresh as task

    current = Coalesce(
        NullIf(
            Trim(
                Concat(
                    "user__first_name",
                    Value(" "),
                    "user__last_name",
                    output_field=CharField(),
                )
            ),
            Value(""),
        ),
        F("user__email"),
        output_field=CharField(),
    )
    candidates = (
        Certificate.objects.filter(status=Certificate.Status.ISSUED, user__is_active=True)
        .exclude(learner_name="")
        .annotate(current_name=current)
        .exclude(learner_name=F("current_name"))
        .select_related("user")
        .only(
            "pk",
            "status",
            "learner_name",
            "user__first_name",
            "user__last_name",
            "user__email",
            "user__is_active",
        )
        .order_by("pk")[:limit]
    )
    queued = []
    for certificate in candidates:
        # The database trims only spaces; the name compared is Python's, as issued.
        if certificate_is_stale(certificate=certificate):
            publish_on_commit(task, certificate.pk)
            queued.append(certificate.pk)
    return queued


def certificate_pdf(*, certificate: Certificate) -> bytes | None:
    """The certificate as PDF with its holder's current name: the stored file (made again
    first when the name changed since, so a download never waits for the refresh task), or
    one rendered now (e.g. WeasyPrint was missing when it was issued or refreshed)."""
    certificate = _up_to_date(certificate)
    if certificate.pdf:
        try:
            with certificate.pdf.open("rb") as handle:
                stored: bytes = handle.read()
                return stored
        except FileNotFoundError:
            logger.warning("certificate %s: its stored PDF is missing", certificate.pk)
    with translation.override(certificate.language or settings.LANGUAGE_CODE):
        return _certificate_pdf(certificate)


def certificate_credential(*, certificate: Certificate) -> dict[str, object]:
    """The certificate's signed credential, with its holder's current name."""
    credential: dict[str, object] = _up_to_date(certificate).credential
    return credential


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, by: User, reason: str) -> Certificate:
    """Revoke an issued certificate with a reason (precondition: `by` may revoke it)."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Give the reason for revoking the certificate."))
    if len(reason) > REVOKE_REASON_MAX_CHARS:
        raise CertificateError(
            _("The reason can be at most %(n)s characters long.") % {"n": REVOKE_REASON_MAX_CHARS}
        )
    updated = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by, revoke_reason=reason
    )
    if not updated:
        raise CertificateError(_("This certificate has already been revoked."))
    certificate.refresh_from_db()
    return certificate
