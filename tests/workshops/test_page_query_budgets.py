"""Fixed query budgets for the two busy workshop pages (issue 13): the instructor's review page
and the learner's phase answer page, with a rubric, a revision asked for and a file."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from workshops import services

pytestmark = pytest.mark.django_db


def test_the_review_page_has_a_fixed_query_budget(
    client_for,
    instructor,
    learner,
    cohort,
    assignment,
    experiment,
    rubric,
    django_assert_num_queries,
):
    first = services.submission_submit(
        learner=learner, assignment=assignment, cohort=cohort, experiment=experiment, text="A"
    )
    services.submission_review(
        submission=first,
        reviewer=instructor,
        decision="revise",
        feedback="Rajaa.",
        levels={c.pk: c.levels.all()[0].pk for c in rubric},
    )
    second = services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        experiment=experiment,
        text="A ja B",
        uploads=[SimpleUploadedFile("a.pdf", b"%PDF-1.4\n" + b"x" * 100, "application/pdf")],
    )
    client = client_for(instructor)
    url = reverse("workshops:review", args=[second.pk])
    client.get(url)
    # The request: the session, and the instructor with the navigation's roles and unread count (2).
    # The view: the version with its phase, workshop, cohort, sender, experiment, shared draft and
    # marking settings, and whether it has files, feedback files, other versions, a rubric and
    # messages (1); its files (1), the rubric and its levels (2), the levels given to the previous
    # version (1, as there is no draft), the versions (1); no feedback files and no messages, so
    # neither is asked for. (9 before the navigation came with the person's row; 22 before issue 13:
    # the versions' files, twice, which the page does not show, and the files' fingerprint read
    # again; 19 before the experiment came with the version, the thread's access checks were left to
    # the reviewer's own (an instructor of the cohort may see it), the previous levels were read in
    # one query instead of three and the instructor's roles were no longer read on the way in, only
    # on a refusal; 13 before the draft, the marking settings and the empty lists came with the
    # version.)
    # tests/workshops/test_page_cost.py holds the budget with more data and with none.
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200


def test_the_phase_answer_page_has_a_fixed_query_budget(
    client_for,
    instructor,
    learner,
    cohort,
    assignment,
    experiment,
    rubric,
    django_assert_num_queries,
):
    first = services.submission_submit(
        learner=learner, assignment=assignment, cohort=cohort, experiment=experiment, text="A"
    )
    services.submission_review(
        submission=first,
        reviewer=instructor,
        decision="revise",
        feedback="Rajaa.",
        levels={c.pk: c.levels.all()[0].pk for c in rubric},
    )
    client = client_for(learner)
    url = reverse("workshops:assignment", args=[assignment.pk])
    client.get(url)
    # The request: the session, and the learner with the navigation's roles and unread count (2).
    # The view: the assignment and the cohort (2), the experiment with the phase's extension, the
    # text editor link and the draft (1), this phase's versions (1), the newest version's files to
    # keep (1), the feedback's scores, files and rubric levels (3), the marking settings (1), the
    # files added to the answer on any of the learner's devices (1). (12 before the navigation came
    # with the person's row; 25 before issue 13: the cohort, the version's assignment and workshop,
    # the reviewer, and the newest version and its files for the keepable ones were read again; 19
    # before the phase's row came from its own versions instead of the whole phase track (three
    # queries), the versions came without their files, the scores and levels were read once for the
    # points and the texts, and the editor link and the draft came with the experiment instead of
    # the learner's roles and a query of its own.)
    with django_assert_num_queries(12):
        assert client.get(url).status_code == 200
