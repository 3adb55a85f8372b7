"""Notifications: every message is a row before anything is sent."""

from __future__ import annotations

import datetime
import logging
import re
import uuid
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
from django.utils.html import escape
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from core import mail
from core.errors import DomainError
from core.models import User
from core.outbox import publish, publish_on_commit

from . import selectors
from .grouping import Group
from .models import Announcement, Mode, Notification, NotificationPreference
from .templatetags.notification_text import ADDRESS, AFTER_ADDRESS, is_own_path, without_own_link

logger = logging.getLogger(__name__)


def _render_text_blocks(name: str, context: dict[str, Any]) -> tuple[str, str]:
    """Render the `subject` and `body` blocks of `emails/<name>.txt` without HTML escaping."""
    # The Django backend's Template wraps the engine's; the stubs type only the common protocol.
    template = get_template(f"emails/{name}.txt").template  # type: ignore[attr-defined]
    blocks = {node.name: node for node in template.nodelist.get_nodes_by_type(BlockNode)}
    ctx = Context(context, autoescape=False)
    with ctx.bind_template(template):
        subject = " ".join(blocks["subject"].render(ctx).split())
        body = blocks["body"].render(ctx).strip()
    return subject, body


def _email_context(
    context: dict[str, Any], *, recipient: User | _NameStandIn | None, url: str
) -> dict[str, Any]:
    return {
        **context,
        "recipient": recipient,
        "url": url,
        "absolute_url": f"{settings.SITE_URL}{url}" if url else settings.SITE_URL,
        "site_url": settings.SITE_URL,
    }


def _render_in(language: str, *, template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    with translation.override(language):
        subject, body = _render_text_blocks(template, context)
        html_body = render_to_string(f"emails/{template}.html", context)
    return subject, body, html_body


def notification_render(
    *, recipient: User, template: str, context: dict[str, Any], url: str = ""
) -> tuple[str, str, str]:
    """The subject, plain-text body and HTML body of `emails/<template>` in the recipient's
    language (used by notification_notify and by the demo data)."""
    return _render_in(
        recipient.language or settings.LANGUAGE_CODE,
        template=template,
        context=_email_context(context, recipient=recipient, url=url),
    )


def _email_status_for(recipient: User, preference: NotificationPreference, category: str) -> str:
    mode = preference.mode_for(category)
    if not recipient.email or mode == Mode.OFF:
        return Notification.EmailStatus.SKIPPED
    if mode in (Mode.DAILY, Mode.WEEKLY):
        return Notification.EmailStatus.DIGEST
    return Notification.EmailStatus.QUEUED


def _group_fields(group: Group | None) -> dict[str, str]:
    if group is None:
        return {}
    return {"group_key": group.key[:200], "group_title": group.title[:255]}


def _outbox_fields(status: str, now: datetime.datetime) -> dict[str, Any]:
    """A queued row waits HINT_GRACE for its published task before the sweeper looks again."""
    if status != Notification.EmailStatus.QUEUED:
        return {}
    return {"next_attempt_at": now + mail.HINT_GRACE, "retry_until": now + mail.retry_window()}


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
    group: Group | None = None,
) -> Notification:
    """Record a notification in the recipient's language and email it after commit.

    Announcing the same event (`key`) to the same person again returns the existing row. The
    person's preference for the category decides: email now, keep for a digest, or no email.
    A `group` (notifications.grouping) shows it on the pages in one line with the others of
    its kind about the same object; its email is its own all the same.
    """
    existing = Notification.objects.filter(recipient=recipient, key=key).first()
    if existing is not None:
        return existing
    subject, body, html_body = notification_render(
        recipient=recipient, template=template, context=context, url=url
    )
    preference = preference_for(recipient)
    status = _email_status_for(recipient, preference, category)
    notification = Notification.objects.create(
        recipient=recipient,
        category=category,
        key=key,
        subject=subject[:255],
        body=body,
        html_body=html_body,
        url=url,
        reply_to=reply_to,
        **_group_fields(group),
        email_status=status,
        digest_mode=preference.mode_for(category)
        if status == Notification.EmailStatus.DIGEST
        else "",
        **_outbox_fields(status, timezone.now()),
    )
    if notification.email_status == Notification.EmailStatus.QUEUED:
        from .tasks import notification_send_email as task

        publish_on_commit(task, notification.pk)
    return notification


