"""Who may see scores: a cohort's instructors and coordinators (and the superuser) see every
learner's row; a learner sees their own row only, in the cohorts where they are a learner."""

from __future__ import annotations

from django.db.models import QuerySet

from core.models import User
from learners.access import get_cohort_for_staff, learner_cohorts
from learners.models import Cohort


def get_cohort_for_scores(user: User, pk: int) -> Cohort:
    """The scores overview of a cohort: its instructors and coordinators, and the superuser;
    404 for anyone else (an instructor of another cohort cannot probe for it)."""
    return get_cohort_for_staff(user, pk)


def own_score_cohorts(user: User) -> QuerySet[Cohort]:
    """The cohorts whose scores page shows the person their own row: where they learn."""
    return learner_cohorts(user).order_by("-start_date", "-pk")
