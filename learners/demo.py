"""Demo data for coordinators: a second cohort with learners from several municipalities,
varied progress (some at risk), sent and pending notifications, invitations and announcements.

Idempotent: update_or_create / get_or_create throughout.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.utils import timezone

from core.models import Organisation, User
from courses.models import Completion, Course, Item
from notifications.models import Announcement, Notification

from .models import Cohort, Invitation, Membership

DOMAIN = "demo.alueagentti.fi"
PASSWORD = "demo-Alueagentti-2026"  # noqa: S105 - the published demo password

# (local part, first, last, organisation, share of lessons done, days since last activity)
SPRING_LEARNERS = [
    ("anna.nieminen", "Anna", "Nieminen", "Akaan kaupunki", 0.9, 2),
    ("pekka.lehtonen", "Pekka", "Lehtonen", "Janakkalan kunta", 0.5, 5),
    ("tiina.heikkinen", "Tiina", "Heikkinen", "Nokian kaupunki", 0.2, 25),
    ("juha.salo", "Juha", "Salo", "Lopen kunta", 0.0, 40),
    ("maria.koskinen", "Maria", "Koskinen", "Vantaan kaupunki", 0.6, 1),
    ("ville.rantanen", "Ville", "Rantanen", "Pirkkalan kunta", 0.35, 18),
]


def _person(local: str, first: str, last: str, org: str) -> User:
    email = f"{local}@{DOMAIN}"
    organisation, _ = Organisation.objects.get_or_create(
        name=org, defaults={"kind": Organisation.Kind.MUNICIPALITY}
    )
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first, "last_name": last, "organisation": organisation}
    )
    if created:
        user.set_password(PASSWORD)
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def seed(*, course: Course, cohort: Cohort, users: dict[str, Any]) -> None:
    now = timezone.now()
    today = timezone.localdate()
    spring, _ = Cohort.objects.update_or_create(
        course=course,
        name="Alueagentti – pilottiryhmä",
        defaults={
            "start_date": today - timedelta(days=45),
            "end_date": today + timedelta(days=200),
            "inactivity_days": 14,
            "revision_days": 10,
        },
    )
    for local, role in [
        ("koordinaattori", Membership.Role.COORDINATOR),
        ("ohjaaja", Membership.Role.INSTRUCTOR),
    ]:
        Membership.objects.update_or_create(
            cohort=spring, user=users[local], defaults={"role": role}
        )
    items = list(
        Item.objects.filter(module__course=course).order_by("module__position", "position")
    )
    for local, first, last, org, share, idle in SPRING_LEARNERS:
        person = _person(local, first, last, org)
        Membership.objects.update_or_create(
            cohort=spring, user=person, defaults={"role": Membership.Role.LEARNER}
        )
        Membership.objects.filter(cohort=spring, user=person).update(
            joined_at=now - timedelta(days=44)
        )
        for item in items[: int(len(items) * share)]:
            completion, _ = Completion.objects.get_or_create(user=person, item=item)
            Completion.objects.filter(pk=completion.pk).update(
                completed_at=now - timedelta(days=idle)
            )
        users[local] = person

    # Notifications: one sent, one waiting for the daily digest, one that failed.
    for local, key, subject, status, error in [
        ("anna.nieminen", "demo-welcome", "Tervetuloa pilottiryhmään", "sent", ""),
        ("pekka.lehtonen", "demo-gallery", "Uusi kysymys galleriassa", "digest", ""),
        (
            "tiina.heikkinen",
            "demo-reminder",
            "Muistutus: haasteen kuvaus",
            "failed",
            "550 5.1.1 Mailbox unavailable",
        ),
    ]:
        Notification.objects.update_or_create(
            recipient=users[local],
            key=key,
            defaults={
                "category": Notification.Category.ADMINISTRATION,
                "subject": subject,
                "body": subject + ".",
                "email_status": status,
                "digest_mode": "daily" if status == "digest" else "",
                "email_error": error,
                "email_attempts": 6 if status == "failed" else (1 if status == "sent" else 0),
                "emailed_at": now if status == "sent" else None,
            },
        )
    Announcement.objects.update_or_create(
        cohort=spring,
        subject="Tervetuloa pilottiryhmään!",
        defaults={
            "author": users["koordinaattori"],
            "body": (
                "Ensimmäinen työpaja pidetään Hämeenlinnassa. Tuo mukaan oma kehittämishaasteesi."
            ),
            "send_at": now - timedelta(days=40),
            "status": Announcement.Status.SENT,
            "sent_at": now - timedelta(days=40),
            "recipient_count": len(SPRING_LEARNERS) + 1,
        },
    )
    Announcement.objects.update_or_create(
        cohort=cohort,
        subject="Syksyn ensimmäinen työpaja",
        defaults={
            "author": users["koordinaattori"],
            "body": "Tervetuloa! Ensimmäinen työpaja pidetään kuukauden kuluttua.",
            "send_at": now + timedelta(days=7),
            "status": Announcement.Status.SCHEDULED,
        },
    )
    Invitation.objects.update_or_create(
        cohort=spring,
        email=f"kutsuttu@{DOMAIN}",
        defaults={
            "first_name": "Kalle",
            "last_name": "Kutsuttu",
            "organisation": Organisation.objects.filter(name="Kangasalan kaupunki").first(),
            "invited_by": users["koordinaattori"],
            "expires_at": now + timedelta(days=30),
            "email_status": Invitation.EmailStatus.SENT,
            "send_count": 1,
            "emailed_at": now,
        },
    )
