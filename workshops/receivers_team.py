"""Leaving a cohort leaves its teams: whatever deletes a learner's cohort membership (a
service, the admin, a queryset's delete, a cascade), her places on the teams of that cohort's
experiments go in the same transaction, and each team is told once
(services_team.experiment_member_remove). Connected when WorkshopsConfig.ready imports this
module.

A receiver of post_delete also covers queryset deletes: a model with a delete signal receiver
cannot be fast-deleted, so Django's collector loads the rows and sends post_delete for each
inside the delete's transaction.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver

from learners.models import Membership

from .peer import peer_reviews_withdraw_for_leaver
from .services_team import experiment_members_leave_cohort


@receiver(
    post_delete, sender=Membership, dispatch_uid="workshops.leaving_a_cohort_leaves_its_teams"
)
def leave_the_cohorts_teams(sender: type[Membership], instance: Membership, **kwargs: Any) -> None:
    experiment_members_leave_cohort(user_id=instance.user_id, cohort_id=instance.cohort_id)
    # The peer reviews she still had to do go to others.
    peer_reviews_withdraw_for_leaver(user_id=instance.user_id, cohort_id=instance.cohort_id)
