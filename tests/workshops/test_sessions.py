"""Workshop sessions: instructors plan them and record attendance; learners see what is coming
and subscribe to their own calendar feed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from workshops.models import Attendance, CalendarFeed, WorkshopSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop(assignment):
    return assignment.workshop


@pytest.fixture
def session(workshop, cohort):
    starts = timezone.now() + datetime.timedelta(days=3)
    return WorkshopSession.objects.create(
        workshop=workshop,
        cohort=cohort,
        title="Työpaja 1: Haasteet, ideat; kokeilut",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        place="Careeria, Porvoo",
        agenda="9.00 Tervetuloa\n9.30 Haasteet, pienryhmät",
        materials="Opas | https://example.fi/opas",
    )


def unfold(body: str) -> list[str]:
    assert "\r\n" in body
    return body.replace("\r\n ", "").split("\r\n")


def test_an_instructor_creates_and_edits_a_session(client_for, instructor, cohort, workshop):
    client = client_for(instructor)
    response = client.post(
        reverse("workshops:session_create", args=[cohort.pk]),
        {
            "workshop": workshop.pk,
            "title": "Työpaja 2",
            "starts_at": "2030-05-04T09:00",
            "ends_at": "2030-05-04T12:00",
            "online_url": "https://meet.example.fi/2",
            "agenda": "Ideat",
        },
    )
    assert response.status_code == 302
    session = WorkshopSession.objects.get()
    assert (session.cohort, session.online_url, session.sequence) == (
        cohort,
        "https://meet.example.fi/2",
        0,
    )
    listing = client.get(reverse("workshops:session_list", args=[cohort.pk]))
    assert "Työpaja 2" in listing.content.decode()
    client.post(
        reverse("workshops:session_edit", args=[session.pk]),
        {
            "workshop": workshop.pk,
            "title": "Työpaja 2 (siirretty)",
            "starts_at": "2030-05-05T09:00",
            "ends_at": "2030-05-05T12:00",
            "place": "Riihimäki",
        },
    )
    session.refresh_from_db()
    assert (session.title, session.sequence) == ("Työpaja 2 (siirretty)", 1)


def test_a_session_that_ends_before_it_starts_or_has_no_place_is_refused(
    client_for, instructor, cohort, workshop
):
    response = client_for(instructor).post(
        reverse("workshops:session_create", args=[cohort.pk]),
        {
            "workshop": workshop.pk,
            "title": "Väärin",
            "starts_at": "2030-05-04T12:00",
            "ends_at": "2030-05-04T09:00",
        },
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"ends_at", "place"}
    assert not WorkshopSession.objects.exists()


def test_only_the_cohorts_instructors_manage_sessions(
    client_for, other_instructor, coordinator, learner, cohort, session
):
    urls = [
        reverse("workshops:session_list", args=[cohort.pk]),
        reverse("workshops:session_create", args=[cohort.pk]),
        reverse("workshops:session_edit", args=[session.pk]),
        reverse("workshops:session_attendance", args=[session.pk]),
    ]
    for url in urls:
        assert client_for(other_instructor).get(url).status_code == 404
        assert client_for(learner).get(url).status_code == 403
    assert client_for(coordinator).get(urls[0]).status_code == 403


def test_attendance_is_recorded_for_every_learner_on_one_screen(
    client_for, instructor, learner, other_learner, session
):
    client = client_for(instructor)
    page = client.get(reverse("workshops:session_attendance", args=[session.pk]))
    assert len(page.context["rows"]) == 2
    response = client.post(
        reverse("workshops:session_attendance", args=[session.pk]),
        {f"learner_{learner.pk}": "present", f"learner_{other_learner.pk}": "excused"},
    )
    assert response.status_code == 302
    assert dict(session.attendance.values_list("learner", "status")) == {
        learner.pk: "present",
        other_learner.pk: "excused",
    }
    client.post(
        reverse("workshops:session_attendance", args=[session.pk]),
        {f"learner_{learner.pk}": "absent"},
    )
    assert dict(session.attendance.values_list("learner", "status")) == {
        learner.pk: "absent",
        other_learner.pk: "excused",
    }


def test_attendance_with_an_unknown_status_saves_nothing(
    client_for, instructor, learner, other_learner, session
):
    response = client_for(instructor).post(
        reverse("workshops:session_attendance", args=[session.pk]),
        {f"learner_{learner.pk}": "present", f"learner_{other_learner.pk}": "maybe"},
    )
    assert response.status_code == 400
    assert not Attendance.objects.exists()


def test_the_learner_sees_upcoming_sessions_and_a_private_calendar_address(
    client_for, learner, experiment, session
):
    page = client_for(learner).get(reverse("workshops:experiment", args=[experiment.pk]))
    html = page.content.decode()
    assert "Työpaja 1: Haasteet, ideat; kokeilut" in html
    feed = CalendarFeed.objects.get(user=learner)
    assert reverse("workshops:calendar_feed", args=[feed.token]) in html


def test_the_calendar_feed_is_valid_icalendar_in_utc_with_escaped_text(
    client, learner, session, outsider_learner, other_cohort, workshop
):
    WorkshopSession.objects.create(
        workshop=workshop,
        cohort=other_cohort,
        title="Toisen ryhmän työpaja",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        place="Muualla",
    )
    from workshops.sessions import calendar_feed_for

    token = calendar_feed_for(learner).token
    response = client.get(reverse("workshops:calendar_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    raw = response.content.decode()
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))
    lines = unfold(raw)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-2:] == ["END:VCALENDAR", ""]
    assert "VERSION:2.0" in lines
    events = [i for i, line in enumerate(lines) if line == "BEGIN:VEVENT"]
    assert len(events) == 1
    start = events[0]
    end = lines.index("END:VEVENT", start)
    props = dict(line.split(":", 1) for line in lines[start + 1 : end])
    assert props["UID"].startswith(f"workshop-session-{session.pk}@")
    assert props["DTSTAMP"].endswith("Z")
    parsed_start = datetime.datetime.strptime(props["DTSTART"], "%Y%m%dT%H%M%SZ").replace(
        tzinfo=datetime.UTC
    )
    assert parsed_start == session.starts_at.replace(microsecond=0)
    assert props["DTEND"].endswith("Z")
    assert props["SUMMARY"] == "Työpaja 1: Haasteet\\, ideat\\; kokeilut"
    assert props["LOCATION"] == "Careeria\\, Porvoo"
    assert "9.00 Tervetuloa\\n9.30 Haasteet\\, pienryhmät" in props["DESCRIPTION"]
    assert "https://example.fi/opas" in props["DESCRIPTION"]


def test_an_unknown_or_renewed_token_gives_nothing(client, client_for, learner, session):
    from workshops.sessions import calendar_feed_for

    assert client.get(reverse("workshops:calendar_feed", args=["nope"])).status_code == 404
    old = calendar_feed_for(learner).token
    client_for(learner).post(reverse("workshops:calendar_renew"))
    assert CalendarFeed.objects.get(user=learner).token != old
    client.logout()
    assert client.get(reverse("workshops:calendar_feed", args=[old])).status_code == 404


def test_the_session_list_keeps_a_flat_query_count(
    client_for, instructor, cohort, workshop, django_assert_num_queries
):
    def add(n):
        start = timezone.now()
        WorkshopSession.objects.bulk_create(
            [
                WorkshopSession(
                    workshop=workshop,
                    cohort=cohort,
                    title=f"S{i}",
                    starts_at=start,
                    ends_at=start + datetime.timedelta(hours=1),
                    place="X",
                )
                for i in range(n)
            ]
        )

    client = client_for(instructor)
    # The session, the person with the navigation's roles and unread badge (2); the cohort
    # the instructor teaches (1); the sessions with their attendance counts (1); their files
    # (1). (8 allowed before.)
    add(3)
    with django_assert_num_queries(5):
        assert client.get(reverse("workshops:session_list", args=[cohort.pk])).status_code == 200
    add(30)
    with django_assert_num_queries(5):
        assert client.get(reverse("workshops:session_list", args=[cohort.pk])).status_code == 200


def test_the_learners_dashboard_shows_the_next_sessions_and_the_calendar_address(
    client_for, learner, cohort, assignment
):
    start = timezone.now() + datetime.timedelta(days=3)
    WorkshopSession.objects.create(
        workshop=assignment.workshop,
        cohort=cohort,
        title="Kokeilusuunnitelman työpaja",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        place="Hämeenlinna",
    )
    client = client_for(learner)
    html = client.get("/").content.decode()
    assert "Kokeilusuunnitelman työpaja" in html
    # Looking never creates the private address; asking for it does.
    assert not CalendarFeed.objects.filter(user=learner).exists()
    client.post(reverse("workshops:calendar_renew"), {"next": "/"})
    feed = CalendarFeed.objects.get(user=learner)
    html = client.get("/").content.decode()
    assert 'data-testid="calendar-url"' in html
    assert f"/workshops/calendar/{feed.token}.ics" in html
