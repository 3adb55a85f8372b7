"""One attendance rule for every percentage (the tester's finding on /cohorts/1/attendance/).

Per session, per learner, the cohort's headline and the course's attendance criterion all count
as Moodle's attendance plugin does: present (watching the recording counts where the workshop
allows it) of the held sessions with a recorded status other than excused. Excused and not
recorded sessions count neither way, and a session is held once it has started."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import selectors as course_selectors
from courses import services as course_services
from courses.models import Certificate, Item
from courses.selectors import AttendanceShare
from learners import selectors
from learners.models import Membership
from tests import factories
from workshops.models import Attendance, WorkshopSession

pytestmark = pytest.mark.django_db

P, A, E, W = (
    Attendance.Status.PRESENT,
    Attendance.Status.ABSENT,
    Attendance.Status.EXCUSED,
    Attendance.Status.WATCHED,
)


def member(cohort, first_name):
    user = factories.UserFactory(first_name=first_name, last_name="Testinen")
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.LEARNER)
    return user


def session(cohort, workshop, title, starts, hours=3):
    return WorkshopSession.objects.create(
        workshop=workshop,
        cohort=cohort,
        title=title,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=hours),
    )


def record(session, by, statuses):
    for person, status in statuses.items():
        Attendance.objects.create(session=session, learner=person, status=status, recorded_by=by)


@pytest.fixture
def demo(cohort, assignment, instructor, learner):
    """The tester's cohort: five learners (Oona is the `learner` persona) and six sessions."""
    workshop = assignment.workshop
    workshop.recording_counts_as_attendance = True
    workshop.save()
    people = {
        "laura": member(cohort, "Laura"),
        "mikko": member(cohort, "Mikko"),
        "oona": learner,
        "jari": member(cohort, "Jari"),
        "sanna": member(cohort, "Sanna"),
    }
    now = timezone.now()
    day = datetime.timedelta(days=1)
    s = [
        session(cohort, workshop, "Työpaja 1", now - 14 * day),
        session(cohort, workshop, "Työpaja 2", now - 10 * day),
        session(cohort, workshop, "Työpaja 3", now - 7 * day),  # nobody recorded
        session(cohort, workshop, "Työpaja 4", now - 3 * day),  # nobody recorded
        # Under way: started an hour ago, ends in two. Held, as everywhere: it has started.
        session(cohort, workshop, "Työpaja 5", now - datetime.timedelta(hours=1)),
        session(cohort, workshop, "Työpaja 6", now + 7 * day),  # to come: not held
    ]
    by = instructor
    pk = {name: person.pk for name, person in people.items()}
    # The tester's session: Laura present, Mikko watched the recording, Oona excused, Jari
    # absent, Sanna not recorded.
    Attendance.objects.bulk_create(
        [
            Attendance(session=s[0], learner_id=pk["laura"], status=P, recorded_by=by),
            Attendance(session=s[0], learner_id=pk["mikko"], status=W, recorded_by=by),
            Attendance(session=s[0], learner_id=pk["oona"], status=E, recorded_by=by),
            Attendance(session=s[0], learner_id=pk["jari"], status=A, recorded_by=by),
            Attendance(session=s[1], learner_id=pk["laura"], status=P, recorded_by=by),
            Attendance(session=s[1], learner_id=pk["mikko"], status=A, recorded_by=by),
            Attendance(session=s[1], learner_id=pk["oona"], status=P, recorded_by=by),
            Attendance(session=s[1], learner_id=pk["jari"], status=A, recorded_by=by),
            Attendance(session=s[4], learner_id=pk["laura"], status=P, recorded_by=by),
            Attendance(session=s[4], learner_id=pk["oona"], status=A, recorded_by=by),
        ]
    )
    return people, s


def cells(html, testid):
    """The data-testid cells of one table row as {cell testid: text}; "last" is its last cell
    (the percentage column)."""
    row = re.search(rf'<tr data-testid="{testid}">(.*?)</tr>', html, re.S)
    assert row, testid
    found = {
        name: text.strip()
        for name, text in re.findall(r'<td data-testid="([a-z]+)">(.*?)</td>', row.group(1))
    }
    found["last"] = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)[-1].strip()
    return found


def percent_of(text):
    """ "67 %" -> 67, "–" -> None."""
    return None if text == "–" else int(text.removesuffix("%").strip())


