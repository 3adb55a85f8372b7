"""Cohorts, enrolment and invitations: every write, with its side effects after commit."""

from __future__ import annotations

import datetime
import logging
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.models import Organisation, User
from core.outbox import publish_on_commit
from core.signals import user_organisation_changed
from courses.models import Course

from . import selectors, spreadsheets
from .models import (
    Cohort,
    Invitation,
    InvitationImport,
    Membership,
    Nudge,
    first_imports_sweep,
)
from .rollup import rollup_figures_stale, rollup_join, rollup_touch

if TYPE_CHECKING:
    from .selectors import AtRisk

logger = logging.getLogger(__name__)

INVITATION_VALID_DAYS = 30
# An invitation sent long before its cohort starts still works this many days into it
# (settings.INVITATION_VALID_DAYS_AFTER_COHORT_START overrides).
INVITATION_VALID_DAYS_AFTER_COHORT_START = 14
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
APPLY_BATCH = 250

# Why a row of an uploaded file cannot be used; shown in the uploader's language.
ROW_ERRORS = {
    "missing_email": gettext_lazy("Email address missing"),
    "bad_email": gettext_lazy("Not a valid email address"),
    "unknown_organisation": gettext_lazy("Unknown organisation"),
    "unknown_role": gettext_lazy("Unknown role (use learner, instructor or coordinator)"),
    "unknown_language": gettext_lazy("Unknown language (use Finnish, Swedish or English)"),
    "duplicate_in_file": gettext_lazy("The same email address appears earlier in the file"),
    "already_member": gettext_lazy("Already a member of this cohort"),
    "already_invited": gettext_lazy("Already invited to this cohort"),
}


class EnrolmentError(DomainError):
    pass


# --- cohorts ---------------------------------------------------------------------------------


@transaction.atomic
def cohort_create(
    *, creator: User, course: Course, name: str, start_date: datetime.date, end_date: datetime.date
) -> Cohort:
    """A new cohort with its creator as coordinator."""
    if end_date < start_date:
        raise EnrolmentError(_("The cohort must end on or after the day it starts."))
    cohort = Cohort.objects.create(
        course=course, name=name.strip(), start_date=start_date, end_date=end_date
    )
    Membership.objects.create(cohort=cohort, user=creator, role=Membership.Role.COORDINATOR)
    return cohort


@transaction.atomic
def cohort_copy(*, source: Cohort, creator: User, name: str, start_date: datetime.date) -> Cohort:
    """A new run of the same course: dates shift with the start, staff come along, learners not;
    the cohort's own marking and peer-feedback settings are kept and its planned workshop
    sessions come along at the same shifted dates (without recordings, files or attendance)."""
    shift = start_date - source.start_date
    cohort = Cohort.objects.create(
        course=source.course,
        name=name.strip(),
        start_date=start_date,
        end_date=source.end_date + shift,
        inactivity_days=source.inactivity_days,
        revision_days=source.revision_days,
        review_target_days=source.review_target_days,
    )
    staff = Membership.objects.filter(
        cohort=source, role__in=[Membership.Role.INSTRUCTOR, Membership.Role.COORDINATOR]
    )
    Membership.objects.bulk_create(
        [Membership(cohort=cohort, user_id=m.user_id, role=m.role) for m in staff]
    )
    Membership.objects.get_or_create(
        cohort=cohort, user=creator, defaults={"role": Membership.Role.COORDINATOR}
    )
    # The source's own marking and peer choices, and its planned sessions at the shifted dates
    # (the workshops app's rows, copied by its services).
    from workshops.cohort_settings import cohort_settings_copy
    from workshops.sessions import sessions_copy

    cohort_settings_copy(source_id=source.pk, cohort_id=cohort.pk, by=creator)
    sessions_copy(source_id=source.pk, cohort_id=cohort.pk, shift=shift)
    return cohort


