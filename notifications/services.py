"""Notifications: every message is a row before anything is sent."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.template.loader_tags import BlockNode
from django.utils import timezone, translation

from core.models import User

from .models import Notification

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


@transaction.atomic
def notification_notify(
    *,
    recipient: User,
    category: str,
    key: str,
    template: str,
    context: dict[str, Any],
    url: str = "",
) -> Notification:
    """Record a notification in the recipient's language and email it after commit.

    Announcing the same event (`key`) to the same person again returns the existing row.
    """
    existing = Notification.objects.filter(recipient=recipient, key=key).first()
    if existing is not None:
        return existing
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
    notification = Notification.objects.create(
        recipient=recipient,
        category=category,
        key=key,
        subject=subject[:255],
        body=body,
        html_body=html_body,
        url=url,
        email_status=(
            Notification.EmailStatus.QUEUED if recipient.email else Notification.EmailStatus.SKIPPED
        ),
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
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.subject}",
        body=notification.body,
        to=[notification.recipient.email],
        headers={"X-Alueagentti-Category": notification.category},
    )
    if notification.html_body:
        message.attach_alternative(notification.html_body, "text/html")
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
