"""A copied cohort keeps its own marking and peer-feedback choices and its planned workshop
sessions at the shifted dates; a coordinator who finds no sessions is told who plans them; and
the overview of all her cohorts marks the one that has not started yet."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from learners.models import Cohort
from tests import factories
from workshops.cohort_settings import marking_for, peer_for
from workshops.models import Attendance, CohortMarkingSettings, CohortPeerSettings, WorkshopSession

pytestmark = pytest.mark.django_db

HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=HELSINKI)


@pytest.fixture
def planned(cohort, assignment, instructor, learner):
    """The source cohort (1.9.2026–31.5.2027) chose blind review and peer feedback for its
    phase, and planned two sessions: one in winter time, one in summer time. The first was
    held and has attendance, a recording and slides."""
    workshop = assignment.workshop
    CohortMarkingSettings.objects.create(
        cohort=cohort, workshop=workshop, marking_workflow=True, blind_review=True
    )
    CohortPeerSettings.objects.create(
        cohort=cohort,
        assignment=assignment,
        peer_review=True,
        peer_reviewers=3,
        peer_reviews_each=1,
        peer_anonymous=False,
    )
    winter = WorkshopSession.objects.create(
        workshop=workshop,
        cohort=cohort,
        title="Aloitustyöpaja",
        starts_at=at(datetime.date(2026, 11, 10), 9),
        ends_at=at(datetime.date(2026, 11, 10), 12),
        place="Hämeenlinnan kirjasto",
        agenda="Tutustuminen ja kehittämishaasteet",
        materials="Diat | https://example.fi/diat",
        recording_url="https://example.fi/tallenne",
        sequence=4,
    )
    Attendance.objects.create(
        session=winter, learner=learner, status=Attendance.Status.PRESENT, recorded_by=instructor
    )
    WorkshopSession.objects.create(
        workshop=workshop,
        cohort=cohort,
        title="Päätöstyöpaja",
        starts_at=at(datetime.date(2027, 5, 4), 13),
        ends_at=at(datetime.date(2027, 5, 4), 16),
        online_url="https://example.fi/teams",
    )
    return cohort


def test_a_copied_cohort_keeps_its_settings_and_sessions_at_the_shifted_dates(
    client_for, coordinator, planned, assignment, instructor
):
    client = client_for(coordinator)

    response = client.post(
        reverse("learners:cohort_copy", args=[planned.pk]),
        {"name": "Kevät 2027", "start_date": "2027-01-20"},
    )

    copy = Cohort.objects.get(name="Kevät 2027")
    assert response["Location"] == reverse("learners:cohort_detail", args=[copy.pk])
    shift = datetime.date(2027, 1, 20) - datetime.date(2026, 9, 1)
    # Its own marking and peer choices, not the course-wide defaults.
    marking = marking_for(workshop=assignment.workshop, cohort_id=copy.pk)
    assert (marking.own, marking.marking_workflow, marking.blind_review) == (True, True, True)
    peer = peer_for(assignment=assignment, cohort_id=copy.pk)
    assert (peer.own, peer.peer_review, peer.peer_reviewers, peer.peer_reviews_each) == (
        True,
        True,
        3,
        1,
    )
    assert peer.peer_anonymous is False
    # The sessions, at the same wall-clock times the shifted number of days later.
    sessions = list(WorkshopSession.objects.filter(cohort=copy).order_by("starts_at"))
    assert [s.title for s in sessions] == ["Aloitustyöpaja", "Päätöstyöpaja"]
    first, last = sessions
    # 10.11.2026 (winter time) + 141 days is 31.3.2027 (summer time): still 9–12 on the clock.
    assert timezone.localtime(first.starts_at, HELSINKI) == at(
        datetime.date(2026, 11, 10) + shift, 9
    )
    assert timezone.localtime(first.ends_at, HELSINKI) == at(
        datetime.date(2026, 11, 10) + shift, 12
    )
    assert timezone.localtime(last.starts_at, HELSINKI) == at(datetime.date(2027, 5, 4) + shift, 13)
    assert timezone.localtime(last.ends_at, HELSINKI) == at(datetime.date(2027, 5, 4) + shift, 16)
    assert (first.place, first.agenda, first.materials) == (
        "Hämeenlinnan kirjasto",
        "Tutustuminen ja kehittämishaasteet",
        "Diat | https://example.fi/diat",
    )
    assert last.online_url == "https://example.fi/teams"
    # What belonged to the meeting that was held does not come along.
    assert (first.recording_url, first.sequence) == ("", 0)
    assert not Attendance.objects.filter(session__cohort=copy).exists()
    # The source keeps its own.
    assert WorkshopSession.objects.filter(cohort=planned).count() == 2
    assert CohortMarkingSettings.objects.filter(cohort=planned).count() == 1

    # The coordinator sees them planned on the new cohort's attendance page; its instructor
    # (who came along) finds them on the sessions page.
    attendance = client.get(reverse("learners:attendance", args=[copy.pk])).content.decode()
    for session in sessions:
        assert f'data-testid="session-{session.pk}"' in attendance
    assert 'data-testid="sessions-planned-by"' not in attendance
    client.force_login(instructor)
    listing = client.get(reverse("workshops:session_list", args=[copy.pk]))
    assert listing.status_code == 200
    assert "Päätöstyöpaja" in listing.content.decode()


def test_copying_a_cohort_without_sessions_or_own_settings_copies_none(
    client_for, coordinator, cohort, assignment
):
    client_for(coordinator).post(
        reverse("learners:cohort_copy", args=[cohort.pk]),
        {"name": "Kevät 2027", "start_date": "2027-01-20"},
    )
    copy = Cohort.objects.get(name="Kevät 2027")
    assert not WorkshopSession.objects.filter(cohort=copy).exists()
    assert not marking_for(workshop=assignment.workshop, cohort_id=copy.pk).own
    # Her attendance page says who plans sessions and links to them.
    page = client_for(coordinator).get(reverse("learners:attendance", args=[copy.pk]))
    html = page.content.decode()
    assert 'data-testid="sessions-planned-by"' in html
    link = reverse("learners:cohort_detail", args=[copy.pk]) + "#cohort-instructors"
    assert f'href="{link}"' in html
    detail = client_for(coordinator).get(reverse("learners:cohort_detail", args=[copy.pk]))
    assert 'id="cohort-instructors"' in detail.content.decode()


def test_the_overview_marks_a_cohort_that_has_not_started(client_for, coordinator, cohort, course):
    today = timezone.localdate()
    cohort.start_date = today - datetime.timedelta(days=10)
    cohort.end_date = today + datetime.timedelta(days=100)
    cohort.save()
    upcoming = factories.CohortFactory(
        course=course,
        name="Tuleva",
        start_date=today + datetime.timedelta(days=44),
        end_date=today + datetime.timedelta(days=200),
    )
    ended = factories.CohortFactory(
        course=course,
        name="Mennyt",
        start_date=today - datetime.timedelta(days=300),
        end_date=today - datetime.timedelta(days=30),
    )
    starts_today = factories.CohortFactory(
        course=course, name="Alkaa tänään", start_date=today, end_date=today
    )
    for c in (upcoming, ended, starts_today):
        factories.MembershipFactory(cohort=c, user=coordinator, role="coordinator")

    html = client_for(coordinator).get(reverse("learners:cross_cohort")).content.decode()

    rows = {
        name: html.split(f">{name}</a>", 1)[1].split("</tr>", 1)[0]
        for name in ("Tuleva", "Mennyt", "Alkaa tänään", cohort.name)
    }
    assert 'data-testid="cohort-upcoming"' in rows["Tuleva"]
    day = upcoming.start_date
    assert f"{day.day}.{day.month}.{day.year}" in rows["Tuleva"]
    assert 'data-testid="cohort-ended"' not in rows["Tuleva"]
    assert 'data-testid="cohort-ended"' in rows["Mennyt"]
    for name in ("Mennyt", "Alkaa tänään", cohort.name):
        assert 'data-testid="cohort-upcoming"' not in rows[name]
