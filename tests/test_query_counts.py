"""Query budgets for the busiest pages: the count must not grow with the data.

Each test renders a page with a small cohort, then with ten times more learners, completions,
submissions (with files and reviews) and notifications, and holds both to the same exact
count. The count is the one measured with small data; if a page needs more with more data,
something loads rows one by one (an N+1) and must be fixed in its selector, not by raising the
number; if it needs fewer, a query went away and the number and its comment come down with it.

Every signed-in request pays for two queries: the session, and the signed-in person read with
the navigation's roles and unread badge in the same row (dashboard/auth.py reading
dashboard/selectors.py:user_with_navigation; a view that checks a role with core.access reads
the roles from that row too). Each page's count below includes these two; "(N before ...)"
gives the count before a change that lowered it (one less on every page when the navigation
came with the person's row: it was a query of its own after the person's).
"""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from courses.models import Completion, Item
from learners.models import Membership
from notifications.models import Notification
from tests import factories
from workshops.models import Review, Submission

pytestmark = pytest.mark.django_db

SMALL = 2  # learners in the cohort at first
GROWTH = 10  # how many times more data the second round adds


def notify(recipient, n):
    Notification.objects.bulk_create(
        Notification(
            recipient=recipient,
            category=Notification.Category.REVIEWS,
            key=f"event-{recipient.pk}-{Notification.objects.count()}-{i}",
            subject=f"Ilmoitus {i}",
            body="Viesti",
            url="/",
            email_status=Notification.EmailStatus.SENT,
        )
        for i in range(n)
    )


def add_work(*, cohort, course, instructor, learners, assignments):
    """For each learner: completions, a version per assignment with a file, some reviewed."""
    items = list(Item.objects.filter(module__course=course))
    Completion.objects.bulk_create(
        [Completion(user=u, item=i) for u in learners for i in items[::2]], ignore_conflicts=True
    )
    now = timezone.now()
    for n, learner in enumerate(learners):
        for assignment in assignments:
            version = Submission.objects.filter(
                learner=learner, assignment=assignment, cohort=cohort
            ).count()
            # Older versions asked for revision; the latest one waits or is approved.
            if version:
                Submission.objects.filter(learner=learner, assignment=assignment).update(
                    status=Submission.Status.REVISION_REQUESTED
                )
            status = Submission.Status.RECEIVED if n % 2 == 0 else Submission.Status.APPROVED
            submission = factories.SubmissionFactory(
                learner=learner,
                cohort=cohort,
                assignment=assignment,
                version=version + 1,
                status=status,
            )
            Submission.objects.filter(pk=submission.pk).update(
                submitted_at=now - datetime.timedelta(minutes=n)
            )
            factories.SubmissionFileFactory(submission=submission)
            factories.SubmissionFileFactory(submission=submission)
            if status == Submission.Status.APPROVED:
                Review.objects.create(
                    submission=submission, reviewer=instructor, decision="approve", feedback="Ok"
                )
        notify(learner, 3)


@pytest.fixture
def world(course, cohort, assignment, learner, other_learner, instructor, coordinator):
    """A small cohort: two learners with some progress, work and notifications."""
    state = {
        "course": course,
        "cohort": cohort,
        "learner": learner,
        "instructor": instructor,
        "coordinator": coordinator,
        "learners": [learner, other_learner],
        "assignments": [assignment],
    }
    add_work(
        cohort=cohort,
        course=course,
        instructor=instructor,
        learners=state["learners"],
        assignments=state["assignments"],
    )
    notify(instructor, 2)

    def grow():
        """Ten times more of everything the pages list."""
        workshop = assignment.workshop
        for _ in range(GROWTH - 1):
            module = factories.ModuleFactory(course=course)
            factories.ItemFactory.create_batch(3, module=module)
        new_assignments = factories.AssignmentFactory.create_batch(
            GROWTH - 1, workshop=workshop, phase=2
        )
        new_learners = [
            factories.MembershipFactory(cohort=cohort, role=Membership.Role.LEARNER).user
            for _ in range(SMALL * GROWTH - SMALL)
        ]
        add_work(
            cohort=cohort,
            course=course,
            instructor=instructor,
            learners=new_learners,
            assignments=[assignment],
        )
        # The learner gets more assignments, versions and notifications of their own.
        add_work(
            cohort=cohort,
            course=course,
            instructor=instructor,
            learners=[learner],
            assignments=[assignment, *new_assignments],
        )
        notify(learner, 30)
        notify(instructor, 30)
        # The instructor and coordinator are attached to many more cohorts.
        for _ in range(GROWTH):
            other = factories.CohortFactory(course=course)
            for person, role in [
                (instructor, Membership.Role.INSTRUCTOR),
                (coordinator, Membership.Role.COORDINATOR),
            ]:
                factories.MembershipFactory(cohort=other, user=person, role=role)
            add_work(
                cohort=other,
                course=course,
                instructor=instructor,
                learners=[factories.MembershipFactory(cohort=other).user],
                assignments=[assignment],
            )
        state["learners"] += new_learners

    state["grow"] = grow
    return state


