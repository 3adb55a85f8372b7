"""The review queue's side lists read a page of rows, not every version of the cohorts (#13):
what they show must stay what the instructor expects. Its reads, compiled once (core.prepared),
answer what the ORM answers: the same versions in the same order with the same learners,
cohorts, phases, files, markings and marking settings, the same counts, the same lead's
cohorts, for every filter, for a lead, a second instructor and the superuser."""

import dataclasses
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from learners.access import cohorts_led_by
from learners.models import Membership
from tests import factories
from tests.workshops.test_review_queue_rows import build_queue_world
from workshops import selectors
from workshops.cohort_settings import marking_of
from workshops.models import Review, Submission

pytestmark = pytest.mark.django_db


def _reviewed(cohort, assignment, reviewer, *, minutes_ago: int, status=Submission.Status.APPROVED):
    submission = factories.SubmissionFactory(cohort=cohort, assignment=assignment, status=status)
    review = factories.ReviewFactory(submission=submission, reviewer=reviewer)
    # auto_now_add: the review's time is set after the row exists.
    Review.objects.filter(pk=review.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return submission


def test_recently_reviewed_lists_the_ten_newest_reviews_of_the_instructors_cohorts_only(
    client, cohort, other_cohort, assignment, instructor, other_instructor
):
    mine = [
        _reviewed(cohort, assignment, instructor, minutes_ago=m)
        for m in (50, 5, 30, 1, 12, 40, 3, 20, 8, 60, 25, 15)
    ]
    # A version sent back counts; one still waiting does not, whatever its review row says.
    sent_back = _reviewed(
        cohort, assignment, instructor, minutes_ago=2, status=Submission.Status.REVISION_REQUESTED
    )
    waiting = _reviewed(cohort, assignment, instructor, minutes_ago=0)
    Submission.objects.filter(pk=waiting.pk).update(status=Submission.Status.RECEIVED)
    # Another cohort's newest review is not this instructor's to see.
    theirs = _reviewed(other_cohort, assignment, other_instructor, minutes_ago=0)

    client.force_login(instructor)
    response = client.get(reverse("workshops:review_queue"))

    shown = [s.pk for s in response.context["reviewed"]]
    by_age = sorted(
        Review.objects.filter(submission__in=[*mine, sent_back]), key=lambda r: r.created_at
    )[::-1]
    assert shown == [r.submission_id for r in by_age[:10]]
    assert sent_back.pk in shown
    assert waiting.pk not in shown
    assert theirs.pk not in shown


def test_the_municipality_filter_offers_a_new_cohorts_municipalities_at_once(
    client, cohort, other_cohort, assignment, instructor
):
    kotka = factories.OrganisationFactory(name="Kotka")
    hamina = factories.OrganisationFactory(name="Hamina")
    factories.MembershipFactory(
        cohort=cohort, role=Membership.Role.LEARNER, user__organisation=kotka
    )
    factories.MembershipFactory(
        cohort=other_cohort, role=Membership.Role.LEARNER, user__organisation=hamina
    )
    cache.clear()
    client.force_login(instructor)
    url = reverse("workshops:review_queue")

    offered = [o.name for o in client.get(url).context["options"]["organisations"]]
    assert "Kotka" in offered
    assert "Hamina" not in offered

    # Made an instructor of the other cohort too: its municipality is offered on the next
    # page load, not ten minutes later (the cached list is keyed by the cohorts).
    factories.MembershipFactory(
        cohort=other_cohort, user=instructor, role=Membership.Role.INSTRUCTOR
    )
    offered = [o.name for o in client.get(url).context["options"]["organisations"]]
    assert "Kotka" in offered
    assert "Hamina" in offered
    page = client.get(url, {"organisation": hamina.pk}).content.decode()
    assert f'value="{hamina.pk}" selected' in page


@pytest.fixture
def queue_world(db):
    return build_queue_world()


def _marking(submission):
    marking = getattr(submission, "marking", None)
    if marking is None:
        return None
    reviewer = marking.reviewer.display_name if marking.reviewer_id else None
    return (marking.state, marking.reviewer_id, reviewer)


def _shown(s):
    """What a row of the queue shows of a version, read through its relations."""
    learner = s.learner
    return (
        s.pk,
        s.status,
        s.version,
        s.is_late,
        s.processed_at or s.submitted_at,
        learner.pk,
        learner.display_name,
        str(learner.organisation or ""),
        s.cohort.name,
        str(s.assignment.title),
        s.experiment.title if s.experiment_id else None,
        _marking(s),
        marking_of(s),
    )


def _queries(world):
    led, blind, kotka = world["led"].pk, world["blind"].pk, world["kotka"].pk
    return [
        "",
        "status=approved",
        "status=revision",
        "status=rejected",
        "status=processing",
        "status=nonsense&cohort=x&phase=y",
        f"cohort={led}",
        f"cohort={blind}&status=approved",
        "phase=2",
        f"organisation={kotka}",
        "late=1",
        "mine=1",
        "marking=ready",
        "marking=not-reviewed",
        f"marking=in-review&late=1&phase=1&cohort={led}&mine=1",
        f"organisation={kotka}&marking=not-reviewed&status=approved",
        f"cohort={2**62}",  # no such cohort
        "phase=40000",
    ]


@pytest.mark.parametrize("who", ["instructor", "colleague", "lead", "superuser"])
def test_the_queue_reads_what_the_orm_reads_for_every_filter(queue_world, who):
    person = queue_world[who]
    options = selectors.queue_filter_options(user=person)
    assert sorted(options["led"]) == sorted(cohorts_led_by(person))
    scope = selectors.QueueScope(user=person, cohorts=tuple(c.pk for c in options["cohorts"]))
    shown = 0
    for query in _queries(queue_world):
        filters = selectors.QueueFilters.from_query(QueryDict(query))
        counts = selectors.queue_counts(scope=scope, filters=filters)
        expected_counts = {
            state: selectors.review_queue(
                user=person, filters=dataclasses.replace(filters, status=state)
            ).count()
            for state in Submission.Status.values
        }
        assert counts == expected_counts, query
        expected = list(
            selectors.review_queue(user=person, filters=filters).prefetch_related("files")
        )
        page = selectors.QueuePage(
            scope=scope, filters=filters, count=counts[filters.status], cohorts=options["cohorts"]
        )
        assert len(page) == len(expected)
        # Read in two slices, as two pages would.
        got = page[0:3] + page[3 : len(page)]
        assert [_shown(s) for s in got] == [_shown(s) for s in expected], query
        assert [s.file_count for s in got] == [len(s.files.all()) for s in expected]
        assert [s.settings_marking for s in got] == [marking_of(s) for s in expected]
        shown += len(got)
    assert shown > 20


def test_a_rows_cohort_is_its_own_when_the_filters_cohorts_come_from_elsewhere(queue_world):
    """The rows take their cohort from the cohorts passed in; a cohort not among them is read
    as the ORM would (it never happens on the page, which passes the filter's cohorts)."""
    person = queue_world["instructor"]
    options = selectors.queue_filter_options(user=person)
    scope = selectors.QueueScope(user=person, cohorts=tuple(c.pk for c in options["cohorts"]))
    filters = selectors.QueueFilters()
    count = selectors.queue_counts(scope=scope, filters=filters)["received"]
    rows = selectors.QueuePage(scope=scope, filters=filters, count=count, cohorts=[])[0:count]
    assert {s.cohort.name for s in rows} == {"Ryhmä <A>", "Ryhmä B & co"}


@pytest.mark.parametrize("who", ["instructor", "lead", "superuser"])
def test_recently_reviewed_is_the_ten_newest_reviews_as_the_orm_reads_them(queue_world, who):
    person = queue_world[who]
    reviews = Review.objects.filter(
        submission__status__in=[Submission.Status.APPROVED, Submission.Status.REVISION_REQUESTED]
    )
    if not person.is_superuser:
        reviews = reviews.filter(
            submission__cohort__memberships__user=person,
            submission__cohort__memberships__role=Membership.Role.INSTRUCTOR,
        )
    newest = [r.submission for r in reviews.order_by("-created_at", "-pk")[:10]]
    options = selectors.queue_filter_options(user=person)
    scope = selectors.QueueScope(user=person, cohorts=tuple(c.pk for c in options["cohorts"]))
    got = selectors.recently_reviewed(scope=scope)
    assert [s.pk for s in got] == [s.pk for s in newest]
    assert [(s.learner.display_name, str(s.assignment.title), s.version) for s in got] == [
        (s.learner.display_name, str(s.assignment.title), s.version) for s in newest
    ]
    assert [s.settings_marking for s in got] == [marking_of(s) for s in newest]