def cohort_update_settings(
    *,
    cohort: Cohort,
    self_enrolment_open: bool,
    inactivity_days: int,
    revision_days: int,
    review_target_days: int | None = None,
) -> Cohort:
    """Turn self-enrolment on or off (a code is made the first time) and set at-risk limits."""
    cohort.self_enrolment_open = self_enrolment_open
    cohort.inactivity_days = inactivity_days
    cohort.revision_days = revision_days
    if review_target_days is not None:
        cohort.review_target_days = review_target_days
    if self_enrolment_open and not cohort.enrolment_code:
        cohort.enrolment_code = _new_code()
    cohort.save(
        update_fields=[
            "self_enrolment_open",
            "inactivity_days",
            "revision_days",
            "review_target_days",
            "enrolment_code",
        ]
    )
    rollup_figures_stale(cohort_id=cohort.pk)  # the at-risk limits moved
    return cohort


def cohort_new_code(*, cohort: Cohort) -> Cohort:
    """A fresh code, so the old one stops working."""
    cohort.enrolment_code = _new_code()
    cohort.save(update_fields=["enrolment_code"])
    return cohort


def _new_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nothing that reads as another character
    while True:
        code = "".join(secrets.choice(alphabet) for _i in range(8))
        if not Cohort.objects.filter(enrolment_code=code).exists():
            return code


def cohort_for_code(code: str) -> Cohort | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    return (
        Cohort.objects.select_related("course")
        .filter(enrolment_code=code, self_enrolment_open=True)
        .first()
    )


@transaction.atomic
def cohort_self_enrol(*, user: User, code: str) -> Cohort:
    """Join a cohort as a learner with its code, while self-enrolment is open."""
    cohort = cohort_for_code(code)
    if cohort is None:
        raise EnrolmentError(
            _("That code does not open any cohort. Check it with your coordinator.")
        )
    Membership.objects.get_or_create(
        cohort=cohort, user=user, defaults={"role": Membership.Role.LEARNER}
    )
    rollup_join(cohort_id=cohort.pk, user_ids=[user.pk])
    return cohort


# --- invitations -----------------------------------------------------------------------------


def _find_organisation(name: str) -> Organisation | None:
    # unicode_iexact (core/lookups.py): "ähtäri" is Ähtäri on SQLite too.
    name = name.strip()
    return Organisation.objects.filter(name__unicode_iexact=name).first() if name else None


def invitation_expires_at(
    *, cohort: Cohort, now: datetime.datetime | None = None
) -> datetime.datetime:
    """When a link sent `now` stops working: INVITATION_VALID_DAYS later, but never before the
    end of the day INVITATION_VALID_DAYS_AFTER_COHORT_START days after the cohort starts (sent
    on 7 December for a cohort starting on 20 January, it works until 3 February). The email
    shows this day."""
    now = now or timezone.now()
    days_after_start = int(
        getattr(
            settings,
            "INVITATION_VALID_DAYS_AFTER_COHORT_START",
            INVITATION_VALID_DAYS_AFTER_COHORT_START,
        )
    )
    last_day = cohort.start_date + timedelta(days=days_after_start)
    # The last second of that day where the cohort runs (the site's time zone).
    end_of_last_day = timezone.make_aware(
        datetime.datetime.combine(last_day + timedelta(days=1), datetime.time.min),
        timezone.get_default_timezone(),
    ) - timedelta(seconds=1)
    return max(now + timedelta(days=INVITATION_VALID_DAYS), end_of_last_day)


def _enqueue_invitation(invitation: Invitation) -> None:
    """Publish the queued invitation's email after commit, as a hint (the row is the outbox)."""
    from .tasks import invitation_send_email

    publish_on_commit(invitation_send_email, invitation.pk)


def _enqueue_invitations(ids: list[int]) -> None:
    """Publish a batch of queued invitations as one email task (one mail-server connection)."""
    from .tasks import invitation_send_emails

    if ids:
        publish_on_commit(invitation_send_emails, ids)