def check_budget(client, assert_num, url, budget, what, *, cold=True):
    """The page takes exactly `budget` queries. `cold`: with nothing kept in the cache (the
    review queue and the cohort page keep their organisation filter's choices for ten
    minutes, and a test's process keeps its cache from test to test)."""
    if cold:
        cache.clear()
    with assert_num(budget, info=f"{url}: {what}"):
        response = client.get(url)
    assert response.status_code == 200
    return response


def test_the_learners_dashboard_has_a_fixed_query_budget(client, world, django_assert_num_queries):
    # The session, and the learner with the navigation's roles and unread badge (2); the
    # cohorts (1); every card at once (#13, dashboard/selectors.py and
    # courses.selectors.cards_rows): assignments, latest versions, modules, items with their
    # done flags (4); five unread notifications (1; no waiting count or staff cohorts for a
    # learner); the calendar block: the learner's feed (1) and upcoming sessions (1);
    # savepoints are not queries. (11 before the navigation came with the person's row.)
    budget = 10
    client.force_login(world["learner"])
    url = reverse("core:home")
    small = check_budget(client, django_assert_num_queries, url, budget, "small data")
    world["grow"]()
    large = check_budget(client, django_assert_num_queries, url, budget, "10x data")
    assert len(large.context["learning"][0]["assignments"]) == GROWTH
    assert (
        large.context["learning"][0]["progress"].total
        > small.context["learning"][0]["progress"].total
    )


def test_a_learner_in_many_cohorts_pays_for_at_most_three_on_the_dashboard(
    client, learner, django_assert_num_queries
):
    # The dashboard shows the three latest cohorts, read for every card at once: the same 10
    # queries as for one cohort (see above; 20 when each card read its own four and the
    # navigation was a query of its own).
    budget = 10
    for _ in range(5):
        course = factories.CourseFactory()
        factories.ItemFactory.create_batch(3, module=factories.ModuleFactory(course=course))
        factories.AssignmentFactory(workshop=factories.WorkshopFactory(course=course))
        factories.MembershipFactory(cohort=factories.CohortFactory(course=course), user=learner)
    client.force_login(learner)
    url = reverse("core:home")
    response = check_budget(client, django_assert_num_queries, url, budget, "5 cohorts")
    assert len(response.context["learning"]) == 3


def test_the_instructors_dashboard_has_a_fixed_query_budget(
    client, world, django_assert_num_queries
):
    # The session, and the instructor with the navigation's roles and unread badge (2);
    # learner cohorts (1, none); waiting count (1); staff cohorts with their course (1); unread
    # notifications (1). (7 before the navigation came with the person's row.)
    budget = 6
    client.force_login(world["instructor"])
    url = reverse("core:home")
    check_budget(client, django_assert_num_queries, url, budget, "small data")
    world["grow"]()
    large = check_budget(client, django_assert_num_queries, url, budget, "10x data")
    assert large.context["waiting_count"] > 1
    assert len(large.context["staff_cohorts"]) == 10


