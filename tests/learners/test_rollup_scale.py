"""The progress rollup (learners/rollup.py) gives what the rules computed from every row give
(learners.selectors: cohort_summary, at_risk_and_delays, experiment_funnel), after a week of a
cohort's actions through the services: lessons done and undone, a team's versions, a revision
answered by a team mate, an approval, an extension, a learner who finishes, one who joins with
the code and one who leaves the cohort. Checked on the days after too, as the clock makes
learners idle and phases late. The pages read it: the summary and cross-cohort in a fixed number
of queries, the at-risk list chosen in SQL a page at a time, with the figures' age shown."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses import services as course_services
from courses.models import Item
from learners import rollup, selectors
from learners import services as learner_services
from learners.models import CohortRollup, LearnerProgress, Membership
from tests import factories
from tests.learners.bulk import grow_cohort
from workshops import services as workshop_services
from workshops.models import Review, Submission

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = timezone.localdate(NOW)


def days(n):
    return NOW + datetime.timedelta(days=n)


@pytest.fixture
def started(cohort, assignment):
    """Started 30 days ago; phase 1 was due 16 days ago, phase 2 is due in 5 days, phase 3 in
    15 (so the clock makes them late during the checks)."""
    cohort.start_date = TODAY - datetime.timedelta(days=30)
    cohort.end_date = TODAY + datetime.timedelta(days=60)
    cohort.inactivity_days = 7
    cohort.revision_days = 3
    cohort.save()
    assignment.due_days = 14
    assignment.save()
    factories.AssignmentFactory(workshop=assignment.workshop, phase=2, due_days=35, title="Idea")
    factories.AssignmentFactory(workshop=assignment.workshop, phase=3, due_days=45, title="Suunn")
    return cohort


def person(cohort, email, **fields):
    user = factories.UserFactory(email=email, **fields)
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.LEARNER)
    return user


def summary_tuple(s):
    return (
        s.learners,
        s.percent,
        s.finished,
        s.waiting_reviews,
        s.at_risk,
        s.waiting_on_staff,
        sorted(
            (o.name, o.learners, o.done, o.total, o.finished, o.at_risk) for o in s.organisations
        ),
        [(who.pk, n, hours) for who, n, hours in s.turnaround],
    )


def funnel_tuple(f):
    return (
        [
            (p.phase, p.experiments, p.learners, p.median_days, p.longest_days, p.waiting)
            for p in f.phases
        ],
        f.completed,
        f.waiting_totals,
        len(f.experiments),
    )


def assert_rollup_matches(cohort, when):
    """What the sweep counts at `when` is what the rules compute from every row then."""
    cohort.refresh_from_db()
    counted = rollup.rollup_recount(cohort=cohort, now=when)
    live = selectors.cohort_summary(cohort=cohort, now=when)
    assert summary_tuple(rollup.rollup_summary(rollup=counted)) == summary_tuple(live), when
    rows, delays = selectors.at_risk_and_delays(cohort=cohort, now=when)
    chosen = list(
        rollup.at_risk_candidates(cohort=cohort, now=when).values_list("user_id", flat=True)
    )
    assert chosen == [r.learner.pk for r in rows], when  # the same learners, in name order
    delayed = set(
        rollup.staff_delay_candidates(cohort=cohort, now=when).values_list("user_id", flat=True)
    )
    assert delayed == {d.learner.pk for d in delays}, when
    today = timezone.localdate(when)
    assert funnel_tuple(
        selectors.experiment_funnel(cohort=cohort, today=today, groups=counted.funnel)
    ) == (funnel_tuple(selectors.experiment_funnel(cohort=cohort, today=today)))
    return counted


def data_of(cohort):
    return sorted(
        LearnerProgress.objects.filter(cohort=cohort).values_list(
            "user_id",
            "organisation_id",
            "done",
            "total",
            "last_activity_at",
            "revision_since",
            "overdue_on",
            "blocked_on",
        )
    )


def test_after_a_week_of_actions_the_rollup_matches_the_rules_on_every_day_after(
    started,
    other_cohort,
    course,
    assignment,
    instructor,
    coordinator,
    django_capture_on_commit_callbacks,
):
    org = factories.OrganisationFactory(name="Lopen kunta")
    oona = person(started, "oona@example.fi", first_name="Oona", organisation=org)
    olli = person(started, "olli@example.fi", first_name="Olli", organisation=org)
    pekka = person(started, "pekka@example.fi", first_name="Pekka", organisation=None)
    liisa = person(started, "liisa@example.fi", first_name="Liisa", organisation=org)
    matti = person(started, "matti@example.fi", first_name="Matti")
    factories.MembershipFactory(cohort=other_cohort, user=liisa)  # the same course elsewhere
    Membership.objects.filter(cohort=started).update(joined_at=days(-30))
    items = list(
        Item.objects.filter(module__course=course).order_by("module__position", "position")
    )
    rollup.rollup_rebuild()
    assert_rollup_matches(started, NOW)
    phase1 = assignment
    phase2 = assignment.workshop.assignments.get(phase=2)

    def act():
        # The services' hint runs after commit, as the worker would.
        return django_capture_on_commit_callbacks(execute=True)

    # Day 1: lessons done, one undone; Pekka finishes the course.
    with act():
        for item in items[:3]:
            course_services.item_complete(user=oona, item=item)
        course_services.item_uncomplete(user=oona, item=items[2])
        for item in items:
            course_services.item_complete(user=pekka, item=item)
        course_services.item_complete(user=liisa, item=items[0])
    assert_rollup_matches(started, NOW)
    # Day 2: Oona and Olli start a team experiment; Oona sends phase 1.
    with act():
        team = workshop_services.experiment_create(
            learner=oona, workshop=phase1.workshop, cohort=started, title="Kimppakyyti"
        )
        workshop_services.experiment_add_member(experiment=team, by=oona, email=olli.email)
        v1 = workshop_services.submission_submit(
            learner=oona, assignment=phase1, cohort=started, text="Haaste", experiment=team
        )
    assert Submission.objects.get(pk=v1.pk).status == Submission.Status.RECEIVED
    assert_rollup_matches(started, NOW)
    # Day 3: a revision is asked for (five days ago, past the cohort's three).
    with act():
        review = workshop_services.submission_review(
            submission=v1, reviewer=instructor, decision="revise", feedback="Tarkenna."
        )
        Review.objects.filter(pk=review.pk).update(created_at=days(-5))
    counted = assert_rollup_matches(started, NOW)
    assert counted.at_risk >= 2  # the whole team waits on the revision
    # Day 4: Olli answers it for the team; day 5: approved, the team moves to phase 2.
    with act():
        v2 = workshop_services.submission_submit(
            learner=olli, assignment=phase1, cohort=started, text="Haaste 2", experiment=team
        )
    assert_rollup_matches(started, NOW)
    with act():
        workshop_services.submission_review(
            submission=v2, reviewer=instructor, decision="approve", feedback="Hyvä."
        )
    assert_rollup_matches(started, NOW)
    # Day 6: Liisa sends phase 1 alone and gets an extension for phase 2; Matti leaves.
    with act():
        solo = workshop_services.experiment_create(
            learner=liisa, workshop=phase1.workshop, cohort=started, title="Kylätalo"
        )
        workshop_services.submission_submit(
            learner=liisa, assignment=phase1, cohort=started, text="Oma", experiment=solo
        )
        workshop_services.extension_grant(
            experiment=solo, by=instructor, phase=2, due_on=TODAY + datetime.timedelta(days=12)
        )
    Membership.objects.filter(cohort=started, user=matti).delete()
    assert not LearnerProgress.objects.filter(user=matti).exists()
    assert_rollup_matches(started, NOW)
    # Day 7: the team sends phase 2 (it waits for review); someone joins with the code.
    with act():
        workshop_services.submission_submit(
            learner=oona, assignment=phase2, cohort=started, text="Idea", experiment=team
        )
        learner_services.cohort_update_settings(
            cohort=started, self_enrolment_open=True, inactivity_days=7, revision_days=3
        )
        started.refresh_from_db()
        newcomer = factories.UserFactory(email="uusi@example.fi", first_name="Uusi")
        learner_services.cohort_self_enrol(user=newcomer, code=started.enrolment_code)
    rollup.rollup_sweep(now=NOW)  # the newcomer's row is counted by the next sweep
    assert LearnerProgress.objects.filter(user=newcomer, stale=False).exists()
    assert_rollup_matches(started, NOW)
    # The days after: idle learners, phase 2 late (and blocked for the team), phase 3 late,
    # Liisa's extension passed, the cohort over.
    for later in (1, 6, 8, 13, 16, 40, 61):
        assert_rollup_matches(started, days(later))
    # What the services kept row by row is what a rebuild from scratch computes.
    kept = data_of(started)
    rollup.rollup_rebuild()
    assert data_of(started) == kept
    assert data_of(other_cohort)
    assert not LearnerProgress.objects.filter(stale=True).exists()


def test_a_touch_marks_only_the_team_or_the_learner_and_the_sweep_recounts(
    started, learner, other_learner, assignment, django_capture_on_commit_callbacks
):
    rollup.rollup_rebuild()
    experiment = workshop_services.experiment_create(
        learner=learner, workshop=assignment.workshop, cohort=started, title="Kokeilu"
    )
    stale = set(LearnerProgress.objects.filter(stale=True).values_list("user_id", flat=True))
    assert stale == {learner.pk}
    assert rollup.rollup_touch(user_ids=[other_learner.pk], course_id=started.course_id) == 1
    assert rollup.rollup_touch(cohort_id=started.pk, experiment_id=experiment.pk) == 0  # already
    CohortRollup.objects.filter(cohort=started).update(refreshed_at=days(-1))
    assert rollup.rollup_sweep(now=NOW) == {"cohorts": 1, "rows": 2}
    assert not LearnerProgress.objects.filter(stale=True).exists()
    assert CohortRollup.objects.get(cohort=started).refreshed_at == NOW


def test_the_summary_and_cross_cohort_read_the_rollup_in_the_same_queries_at_any_size(
    client_for, started, other_cohort, coordinator, instructor
):
    factories.MembershipFactory(cohort=other_cohort, user=coordinator, role="coordinator")
    grow_cohort(cohort=started, learners=20, instructor=instructor)
    grow_cohort(cohort=other_cohort, learners=20, instructor=instructor)
    rollup.rollup_rebuild()
    client = client_for(coordinator)
    urls = [
        reverse("learners:dashboard", args=[started.pk]),
        reverse("learners:cross_cohort"),
        reverse("learners:funnel", args=[started.pk]),
        reverse("learners:at_risk", args=[started.pk]),
    ]

    def counts():
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            assert response.status_code == 200
            assert 'data-testid="rollup-age"' in response.content.decode()
            found.append(len(ctx))
        return found

    small = counts()
    grow_cohort(cohort=started, learners=400, instructor=instructor)
    grow_cohort(cohort=other_cohort, learners=400, instructor=instructor)
    rollup.rollup_rebuild()
    assert counts() == small
    # Neither the summary nor the overview reads a learner's row: only the rollup's.
    for url in urls[:2]:
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        sql = " ".join(q["sql"] for q in ctx.captured_queries)
        for table in ("learners_learnerprogress", "courses_completion", "workshops_submission"):
            assert table not in sql, (url, table)


def test_the_summary_shows_the_rollups_figures_and_a_cohort_never_counted_is_counted_at_once(
    client_for, started, coordinator, instructor
):
    grow_cohort(cohort=started, learners=30, instructor=instructor)
    assert not CohortRollup.objects.exists()
    page = client_for(coordinator).get(reverse("learners:dashboard", args=[started.pk]))
    html = page.content.decode()
    live = selectors.cohort_summary(cohort=started)
    assert f'data-testid="figure-learners">{live.learners}<' in html
    at_risk_url = reverse("learners:at_risk", args=[started.pk])
    assert f'data-testid="figure-at-risk"><a href="{at_risk_url}">{live.at_risk}<' in html
    assert 'data-testid="rollup-age"' in html
    assert CohortRollup.objects.filter(cohort=started).exists()


def test_the_at_risk_page_lists_the_rules_learners_from_the_rollup_100_a_page(
    client_for, started, coordinator, instructor
):
    grow_cohort(cohort=started, learners=450, instructor=instructor)
    rollup.rollup_rebuild()
    client = client_for(coordinator)
    expected = [r.learner.email for r in selectors.at_risk(cohort=started)]
    assert len(expected) > 100
    shown = []
    for number in range(1, (len(expected) + 99) // 100 + 1):
        html = client.get(reverse("learners:at_risk", args=[started.pk]), {"page": number})
        text = html.content.decode()
        rows = [part.split('"')[0] for part in text.split('<tr data-testid="at-risk-')[1:]]
        assert len(rows) <= 100
        shown += rows
    assert shown == expected


def test_a_stale_row_whose_learner_is_no_longer_at_risk_is_left_out_of_the_page(
    client_for, started, coordinator, learner, assignment
):
    learner.memberships.update(joined_at=days(-20))  # a learner when phase 1 was due
    rollup.rollup_rebuild()
    flagged = rollup.at_risk_candidates(cohort=started).values_list("user_id", flat=True)
    assert list(flagged) == [learner.pk]  # phase 1 was due 16 days ago
    # Sent without a service (nothing touched): the row still flags them, the rule does not.
    factories.SubmissionFactory(assignment=assignment, cohort=started, learner=learner)
    page = client_for(coordinator).get(reverse("learners:at_risk", args=[started.pk]))
    assert f'data-testid="at-risk-{learner.email}"' not in page.content.decode()


def test_the_rollup_pages_are_refused_to_learners_and_other_cohorts_staff(
    client_for, started, learner, other_instructor
):
    for who in (learner, other_instructor):
        client = client_for(who)
        for name in ("dashboard", "at_risk", "funnel"):
            assert client.get(reverse(f"learners:{name}", args=[started.pk])).status_code in (
                403,
                404,
            )
    assert client_for(learner).get(reverse("learners:cross_cohort")).status_code == 403
    assert not CohortRollup.objects.exists()  # nothing was counted for them


def test_the_rebuild_command_counts_every_cohort(started, learner, other_cohort, outsider_learner):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("rollup_rebuild", stdout=out)
    assert "2 learner rows in 2 cohorts" in out.getvalue()
    assert CohortRollup.objects.count() == 2


def test_a_learner_who_joins_is_counted_on_the_summary_without_a_broker(
    client_for, started, coordinator, outsider_learner, django_capture_on_commit_callbacks
):
    """The embedded setup (`make run`: no broker, no beat) counts a new learner as a touch
    is counted: joining hints the refresh, and the summary shows them instead of the figures
    counted before they joined (for up to an hour, the pages' own recount)."""
    started.self_enrolment_open = True
    started.enrolment_code = "KASVU-2026"
    started.save()
    client = client_for(coordinator)
    url = reverse("learners:dashboard", args=[started.pk])
    before = selectors.cohort_summary(cohort=started).learners
    assert f'data-testid="figure-learners">{before}<' in client.get(url).content.decode()
    # The figures were counted some minutes before the learner arrives.
    CohortRollup.objects.filter(cohort=started).update(
        refreshed_at=timezone.now() - datetime.timedelta(minutes=6)
    )
    with django_capture_on_commit_callbacks(execute=True):
        learner_services.cohort_self_enrol(user=outsider_learner, code="KASVU-2026")
    html = client.get(url).content.decode()
    assert f'data-testid="figure-learners">{before + 1}<' in html
