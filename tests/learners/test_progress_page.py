"""The progress section read in one statement (learners/progress_page.py, #13) prints what the
rules print: for every page, filter and search, each learner's name, organisation, items done
per module and the version that counts for each phase are the whole-cohort overview's (the
exports' read, built from team_latest and completion_matrix), in the order of the learners'
query; the header's modules, phases and staff are the ORM's, titles in each language. On
SQLite and PostgreSQL alike."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from core.models import User
from courses.models import Completion, Item, Module
from learners import selectors
from learners.models import Membership
from learners.progress_page import cohort_progress_page
from tests import factories
from tests.learners.bulk import grow_cohort
from workshops.models import Assignment, ExperimentMember, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(cohort, assignment):
    cohort.start_date = timezone.localdate() - datetime.timedelta(days=60)
    cohort.save()
    return cohort


def printed(overview, learners=None):
    """What the section prints per learner, as comparable values."""
    return [
        (
            r.learner.pk,
            r.learner.display_name,
            r.learner.email,
            str(r.learner.organisation or ""),
            [(c.module.pk, c.done, c.total) for c in r.cells],
            [(a.pk, (s.pk, s.status) if s else None) for a, s in r.submissions],
        )
        for r in overview.rows
        if learners is None or r.learner.pk in learners
    ]


def expected(cohort, whole, **filters):
    """The whole overview's rows in the order (and with the filters) of the learners' query."""
    order = list(
        selectors.cohort_learners(cohort=cohort, **filters).values_list("user_id", flat=True)
    )
    rows = {row[0]: row for row in printed(whole)}
    return [rows[pk] for pk in order]


@pytest.fixture
def lived_in(started, course, instructor, assignment, other_cohort):
    """A cohort after some weeks: teams that changed, drafts in the course, an item counted
    by a submission, a learner in two cohorts of the course, a second phase."""
    people = grow_cohort(cohort=started, learners=120, instructor=instructor)
    factories.ItemFactory(module=course.modules.first(), is_published=False)
    hidden = factories.ModuleFactory(course=course, is_published=False)
    Completion.objects.create(user=people[3], item=factories.ItemFactory(module=hidden))
    factories.MembershipFactory(cohort=other_cohort, user=people[7])
    factories.AssignmentFactory(workshop=assignment.workshop, phase=2, title="Kokeilu")
    # A learner joins a team mate's experiment (its versions now count for them too), and a
    # member who sent a version leaves their team (theirs count for the team, not for them).
    sent = Submission.objects.filter(cohort=started, experiment__isnull=False).latest("pk")
    sent_any = set(Submission.objects.filter(cohort=started).values_list("learner_id", flat=True))
    mover = next(p for p in people if p.pk not in sent_any)
    ExperimentMember.objects.filter(user=mover, cohort=started).update(experiment=sent.experiment)
    # Revisions: a second version of a team's phase and of a learner's own answer, the
    # latter sent before (a lower id than) a team mate's first version.
    for first in Submission.objects.filter(cohort=started).order_by("pk")[5:9]:
        factories.SubmissionFactory(
            assignment=first.assignment,
            cohort=started,
            learner=first.learner,
            experiment=first.experiment,
            version=first.version + 1,
        )
    leaver = Submission.objects.filter(cohort=started, experiment__isnull=False).earliest("pk")
    ExperimentMember.objects.filter(user_id=leaver.learner_id, cohort=started).delete()
    return people


def test_every_page_filter_and_search_prints_the_whole_overviews_rows(
    lived_in, started, course, assignment
):
    org = lived_in[0].organisation
    word = lived_in[11].email.split("@")[0]
    for rule in (None, Item.Rule.SUBMITTED):
        if rule:
            # An item done by a submission: the counts are the rule's, for a team mate too.
            item = Item.objects.filter(module__course=course, is_published=True).first()
            Item.objects.filter(pk=item.pk).update(assignment=assignment, completion_rule=rule)
        whole = selectors.cohort_overview(cohort=started)
        for filters in ({}, {"organisation_id": org.pk}, {"query": "Oppija1"}, {"query": word}):
            rows = expected(started, whole, **filters)
            for number in (1, 2, 3):
                page, overview = cohort_progress_page(cohort=started, number=number, **filters)
                first = (page.number - 1) * 50
                assert page.paginator.count == len(rows), filters
                assert printed(overview) == rows[first : first + 50], (rule, filters, number)
        assert any(s for row in whole.rows for _a, s in row.submissions)
        assert any(c.done for row in whole.rows for c in row.cells)


def test_a_team_mates_version_counts_for_the_learner_on_the_page(lived_in, started):
    whole = selectors.cohort_overview(cohort=started)
    latest = selectors.team_latest(cohort=started)
    for number in (1, 2, 3):
        page, overview = cohort_progress_page(cohort=started, number=number)
        for row in overview.rows:
            for a, shown in row.submissions:
                rule = latest.get((row.learner.pk, a.pk))
                got = (shown.pk, shown.status) if shown else None
                assert got == ((rule.pk, rule.status) if rule else None)
    # Someone on a page has a version sent by another member of their team.
    sent_by_others = [
        (row.learner.pk, s.pk)
        for row in whole.rows
        for _a, s in row.submissions
        if s and Submission.objects.get(pk=s.pk).learner_id != row.learner.pk
    ]
    assert sent_by_others


def test_the_header_is_the_orms_in_every_language(started, course, coordinator, instructor):
    grow_cohort(cohort=started, learners=3, instructor=instructor)
    second = factories.UserFactory(first_name="Aino", last_name="Aalto")
    factories.MembershipFactory(cohort=started, user=second, role=Membership.Role.INSTRUCTOR)
    module = Module.objects.filter(course=course).first()
    Module.objects.filter(pk=module.pk).update(title_sv="Modul på svenska")
    factories.ModuleFactory(course=course, position=0, title="Ensimmäinen")
    for language in ("fi", "sv", "en"):
        with translation.override(language):
            _page, overview = cohort_progress_page(cohort=started)
            modules = Module.objects.filter(course=course).order_by("position", "pk")
            assert [(m.pk, m.title) for m in overview.modules] == [(m.pk, m.title) for m in modules]
            phases = Assignment.objects.filter(workshop__course=course).order_by("phase", "pk")
            assert [(a.pk, a.phase, a.title) for a in overview.assignments] == [
                (a.pk, a.phase, a.title) for a in phases
            ]
            assert [m.item_count for m in overview.modules] == [m.items.count() for m in modules]
    with translation.override("sv"):
        assert "Modul på svenska" in [
            m.title for m in cohort_progress_page(cohort=started)[1].modules
        ]
    staff = (
        Membership.objects.filter(cohort=started)
        .exclude(role=Membership.Role.LEARNER)
        .order_by("user__last_name", "user__first_name", "user__email", "pk")
    )
    overview = cohort_progress_page(cohort=started)[1]
    assert [u.pk for u in overview.instructors] == [
        m.user_id for m in staff if m.role == Membership.Role.INSTRUCTOR
    ]
    assert [u.pk for u in overview.coordinators] == [
        m.user_id for m in staff if m.role == Membership.Role.COORDINATOR
    ]
    assert overview.instructors[0].display_name == "Aino Aalto"


def test_one_statement_reads_the_page_whatever_the_cohorts_size(started, instructor):
    grow_cohort(cohort=started, learners=10, instructor=instructor)

    def statements(**filters):
        with CaptureQueriesContext(connection) as read:
            page, overview = cohort_progress_page(cohort=started, **filters)
            assert overview.rows is not None
            assert overview.modules
        return len(read), page.paginator.count

    small = [statements(), statements(query="Oppija"), statements(number=2)]
    grow_cohort(cohort=started, learners=200, instructor=instructor)
    large = [statements(), statements(query="Oppija"), statements(number=2)]
    # Page 2 of ten learners is past the end: the last page is read with a second statement.
    assert [n for n, _count in small] == [1, 1, 2]
    assert [n for n, _count in large] == [1, 1, 1]
    assert [count for _n, count in large] == [210, 210, 210]


def test_a_kept_section_builds_nothing_from_the_rows(started, instructor):
    grow_cohort(cohort=started, learners=5, instructor=instructor)
    _page, overview = cohort_progress_page(cohort=started)
    assert overview.printed
    assert "rows" not in overview.__dict__
    assert "modules" not in overview.__dict__
    # Anything printed changes what the key is made of.
    User.objects.filter(pk=overview._found.learners[0].pk).update(last_name="Uusi")
    assert cohort_progress_page(cohort=started)[1].printed != overview.printed


def test_odd_page_numbers_and_organisations_from_a_hand_edited_address(
    client_for, started, coordinator, instructor
):
    """Whatever the address says, the page answers 200: a superscript digit, thousands of
    digits, a huge organisation id."""
    from django.urls import reverse

    grow_cohort(cohort=started, learners=60, instructor=instructor)
    client = client_for(coordinator)
    url = reverse("learners:cohort_detail", args=[started.pk])
    for params in (
        {"page": "²"},
        {"page": "9" * 5000},
        {"page": "-1"},
        {"org": "²"},
        {"org": "9" * 5000},
        {"org": str(2**70)},
        {"page": "2", "org": "1" * 25, "q": "Oppija"},
    ):
        response = client.get(url, params)
        assert response.status_code == 200, params
