"""Exports of a cohort's progress and submissions as CSV or XLSX, formulas neutralised."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from workshops.models import Submission

from . import selectors, spreadsheets
from .models import Cohort

KINDS = ("progress", "submissions")
FORMATS = ("csv", "xlsx")
# Up to this many learners the file is made in the request; more goes to Celery.
SYNC_LEARNER_LIMIT = 300


def _local(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def progress_table(cohort: Cohort) -> tuple[list[str], Iterator[Sequence[Any]]]:
    overview = selectors.cohort_overview(cohort=cohort)
    risky = {r.learner.pk: r.reasons for r in selectors.at_risk(cohort=cohort)}
    header = [_("Learner"), _("Email"), _("Organisation")]
    header += [f"{i}. {m.title}" for i, m in enumerate(overview.modules, start=1)]
    header += [_("Lessons done"), _("Lessons"), _("Percent"), _("At risk")]

    def rows() -> Iterator[Sequence[Any]]:
        for row in overview.rows:
            learner = row.learner
            yield [
                learner.get_full_name(),
                learner.email,
                learner.organisation.name if learner.organisation else "",
                *[done for _m, done, _t in row.cells],
                row.done,
                row.total,
                row.percent,
                "; ".join(risky.get(learner.pk, [])),
            ]

    return header, rows()


def submissions_table(cohort: Cohort) -> tuple[list[str], Iterator[Sequence[Any]]]:
    header = [
        _("Learner"),
        _("Email"),
        _("Organisation"),
        _("Assignment"),
        _("Version"),
        _("Status"),
        _("Submitted"),
        _("Review"),
        _("Reviewer"),
        _("Reviewed"),
    ]
    qs = (
        Submission.objects.filter(cohort=cohort)
        .select_related("learner__organisation", "assignment", "review__reviewer")
        .order_by("learner__last_name", "learner__first_name", "assignment_id", "version")
    )

    def rows() -> Iterator[Sequence[Any]]:
        for s in qs.iterator(chunk_size=1000):
            review = getattr(s, "review", None)
            yield [
                s.learner.get_full_name(),
                s.learner.email,
                s.learner.organisation.name if s.learner.organisation else "",
                s.assignment.title,
                s.version,
                s.get_status_display(),
                _local(s.submitted_at),
                review.get_decision_display() if review else "",
                review.reviewer.display_name if review else "",
                _local(review.created_at) if review else "",
            ]

    return header, rows()


TABLES = {"progress": progress_table, "submissions": submissions_table}


def export_bytes(*, cohort: Cohort, what: str, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) for one export of one cohort."""
    header, rows = TABLES[what](cohort)
    stamp = timezone.localdate().isoformat()
    name = f"{what}-{cohort.pk}-{stamp}.{fmt}"
    if fmt == "csv":
        return spreadsheets.write_csv(header, rows), "text/csv; charset=utf-8", name
    content = spreadsheets.write_xlsx([(what, header, rows)])
    return (
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        name,
    )