def test_the_review_queue_has_a_fixed_query_budget(client, world, django_assert_num_queries):
    # The session, and the instructor with the navigation's roles and unread badge (2); the
    # cohorts to filter by, with each one's lead instructor (1), and the organisations to
    # filter by (1, then kept for ten minutes); the counts per state, of which the pager takes
    # the chosen state's (1); one page of versions with phase, workshop, experiment, marking,
    # reviewer, file count and the cohort's own marking settings (1) and its learners with
    # their organisations (1); recently reviewed, with who reviewed each (1); for the lead: the
    # instructors to allocate from and the workshops whose marking settings they may change
    # (2). (11 before the navigation came with the person's row; 15 before #13, when the
    # pager's count, the files, the cohorts' settings and "who leads" were reads of their
    # own.)
    budget = 10
    client.force_login(world["instructor"])
    url = reverse("workshops:review_queue")
    small = check_budget(client, django_assert_num_queries, url, budget, "small data")
    world["grow"]()
    large = check_budget(client, django_assert_num_queries, url, budget, "10x data")
    assert len(large.context["waiting"]) > len(small.context["waiting"])
    assert len(large.context["reviewed"]) == 10
    assert large.context["led_cohorts"]
    again = check_budget(
        client, django_assert_num_queries, url, budget - 1, "kept filter", cold=False
    )
    assert again.context["options"]["organisations"]


def test_the_cohort_page_has_a_fixed_query_budget(client, world, django_assert_num_queries):
    # The session, and the coordinator with the roles (for the role guard and the
    # navigation) and the unread badge (2); the cohort with its course and whether the person
    # coordinates it and authors its course, for the course links (1); everything the progress
    # section prints in one statement (1, learners/progress_page.py): the page of 50 learners
    # with people, organisations and their count, staff, modules with item counts,
    # assignments, the completion matrix, the teams' phase states and latest versions; the
    # filter's organisations (1, then kept for ten minutes). (12 allowed before: the progress
    # section was seven queries until it became one statement, and the navigation was a query
    # of its own until it came with the person's row.)
    budget = 5
    client.force_login(world["coordinator"])
    url = reverse("learners:cohort_detail", args=[world["cohort"].pk])
    check_budget(client, django_assert_num_queries, url, budget, "small data")
    world["grow"]()
    large = check_budget(client, django_assert_num_queries, url, budget, "10x data")
    assert len(large.context["overview"].rows) == SMALL * GROWTH
    check_budget(client, django_assert_num_queries, url, budget - 1, "kept filter", cold=False)


def test_the_cohort_list_has_a_fixed_query_budget(client, world, django_assert_num_queries):
    # The session, and the instructor with the navigation's roles and unread badge (2);
    # cohorts with course, learner and waiting counts (1). (5 allowed before: 4 when the roles
    # and the unread badge were two queries after the person's.)
    budget = 3
    client.force_login(world["instructor"])
    url = reverse("learners:cohort_list")
    check_budget(client, django_assert_num_queries, url, budget, "small data")
    world["grow"]()
    large = check_budget(client, django_assert_num_queries, url, budget, "10x data")
    assert len(large.context["cohorts"]) == GROWTH + 1


def test_the_course_outline_has_a_fixed_query_budget(client, world, django_assert_num_queries):
    # The session, and the learner with the navigation's roles and unread badge (2); the
    # course with the author check and whether the person coordinates or teaches one of its
    # cohorts (1, #13: courses.access.get_course_for_user); the learner's cohort (1); modules
    # (1); items with their state (1); the certificate (1). (Prerequisites and release
    # extensions add one each when a module has them: tests/courses.) (8 before the navigation
    # came with the person's row.)
    budget = 7
    client.force_login(world["learner"])
    url = reverse("courses:detail", args=[world["course"].pk])
    check_budget(client, django_assert_num_queries, url, budget, "small data")
    world["grow"]()
    large = check_budget(client, django_assert_num_queries, url, budget, "10x data")
    assert len(large.context["modules"]) == 3 + GROWTH - 1
    assert large.context["progress"].done > 0


def test_the_notification_list_has_a_fixed_query_budget(client, world, django_assert_num_queries):
    # The session, and the learner with the navigation's roles and unread badge (2); the
    # page's count and rows (2). (6 allowed before: 4 when the roles and the unread badge were
    # two queries after the person's.)
    budget = 4
    client.force_login(world["learner"])
    url = reverse("notifications:list")
    check_budget(client, django_assert_num_queries, url, budget, "small data")
    world["grow"]()
    large = check_budget(client, django_assert_num_queries, url, budget, "10x data")
    assert len(large.context["page"]) == 25
