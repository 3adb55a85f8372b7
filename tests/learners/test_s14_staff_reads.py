"""The staff pages read each row once: the at-risk list while it brings the progress rollup up
to date, the progress export, the scores table and the instructor's view of a reviewed version.

Found by recording every statement of each page (as tests/test_s14_no_repeated_reads.py does)
in the demo:

- the at-risk page, when it first brought the learners' rows up to date (without a broker, a
  page does it itself: learners.rollup.rollup_for), read the course's due phases for the rows
  and again for the page's reasons;
- the progress export read the cohort's latest versions (the team rule, learners.selectors
  .team_latest) for its phase columns and again for the revisions among the at-risk reasons;
- the scores table read the page's learners' teams for their versions and again, in a
  slightly different statement, for their reviews;
- a reviewed version's page read the review's rubric scores for the total and again for their
  texts (and the rubric's levels twice, as the maxima and as the texts).
"""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from core.models import User
from learners.models import Cohort, CohortRollup, LearnerProgress, Membership
from learners.rollup import at_risk_candidates, rollup_touch
from tests.repeats import page_reads, repeated, signed_in
from workshops.models import Assignment, ReviewScore

pytestmark = pytest.mark.django_db

DEMO = "demo.alueagentti.fi"


def person(local: str) -> User:
    return User.objects.get(email=f"{local}@{DEMO}")


def reading(table: str, sqls: list[str]) -> list[str]:
    """The statements that read rows of `table` (its own FROM, not a join, nor a subquery,
    whose tables Django names U0, V0...)."""
    return [sql for sql in sqls if re.search(rf'\bFROM "{table}"(?!\s+[A-Z]\d)', sql)]


@pytest.fixture
def cohort(demo_data) -> Cohort:
    """The demo's running cohort: the learner's, which the instructor teaches and the
    coordinator follows; its course has phases with due days and a rubric."""
    cohort = Cohort.objects.get(
        memberships__user=person("oppija"), memberships__role=Membership.Role.LEARNER
    )
    assert Assignment.objects.filter(
        workshop__course=cohort.course, due_days__isnull=False
    ).exists()
    return cohort


def stale_rollup(cohort: Cohort, learner: User) -> None:
    """A learner's state changed a few minutes ago and no broker has run the sweep since: the
    next page without a broker brings her row and the cohort's figures up to date first."""
    assert rollup_touch(user_ids=[learner.pk], cohort_id=cohort.pk) == 1
    CohortRollup.objects.filter(cohort=cohort).update(
        stale=True, refreshed_at=timezone.now() - datetime.timedelta(minutes=5)
    )


def test_the_at_risk_page_reads_the_due_phases_once_while_it_updates_a_learners_row(cohort):
    instructor, learner = person("ohjaaja"), person("oppija")
    client = signed_in(instructor)
    url = reverse("learners:at_risk", args=[cohort.pk])
    assert client.get(url).status_code == 200
    stale_rollup(cohort, learner)

    sqls, body = page_reads(client, url, warm=False)

    # The row was brought up to date by this very request.
    assert not LearnerProgress.objects.get(cohort=cohort, user=learner).stale
    assert not CohortRollup.objects.get(cohort=cohort).stale
    due_phases = [sql for sql in reading("workshops_assignment", sqls) if "due_days" in sql]
    assert len(due_phases) == 1, "\n".join(due_phases)
    assert not repeated(sqls), "\n".join(repeated(sqls))
    # The page still names the learners the rule flags.
    flagged = at_risk_candidates(cohort=cohort).select_related("user")
    assert flagged
    html = body.decode()
    for row in flagged:
        assert row.user.display_name in html


def test_the_at_risk_page_reads_the_due_phases_once_when_it_counts_a_cohort_first(cohort):
    client = signed_in(person("ohjaaja"))
    url = reverse("learners:at_risk", args=[cohort.pk])
    # Never counted yet (a cohort the sweep has not reached): the page counts it itself.
    LearnerProgress.objects.filter(cohort=cohort).delete()
    CohortRollup.objects.filter(cohort=cohort).delete()

    sqls, _body = page_reads(client, url, warm=False)

    assert CohortRollup.objects.filter(cohort=cohort).exists()
    due_phases = [sql for sql in reading("workshops_assignment", sqls) if "due_days" in sql]
    assert len(due_phases) == 1, "\n".join(due_phases)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_progress_export_reads_the_latest_versions_once(cohort, fmt):
    client = signed_in(person("koordinaattori"))
    url = reverse("learners:export", args=[cohort.pk, "progress", fmt])

    sqls, body = page_reads(client, url)

    assert not repeated(sqls), "\n".join(repeated(sqls))
    # One read of the versions that count (the team rule: each with its review's moment), by
    # the cohort's id: never an IN list of every learner of the cohort.
    versions = [sql for sql in reading("workshops_submission", sqls) if '"reviewed_at"' in sql]
    assert len(versions) == 1, "\n".join(versions)
    assert '"learner_id" IN' not in versions[0]
    if fmt == "csv":
        # A Finnish spreadsheet reads semicolons.
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
        learners = Membership.objects.filter(cohort=cohort, role=Membership.Role.LEARNER)
        assert len(rows) == 1 + learners.count()
        with translation.override("fi"):
            assert rows[0][-1] == gettext("At risk")
        # The at-risk reasons are still there, a waiting revision among them when there is one.
        assert any(row[-1] for row in rows[1:])


def test_the_scores_table_reads_the_learners_teams_once(cohort):
    client = signed_in(person("ohjaaja"))
    url = reverse("scores:overview", args=[cohort.pk])

    sqls, body = page_reads(client, url)

    teams = reading("workshops_experimentmember", sqls)
    assert len(teams) == 1, "\n".join(teams)
    assert not repeated(sqls), "\n".join(repeated(sqls))
    # The table still shows each learner's phase results.
    assert person("oppija").last_name in body.decode()


@pytest.mark.parametrize("who", ["ohjaaja", "koordinaattori", "oppija"])
def test_a_reviewed_versions_page_reads_the_reviews_scores_once(cohort, who):
    score = (
        ReviewScore.objects.filter(review__submission__cohort=cohort, criterion__isnull=False)
        .select_related("review__submission")
        .first()
    )
    assert score is not None
    submission = score.review.submission
    reader = person(who)
    if who == "oppija":
        # The learner who wrote it, or one of her team.
        assert (
            submission.learner_id == reader.pk
            or submission.experiment.members.filter(user=reader).exists()
        )
    client = signed_in(reader)
    url = reverse("workshops:submission_detail", args=[submission.pk])

    sqls, body = page_reads(client, url)

    scores = reading("workshops_reviewscore", sqls)
    assert len(scores) == 1, "\n".join(scores)
    levels = reading("workshops_rubriclevel", sqls)
    assert len(levels) == 1, "\n".join(levels)
    assert not repeated(sqls), "\n".join(repeated(sqls))
    # The rubric and its total are on the page as before.
    html = body.decode()
    assert 'data-testid="rubric-total"' in html
    assert score.criterion.title in html
