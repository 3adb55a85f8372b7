"""News of one kind about one object, shown as one line: "5 new replies: "Title"".

A busy discussion used to fill the dashboard and the notification list with one "New reply"
line a reply. Each reply is still a notification of its own (its own row, its own email, and
one in the unread count of the navigation, which counts notifications as Canvas counts items);
the pages show the notifications of one group (`Notification.group_key`) as one line, whose
number says how many of them are new. Opening it marks them all read and leads to the first
unread one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import ngettext_lazy

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from .models import Notification

# The kinds of news that come in numbers, and their lines: (the new ones of the group, the
# whole group once all are read). "%(count)s" is the number, "%(title)s" the object's name.
DISCUSSION_REPLY = "discussion-reply"
PHASE_COMMENT = "phase-comment"
CARD_QUESTION = "card-question"

TEXTS: dict[str, tuple[_StrPromise, _StrPromise]] = {
    DISCUSSION_REPLY: (
        ngettext_lazy(
            '%(count)s new reply: "%(title)s"', '%(count)s new replies: "%(title)s"', "count"
        ),
        ngettext_lazy('%(count)s reply: "%(title)s"', '%(count)s replies: "%(title)s"', "count"),
    ),
    PHASE_COMMENT: (
        ngettext_lazy(
            "%(count)s new message on %(title)s", "%(count)s new messages on %(title)s", "count"
        ),
        ngettext_lazy("%(count)s message on %(title)s", "%(count)s messages on %(title)s", "count"),
    ),
    CARD_QUESTION: (
        ngettext_lazy(
            '%(count)s new question about "%(title)s"',
            '%(count)s new questions about "%(title)s"',
            "count",
        ),
        ngettext_lazy(
            '%(count)s question about "%(title)s"',
            '%(count)s questions about "%(title)s"',
            "count",
        ),
    ),
}


@dataclass(frozen=True)
class Group:
    """The group a notification joins: its kind (a key of TEXTS), the object it is about (a
    thread's id) and the object's name for the line."""

    kind: str
    about: int | str
    title: str

    def __post_init__(self) -> None:
        if self.kind not in TEXTS:
            raise ValueError(f"Unknown notification group kind: {self.kind!r}")

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.about}"


def group_line(notification: Notification) -> str:
    """What the pages say of the group that `notification` stands for (a row of
    selectors.notification_groups, carrying `group_total` and `group_unread`): its subject
    when it is alone, else how many of the group are new ("5 new replies: …"), or, once all
    are read, how many there are."""
    total: int = getattr(notification, "group_total", 1)
    unread: int = getattr(notification, "group_unread", 0)
    kind = notification.group_key.partition(":")[0]
    if total <= 1 or kind not in TEXTS:
        return notification.subject
    new, every = TEXTS[kind]
    count = unread or total
    return str((new if unread else every) % {"count": count, "title": notification.group_title})