def attendance_page(client_for, coordinator, cohort):
    response = client_for(coordinator).get(reverse("learners:attendance", args=[cohort.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_testers_session_counts_present_of_recorded_and_leaves_out_excused_and_unrecorded(
    client_for, coordinator, cohort, demo
):
    people, s = demo
    html = attendance_page(client_for, coordinator, cohort)

    first = cells(html, f"session-{s[0].pk}")
    # Laura and Mikko (watched, counts) of Laura, Mikko and Jari: 2/3, not 2/4 = 50 %.
    assert (first["present"], first["absent"], first["excused"], first["unrecorded"]) == (
        "2",
        "1",
        "1",
        "1",
    )
    assert percent_of(first["last"]) == 67
    assert percent_of(cells(html, f"session-{s[1].pk}")["last"]) == 50
    # The sessions nobody recorded have no percentage and count against no one.
    for nobody in (s[2], s[3]):
        row = cells(html, f"session-{nobody.pk}")
        assert (row["unrecorded"], percent_of(row["last"])) == ("5", None)
    assert percent_of(cells(html, f"session-{s[4].pk}")["last"]) == 50
    # A session still to come is not held: no percentage.
    assert percent_of(cells(html, f"session-{s[5].pk}")["last"]) is None


def test_per_learner_percentages_leave_out_unrecorded_and_excused_sessions(
    client_for, coordinator, cohort, demo
):
    people, _s = demo
    html = attendance_page(client_for, coordinator, cohort)
    rows = {name: cells(html, f"learner-{p.pk}") for name, p in people.items()}
    assert {name: percent_of(row["last"]) for name, row in rows.items()} == {
        "laura": 100,  # 3 of 3 recorded, though 5 sessions are held
        "mikko": 50,  # watched + absent
        "oona": 50,  # excused left out: present of present + absent
        "jari": 0,
        "sanna": None,  # nothing recorded: "–", not 0 %
    }
    # The held sessions nobody recorded for them are shown as not recorded.
    assert {name: row["unrecorded"] for name, row in rows.items()} == {
        "laura": "2",
        "mikko": "3",
        "oona": "2",
        "jari": "3",
        "sanna": "5",
    }
    assert 'data-testid="figure-held">5<' in html


def test_the_headline_is_the_same_rule_over_the_same_base_as_the_sessions_and_learners(
    client_for, coordinator, cohort, demo
):
    people, _s = demo
    html = attendance_page(client_for, coordinator, cohort)
    headline = re.search(r'data-testid="figure-attendance-percent">(.*?)<', html).group(1)
    # Present 2 + 2 + 1 of counted 3 + 4 + 2 sessions' records: 5/9, not 5/10.
    assert percent_of(headline) == 56
    base = re.search(r'data-testid="figure-attendance-base">\D*(\d+)\D+(\d+)', html)
    assert base.groups() == ("5", "9")

    overview = selectors.cohort_attendance(cohort=cohort)
    held_sessions = [r for r in overview.sessions if r.held]
    learners = list(overview.learners)
    # The same present and base summed per session and per learner.
    assert overview.present == sum(r.present for r in held_sessions) == 5
    assert overview.present == sum(r.present for r in learners)
    assert overview.counted == sum(r.present + r.absent for r in held_sessions) == 9
    assert overview.counted == sum(r.present + r.absent for r in learners)
    assert 'data-testid="attendance-rule"' in html


def test_the_course_criterion_uses_the_rule_the_coordinator_sees(
    client_for, coordinator, cohort, course, demo
):
    people, _s = demo
    html = attendance_page(client_for, coordinator, cohort)
    for name, person in people.items():
        on_page = percent_of(cells(html, f"learner-{person.pk}")["last"])
        share = course_selectors.attendance_share(user=person, course=course, cohort=cohort)
        assert (share.percent if share.counted else None) == on_page, name
    oona = course_selectors.attendance_share(user=people["oona"], course=course, cohort=cohort)
    # Excused in the first, present in the second, absent in the one under way: 1/2, not 1/4.
    assert (oona.present, oona.counted, oona.percent) == (1, 2, 50)


def finish_items(user, course):
    for item in Item.objects.filter(module__course=course):
        course_services.item_complete(user=user, item=item)


def test_completion_follows_the_percentage_the_learner_and_coordinator_see(
    client_for, cohort, course, demo
):
    people, _s = demo
    course.min_attendance_percent = 50
    course.save()
    for person in people.values():
        finish_items(person, course)

    complete = {
        name: course_selectors.course_is_complete(user=person, course=course)
        for name, person in people.items()
    }
    # Oona 50 % meets 50 %; Jari 0 % does not; Sanna has nothing recorded to meet it with.
    assert complete == {
        "laura": True,
        "mikko": True,
        "oona": True,
        "jari": False,
        "sanna": False,
    }
    assert set(Certificate.objects.values_list("user_id", flat=True)) == {
        people["laura"].pk,
        people["mikko"].pk,
        people["oona"].pk,
    }

    page = client_for(people["oona"]).get(reverse("courses:detail", args=[course.pk]))
    html = page.content.decode()
    assert 'data-testid="attendance-share" data-met="true"' in html
    assert "1/2 (50\u00a0%)" in html  # a no-break space before the sign


def test_sessions_nobody_recorded_pull_nobody_down(
    client_for, coordinator, cohort, course, assignment, instructor, learner, other_learner
):
    now = timezone.now()
    held = [
        session(cohort, assignment.workshop, f"Työpaja {n}", now - datetime.timedelta(days=n))
        for n in (9, 6, 3)
    ]
    # Only the first is recorded: Oona present, Olli excused; the other two nobody recorded.
    record(held[0], instructor, {learner: P, other_learner: E})

    html = attendance_page(client_for, coordinator, cohort)
    assert percent_of(cells(html, f"learner-{learner.pk}")["last"]) == 100
    assert percent_of(cells(html, f"learner-{other_learner.pk}")["last"]) is None
    assert percent_of(cells(html, f"session-{held[0].pk}")["last"]) == 100
    assert percent_of(re.search(r'"figure-attendance-percent">(.*?)<', html).group(1)) == 100
    share = course_selectors.attendance_share(user=learner, course=course, cohort=cohort)
    assert (share.present, share.counted, share.percent) == (1, 1, 100)


def test_the_requirement_is_met_by_the_rounded_percentage_shown():
    shown = AttendanceShare(present=2, counted=3, required_percent=67)
    assert shown.percent == 67
    assert shown.is_met
    assert not AttendanceShare(present=0, counted=0, required_percent=1).is_met
    assert AttendanceShare(present=0, counted=0).is_met  # no requirement