def _invitation_outbox_fields() -> dict[str, Any]:
    """A freshly queued invitation email: the sweeper looks again after HINT_GRACE and retries
    until EMAIL_RETRY_HOURS have passed (core/mail.py)."""
    from core import mail

    now = timezone.now()
    return {
        "email_status": Invitation.EmailStatus.QUEUED,
        "email_attempts": 0,
        "claimed_at": None,
        "next_attempt_at": now + mail.HINT_GRACE,
        "retry_until": now + mail.retry_window(),
    }


@transaction.atomic
def invitation_invite(
    *,
    cohort: Cohort,
    invited_by: User,
    email: str,
    first_name: str = "",
    last_name: str = "",
    organisation: Organisation | None = None,
    role: str = Membership.Role.LEARNER,
    language: str = "",
) -> Invitation:
    """Invite one person; a revoked or expired invitation to the same address is renewed."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise EnrolmentError(_("Enter a valid email address.")) from None
    if role not in Membership.Role.values:
        raise EnrolmentError(_("Choose a role."))
    if Membership.objects.filter(cohort=cohort, user__email__unicode_iexact=email).exists():
        raise EnrolmentError(_("%(email)s is already a member of this cohort.") % {"email": email})
    existing = Invitation.objects.select_for_update().filter(cohort=cohort, email=email).first()
    if existing is not None and existing.is_usable:
        raise EnrolmentError(
            _("%(email)s has already been invited; resend the invitation instead.")
            % {"email": email}
        )
    fields: dict[str, Any] = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "organisation": organisation,
        "role": role,
        "language": language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
        "invited_by": invited_by,
        "status": Invitation.Status.PENDING,
        "expires_at": invitation_expires_at(cohort=cohort),
        "email_error": "",
        "accepted_at": None,
        "accepted_by": None,
        **_invitation_outbox_fields(),
    }
    if existing is None:
        invitation = Invitation.objects.create(cohort=cohort, email=email, **fields)
    else:
        invitation = existing
        for name, value in fields.items():
            setattr(invitation, name, value)
        invitation.token = Invitation._meta.get_field("token").get_default()
        invitation.save()
    _enqueue_invitation(invitation)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation) -> Invitation:
    """Send a pending invitation again, valid for another period from now."""
    if invitation.status != Invitation.Status.PENDING:
        raise EnrolmentError(_("Only a pending invitation can be sent again."))
    Invitation.objects.filter(pk=invitation.pk).exclude(
        # A message in flight is not queued again under its worker's feet.
        email_status=Invitation.EmailStatus.SENDING,
        claimed_at__gt=timezone.now() - _email_stale_after(),
    ).update(
        expires_at=invitation_expires_at(cohort=invitation.cohort),
        email_error="",
        **_invitation_outbox_fields(),
    )
    invitation.refresh_from_db()
    _enqueue_invitation(invitation)
    return invitation


def invitation_revoke(*, invitation: Invitation) -> bool:
    """Stop a pending invitation's link from working; an accepted one stays accepted."""
    return bool(
        Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.PENDING).update(
            status=Invitation.Status.REVOKED
        )
    )


def _email_stale_after() -> timedelta:
    from core import mail

    return mail.sending_stale_after()


def invitation_message_id(invitation: Invitation) -> str:
    """The same Message-ID every time this invitation is retried or resent after a lost reply;
    a new one once it has been delivered and is deliberately sent again (a reminder)."""
    from core import mail

    return mail.message_id(f"invitation:{invitation.pk}:{invitation.token}:{invitation.send_count}")


