"""Writes of the scores app: queueing a large scores export (learners' export job machinery)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import User
from core.outbox import publish_on_commit
from learners.exports import FORMATS
from learners.models import Cohort, ExportJob

from .exports import SCORES


class ScoresError(DomainError):
    pass


def scores_export_request(*, cohort: Cohort, user: User, fmt: str) -> ExportJob:
    """Queue the cohort's scores export for Celery. Precondition: `user` may see the cohort's
    scores (scores.access.get_cohort_for_scores)."""
    if fmt not in FORMATS:
        raise ScoresError(_("Unknown export."))
    from learners.tasks import export_build

    with transaction.atomic():
        job = ExportJob.objects.create(cohort=cohort, requested_by=user, what=SCORES, fmt=fmt)
        # The pending job is the outbox row; learners/outbox.py sweeps it if this is lost.
        publish_on_commit(export_build, job.pk)
    return job
