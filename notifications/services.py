"""Notifications: every message is a row before anything is sent."""

from __future__ import annotations

import datetime
import logging
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.template.loader_tags import BlockNode
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import User

from .models import Announcement, Mode, Notification, NotificationPreference

logger = logging.getLogger(__name__)


def _render_text_blocks(name: str, context: dict[str, Any]) -> tuple[str, str]:
    """Render the `subject` and `body` blocks of `emails/<name>.txt` without HTML escaping."""
    template = get_template(f"emails/{name}.txt").template  # type: ignore[attr-defined]
    blocks = {node.name: node for node in template.nodelist.get_nodes_by_type(BlockNode)}
    ctx = Context(context, autoescape=False)
    with ctx.bind_template(template):
        subject = " ".join(blocks["subject"].render(ctx).split())
        body = blocks["body"].render(ctx).strip()
    return subject, body


def notification_render(
    *, recipient: User, template: str, context: dict[str, Any], url: str = ""
) -> tuple[str, str, str]:
    """The subject, plain-text body and HTML body of `emails/<template>` in the recipient's
    language (used by notification_notify and by the demo data)."""
    full_context = {
        **context,
        "recipient": recipient,
        "url": url,
        "absolute_url": f"{settings.SITE_URL}{url}" if url else settings.SITE_URL,
        "site_url": settings.SITE_URL,
    }
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        subject, body = _render_text_blocks(template, full_context)
        html_body = render_to_string(f"emails/{template}.html", full_context)
    return subject, body, html_body


@transaction.atomic
def notification_notify(
    *,
    recipient: User,
    category: str,
    key: str,
    template: str,
    context: dict[str, Any],
    url: str = "",
    reply_to: str = "",
) -> Notification:
    """Record a notification in the recipient's language and email it after commit.

    Announcing the same event (`key`) to the same person again returns the existing row. The
    person's preference for the category decides: email now, keep for a digest, or no email.
    """
    existing = Notification.objects.filter(recipient=recipient, key=key).first()
    if existing is not None:
        return existing
    subject, body, html_body = notification_render(
        recipient=recipient, template=template, context=context, url=url
    )
    mode = preference_for(recipient).mode_for(category)
    if not recipient.email or mode == Mode.OFF:
        status = Notification.EmailStatus.SKIPPED
    elif mode in (Mode.DAILY, Mode.WEEKLY):
        status = Notification.EmailStatus.DIGEST
    else:
        status = Notification.EmailStatus.QUEUED
    notification = Notification.objects.create(
        recipient=recipient,
        category=category,
        key=key,
        subject=subject[:255],
        body=body,
        html_body=html_body,
        url=url,
        reply_to=reply_to,
        email_status=status,
        digest_mode=mode if status == Notification.EmailStatus.DIGEST else "",
    )
    if notification.email_status == Notification.EmailStatus.QUEUED:
        from .tasks import notification_send_email as task

        task.delay_on_commit(notification.pk)
    return notification


