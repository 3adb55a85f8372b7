"""Writes for courses: a learner's progress."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import User
from learners.models import Membership

from .models import Completion, Item


class ProgressError(DomainError):
    pass


@transaction.atomic
def item_complete(*, user: User, item: Item) -> Completion:
    """Mark an item done for a learner of a cohort that runs its course (idempotent)."""
    if not Membership.objects.filter(
        user=user, role=Membership.Role.LEARNER, cohort__course_id=item.module.course_id
    ).exists():
        raise ProgressError(_("Only learners of this course can mark items done."))
    completion, _created = Completion.objects.get_or_create(user=user, item=item)
    return completion


@transaction.atomic
def item_uncomplete(*, user: User, item: Item) -> None:
    Completion.objects.filter(user=user, item=item).delete()
