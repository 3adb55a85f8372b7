"""The scores overview as a spreadsheet: one row per learner, typed cells (points, percents and
counts as numbers, the review's moment and the certificate's day as dates). Made by the learners
app's export machinery (learners.exports.export_bytes; a Celery job for a large cohort)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from learners.models import Cohort

from . import selectors

SCORES = "scores"


def scores_table(cohort: Cohort) -> tuple[list[str], Iterator[Sequence[Any]]]:
    """Header and rows of the whole cohort's scores (the page's columns, every phase)."""
    columns = selectors.score_columns(cohort=cohort)
    header = [_("Learner"), _("Email"), _("Organisation")]
    for check in columns.checks:
        header += [
            _("%(check)s: best result (%%)") % {"check": check.title},
            _("%(check)s: passed") % {"check": check.title},
            _("%(check)s: attempts") % {"check": check.title},
        ]
    for phase in columns.phases:
        label = f"{phase.phase}. {phase.title}"
        header += [
            _("%(phase)s: status") % {"phase": label},
            _("%(phase)s: points") % {"phase": label},
            _("%(phase)s: maximum") % {"phase": label},
            _("%(phase)s: reviewer") % {"phase": label},
            _("%(phase)s: reviewed") % {"phase": label},
        ]
    for i, module in enumerate(columns.modules, start=1):
        header += [
            _("%(module)s: done") % {"module": f"{i}. {module.title}"},
            _("%(module)s: items") % {"module": f"{i}. {module.title}"},
        ]
    header += [_("Certificate issued"), _("Certificate verification address")]
    yes, no = pgettext("knowledge check passed", "yes"), pgettext("knowledge check passed", "no")
    blind = pgettext("reviewer hidden", "Blind review")
    base = settings.SITE_URL.rstrip("/")

    def rows() -> Iterator[Sequence[Any]]:
        for row in selectors.score_rows_all(cohort=cohort, columns=columns):
            learner = row.learner
            cells: list[Any] = [
                learner.get_full_name(),
                learner.email,
                learner.organisation.name if learner.organisation else "",
            ]
            for best in row.checks:
                cells += (
                    [best.score, yes if best.passed else no, best.attempts]
                    if best
                    else [None, None, 0]
                )
            for result in row.phases:
                if result is None:
                    cells += [None] * 5
                    continue
                reviewed = result.reviewed_at is not None
                cells += [
                    result.status_label,
                    result.points,
                    result.max_points,
                    (blind if result.blind else result.reviewer) if reviewed else None,
                    timezone.localtime(result.reviewed_at) if result.reviewed_at else None,
                ]
            for module in row.modules:
                cells += [module.done, module.total]
            certificate = row.certificate
            if certificate is not None and certificate.issued_at and not certificate.revoked_at:
                cells += [
                    timezone.localtime(certificate.issued_at).date(),
                    base + reverse("certificates:verify", args=[certificate.code]),
                ]
            else:
                cells += [None, None]
            yield cells

    return header, rows()