def notification_send_email(*, notification_id: int) -> bool:
    """Send one queued notification by email; returns False when there was nothing to send.

    The conditional claim makes a second run (a retried or duplicated task) a no-op, so
    nobody ever gets the same email twice. A failure puts the row back in the queue.
    """
    claimed = Notification.objects.filter(
        pk=notification_id, email_status=Notification.EmailStatus.QUEUED
    ).update(email_status=Notification.EmailStatus.SENDING)
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    recipient = notification.recipient
    categories = (
        sorted(set(notification.items.values_list("category", flat=True)))
        if notification.kind == Notification.Kind.DIGEST
        else [notification.category]
    )
    unsubscribe = unsubscribe_url(user=recipient, categories=categories)
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        footer = render_to_string(
            "emails/includes/unsubscribe.txt", {"unsubscribe_url": unsubscribe}
        ).strip()
        html_footer = render_to_string(
            "emails/includes/unsubscribe.html", {"unsubscribe_url": unsubscribe}
        )
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.subject}",
        body=f"{notification.body}\n\n-- \n{footer}",
        to=[recipient.email],
        reply_to=[notification.reply_to] if notification.reply_to else None,
        headers={
            "X-Alueagentti-Category": notification.category,
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    if notification.html_body:
        html = notification.html_body
        html = (
            html.replace("</body>", f"{html_footer}</body>")
            if "</body>" in html
            else html + html_footer
        )
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as exc:
        Notification.objects.filter(pk=notification_id).update(
            email_status=Notification.EmailStatus.QUEUED,
            email_attempts=notification.email_attempts + 1,
            email_error=str(exc)[:2000],
        )
        raise
    Notification.objects.filter(pk=notification_id).update(
        email_status=Notification.EmailStatus.SENT,
        email_attempts=notification.email_attempts + 1,
        email_error="",
        emailed_at=timezone.now(),
    )
    return True


def notification_mark_failed(*, notification_id: int, error: str) -> None:
    """After the last retry: keep the row, say why it was not delivered."""
    Notification.objects.filter(
        pk=notification_id, email_status=Notification.EmailStatus.QUEUED
    ).update(email_status=Notification.EmailStatus.FAILED, email_error=error[:2000])


def notification_mark_read(*, recipient: User, notification_id: int | None = None) -> int:
    """Mark one of the person's notifications read, or all of them when no id is given."""
    qs = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


# --- preferences and unsubscribe ------------------------------------------------------------

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def preference_for(user: User) -> NotificationPreference:
    """The person's preferences (defaults until they change something); cached on the user."""
    cached = getattr(user, "_notification_preference", None)
    if cached is not None:
        return cached
    preference = NotificationPreference.objects.filter(user=user).first()
    if preference is None:
        preference = NotificationPreference(user=user)
    user._notification_preference = preference  # type: ignore[attr-defined]
    return preference


def preference_update(
    *, user: User, time_zone: str, email_modes: dict[str, str]
) -> NotificationPreference:
    """Save the person's time zone and email mode per category."""
    if time_zone not in available_timezones():
        raise DomainError(_("Choose a time zone from the list."))
    modes = {c: m for c, m in email_modes.items() if c in Notification.Category.values}
    if any(m not in Mode.values for m in modes.values()):
        raise DomainError(_("Choose how often to get email."))
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"timezone": time_zone, "email_modes": modes}
    )
    user.__dict__.pop("_notification_preference", None)
    return preference


def unsubscribe_token(*, user: User, categories: list[str]) -> str:
    return signing.dumps({"u": user.pk, "c": categories}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, user: User, categories: list[str]) -> str:
    token = unsubscribe_token(user=user, categories=categories)
    return f"{settings.SITE_URL}{reverse('notifications:unsubscribe', args=[token])}"


def unsubscribe_read(token: str) -> tuple[User, list[str]] | None:
    """The person and categories a signed link names, or None for a forged or broken link."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=data.get("u")).first()
    categories = [c for c in data.get("c", []) if c in Notification.Category.values]
    if user is None or not categories:
        return None
    return user, categories


@transaction.atomic
def unsubscribe(*, user: User, categories: list[str]) -> NotificationPreference:
    """Turn email off for these categories (the in-app notifications stay)."""
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
        user=user
    )
    preference.email_modes = {**preference.email_modes, **{c: Mode.OFF for c in categories}}
    preference.save(update_fields=["email_modes", "updated_at"])
    # What was waiting for a digest in these categories will not be emailed either.
    Notification.objects.filter(
        recipient=user, category__in=categories, email_status=Notification.EmailStatus.DIGEST
    ).update(email_status=Notification.EmailStatus.SKIPPED)
    return preference


# --- digests ----------------------------------------------------------------------------------

DIGEST_HOUR = 7


def digest_period(
    *, mode: str, local_now: datetime.datetime
) -> tuple[str, datetime.datetime] | None:
    """The digest due at `local_now` for a mode: its key and the local cut-off, or None.

    A daily digest is due from 07:00 every day, a weekly one from 07:00 on Mondays; it gathers
    what arrived before the cut-off. Keys name the period, so a second run finds the same key.
    """
    cutoff = local_now.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if local_now < cutoff:
        return None
    if mode == Mode.DAILY:
        return f"digest-daily-{cutoff.date().isoformat()}", cutoff
    if mode == Mode.WEEKLY and cutoff.weekday() == 0:
        year, week, _day = cutoff.isocalendar()
        return f"digest-weekly-{year}-W{week:02d}", cutoff
    return None


def digest_build(*, recipient: User, mode: str, now: datetime.datetime | None = None) -> Any:
    """Gather the person's waiting notifications into one digest email, once per period."""
    now = now or timezone.now()
    tz = ZoneInfo(preference_for(recipient).timezone)
    period = digest_period(mode=mode, local_now=now.astimezone(tz))
    if period is None:
        return None
    key, cutoff = period
    with transaction.atomic():
        if Notification.objects.filter(recipient=recipient, key=key).exists():
            return None
        pending = Notification.objects.filter(
            recipient=recipient,
            email_status=Notification.EmailStatus.DIGEST,
            digest_mode=mode,
            created_at__lt=cutoff,
        )
        ids = list(pending.values_list("pk", flat=True)[:200])
        if not ids:
            return None
        try:
            with transaction.atomic():
                digest = Notification.objects.create(
                    recipient=recipient,
                    kind=Notification.Kind.DIGEST,
                    category=Notification.Category.ADMINISTRATION,
                    key=key,
                    subject="",
                    body="",
                    read_at=now,
                    email_status=Notification.EmailStatus.QUEUED,
                )
        except IntegrityError:  # beat fired twice and the other run won
            return None
        Notification.objects.filter(
            pk__in=ids, email_status=Notification.EmailStatus.DIGEST
        ).update(email_status=Notification.EmailStatus.DIGESTED, digest=digest)
        items = list(digest.items.order_by("created_at", "pk"))
        context = {
            "recipient": recipient,
            "items": items,
            "mode": mode,
            "site_url": settings.SITE_URL,
            "absolute_url": f"{settings.SITE_URL}{reverse('notifications:list')}",
        }
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            subject, body = _render_text_blocks("digest", context)
            html_body = render_to_string("emails/digest.html", context)
        Notification.objects.filter(pk=digest.pk).update(
            subject=subject[:255], body=body, html_body=html_body
        )
        from .tasks import notification_send_email as task

        task.delay_on_commit(digest.pk)
    digest.refresh_from_db()
    return digest