# The recipient a bulk message is rendered with: its name is a marker replaced per person.
_NAME_MARK = "\u2063alueagentti-name\u2063"


class _NameStandIn:
    first_name = _NAME_MARK
    email = _NAME_MARK
    display_name = _NAME_MARK
    pk = None


_NAME_STAND_IN = _NameStandIn()


class _Personal:
    """One message rendered once per language for many people, then given each person's name
    (the name marker of _NameStandIn): the template must use nothing else of theirs."""

    def __init__(self, *, template: str, context: dict[str, Any], url: str) -> None:
        self._template = template
        self._context = _email_context(context, recipient=_NAME_STAND_IN, url=url)
        self._rendered: dict[str, tuple[str, str, str]] = {}

    def __call__(self, recipient: User) -> tuple[str, str, str]:
        language = recipient.language or settings.LANGUAGE_CODE
        if language not in self._rendered:
            self._rendered[language] = _render_in(
                language, template=self._template, context=self._context
            )
        name = recipient.first_name or recipient.email
        subject, body, html_body = self._rendered[language]
        return (
            subject.replace(_NAME_MARK, name),
            body.replace(_NAME_MARK, name),
            html_body.replace(_NAME_MARK, escape(name)),
        )


def notifications_publish_emails(ids: list[int]) -> None:
    """Publish queued notification emails in batches (one mail-server connection each)."""
    from .tasks import notification_send_emails as task

    for start in range(0, len(ids), settings.NOTIFICATION_CHUNK_SIZE):
        publish(task, ids[start : start + settings.NOTIFICATION_CHUNK_SIZE])


