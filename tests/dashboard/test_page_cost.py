"""The dashboard's reads compiled once (dashboard/selectors.py) return what the apps' own
querysets return, for several people in turn (each later read binds other ids into the SQL
compiled by the first)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from dashboard import selectors
from learners.access import learner_cohorts
from learners.models import Membership
from notifications.models import Notification
from notifications.selectors import notifications_for
from tests import factories
from workshops import selectors as workshop_selectors
from workshops import services as workshop_services
from workshops.models import CalendarFeed, ExperimentMember, Submission, WorkshopSession
from workshops.sessions import upcoming_for_learner

pytestmark = pytest.mark.django_db


def _session(cohort, workshop, title, starts):
    return WorkshopSession.objects.create(
        workshop=workshop,
        cohort=cohort,
        title=title,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
    )


@pytest.fixture
def busy(cohort, course, learner, other_learner, assignment):
    """Four cohorts for the learner (three shown), a team, versions, sessions, notices."""
    now = timezone.now()
    workshop = assignment.workshop
    second = factories.AssignmentFactory(workshop=workshop, phase=2)
    other_course = factories.CourseFactory()
    other_assignment = factories.AssignmentFactory(
        workshop=factories.WorkshopFactory(course=other_course)
    )
    later = []
    for n in range(3):
        a_cohort = factories.CohortFactory(
            course=other_course if n % 2 else course,
            start_date=cohort.start_date + datetime.timedelta(days=10 * (n + 1)),
        )
        factories.MembershipFactory(cohort=a_cohort, user=learner)
        later.append(a_cohort)
    factories.MembershipFactory(cohort=later[1], user=other_learner)
    experiment = workshop_services.experiment_create(
        learner=learner, workshop=workshop, cohort=cohort, title="Kyyti", challenge="Asemalle."
    )
    ExperimentMember.objects.create(
        experiment=experiment, user=other_learner, cohort=cohort, workshop=workshop
    )
    factories.SubmissionFactory(
        assignment=assignment,
        learner=learner,
        cohort=cohort,
        experiment=experiment,
        status=Submission.Status.REVISION_REQUESTED,
    )
    factories.SubmissionFactory(
        assignment=assignment,
        learner=learner,
        cohort=cohort,
        experiment=experiment,
        version=2,
        status=Submission.Status.RECEIVED,
    )
    factories.SubmissionFactory(assignment=second, learner=other_learner, cohort=cohort)
    factories.SubmissionFactory(
        assignment=other_assignment,
        learner=learner,
        cohort=later[1],
        status=Submission.Status.APPROVED,
    )
    for n in range(7):
        _session(cohort, workshop, f"Työpaja {n}", now + datetime.timedelta(days=n - 2))
    _session(later[2], other_assignment.workshop, "Muu", now + datetime.timedelta(days=1))
    for n, key in enumerate(("event-1", "reviews-waiting-1", "event-2", "event-3")):
        Notification.objects.create(
            recipient=learner,
            category=Notification.Category.REVIEWS,
            key=key,
            subject=f"Ilmoitus {n}",
            body="Viesti",
            url="/",
        )
    CalendarFeed.objects.create(user=learner, token="salainen-osoite")
    return later


def _pairs(by_cohort):
    return {
        cohort_id: [(a.pk, s.pk if s else None) for a, s in rows]
        for cohort_id, rows in by_cohort.items()
    }


def test_the_compiled_reads_match_the_apps_querysets(busy, learner, other_learner, instructor):
    nobody = factories.UserFactory()
    for person in (learner, other_learner, instructor, nobody, learner):
        cohorts = selectors.learner_card_cohorts(person)
        expected = list(learner_cohorts(person).order_by("-start_date")[:3])
        assert [c.pk for c in cohorts] == [c.pk for c in expected], person
        assert [c.course.title for c in cohorts] == [c.course.title for c in expected]
        assert _pairs(selectors.assignments_by_cohort(learner=person, cohorts=cohorts)) == _pairs(
            workshop_selectors.assignments_with_latest_by_cohort(learner=person, cohorts=expected)
        ), person
        notices = list(
            notifications_for(person)
            .filter(read_at__isnull=True)
            .exclude(key__startswith="reviews-waiting-")[:5]
        )
        assert selectors.unread_on_dashboard(person) == notices
        assert selectors.calendar_feed(person) == CalendarFeed.objects.filter(user=person).first()
        sessions = selectors.upcoming_sessions(person)
        assert sessions == upcoming_for_learner(person), person
        assert [(s.workshop.title, s.cohort.name) for s in sessions] == [
            (s.workshop.title, s.cohort.name) for s in upcoming_for_learner(person)
        ]
    assert len(selectors.learner_card_cohorts(learner)) == 3
    assert len(selectors.upcoming_sessions(learner)) == 5
    assert selectors.calendar_feed(learner).token == "salainen-osoite"


def test_the_sessions_materials_come_with_them(busy, learner, django_assert_num_queries):
    sessions = selectors.upcoming_sessions(learner)
    with django_assert_num_queries(0):
        for session in sessions:
            list(session.material_files.all())


def test_a_session_that_ended_is_no_longer_upcoming(busy, learner):
    moment = timezone.now() + datetime.timedelta(days=30)
    assert selectors.upcoming_sessions(learner, now=moment) == []
    earlier = timezone.now() - datetime.timedelta(days=30)
    assert len(selectors.upcoming_sessions(learner, now=earlier)) == 5


def test_the_dashboard_shows_the_compiled_reads(client, busy, learner):
    client.force_login(learner)
    page = client.get(reverse("core:home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ilmoitus 0" in html
    assert "Ilmoitus 2" in html
    assert "Ilmoitus 1" not in html  # the review notice stays off the learner's dashboard
    assert "salainen-osoite" in html
    assert len(page.context["learning"]) == 3
    # The three latest cohorts: the other course's card shows its approved answer.
    assert 'data-status="approved"' in html


def test_a_person_without_a_learner_cohort_gets_no_cards(client, instructor):
    Membership.objects.filter(user=instructor).update(role=Membership.Role.INSTRUCTOR)
    client.force_login(instructor)
    page = client.get(reverse("core:home"))
    assert page.context["learning"] == []
    assert "upcoming_sessions" not in page.context


def test_the_cards_rows_of_several_courses_equal_each_courses_own(busy, course, learner):
    from courses import selectors as course_selectors
    from tests.dashboard.test_card_rows import _counts

    other = busy[1].course
    factories.ItemFactory(module=factories.ModuleFactory(course=other, position=0), position=0)
    factories.ModuleFactory(course=other, position=1, is_published=False)
    for person in (learner, factories.UserFactory(), learner):
        together = course_selectors.cards_rows(user=person, course_ids=[other.pk, course.pk])
        for a_course in (course, other):
            modules, rows = together[a_course.pk]
            one_modules, one_rows = course_selectors.modules_and_items(
                user=person, course=a_course, only=("position",)
            )
            assert _counts(modules) == _counts(one_modules)
            assert [m.has_prerequisites for m in modules] == [
                m.has_prerequisites for m in one_modules
            ]
            assert [(r.pk, r.module_id, r.position, r.is_done) for r in rows] == [
                (i.pk, i.module_id, i.position, i.is_done) for i in one_rows
            ]


def test_the_dashboard_reads_every_card_in_the_same_queries(
    client, busy, learner, django_assert_num_queries
):
    # The session, and the learner with the navigation's roles and unread badge (2); the
    # three cohorts (1); their assignments and latest versions (2); every card's modules and
    # items (2); unread notifications, the calendar feed, upcoming sessions and their
    # materials (4). (12 before the navigation came with the person's row.)
    client.force_login(learner)
    with django_assert_num_queries(11):
        page = client.get(reverse("core:home"))
    assert len(page.context["learning"]) == 3


def test_a_cards_module_counts_print_as_the_blocktranslate_did():
    from types import SimpleNamespace

    from django.template import Context, Template

    old = Template(
        "{% load i18n %}{% blocktranslate with done=module.done_count total=module.item_count %}"
        "{{ done }}/{{ total }}{% endblocktranslate %}"
    )
    new = Template("{% load dashboard_cards %}{{ module|done_of_total }}")
    for language in ("fi", "sv", "en"):
        with translation.override(language):
            for done, total in ((0, 0), (3, 10), (1234, 56789)):
                module = SimpleNamespace(done_count=done, item_count=total)
                shown = new.render(Context({"module": module}))
                assert shown == old.render(Context({"module": module}))
                assert shown.startswith(str(done)[0])


def test_the_dashboard_prints_each_modules_counts(client, busy, learner, cohort):
    client.force_login(learner)
    html = client.get(reverse("core:home")).content.decode()
    assert '<span class="text-body-secondary text-nowrap">0/3</span>' in html