def _invitation_reply_to(invitation: Invitation) -> list[str]:
    """Replies go to the coordinator who sent the invitation (as a nudge's do), else to the
    cohort's first coordinator; never to the no-reply sender."""
    inviter = invitation.invited_by
    if inviter is not None and inviter.is_active and inviter.email:
        return [inviter.email]
    coordinator = (
        User.objects.filter(
            memberships__cohort_id=invitation.cohort_id,
            memberships__role=Membership.Role.COORDINATOR,
            is_active=True,
        )
        .exclude(email="")
        .order_by("memberships__pk")
        .values_list("email", flat=True)
        .first()
    )
    return [coordinator] if coordinator else []


def _invitation_message(invitation: Invitation) -> EmailMultiAlternatives:
    url = f"{settings.SITE_URL}{reverse('learners:invitation_accept', args=[invitation.token])}"
    context = {"invitation": invitation, "absolute_url": url, "site_url": settings.SITE_URL}
    with translation.override(invitation.language or settings.LANGUAGE_CODE):
        subject = _("Invitation to %(cohort)s") % {"cohort": invitation.cohort.name}
        body = render_to_string("emails/invitation.txt", context).strip()
        html = render_to_string("emails/invitation.html", context)
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=body,
        to=[invitation.email],
        reply_to=_invitation_reply_to(invitation),
        headers={
            "Message-ID": invitation_message_id(invitation),
            "X-Alueagentti-Category": "invitation",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def invitations_send_emails(*, invitation_ids: list[int]) -> Any:
    """Email the queued, pending invitations among `invitation_ids` over one connection.

    Each is claimed before it is sent, so a task delivered twice sends nothing twice; a failure
    is recorded on the row and retried by the sweeper (core/mail.py). Returns the delivery.
    """
    from core import mail

    return mail.deliver(
        queryset=Invitation.objects.filter(status=Invitation.Status.PENDING).select_related(
            "cohort__course", "invited_by"
        ),
        ids=invitation_ids,
        build=_invitation_message,
        sent_fields={"send_count": F("send_count") + 1},
    )


def invitation_send_email(*, invitation_id: int) -> bool:
    """Email one queued invitation; a second run (a retried or duplicated task) is a no-op."""
    return bool(invitations_send_emails(invitation_ids=[invitation_id]).sent)


def invitation_emails_sweep(*, now: datetime.datetime | None = None) -> Any:
    """Beat: invitation emails whose worker died are queued again, those past their retry
    window failed, and due ones published in batches (an import's 2,000 included)."""
    from core import mail
    from core.outbox import publish

    from .tasks import invitation_send_emails

    return mail.sweep(
        queryset=Invitation.objects.filter(status=Invitation.Status.PENDING),
        publish_batch=lambda ids: publish(invitation_send_emails, ids),
        now=now,
    )


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation with this token, with its cohort, course, organisation and inviter (one
    query), or None."""
    return (
        Invitation.objects.select_related("cohort__course", "organisation", "invited_by")
        .filter(token=token)
        .first()
        if token
        else None
    )


def user_has_email(user: User, email: str) -> bool:
    from allauth.account.models import EmailAddress

    return (
        user.email.lower() == email.lower()
        or EmailAddress.objects.filter(
            user=user, email__unicode_iexact=email, verified=True
        ).exists()
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join the cohort the invitation is for. Precondition: the person owns the address."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status == Invitation.Status.ACCEPTED and locked.accepted_by_id == user.pk:
        return Membership.objects.get(cohort_id=locked.cohort_id, user=user)
    if not locked.is_usable:
        raise EnrolmentError(_("This invitation is no longer valid."))
    if not user_has_email(user, locked.email):
        raise EnrolmentError(
            _("This invitation was sent to %(email)s. Sign in with that address.")
            % {"email": locked.email}
        )
    membership, _created = Membership.objects.get_or_create(
        cohort_id=locked.cohort_id, user=user, defaults={"role": locked.role}
    )
    changed = []
    if not user.first_name and locked.first_name:
        user.first_name = locked.first_name
        changed.append("first_name")
    if not user.last_name and locked.last_name:
        user.last_name = locked.last_name
        changed.append("last_name")
    if user.organisation_id is None and locked.organisation_id:
        user.organisation_id = locked.organisation_id
        changed.append("organisation")
    if changed:
        user.save(update_fields=changed)
    if "organisation" in changed:
        # The cards of their teams and their progress in other cohorts follow (core.signals).
        user_organisation_changed.send(sender=type(user), user=user)
    Invitation.objects.filter(pk=locked.pk).update(
        status=Invitation.Status.ACCEPTED, accepted_at=timezone.now(), accepted_by=user
    )
    rollup_join(cohort_id=locked.cohort_id, user_ids=[user.pk])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> bool:
    """Take a learner out of a cohort: their membership goes (and with it their progress row;
    their team places follow, see the Membership post_delete receiver), their work stays (lessons
    done, versions sent, reviews), the cohort's figures are recounted without them, and they
    are told, with replies going to `by`. False when they were no longer in it (a second
    click). Precondition: `by` coordinates the cohort."""
    from notifications.models import Notification
    from notifications.services import notification_notify

    locked = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("cohort__course", "user")
        .filter(pk=membership.pk)
        .first()
    )
    if locked is None:
        return False
    if locked.role != Membership.Role.LEARNER:
        raise EnrolmentError(_("Only a learner can be removed from a cohort here."))
    cohort, learner, membership_id = locked.cohort, locked.user, locked.pk
    locked.delete()
    # The summary, the funnel and the overview count her no more once the figures are
    # recounted (within a minute, learners/rollup.py); her own progress row went with her.
    rollup_figures_stale(cohort_id=cohort.pk)
    key = selectors.organisation_choices_key(cohort.pk)
    transaction.on_commit(lambda: cache.delete(key), robust=True)
    if learner.is_active:
        notification_notify(
            recipient=learner,
            category=Notification.Category.ADMINISTRATION,
            key=f"cohort-removed-{membership_id}",
            template="cohort_removed",
            context={"cohort": cohort, "course": cohort.course, "coordinator": by},
            url=reverse("core:home"),
            reply_to=by.email if by.is_active and by.email else "",
        )
    return True


def moved_user_receiver(sender: type, user: User, **kwargs: object) -> None:
    """core.signals.user_organisation_changed (connected in LearnersConfig.ready): user_moved."""
    user_moved(user=user)


def user_moved(*, user: User) -> int:
    """The person's organisation changed (core.signals.user_organisation_changed, sent by the
    admin and invitation_accept): their progress rows, which the cohort summary counts per
    organisation, are marked stale for the refresh hinted after commit (rollup_touch), and the
    organisation filters of their cohorts are read again. Returns the rows marked."""
    marked = rollup_touch(user_ids=[user.pk])
    keys = [
        selectors.organisation_choices_key(cohort_id)
        for cohort_id in Membership.objects.filter(
            user=user, role=Membership.Role.LEARNER
        ).values_list("cohort_id", flat=True)
    ]
    if keys:
        transaction.on_commit(lambda: cache.delete_many(keys), robust=True)
    return marked


# --- uploads ---------------------------------------------------------------------------------


def import_upload(*, cohort: Cohort, uploaded_by: User, file_name: str, content: bytes) -> Any:
    """Store an uploaded file and let Celery check it; nothing is invited before confirming."""
    if not file_name.lower().endswith((".csv", ".xlsx", ".txt")):
        raise EnrolmentError(_("Upload a CSV or XLSX file."))
    if len(content) > MAX_UPLOAD_BYTES:
        raise EnrolmentError(_("The file is larger than 5 MB."))
    if not content:
        raise EnrolmentError(_("The file is empty."))
    with transaction.atomic():
        upload = InvitationImport.objects.create(
            cohort=cohort, uploaded_by=uploaded_by, file_name=file_name[:255], content=content
        )
        from .tasks import invitation_import_check

        # The checking upload is the outbox row; learners/outbox.py sweeps it if this is lost.
        publish_on_commit(invitation_import_check, upload.pk)
    return upload


def _open_invitations(cohort_id: int, emails: Any) -> Any:
    """Invitations that still stand: accepted, or pending and not expired."""
    return Invitation.objects.filter(cohort_id=cohort_id, email__in=emails).filter(
        Q(status=Invitation.Status.ACCEPTED)
        | Q(status=Invitation.Status.PENDING, expires_at__gt=timezone.now())
    )


def import_check(*, import_id: int) -> bool:
    """Read the file and mark each row's problems; the preview shows them before anything saves.

    Running twice recomputes the same preview, so a duplicated task does no harm.
    """
    upload = InvitationImport.objects.filter(
        pk=import_id, status=InvitationImport.Status.CHECKING
    ).first()
    if upload is None:
        return False
    # A fresh claim keeps the sweeper away while this run works (learners/outbox.py).
    InvitationImport.objects.filter(pk=upload.pk).update(claimed_at=timezone.now())
    try:
        people = spreadsheets.read_people(file_name=upload.file_name, content=bytes(upload.content))
    except spreadsheets.SpreadsheetError as exc:
        # Unless it was cancelled meanwhile: a cancelled upload stays cancelled.
        InvitationImport.objects.filter(
            pk=upload.pk, status=InvitationImport.Status.CHECKING
        ).update(
            status=InvitationImport.Status.FAILED, error=exc.message, finished_at=timezone.now()
        )
        return True
    InvitationImport.objects.filter(pk=upload.pk).update(total_rows=len(people))
    emails = {p["email"] for p in people if p["email"]}
    members = set(
        Membership.objects.filter(cohort_id=upload.cohort_id)
        .values_list("user__email", flat=True)
        .iterator()
    )
    members = {e.lower() for e in members}
    invited = set(_open_invitations(upload.cohort_id, emails).values_list("email", flat=True))
    organisations = {o.name.lower(): o.name for o in Organisation.objects.only("name")}
    seen: set[str] = set()
    for index, person in enumerate(people, start=1):
        errors = []
        email = person["email"]
        if not email:
            errors.append("missing_email")
        else:
            try:
                validate_email(email)
            except ValidationError:
                errors.append("bad_email")
        if person["organisation"]:
            canonical = organisations.get(person["organisation"].lower())
            if canonical is None:
                errors.append("unknown_organisation")
            else:
                person["organisation"] = canonical
        role = spreadsheets.ROLES.get(person["role"] or "learner")
        if role is None:
            errors.append("unknown_role")
        else:
            person["role"] = role
        if not person["language"]:
            # No language given: the invitation goes out in the site's default, as shown.
            person["language"] = settings.LANGUAGE_CODE
        else:
            language = spreadsheets.LANGUAGES.get(person["language"].lower())
            if language is None:
                errors.append("unknown_language")  # kept as written for the preview
            else:
                person["language"] = language
        if email and email in seen:
            errors.append("duplicate_in_file")
        elif email in members:
            errors.append("already_member")
        elif email in invited:
            errors.append("already_invited")
        if email:
            seen.add(email)
        person["errors"] = errors
        if index % 500 == 0:
            InvitationImport.objects.filter(pk=upload.pk).update(
                processed_rows=index, claimed_at=timezone.now()
            )
    InvitationImport.objects.filter(pk=upload.pk, status=InvitationImport.Status.CHECKING).update(
        status=InvitationImport.Status.PREVIEW,
        rows=people,
        processed_rows=len(people),
        finished_at=timezone.now(),
    )
    return True


def import_confirm(*, upload: InvitationImport) -> bool:
    """Start sending the invitations of a checked file; a second click changes nothing."""
    with transaction.atomic():
        claimed = InvitationImport.objects.filter(
            pk=upload.pk, status=InvitationImport.Status.PREVIEW
        ).update(
            status=InvitationImport.Status.APPLYING,
            processed_rows=0,
            finished_at=None,
            claimed_at=None,
            attempts=0,
            next_attempt_at=first_imports_sweep(),
        )
        if claimed:
            from .tasks import invitation_import_apply

            publish_on_commit(invitation_import_apply, upload.pk)
    return bool(claimed)


def import_cancel(*, upload: InvitationImport) -> bool:
    """Drop an upload nobody has confirmed (still being checked, previewed or failed) and its
    file; False when it is already sending, done or cancelled.

    A check still running cannot bring it back: import_check writes its preview only over an
    upload that is still `checking`, and the sweeper publishes only checking or applying ones.
    """
    return bool(
        InvitationImport.objects.filter(
            pk=upload.pk,
            status__in=[
                # A file the check cannot get through must not stay on the page for good.
                InvitationImport.Status.CHECKING,
                InvitationImport.Status.PREVIEW,
                InvitationImport.Status.FAILED,
            ],
        ).update(status=InvitationImport.Status.CANCELLED, content=b"")
    )


def import_apply(*, import_id: int) -> int:
    """Create the invitations of the valid rows in batches, showing progress.

    Idempotent: an address already invited to or a member of the cohort is skipped, so running
    the task twice, or confirming the same file again, creates nothing new.
    """
    upload = InvitationImport.objects.filter(
        pk=import_id, status=InvitationImport.Status.APPLYING
    ).first()
    if upload is None:
        return 0
    InvitationImport.objects.filter(pk=upload.pk).update(claimed_at=timezone.now())
    rows = upload.valid_rows
    organisations = {o.name: o for o in Organisation.objects.all()}
    created = 0
    expires = invitation_expires_at(cohort=upload.cohort)
    for start in range(0, len(rows), APPLY_BATCH):
        batch = rows[start : start + APPLY_BATCH]
        emails = [r["email"] for r in batch]
        with transaction.atomic():
            taken = set(
                _open_invitations(upload.cohort_id, emails).values_list("email", flat=True)
            ) | {
                e.lower()
                for e in Membership.objects.filter(
                    cohort_id=upload.cohort_id, user__email__in=emails
                ).values_list("user__email", flat=True)
            }
            queued: list[int] = []
            for row in batch:
                if row["email"] in taken:
                    continue
                try:
                    with transaction.atomic():
                        invitation, was_created = Invitation.objects.update_or_create(
                            cohort_id=upload.cohort_id,
                            email=row["email"],
                            defaults={
                                "first_name": row["first_name"],
                                "last_name": row["last_name"],
                                "organisation": organisations.get(row["organisation"]),
                                "role": row["role"],
                                "language": row["language"] or settings.LANGUAGE_CODE,
                                "invited_by_id": upload.uploaded_by_id,
                                "status": Invitation.Status.PENDING,
                                "expires_at": expires,
                                "token": Invitation._meta.get_field("token").get_default(),
                                **_invitation_outbox_fields(),
                            },
                        )
                except IntegrityError:  # a concurrent run got there first
                    continue
                created += 1
                queued.append(invitation.pk)
            _enqueue_invitations(queued)
            InvitationImport.objects.filter(pk=upload.pk).update(
                processed_rows=min(start + len(batch), len(rows)),
                claimed_at=timezone.now(),
            )
    InvitationImport.objects.filter(pk=upload.pk, status=InvitationImport.Status.APPLYING).update(
        status=InvitationImport.Status.DONE,
        created_count=created,
        processed_rows=len(rows),
        finished_at=timezone.now(),
        content=b"",
    )
    return created


# --- tracking --------------------------------------------------------------------------------


def nudge_send(*, cohort: Cohort, learner: User, sent_by: User, risk: AtRisk | None = None) -> bool:
    """Send a friendly reminder and record it; at most one per learner and cohort per day.

    The message speaks to the reasons in `risk` (a revision waiting, an overdue phase, a long
    silence) and replies go to the cohort's coordinator. Returns False when the learner was
    already nudged today (nothing is sent twice).
    Raises EnrolmentError for an account no longer in use (erased under privacy/, or closed):
    nobody reads its placeholder address.
    Precondition: `sent_by` follows the cohort and `learner` is one of its learners.
    """
    from notifications.models import Notification
    from notifications.services import notification_notify

    if not learner.is_active:
        raise EnrolmentError(
            _("This person's account has been closed, so no reminder can be sent to them.")
        )
    today = timezone.localdate()
    coordinators = [
        m.user
        for m in Membership.objects.filter(
            cohort=cohort, role=Membership.Role.COORDINATOR, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")
        if m.user.email
    ]
    # A coordinator who sends it answers it themselves; otherwise the cohort's coordinator.
    coordinator = next((c for c in coordinators if c.pk == sent_by.pk), None) or next(
        iter(coordinators), sent_by
    )
    try:
        with transaction.atomic():
            Nudge.objects.create(
                cohort=cohort,
                learner=learner,
                sent_by=sent_by,
                sent_on=today,
                reasons="\n".join(risk.reasons if risk else []),
            )
            notification_notify(
                recipient=learner,
                category=Notification.Category.DEADLINES,
                key=f"nudge-{cohort.pk}-{today.isoformat()}",
                template="nudge",
                context={
                    "cohort": cohort,
                    "sender": sent_by,
                    "coordinator": coordinator,
                    "revisions": risk.revisions if risk else [],
                    "overdue": risk.overdue if risk else [],
                    "inactive_days": risk.inactive_days if risk else None,
                },
                url=reverse("core:home"),
                reply_to=coordinator.email,
            )
    except IntegrityError:
        return False
    return True


# --- exports ---------------------------------------------------------------------------------


def export_request(*, cohort: Cohort, user: User, what: str, fmt: str) -> Any:
    """Queue a large export for Celery; the page offers it for download when ready."""
    from .exports import FORMATS, KINDS
    from .models import ExportJob

    if what not in KINDS or fmt not in FORMATS:
        raise EnrolmentError(_("Unknown export."))
    with transaction.atomic():
        job = ExportJob.objects.create(cohort=cohort, requested_by=user, what=what, fmt=fmt)
        from .tasks import export_build

        # The pending job is the outbox row; learners/outbox.py sweeps it if this is lost.
        publish_on_commit(export_build, job.pk)
    return job


def export_build(*, job_id: int) -> bool:
    """Make the file of one queued export; a duplicate run finds it claimed and stops."""
    from core.tasks import TRANSIENT_ERRORS

    from .exports import export_bytes
    from .models import ExportJob

    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING).update(
        status=ExportJob.Status.RUNNING, claimed_at=timezone.now()
    )
    if not claimed:
        return False
    job = ExportJob.objects.select_related("cohort__course", "requested_by").get(pk=job_id)
    try:
        with translation.override(job.requested_by.language or settings.LANGUAGE_CODE):
            content, content_type, name = export_bytes(
                cohort=job.cohort, what=job.what, fmt=job.fmt
            )
        # Into the private storage that every machine shares (the disk or an S3 bucket); a
        # run that fails after this leaves an unreferenced file, never a wrong download.
        stored = job.file.storage.save(
            job.file.field.generate_filename(job, name), ContentFile(content)
        )
    except TRANSIENT_ERRORS:
        # A database restart or a disk hiccup: back to pending for the task's retry (or the
        # sweeper), not a failure the coordinator has to retry by hand.
        ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(
            status=ExportJob.Status.PENDING, claimed_at=None
        )
        raise
    except Exception as exc:
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportJob.Status.DONE,
        file=stored,
        content_type=content_type,
        file_name=name,
        finished_at=timezone.now(),
    )
    return True