def notification_notify_many(
    *,
    recipients: list[User],
    category: str,
    key: str,
    template: str,
    context: dict[str, Any],
    url: str = "",
    group: Group | None = None,
) -> list[int]:
    """Record one event (`key`) for many people at once; returns the ids queued for email.
    A `group` as for notification_notify.

    The message is rendered once per language, not once per person: the template may greet the
    recipient by name (`recipient.first_name|default:recipient.email`, filled in per person
    afterwards) but must not use anything else of theirs. Rows that exist already are left alone
    (`ignore_conflicts` on the unique key), so running it twice creates nothing new. The caller
    sends the emails (`notifications_publish_emails`).
    """
    if not recipients:
        return []
    preferences = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(user__in=[r.pk for r in recipients])
    }
    render = _Personal(template=template, context=context, url=url)
    now = timezone.now()
    rows = []
    for recipient in recipients:
        subject, body, html_body = render(recipient)
        preference = preferences.get(recipient.pk) or NotificationPreference(user=recipient)
        status = _email_status_for(recipient, preference, category)
        rows.append(
            Notification(
                recipient=recipient,
                category=category,
                key=key,
                subject=subject[:255],
                body=body,
                html_body=html_body,
                url=url,
                **_group_fields(group),
                email_status=status,
                digest_mode=preference.mode_for(category)
                if status == Notification.EmailStatus.DIGEST
                else "",
                **_outbox_fields(status, now),
            )
        )
    Notification.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return list(
        Notification.objects.filter(
            key=key,
            recipient_id__in=[r.pk for r in recipients],
            email_status=Notification.EmailStatus.QUEUED,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def notifications_rerender(
    *, key: str, template: str, context: dict[str, Any], url: str = ""
) -> int:
    """Render an event's rows (`key`, as notification_notify_many wrote them) again from a new
    context, in each recipient's language; returns how many rows were rewritten.

    For an event whose content changed after it was announced (a discussion post hidden by a
    moderator, or shown again): the in-app text follows, and so does an email still waiting in
    the outbox or for a digest. An email that already left cannot be recalled. Only the texts
    are written, so a row being sent at this moment keeps its email state. Two queries however
    many rows (one select, one update per 500 rows).
    """
    rows = list(
        Notification.objects.filter(key=key, kind=Notification.Kind.EVENT)
        .select_related("recipient")
        .order_by("pk")
    )
    render = _Personal(template=template, context=context, url=url)
    for row in rows:
        subject, row.body, row.html_body = render(row.recipient)
        row.subject = subject[:255]
    Notification.objects.bulk_update(rows, ["subject", "body", "html_body"], batch_size=500)
    return len(rows)


# --- sending ----------------------------------------------------------------------------------

_URL_MARK = "https://unsubscribe.invalid/alueagentti-mark"


def notification_message_id(notification: Notification) -> str:
    """The same Message-ID every time this row is sent (the row's unique key)."""
    return mail.message_id(f"notification:{notification.recipient_id}:{notification.key}")


class _Footers:
    """The unsubscribe footers rendered once per language for a whole batch."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, str]] = {}

    def __call__(self, language: str, url: str) -> tuple[str, str]:
        if language not in self._cache:
            with translation.override(language):
                self._cache[language] = (
                    render_to_string(
                        "emails/includes/unsubscribe.txt", {"unsubscribe_url": _URL_MARK}
                    ).strip(),
                    render_to_string(
                        "emails/includes/unsubscribe.html", {"unsubscribe_url": _URL_MARK}
                    ),
                )
        text, html = self._cache[language]
        return text.replace(_URL_MARK, url), html.replace(_URL_MARK, escape(url))


def _notification_message(notification: Notification, footers: _Footers) -> EmailMultiAlternatives:
    recipient = notification.recipient
    categories = (
        sorted(set(notification.items.values_list("category", flat=True)))
        if notification.kind == Notification.Kind.DIGEST
        else [notification.category]
    )
    unsubscribe = unsubscribe_url(user=recipient, categories=categories)
    footer, html_footer = footers(recipient.language or settings.LANGUAGE_CODE, unsubscribe)
    links = _own_page_and_follow(notification)
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.subject}",
        body=f"{_text_with_follow_link(notification.body, links)}\n\n-- \n{footer}",
        to=[recipient.email],
        reply_to=[notification.reply_to] if notification.reply_to else None,
        headers={
            "Message-ID": notification_message_id(notification),
            "X-Alueagentti-Category": notification.category,
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    if notification.html_body:
        html = _html_with_follow_links(notification.html_body, links)
        html = (
            html.replace("</body>", f"{html_footer}</body>")
            if "</body>" in html
            else html + html_footer
        )
        message.attach_alternative(html, "text/html")
    return message


def notifications_send_emails(*, notification_ids: list[int]) -> mail.Delivery:
    """Email the queued notifications among `notification_ids` over one connection.

    Each row is claimed before its message is sent, so a second run (a task delivered twice, a
    sweeper's republish) sends nothing twice; failures follow core/mail.py's rules.
    """
    footers = _Footers()
    return mail.deliver(
        queryset=Notification.objects.select_related("recipient"),
        ids=notification_ids,
        build=lambda row: _notification_message(row, footers),
    )


def notification_send_email(*, notification_id: int) -> bool:
    """Send one queued notification by email; False when there was nothing to send (or it
    did not leave: the row says why and when it is tried again)."""
    return bool(notifications_send_emails(notification_ids=[notification_id]).sent)


def notification_emails_sweep(*, now: datetime.datetime | None = None) -> mail.Sweep:
    """Beat: recover emails stuck `sending`, fail those past their retry window, and publish
    the ones whose next attempt has come, in batches (one connection each)."""
    from .tasks import notification_send_emails as task

    return mail.sweep(
        queryset=Notification.objects.all(),
        publish_batch=lambda ids: publish(task, ids),
        now=now,
    )


def notification_resend(*, notification: Notification) -> bool:
    """Queue a failed, unconfirmed or stuck email again, with the same Message-ID.

    A second click while it waits changes nothing (the send claims the row once); a sent email
    is never sent again this way. Returns whether the row was queued.
    """
    now = timezone.now()
    stuck = Q(
        email_status=Notification.EmailStatus.SENDING,
        claimed_at__lt=now - mail.sending_stale_after(),
    )
    resendable = (
        Q(email_status__in=[Notification.EmailStatus.FAILED, Notification.EmailStatus.UNCERTAIN])
        | stuck
        | Q(email_status=Notification.EmailStatus.QUEUED, email_attempts__gt=0)
    )
    queued = (
        Notification.objects.filter(pk=notification.pk, kind=notification.kind)
        .filter(resendable)
        .update(
            email_status=Notification.EmailStatus.QUEUED,
            next_attempt_at=now + mail.HINT_GRACE,
            retry_until=now + mail.retry_window(),
        )
    )
    if queued:
        from .tasks import notification_send_email as task

        publish_on_commit(task, notification.pk)
    return bool(queued)


def notification_mark_read(*, recipient: User, notification_id: int | None = None) -> int:
    """Mark one of the person's notifications read, or all of them when no id is given."""
    qs = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def notification_group_mark_read(
    *, recipient: User, notification: Notification, through_id: int | None = None
) -> int:
    """Mark one of the person's notifications read with the rest of its group (a line of the
    dashboard or the notification list, notifications.grouping); returns how many changed.
    `through_id`, the newest of the group the page showed: what came after it stays unread,
    as the person has not seen it yet. One query."""
    qs = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if not notification.group_key:
        qs = qs.filter(pk=notification.pk)
    else:
        qs = qs.filter(group_key=notification.group_key, kind=Notification.Kind.EVENT)
        if through_id is not None:
            qs = qs.filter(pk__lte=max(through_id, notification.pk))
    return qs.update(read_at=timezone.now())


# --- links in emails ---------------------------------------------------------------------------

FOLLOW_SALT = "notifications.follow"


def notification_follow_url(notification: Notification) -> str:
    """The address an email gives for a notification's page: views.notification_follow marks
    the notification read when its recipient opens it and leads on to the page. Signed, so it
    names no other notification; it never expires, like the page links sent before it."""
    token = signing.Signer(salt=FOLLOW_SALT).sign(str(notification.pk))
    return f"{settings.SITE_URL}{reverse('notifications:follow', args=[token])}"


def notification_from_follow_token(token: str) -> Notification | None:
    """The notification a link from notification_follow_url names, or None for a forged one."""
    try:
        pk = signing.Signer(salt=FOLLOW_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return Notification.objects.filter(pk=int(pk), kind=Notification.Kind.EVENT).first()


def _own_page_and_follow(notification: Notification) -> tuple[str, str] | None:
    """(the absolute address of the notification's own page, its notification_follow_url),
    or None when the email has no own page to link through (an announcement, another host)."""
    if notification.kind != Notification.Kind.EVENT or not is_own_path(notification.url):
        return None
    return f"{settings.SITE_URL}{notification.url}", notification_follow_url(notification)


def _html_with_follow_links(html: str, links: tuple[str, str] | None) -> str:
    """The HTML email with its links to the notification's own page going through
    notification_follow_url (the row's id is known only now, after it was rendered and saved).
    """
    if links is None:
        return html
    target, follow = links
    return html.replace(f'href="{escape(target)}"', f'href="{escape(follow)}"')


def _text_with_follow_link(text: str, links: tuple[str, str] | None) -> str:
    """The plain-text email with the address of the notification's own page swapped for
    notification_follow_url when sent, as in the HTML part, so following either marks it read.
    The stored body keeps the page's address: what the app's list hides as the item's own link
    (notification_text.without_own_link). An address that only starts like the page's (a
    longer path) is left alone; punctuation after it is kept."""
    if links is None:
        return text
    target, follow = links

    def swap(match: re.Match[str]) -> str:
        address = match.group(0)
        trailing = address[len(target) :]
        if address.startswith(target) and not trailing.strip(AFTER_ADDRESS):
            return follow + trailing
        return address

    return ADDRESS.sub(swap, text)


# --- preferences and unsubscribe ------------------------------------------------------------

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def preference_for(user: User) -> NotificationPreference:
    """The person's preferences (defaults until they change something); cached on the user."""
    cached: NotificationPreference | None = getattr(user, "_notification_preference", None)
    if cached is not None:
        return cached
    preference = NotificationPreference.objects.filter(user=user).first()
    if preference is None:
        preference = NotificationPreference(user=user)
    # Through attribute access, as request.user is a lazy proxy of the user.
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


# How much of a notification's own text a digest shows; its link is printed after it, whole.
DIGEST_TEXT_CHARS = 300


def _greeting_lines() -> list[re.Pattern[str]]:
    """The first line of an email that greets its reader ("Hei Tiina,"), in every language a
    notification may have been written in; the name may have changed since."""
    patterns = []
    for language, _label in settings.LANGUAGES:
        with translation.override(language):
            before, _name, after = _("Hello %(name)s,").partition("%(name)s")
        patterns.append(re.compile(f"{re.escape(before)}.+{re.escape(after)}"))
    return patterns


def _digest_entry(item: Notification, greetings: list[re.Pattern[str]]) -> dict[str, str]:
    """One notification as a digest shows it: its subject, its text without the greeting (the
    digest greets once) and without the line that spells out its link, shortened, and the link
    on its own (through notification_follow, so following it marks the notification read)."""
    text = without_own_link(item.body, item.url)
    first, _newline, rest = text.partition("\n")
    if any(g.fullmatch(first.strip()) for g in greetings):
        text = rest.strip()
    return {
        "subject": item.subject,
        "text": Truncator(text).chars(DIGEST_TEXT_CHARS),
        "link": notification_follow_url(item) if is_own_path(item.url) else "",
    }


def digest_build(
    *, recipient: User, mode: str, now: datetime.datetime | None = None, send: bool = True
) -> Any:
    """Gather the person's waiting notifications into one digest email, once per period.

    With `send=False` the caller sends the queued digest (a chunk sends its digests together)."""
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
                    **_outbox_fields(Notification.EmailStatus.QUEUED, timezone.now()),
                )
        except IntegrityError:  # beat fired twice and the other run won
            return None
        Notification.objects.filter(
            pk__in=ids, email_status=Notification.EmailStatus.DIGEST
        ).update(email_status=Notification.EmailStatus.DIGESTED, digest=digest)
        greetings = _greeting_lines()
        items = [_digest_entry(i, greetings) for i in digest.items.order_by("created_at", "pk")]
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
        if send:
            from .tasks import notification_send_email as task

            publish_on_commit(task, digest.pk)
    digest.refresh_from_db()
    return digest


def digests_build_due(*, now: datetime.datetime | None = None) -> int:
    """Beat: build every digest that is due now in each recipient's time zone.

    Up to NOTIFICATION_CHUNK_SIZE people are handled here and the count of digests built is
    returned; more are split into chunk tasks (queue `bulk`, 0 returned), so the scan never
    nears a time limit. A digest's key names its period, so a chunk run twice builds nothing new.
    """
    now = now or timezone.now()
    pairs = list(
        Notification.objects.filter(email_status=Notification.EmailStatus.DIGEST)
        .values_list("recipient_id", "digest_mode")
        .distinct()
        .order_by("recipient_id", "digest_mode")
    )
    size = settings.NOTIFICATION_CHUNK_SIZE
    if len(pairs) <= size:
        return digests_build(pairs=pairs, now=now)
    from .tasks import notification_build_digests_chunk as task

    for start in range(0, len(pairs), size):
        publish(task, [list(p) for p in pairs[start : start + size]], now.isoformat())
    return 0


def digests_build(*, pairs: list[tuple[int, str]], now: datetime.datetime) -> int:
    """Build the due digests of these (person, mode) pairs and send them in one email batch."""
    users = User.objects.in_bulk({pk for pk, _mode in pairs})
    built = []
    for recipient_id, mode in pairs:
        user = users.get(recipient_id)
        digest = digest_build(recipient=user, mode=mode, now=now, send=False) if user else None
        if digest is not None and digest.email_status == Notification.EmailStatus.QUEUED:
            built.append(digest.pk)
    if built:
        from .tasks import notification_send_emails as task

        publish(task, built)
    return len(built)


# --- announcements ----------------------------------------------------------------------------


# An announcement whose fan-out has not moved for this long is taken over by the beat sweeper.
ANNOUNCEMENT_STALE = datetime.timedelta(minutes=10)


class AnnouncementAlreadySent(DomainError):
    """The form that asked for this announcement had already written one (its one-time token):
    nothing new was saved or sent; `announcement` is the one it wrote."""

    def __init__(self, announcement: Announcement) -> None:
        super().__init__(
            _(
                "This form had already sent the announcement “%(subject)s”, so it was not "
                "sent again."
            )
            % {"subject": announcement.subject}
        )
        self.announcement = announcement


def announcement_create(
    *,
    cohort: Any,
    author: User,
    subject: str,
    body: str,
    send_at: datetime.datetime | None,
    token: uuid.UUID | None = None,
) -> Announcement:
    """Save an announcement; it goes out at once or when beat finds it due.

    `token`, the form's one-time token, is saved with it (unique per cohort): the same form sent
    again, even at the same moment, raises AnnouncementAlreadySent and nothing more is sent.
    The request only writes the row and publishes one task (after commit, as a hint), so it
    takes the same few queries for a cohort of ten or ten thousand.
    """
    now = timezone.now()
    if not subject.strip() or not body.strip():
        raise DomainError(_("Write a subject and a message."))
    if send_at is not None and send_at < now - datetime.timedelta(minutes=5):
        raise DomainError(_("Choose a time in the future, or send now."))
    sent = selectors.announcement_created_with(cohort=cohort, token=token)
    if sent is not None:
        raise AnnouncementAlreadySent(sent)
    try:
        with transaction.atomic():
            announcement = Announcement.objects.create(
                cohort=cohort,
                author=author,
                subject=subject.strip(),
                body=body.strip(),
                send_at=send_at or now,
                form_token=token,
            )
            if send_at is None or send_at <= now:
                from .tasks import announcement_send as task

                publish_on_commit(task, announcement.pk)
    except IntegrityError:
        # The same form sent twice at once: the other request's row is committed by now (the
        # unique index made this insert wait for it), and only that one publishes its task.
        sent = selectors.announcement_created_with(cohort=cohort, token=token)
        if sent is None:
            raise
        raise AnnouncementAlreadySent(sent) from None
    return announcement


def _announcement_key(announcement_id: int) -> str:
    return f"announcement-{announcement_id}"


def announcement_send(*, announcement_id: int, now: datetime.datetime | None = None) -> int:
    """Claim a due announcement and publish its recipients in chunks; returns how many people
    the chunks will reach.

    The claim is conditional: a scheduled one that is due, or one whose fan-out has stood still
    for ANNOUNCEMENT_STALE (its worker died). Two beats, or a task delivered twice, find it
    claimed and do nothing. A resumed fan-out publishes only the people who have no row yet.
    """
    now = now or timezone.now()
    stale = now - ANNOUNCEMENT_STALE
    claimed = (
        Announcement.objects.filter(pk=announcement_id)
        .filter(
            Q(status=Announcement.Status.SCHEDULED, send_at__lte=now)
            | Q(status=Announcement.Status.SENDING, claimed_at__lt=stale)
            | Q(status=Announcement.Status.SENDING, claimed_at__isnull=True, send_at__lt=stale)
        )
        .update(status=Announcement.Status.SENDING, claimed_at=now)
    )
    if not claimed:
        return 0
    announcement = Announcement.objects.get(pk=announcement_id)
    from learners.models import Membership

    recipients = sorted(
        set(
            # An inactive account (erased under privacy/, or closed) is nobody to tell.
            Membership.objects.filter(cohort_id=announcement.cohort_id, user__is_active=True)
            .exclude(user_id=announcement.author_id)
            .values_list("user_id", flat=True)
        )
    )
    done = set(
        Notification.objects.filter(key=_announcement_key(announcement.pk)).values_list(
            "recipient_id", flat=True
        )
    )
    missing = [pk for pk in recipients if pk not in done]
    Announcement.objects.filter(pk=announcement.pk).update(recipient_count=len(recipients))
    if not missing:
        _announcement_finish(announcement.pk, expected=len(recipients))
        return 0
    from .tasks import announcement_send_chunk as task

    size = settings.NOTIFICATION_CHUNK_SIZE
    for start in range(0, len(missing), size):
        publish(task, announcement.pk, missing[start : start + size])
    return len(missing)


def announcement_send_chunk(*, announcement_id: int, user_ids: list[int]) -> int:
    """One chunk of an announcement: its rows in one insert, its emails over one connection.

    Safe to run twice: rows that exist are kept (the unique key) and the email claim sends each
    message once. Returns how many rows this run queued for email.
    """
    announcement = (
        Announcement.objects.select_related("cohort", "author")
        .filter(
            pk=announcement_id, status__in=[Announcement.Status.SENDING, Announcement.Status.SENT]
        )
        .first()
    )
    if announcement is None:
        return 0
    key = _announcement_key(announcement.pk)
    recipients = list(User.objects.filter(pk__in=user_ids).order_by("pk"))
    queued = notification_notify_many(
        recipients=recipients,
        category=Notification.Category.ANNOUNCEMENTS,
        key=key,
        template="announcement",
        context={"announcement": announcement},
        url=reverse("notifications:list"),
    )
    if queued:
        from .tasks import notification_send_emails as task

        publish(task, queued)
    _announcement_finish(announcement.pk, expected=announcement.recipient_count)
    return len(queued)


def _announcement_finish(announcement_id: int, *, expected: int) -> None:
    """Mark it sent once every recipient has a row; otherwise keep its claim fresh, so the
    sweeper does not take over a fan-out that is still moving."""
    now = timezone.now()
    sending = Announcement.objects.filter(pk=announcement_id, status=Announcement.Status.SENDING)
    if Notification.objects.filter(key=_announcement_key(announcement_id)).count() >= expected:
        sending.update(status=Announcement.Status.SENT, sent_at=now)
    else:
        sending.update(claimed_at=now)


def announcements_send_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Beat: announcements whose time has come, and fan-outs that stood still (a dead worker).
    Publishing one twice is harmless: announcement_send claims it once."""
    now = now or timezone.now()
    stale = now - ANNOUNCEMENT_STALE
    return list(
        Announcement.objects.filter(
            Q(status=Announcement.Status.SCHEDULED, send_at__lte=now)
            | Q(status=Announcement.Status.SENDING, claimed_at__lt=stale)
            | Q(status=Announcement.Status.SENDING, claimed_at__isnull=True, send_at__lt=stale)
        ).values_list("pk", flat=True)[:100]
    )
