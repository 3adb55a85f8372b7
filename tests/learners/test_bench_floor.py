"""The bench's SQL floor for the cohort table (`tests/bench.py: TABLE_SQL`) returns the numbers
the page shows, team versions included, so `make bench` compares the page with a statement
that does the same work (#13). PostgreSQL only: the floor is written for it, as the bench is."""

import pytest
from django.db import connection

from tests.conftest import skip_or_fail
from tests.learners.bulk import grow_cohort

pytestmark = pytest.mark.django_db


def test_the_table_floor_returns_the_pages_numbers_with_a_team(cohort, instructor, assignment):
    if connection.vendor != "postgresql":
        skip_or_fail("the cohort table's SQL floor is PostgreSQL's (DATABASE_URL)")
    from learners.progress_page import cohort_progress_page
    from learners.views import LEARNERS_PER_PAGE
    from tests import bench
    from workshops.models import ExperimentMember, Submission

    grow_cohort(cohort=cohort, learners=160, instructor=instructor)
    page, _overview = cohort_progress_page(cohort=cohort, number=3, per_page=LEARNERS_PER_PAGE)
    on_page = [learner.pk for learner in page.object_list]
    # A learner of the page joins another learner's team: the team's versions count for them.
    sent = Submission.objects.filter(cohort=cohort, experiment__isnull=False).latest("pk")
    mate = next(u for u in on_page if u != sent.learner_id)
    ExperimentMember.objects.filter(user_id=mate, cohort=cohort).delete()
    ExperimentMember.objects.create(
        experiment_id=sent.experiment_id,
        user_id=mate,
        cohort=cohort,
        workshop_id=sent.experiment.workshop_id,
    )
    with connection.cursor() as cursor:
        cursor.execute(bench.TABLE_SQL, {"course": cohort.course_id, "cohort": cohort.pk})
        rows = cursor.fetchall()
    bench.check_table_floor({"cohort": cohort.pk, "course": cohort.course_id}, rows)
    phases = {(r[1], r[2]): int(r[6]) for r in rows if r[0] == "phase"}
    latest = (
        Submission.objects.filter(experiment_id=sent.experiment_id, assignment=sent.assignment)
        .order_by("-version", "-pk")
        .first()
    )
    assert phases[(mate, sent.assignment_id)] == latest.pk


def test_the_bench_times_a_page_in_blocks_each_after_a_block_of_its_floors(monkeypatch):
    """`make bench` compares a page with floors timed in the same minutes: every block of the
    page's requests follows a block of each floor, and the ratio uses the floors' runs there."""
    from tests import bench

    monkeypatch.setattr(bench, "ROUNDS", 6)
    monkeypatch.setattr(bench, "CYCLES", 3)
    calls: list[str] = []

    class Answer:
        status_code = 200

    def called(name: str):
        def call() -> Answer:
            calls.append(name)
            return Answer()

        return call

    result = bench.measure(called("page"), {"F0": called("F0"), "SQL": called("SQL")})
    warm = ["page", "F0", "SQL"]
    assert calls == warm + ["F0", "F0", "SQL", "SQL", "page", "page"] * 3
    assert set(result["beside_ms"]) == {"F0", "SQL"}
    assert set(result["beside_cpu_ms"]) == {"F0", "SQL"}
    assert result["queries"] == 0
