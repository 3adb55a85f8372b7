"""The people and course the fault scenarios act on, and counts of what they ended up with."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from tests.faults.support import Ledger, SmtpSink


def start_experiment(*, learner: Any, cohort: Any, assignment: Any) -> Any:
    from workshops import services

    return services.experiment_create(
        learner=learner,
        workshop=assignment.workshop,
        cohort=cohort,
        title="Liityntäkyyti asemalle",
        challenge="Kylistä on vaikea päästä rautatieasemalle ilman autoa.",
    )


def completing_course(*, course: Any, assignment: Any, learner: Any) -> None:
    """The learner has done the course's one required item: the approval of `assignment`
    is all that is left to finish it."""
    from courses import services
    from courses.models import Item

    items = Item.objects.filter(module__course=course).order_by("pk")
    items.exclude(pk=items[0].pk).update(is_required=False)
    course.completion_assignments.add(assignment)
    services.item_complete(user=learner, item=items[0])


def submit_path(assignment: Any) -> str:
    from django.urls import reverse

    return reverse("workshops:assignment", args=[assignment.pk])


def pdf(name: str, pages: int = 2) -> tuple[str, str, bytes]:
    from tests.pdfs import pdf_bytes

    return ("attachments", name, pdf_bytes(pages))


def files_seen(page_body: str) -> str:
    match = re.search(r'name="files_seen" value="([^"]*)"', page_body)
    assert match, "the review form carries the files the reviewer was shown"
    return match.group(1)


def count_duplicates(ledger: Ledger, sink: SmtpSink) -> None:
    """Every email once: the same recipient and subject twice is a duplicate, unless it is the
    same Message-ID (a resend after a lost reply, which mail clients show once)."""
    by_subject: Counter[tuple[str, str]] = Counter()
    ids: dict[tuple[str, str], set[str]] = {}
    for message in sink.messages:
        for to in message.to:
            key = (to, message.subject)
            by_subject[key] += 1
            ids.setdefault(key, set()).add(message.message_id)
    for key, count in by_subject.items():
        if count > 1:
            distinct = len(ids[key])
            # One resend after a lost reply is the accepted edge; more is a person's inbox
            # filling up, whatever the Message-ID.
            if distinct > 1 or not next(iter(ids[key])) or count > 2:
                ledger.duplicated.append(f"email {key[1]!r} to {key[0]} x{count}")
            else:
                ledger.note(f"email {key[1]!r} to {key[0]} resent x{count}, one Message-ID")
    from notifications.models import Notification

    keys = Counter(Notification.objects.values_list("recipient_id", "key"))
    for (recipient, key), count in keys.items():
        if count > 1:
            ledger.duplicated.append(f"notification {key} to user {recipient} x{count}")


def emails_to(sink: SmtpSink, address: str, needle: str = "") -> int:
    return sum(1 for m in sink.to(address) if needle in m.subject)
