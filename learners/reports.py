"""The funder report: what the coordinator's cohorts achieved in a period, as XLSX and PDF.

Only cohorts the person coordinates are read (callers pass `cohorts_for(user, COORDINATOR)`).
Every figure comes from a fixed number of queries, however many learners the cohorts have.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.http import download_name
from core.pdf import html_to_pdf

from . import spreadsheets
from .models import Cohort, Membership


@dataclass
class MunicipalityRow:
    name: str
    participants: int = 0
    completed: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.participants) if self.participants else 0


@dataclass
class PhaseCount:
    phase: int
    label: str
    active: int = 0


@dataclass
class FunderReport:
    start: datetime.date
    end: datetime.date
    cohorts: list[Cohort]
    municipalities: list[MunicipalityRow]
    participants: int
    completed: int
    experiments: list[Any]
    phases: list[PhaseCount]
    experiments_completed: int
    sessions: list[Any]
    attendances: int
    created: datetime.datetime = field(default_factory=timezone.now)

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.participants) if self.participants else 0


def _end_of(day: datetime.date) -> datetime.datetime:
    tz = timezone.get_current_timezone()
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tz)


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, timezone.get_current_timezone())


def funder_report(
    *, cohorts: QuerySet[Cohort], start: datetime.date, end: datetime.date
) -> FunderReport:
    """Participants by municipality, completion, experiments and their phases, sessions and
    attendance of the given cohorts that ran during [start, end] (seven queries)."""
    from courses.models import Certificate
    from workshops.models import Experiment, Phase, WorkshopSession, attended_filter

    until = _end_of(end)
    running = list(
        cohorts.filter(start_date__lte=end, end_date__gte=start)
        .select_related("course")
        .order_by("start_date", "name", "pk")
    )
    memberships = list(
        Membership.objects.filter(
            cohort__in=running, role=Membership.Role.LEARNER, joined_at__lt=until
        )
        .select_related("user__organisation", "cohort")
        .order_by("user_id")
    )
    # A learner in two cohorts of the same course is one participant.
    people: dict[int, Any] = {}
    courses: dict[int, set[int]] = {}
    for m in memberships:
        people[m.user_id] = m.user
        courses.setdefault(m.user_id, set()).add(m.cohort.course_id)
    completed_ids = {
        user_id
        for user_id, course_id in Certificate.objects.filter(
            user_id__in=list(people),
            course_id__in={c.course_id for c in running},
            status=Certificate.Status.ISSUED,
            revoked_at__isnull=True,
            issued_at__lt=until,
        ).values_list("user_id", "course_id")
        if course_id in courses.get(user_id, set())
    }
    by_name: dict[str, MunicipalityRow] = {}
    for user_id, user in people.items():
        name = user.organisation.name if user.organisation else "–"
        row = by_name.setdefault(name, MunicipalityRow(name=name))
        row.participants += 1
        row.completed += user_id in completed_ids
    experiments = list(
        Experiment.objects.filter(cohort__in=running, created_at__lt=until)
        .select_related("cohort", "workshop")
        .annotate(member_count=Count("members", distinct=True))
        .order_by("cohort__start_date", "cohort_id", "phase", "title", "pk")
    )
    phases = {p.value: PhaseCount(phase=p.value, label=str(p.label)) for p in Phase}
    finished = 0
    for e in experiments:
        if e.status == Experiment.Status.COMPLETED:
            finished += 1
        else:
            phases[e.phase].active += 1
    # Sessions held in the period (one still to come is not reported as held), and as
    # attending what the cohort's attendance page counts: present, or watched the recording
    # where the workshop lets that count.
    sessions = list(
        WorkshopSession.objects.filter(
            cohort__in=running,
            starts_at__gte=_start_of(start),
            starts_at__lt=until,
            starts_at__lte=timezone.now(),
        )
        .select_related("cohort", "workshop")
        .annotate(
            present=Count(
                "attendance",
                filter=attended_filter(
                    status="attendance__status",
                    allowed="workshop__recording_counts_as_attendance",
                ),
            ),
            absent=Count("attendance", filter=Q(attendance__status="absent")),
            excused=Count("attendance", filter=Q(attendance__status="excused")),
        )
        .order_by("starts_at", "pk")
    )
    return FunderReport(
        start=start,
        end=end,
        cohorts=running,
        municipalities=sorted(by_name.values(), key=lambda r: r.name),
        participants=len(people),
        completed=len(completed_ids),
        experiments=experiments,
        phases=list(phases.values()),
        experiments_completed=finished,
        sessions=sessions,
        attendances=sum(s.present for s in sessions),
    )


def _sheets(report: FunderReport) -> list[tuple[str, Sequence[str], Iterator[Sequence[Any]]]]:
    def summary() -> Iterator[Sequence[Any]]:
        yield [_("Period"), f"{report.start.isoformat()} – {report.end.isoformat()}"]
        yield [_("Cohorts"), "; ".join(c.name for c in report.cohorts)]
        yield [_("Participants"), report.participants]
        yield [_("Completed the course"), report.completed]
        yield [_("Experiments"), len(report.experiments)]
        yield [_("Completed experiments"), report.experiments_completed]
        for p in report.phases:
            yield [_("In phase %(n)d: %(label)s") % {"n": p.phase, "label": p.label}, p.active]
        yield [_("Workshop sessions"), len(report.sessions)]
        yield [_("Attendances"), report.attendances]

    def municipalities() -> Iterator[Sequence[Any]]:
        for r in report.municipalities:
            yield [r.name, r.participants, r.completed, r.percent]

    def experiments() -> Iterator[Sequence[Any]]:
        for e in report.experiments:
            yield [
                e.cohort.name,
                e.title,
                e.organisation,
                e.member_count,
                e.phase,
                e.get_phase_display(),
                e.cycle,
                e.get_status_display(),
            ]

    def sessions() -> Iterator[Sequence[Any]]:
        for s in report.sessions:
            yield [
                s.cohort.name,
                s.title,
                timezone.localtime(s.starts_at),
                s.present,
                s.absent,
                s.excused,
            ]

    return [
        (_("Summary"), [_("Figure"), _("Value")], summary()),
        (
            _("Municipalities"),
            [_("Municipality or organisation"), _("Participants"), _("Completed"), _("Percent")],
            municipalities(),
        ),
        (
            _("Experiments"),
            [
                _("Cohort"),
                _("Experiment"),
                _("Organisation"),
                _("Team size"),
                _("Phase"),
                _("Phase name"),
                _("Cycle"),
                _("Status"),
            ],
            experiments(),
        ),
        (
            _("Sessions"),
            [
                _("Cohort"),
                _("Session"),
                _("Starts"),
                _("Present"),
                _("Absent"),
                _("Excused"),
            ],
            sessions(),
        ),
    ]


def report_xlsx(report: FunderReport) -> bytes:
    return spreadsheets.write_xlsx(_sheets(report))


def report_pdf(report: FunderReport) -> bytes | None:
    """The report as a PDF, or None where WeasyPrint (or its system libraries) is missing."""
    html = render_to_string("learners/funder_report_pdf.html", {"report": report})
    return html_to_pdf(html)


def file_name(report: FunderReport, fmt: str) -> str:
    """The report's file name in the reader's language with its period, and the cohort's name
    when it covers only one: "rahoittajaraportti-syksy-2026-2026-08-01-2027-06-30.xlsx"."""
    only = [report.cohorts[0].name] if len(report.cohorts) == 1 else []
    return download_name(
        pgettext("file name of the funder report", "funder-report"),
        *only,
        report.start,
        report.end,
        extension=fmt,
    )