def digests_build_due(*, now: datetime.datetime | None = None) -> int:
    """Beat: build every digest that is due now in each recipient's time zone."""
    now = now or timezone.now()
    built = 0
    waiting = (
        Notification.objects.filter(email_status=Notification.EmailStatus.DIGEST)
        .values_list("recipient_id", "digest_mode")
        .distinct()
    )
    pairs = list(waiting)
    users = User.objects.in_bulk({pk for pk, _mode in pairs})
    for recipient_id, mode in pairs:
        user = users.get(recipient_id)
        if user is not None and digest_build(recipient=user, mode=mode, now=now) is not None:
            built += 1
    return built


# --- announcements ----------------------------------------------------------------------------


def announcement_create(
    *, cohort: Any, author: User, subject: str, body: str, send_at: datetime.datetime | None
) -> Announcement:
    """Save an announcement; it goes out at once or when beat finds it due."""
    now = timezone.now()
    if not subject.strip() or not body.strip():
        raise DomainError(_("Write a subject and a message."))
    if send_at is not None and send_at < now - datetime.timedelta(minutes=5):
        raise DomainError(_("Choose a time in the future, or send now."))
    with transaction.atomic():
        announcement = Announcement.objects.create(
            cohort=cohort,
            author=author,
            subject=subject.strip(),
            body=body.strip(),
            send_at=send_at or now,
        )
        if send_at is None or send_at <= now:
            from .tasks import announcement_send as task

            task.delay_on_commit(announcement.pk)
    return announcement


def announcement_send(*, announcement_id: int) -> int:
    """Notify every member of the cohort once; safe to run again (the keys dedupe)."""
    Announcement.objects.filter(
        pk=announcement_id, status=Announcement.Status.SCHEDULED, send_at__lte=timezone.now()
    ).update(status=Announcement.Status.SENDING)
    announcement = (
        Announcement.objects.select_related("cohort", "author")
        .filter(pk=announcement_id, status=Announcement.Status.SENDING)
        .first()
    )
    if announcement is None:
        return 0
    from learners.models import Membership

    members = (
        Membership.objects.filter(cohort=announcement.cohort)
        .exclude(user=announcement.author)
        .select_related("user")
    )
    count = 0
    for membership in members.iterator(chunk_size=500):
        notification_notify(
            recipient=membership.user,
            category=Notification.Category.ANNOUNCEMENTS,
            key=f"announcement-{announcement.pk}",
            template="announcement",
            context={"announcement": announcement},
            url=reverse("notifications:list"),
        )
        count += 1
    Announcement.objects.filter(pk=announcement.pk, status=Announcement.Status.SENDING).update(
        status=Announcement.Status.SENT, sent_at=timezone.now(), recipient_count=count
    )
    return count


def announcements_send_due() -> list[int]:
    """Beat: announcements whose time has come (and any left half-sent by a crash)."""
    stale = timezone.now() - datetime.timedelta(minutes=10)
    return list(
        Announcement.objects.filter(send_at__lte=timezone.now())
        .filter(
            Q(status=Announcement.Status.SCHEDULED)
            | Q(status=Announcement.Status.SENDING, send_at__lt=stale)
        )
        .values_list("pk", flat=True)[:100]
    )
