"""Each state's tab of the review queue says what its versions are: the approved and revision
tabs do not speak of versions waiting for a decision, and their time column is the day of
the decision, not how long a version decided a month ago has "waited". A version sent back
for a revision leaves the revision tab (its rows and its count) once the learner or the team
has sent a newer version, and the tab's reads stay the same few queries however many rows."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories
from workshops.models import Experiment, ExperimentMember, Review, Submission

pytestmark = pytest.mark.django_db

URL = reverse("workshops:review_queue")


def _decided(*, status, learner, cohort, assignment, sent_days_ago, decided_days_ago, **fields):
    """A version sent and decided that many days ago, with its review."""
    version = factories.SubmissionFactory(
        learner=learner, cohort=cohort, assignment=assignment, status=status, **fields
    )
    now = timezone.now()
    Submission.objects.filter(pk=version.pk).update(
        submitted_at=now - datetime.timedelta(days=sent_days_ago),
        processed_at=now - datetime.timedelta(days=sent_days_ago),
    )
    decision = (
        Review.Decision.APPROVE if status == Submission.Status.APPROVED else Review.Decision.REVISE
    )
    review = factories.ReviewFactory(submission=version, decision=decision)
    Review.objects.filter(pk=review.pk).update(
        created_at=now - datetime.timedelta(days=decided_days_ago)
    )
    return version


def _table(html: str) -> str:
    start = html.index('data-testid="review-queue"')
    return html[start : html.index("</table>", start)]


def _intro(html: str) -> str:
    start = html.index('data-testid="queue-intro">') + len('data-testid="queue-intro">')
    return " ".join(html[start : html.index("</p>", start)].split())


def _tab_count(html: str, status: str) -> int:
    found = re.search(
        rf'data-status-count="{status}">[^<]*<span class="badge text-bg-light">(\d+)</span>', html
    )
    assert found, status
    return int(found.group(1))


def _rows(response) -> list[int]:
    return [s.pk for s in response.context["waiting"]]


def test_the_approved_tab_says_approved_and_shows_the_day_of_the_decision(
    client_for, instructor, learner, cohort, assignment
):
    _decided(
        status=Submission.Status.APPROVED,
        learner=learner,
        cohort=cohort,
        assignment=assignment,
        sent_days_ago=45,
        decided_days_ago=40,
    )
    decided_on = timezone.localtime(timezone.now() - datetime.timedelta(days=40)).date()

    html = client_for(instructor).get(URL, {"status": "approved"}).content.decode()

    intro, table = _intro(html), _table(html)
    assert "odottavat päätöstäsi" not in intro
    assert "odottaa" not in intro
    assert intro.endswith("1 hyväksytty.")
    assert "Hyväksytyt palautukset</caption>" in table
    assert "Odottavat palautukset" not in table
    assert '<th scope="col">Päätetty</th>' in table
    assert "Odotusaika" not in table
    # The day it was decided, as Finnish writes a date; not how long ago it was sent.
    assert f'data-label="Päätetty">{decided_on:%-d.%-m.%Y}</td>' in table
    assert "kuukausi" not in table


def test_the_revision_tab_says_the_versions_await_a_new_version(
    client_for, instructor, learner, cohort, assignment
):
    _decided(
        status=Submission.Status.REVISION_REQUESTED,
        learner=learner,
        cohort=cohort,
        assignment=assignment,
        sent_days_ago=9,
        decided_days_ago=8,
    )
    decided_on = timezone.localtime(timezone.now() - datetime.timedelta(days=8)).date()

    html = client_for(instructor).get(URL, {"status": "revision"}).content.decode()

    intro, table = _intro(html), _table(html)
    assert "odottavat päätöstäsi" not in intro
    assert intro.endswith("1 odottaa uutta versiota.")
    assert "Täydennystä odottavat palautukset</caption>" in table
    assert f'data-label="Päätetty">{decided_on:%-d.%-m.%Y}</td>' in table
    assert "Odotusaika" not in table


def test_the_waiting_tab_keeps_its_words_and_its_waiting_time(
    client_for, instructor, learner, cohort, assignment
):
    waiting = factories.SubmissionFactory(learner=learner, cohort=cohort, assignment=assignment)
    Submission.objects.filter(pk=waiting.pk).update(
        processed_at=timezone.now() - datetime.timedelta(days=3, minutes=30)
    )

    html = client_for(instructor).get(URL).content.decode()

    assert _intro(html) == (
        "Ryhmiesi palautukset, jotka odottavat päätöstäsi. Pisimpään odottaneet näkyvät "
        "ensimmäisinä. 1 odottaa."
    )
    table = _table(html)
    assert "Odottavat palautukset</caption>" in table
    assert 'data-label="Odotusaika">3\xa0päivää</td>' in table


def test_an_empty_tab_says_it_has_no_such_versions(client_for, instructor):
    client = client_for(instructor)
    assert "Yhtään palautusta ei ole hyväksytty." in _table(
        client.get(URL, {"status": "approved"}).content.decode()
    )
    assert "Mikään palautus ei odota täydennystä." in _table(
        client.get(URL, {"status": "revision"}).content.decode()
    )


def test_the_tabs_speak_swedish_and_english(client_for, instructor, learner, cohort, assignment):
    _decided(
        status=Submission.Status.APPROVED,
        learner=learner,
        cohort=cohort,
        assignment=assignment,
        sent_days_ago=5,
        decided_days_ago=4,
    )
    client = client_for(instructor)
    for language, caption, column in (
        ("sv", "Godkända inlämningar", "Beslutad"),
        ("en", "Approved submissions", "Decided"),
    ):
        instructor.language = language
        instructor.save()
        table = _table(client.get(URL, {"status": "approved"}).content.decode())
        assert f"{caption}</caption>" in table, language
        assert f'<th scope="col">{column}</th>' in table, language


@pytest.fixture
def revisions(instructor, learner, other_learner, cohort, assignment):
    """Versions sent back for a revision: two that the team or the learner has revised since
    (a team mate's v2 of an experiment; a v2 of an answer sent without an experiment) and two
    still outstanding (a v1 of another experiment; the newest of a learner's own answers)."""
    team = Experiment.objects.create(
        workshop=assignment.workshop, cohort=cohort, title="Kimppakyyti", created_by=learner
    )
    mate = factories.UserFactory(first_name="Tiina")
    factories.MembershipFactory(cohort=cohort, user=mate, role="learner")
    for person in (learner, mate):
        ExperimentMember.objects.create(
            experiment=team, user=person, cohort=cohort, workshop=assignment.workshop
        )
    common = {"cohort": cohort, "assignment": assignment}
    sent_back = Submission.Status.REVISION_REQUESTED
    revised_by_team = _decided(
        status=sent_back,
        learner=learner,
        experiment=team,
        version=1,
        sent_days_ago=20,
        decided_days_ago=19,
        **common,
    )
    # The team mate sent the next version; it waits for a decision.
    factories.SubmissionFactory(learner=mate, experiment=team, version=2, **common)
    revised_alone = _decided(
        status=sent_back,
        learner=other_learner,
        version=1,
        sent_days_ago=18,
        decided_days_ago=17,
        **common,
    )
    factories.SubmissionFactory(learner=other_learner, version=2, **common)
    third = factories.UserFactory()
    factories.MembershipFactory(cohort=cohort, user=third, role="learner")
    other_team = Experiment.objects.create(
        workshop=assignment.workshop, cohort=cohort, title="Toinen", created_by=third
    )
    outstanding = [
        _decided(
            status=sent_back,
            learner=third,
            experiment=other_team,
            version=1,
            sent_days_ago=16,
            decided_days_ago=15,
            **common,
        ),
    ]
    loner = factories.UserFactory()
    factories.MembershipFactory(cohort=cohort, user=loner, role="learner")
    for version, days in ((1, 14), (2, 12)):
        last = _decided(
            status=sent_back,
            learner=loner,
            version=version,
            sent_days_ago=days,
            decided_days_ago=days - 1,
            **common,
        )
    outstanding.append(last)  # its v1 was revised by this v2, sent back in turn
    return {
        "revised": [revised_by_team, revised_alone],
        "outstanding": outstanding,
        "common": common,
        "loner": loner,
    }


def test_a_version_revised_since_leaves_the_revision_tab_and_its_count(
    client_for, instructor, revisions
):
    client = client_for(instructor)
    response = client.get(URL, {"status": "revision"})
    html = response.content.decode()

    assert _rows(response) == [s.pk for s in revisions["outstanding"]]
    assert _tab_count(html, "revision") == 2
    assert _intro(html).endswith("2 odottaa uutta versiota.")
    # The other tabs count as before: the team mate's and the learner's new versions wait.
    assert _tab_count(html, "received") == 2


def test_the_revision_tab_reads_the_same_queries_for_more_rows(client_for, instructor, revisions):
    client = client_for(instructor)
    client.get(URL, {"status": "revision"})  # the organisations' list is kept after this

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL, {"status": "revision"})
        return len(ctx.captured_queries), len(response.context["waiting"])

    few, rows_before = queries()
    common = revisions["common"]
    for n in range(12):
        person = factories.UserFactory()
        factories.MembershipFactory(cohort=common["cohort"], user=person, role="learner")
        for version in (1, 2):  # v1 revised by v2, v2 outstanding
            _decided(
                status=Submission.Status.REVISION_REQUESTED,
                learner=person,
                version=version,
                sent_days_ago=30 - n,
                decided_days_ago=29 - n,
                **common,
            )
    many, rows_after = queries()
    assert rows_after == rows_before + 12
    assert many == few
    # The queue's budget (tests/test_query_counts.py) less the kept organisations' list.
    assert many <= 10


@pytest.mark.parametrize("status", ["approved", "revision"])
def test_a_decided_tab_reads_the_same_queries_for_more_rows(
    client_for, instructor, cohort, assignment, status
):
    client = client_for(instructor)
    client.get(URL, {"status": status})

    def add(n: int) -> None:
        for _ in range(n):
            person = factories.UserFactory()
            factories.MembershipFactory(cohort=cohort, user=person, role="learner")
            _decided(
                status=status,
                learner=person,
                cohort=cohort,
                assignment=assignment,
                sent_days_ago=10,
                decided_days_ago=9,
            )

    add(2)
    with CaptureQueriesContext(connection) as small:
        client.get(URL, {"status": status})
    add(20)
    with CaptureQueriesContext(connection) as large:
        response = client.get(URL, {"status": status})
    assert len(response.context["waiting"]) == 22
    assert len(large.captured_queries) == len(small.captured_queries) <= 10


def test_sending_version_2_marks_version_1_superseded_for_the_queue(
    client_for, instructor, learner, cohort, assignment, experiment
):
    """The service that sends a version marks the earlier ones, so the queue counts the
    outstanding revisions from an index."""
    from workshops import services
    from workshops.models import Submission

    v1 = services.submission_submit(
        learner=learner, assignment=assignment, cohort=cohort, text="Eka.", experiment=experiment
    )
    services.submission_review(
        submission=v1, reviewer=instructor, decision="revise", feedback="Rajaa."
    )
    url = reverse("workshops:review_queue") + "?status=revision"
    assert f'data-submission="{v1.pk}"' in client_for(instructor).get(url).content.decode()
    v2 = services.submission_submit(
        learner=learner, assignment=assignment, cohort=cohort, text="Toka.", experiment=experiment
    )
    assert Submission.objects.get(pk=v1.pk).superseded
    assert not Submission.objects.get(pk=v2.pk).superseded
    assert f'data-submission="{v1.pk}"' not in client_for(instructor).get(url).content.decode()
