"""Exports of a cohort's progress and submissions as CSV or XLSX, formulas neutralised."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from core.http import download_name
from workshops.models import Submission

from . import selectors, spreadsheets
from .models import Cohort

KINDS = ("progress", "submissions", "attendance", "certificates")
FORMATS = ("csv", "xlsx")
# Up to this many learners the file is made in the request; more goes to Celery.
SYNC_LEARNER_LIMIT = 300


def _local(moment: Any) -> datetime.datetime | None:
    """A moment in the site's local time: a date cell in XLSX, "YYYY-MM-DD HH:MM" in CSV."""
    return timezone.localtime(moment) if moment else None


def outcome_label(decision: str) -> str:
    """A review's outcome in the words the learner sees (Approved, Revision requested), not
    the instructor's button labels."""
    from workshops.models import Review

    status = (
        Submission.Status.APPROVED
        if decision == Review.Decision.APPROVE
        else Submission.Status.REVISION_REQUESTED
    )
    return str(status.label)


def progress_table(cohort: Cohort) -> tuple[list[str], Iterator[Sequence[Any]]]:
    # The versions that count (the team rule) are read once, by the cohort's id, for the phase
    # columns and the revisions waiting among the at-risk reasons.
    latest = selectors.team_latest(cohort=cohort)
    overview = selectors.cohort_overview(cohort=cohort, latest=latest)
    risky = {r.learner.pk: r.reasons for r in selectors.at_risk(cohort=cohort, latest=latest)}
    header = [_("Learner"), _("Email"), _("Organisation")]
    header += [f"{i}. {m.title}" for i, m in enumerate(overview.modules, start=1)]
    header += [_("Lessons done"), _("Lessons"), _("Percent")]
    # Each phase's state as the heatmap shows it: the learner's experiment team's latest version.
    header += [f"{a.phase}. {a.title}" for a in overview.assignments]
    header += [_("At risk")]
    not_sent = _("Not submitted")

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
                *[s.get_status_display() if s else not_sent for _a, s in row.submissions],
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
        pgettext("review outcome column", "Outcome"),
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
                outcome_label(review.decision) if review else "",
                review.reviewer.display_name if review else "",
                _local(review.created_at) if review else "",
            ]

    return header, rows()


def attendance_table(cohort: Cohort) -> tuple[list[str], Iterator[Sequence[Any]]]:
    """One row per learner and session of the cohort, with what was recorded (if anything)."""
    from workshops.models import Attendance, WorkshopSession

    header = [
        _("Learner"),
        _("Email"),
        _("Organisation"),
        _("Session"),
        _("Starts"),
        _("Attendance"),
        _("Recorded"),
    ]
    sessions = list(WorkshopSession.objects.filter(cohort=cohort).order_by("starts_at", "pk"))
    recorded = {
        (a.session_id, a.learner_id): a
        for a in Attendance.objects.filter(session__cohort=cohort).only(
            "session_id", "learner_id", "status", "recorded_at"
        )
    }
    memberships = (
        cohort.memberships.filter(role="learner")
        .select_related("user__organisation")
        .order_by("user__last_name", "user__first_name", "user__email")
    )

    def rows() -> Iterator[Sequence[Any]]:
        for m in memberships:
            learner = m.user
            for session in sessions:
                a = recorded.get((session.pk, learner.pk))
                yield [
                    learner.get_full_name(),
                    learner.email,
                    learner.organisation.name if learner.organisation else "",
                    session.title,
                    _local(session.starts_at),
                    a.get_status_display() if a else "",
                    _local(a.recorded_at) if a else "",
                ]

    return header, rows()


def certificates_table(cohort: Cohort) -> tuple[list[str], Iterator[Sequence[Any]]]:
    """The certificates of the cohort's learners for its course, issued or not, with codes."""
    from courses.models import Certificate

    header = [
        _("Learner"),
        _("Email"),
        _("Organisation"),
        _("Name on the certificate"),
        _("Course"),
        _("Status"),
        _("Issued"),
        _("Verification code"),
        _("Revoked"),
    ]
    qs = (
        Certificate.objects.filter(
            course_id=cohort.course_id,
            user__memberships__cohort=cohort,
            user__memberships__role="learner",
        )
        .select_related("user__organisation")
        .order_by("user__last_name", "user__first_name", "pk")
    )

    def rows() -> Iterator[Sequence[Any]]:
        for c in qs.iterator(chunk_size=1000):
            yield [
                c.user.get_full_name(),
                c.user.email,
                c.user.organisation.name if c.user.organisation else "",
                c.learner_name,
                c.course_title,
                # A revoked certificate is no longer valid, whatever its issuing reached.
                pgettext("certificate status", "Revoked")
                if c.is_revoked
                else c.get_status_display(),
                _local(c.issued_at),
                c.code,
                _local(c.revoked_at),
            ]

    return header, rows()


TABLES: dict[str, Callable[[Cohort], tuple[list[str], Iterator[Sequence[Any]]]]] = {
    "progress": progress_table,
    "submissions": submissions_table,
    "attendance": attendance_table,
    "certificates": certificates_table,
}


# The first word of the file's name, in the language the file is made in: with the cohort's
# name and the day, a coordinator can tell three cohorts' downloads apart ("progress-2-..." could
# not). slugify keeps the letters, so a translation may have ä, ö and å.
FILE_NAMES: dict[str, Any] = {
    "progress": pgettext_lazy("file name of the cohort progress export", "progress"),
    "submissions": pgettext_lazy("file name of the cohort submissions export", "submissions"),
    "attendance": pgettext_lazy("file name of the cohort attendance export", "attendance"),
    "certificates": pgettext_lazy("file name of the cohort certificates export", "certificates"),
}


def register_table(
    what: str,
    table: Callable[[Cohort], tuple[list[str], Iterator[Sequence[Any]]]],
    *,
    file_name: Any = None,
) -> None:
    """An app above this one (scores) makes its export through the same jobs, task and
    sweeper; its own pages offer it, so it is not one of this page's KINDS. `file_name`: the
    lazily translated first word of the file's name (else `what`)."""
    TABLES[what] = table
    if file_name is not None:
        FILE_NAMES[what] = file_name


def export_file_name(*, cohort: Cohort, what: str, fmt: str) -> str:
    """The export's file name: its kind in the active language, the cohort's name and today's
    date ("edistyminen-kevät-2027-2026-12-07.csv")."""
    return download_name(
        FILE_NAMES.get(what, what), cohort.name, timezone.localdate(), extension=fmt
    )


# The XLSX sheet's name, in the language the file is made in (a table an app registers is
# named by its key).
SHEET_TITLES = {
    "progress": pgettext_lazy("export sheet", "Progress"),
    "submissions": pgettext_lazy("export sheet", "Submissions"),
    "attendance": pgettext_lazy("export sheet", "Attendance"),
    "certificates": pgettext_lazy("export sheet", "Certificates"),
}


def export_bytes(*, cohort: Cohort, what: str, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) for one export of one cohort."""
    header, rows = TABLES[what](cohort)
    name = export_file_name(cohort=cohort, what=what, fmt=fmt)
    if fmt == "csv":
        return spreadsheets.write_csv(header, rows), "text/csv; charset=utf-8", name
    # Excel refuses a sheet name over 31 characters.
    content = spreadsheets.write_xlsx([(str(SHEET_TITLES.get(what, what))[:31], header, rows)])
    return (
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        name,
    )
