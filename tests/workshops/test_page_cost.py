"""The phase answer page and the review page read what they show once (issue 13).

Their queries are compiled once per process (core/prepared.py) and the pieces are read
once and handed on, so these tests hold the cheap reads equal to the ORM reads they replace,
keep who may see the pages as it was, and fix query budgets that do not grow with the data.
"""

import datetime

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _lazy

from core import prepared
from learners.models import Membership
from tests import factories
from workshops import selectors, services, texts
from workshops.access import get_assignment_for_learner, get_submission_for_reviewer
from workshops.cohort_settings import marking_for, marking_of
from workshops.forms import FeedbackFilesForm, ReviewForm
from workshops.forms import HiddenInput as PlainHiddenInput
from workshops.forms import Textarea as PlainTextarea
from workshops.models import (
    Assignment,
    CohortMarkingSettings,
    Draft,
    PhaseComment,
    ReviewDraft,
    ReviewFile,
    RubricCriterion,
    Submission,
    SubmissionFile,
    Workshop,
)
from workshops.views import _feedback_upload_box

pytestmark = pytest.mark.django_db

HUGE = 2**70  # no column holds it; the ORM answered such an id from a URL with a 404


def _pdf(name: str = "a.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + b"x" * 100, "application/pdf")


def _revised(learner, instructor, cohort, assignment, experiment, rubric=None, text="A"):
    """A version of phase 1 sent back for a revision (with the rubric's lowest levels)."""
    version = services.submission_submit(
        learner=learner, assignment=assignment, cohort=cohort, experiment=experiment, text=text
    )
    services.submission_review(
        submission=version,
        reviewer=instructor,
        decision="revise",
        feedback="Rajaa.",
        levels={c.pk: c.levels.all()[0].pk for c in rubric or []},
    )
    return version


# --- the cheap reads equal the reads they replace ----------------------------------------


def test_the_learners_experiment_is_the_one_the_service_finds(
    learner, other_learner, cohort, assignment, experiment
):
    found = selectors.learner_experiment(learner=learner, assignment=assignment, cohort=cohort)
    assert found == services.experiment_for(
        learner=learner, workshop=assignment.workshop, cohort=cohort
    )
    assert found.title == experiment.title
    assert (
        selectors.learner_experiment(learner=other_learner, assignment=assignment, cohort=cohort)
        is None
    )


def test_the_learners_draft_comes_with_the_experiment(
    learner, teammate, cohort, assignment, experiment
):
    def read(person):
        return selectors.learner_experiment(
            learner=person, assignment=assignment, cohort=cohort
        ).phase_draft

    assert read(learner) is None
    Draft.objects.create(experiment=experiment, phase=2, learner=learner, text="Toinen vaihe")
    Draft.objects.create(experiment=experiment, phase=1, learner=teammate, text="Tiinan")
    assert read(learner) is None
    services.draft_save(experiment=experiment, phase=1, learner=learner, text="Oonan <luonnos>")
    services.draft_save(
        experiment=experiment, phase=1, learner=learner, text="Oonan <luonnos> 2", revision=1
    )
    got = read(learner)
    expected = Draft.objects.get(experiment=experiment, phase=1, learner=learner)
    names = ("pk", "text", "revision", "updated_at", "phase", "learner_id", "experiment_id")
    assert [getattr(got, n) for n in names] == [getattr(expected, n) for n in names]
    assert got.text == "Oonan <luonnos> 2"
    assert read(teammate).text == "Tiinan"


def test_the_phase_row_is_the_phase_tracks_row(
    learner, instructor, cohort, assignment, experiment, phases
):
    def rows():
        found = selectors.learner_experiment(learner=learner, assignment=assignment, cohort=cohort)
        found.cohort = cohort
        history = selectors.phase_history(experiment=found, assignment=assignment)
        mine = selectors.phase_row(experiment=found, assignment=assignment, history=history)
        track = next(r for r in selectors.phase_track(experiment=found) if r.phase == 1)
        return mine, track

    def same(mine, track):
        keys = ("phase", "label", "state", "due_on", "extended", "overdue")
        assert {k: getattr(mine, k) for k in keys} == {k: getattr(track, k) for k in keys}
        assert getattr(mine.latest, "pk", None) == getattr(track.latest, "pk", None)
        assert getattr(mine.assignment, "pk", None) == getattr(track.assignment, "pk", None)

    assignment.due_days = 3
    assignment.save()
    same(*rows())  # no version yet: open, due three days after the cohort starts
    _revised(learner, instructor, cohort, assignment, experiment)
    same(*rows())
    services.extension_grant(
        experiment=experiment, by=instructor, phase=1, due_on=datetime.date(2030, 1, 1)
    )
    mine, track = rows()
    same(mine, track)
    assert mine.extended
    assert mine.due_on == datetime.date(2030, 1, 1)


def test_a_second_assignment_of_the_same_phase_leaves_the_row_to_the_track(
    learner, cohort, assignment, experiment
):
    twin = factories.AssignmentFactory(workshop=assignment.workshop, phase=1, due_days=9)
    found = selectors.learner_experiment(learner=learner, assignment=assignment, cohort=cohort)
    assert found.phase_twins
    found.cohort = cohort
    row = selectors.phase_row(experiment=found, assignment=assignment, history=[])
    track = next(r for r in selectors.phase_track(experiment=found) if r.phase == 1)
    assert (row.assignment.pk, row.due_on) == (track.assignment.pk, track.due_on)
    assert twin.pk  # the track's rule chose one of the two


def test_the_rubric_comes_with_its_levels_in_order(assignment, rubric):
    expected = [
        (c.pk, [lv.pk for lv in c.levels.order_by("points", "pk")])
        for c in RubricCriterion.objects.filter(workshop=assignment.workshop, phase=1)
    ]
    got = selectors.rubric(workshop_id=assignment.workshop_id, phase=1)
    assert [(c.pk, [lv.pk for lv in c.levels.all()]) for c in got] == expected
    assert len(expected) > 1
    assert all(levels for _c, levels in expected)
    assert selectors.rubric(workshop_id=factories.WorkshopFactory().pk, phase=1) == []


def test_the_feedback_reads_equal_the_reads_they_replace(
    learner, instructor, cohort, assignment, experiment, rubric
):
    first = _revised(learner, instructor, cohort, assignment, experiment, rubric)
    review = Submission.objects.get(pk=first.pk).review
    ReviewFile.objects.create(
        submission=first, review=review, uploaded_by=instructor, original_name="k.pdf", size=1
    )
    # A criterion renamed since: its score keeps the words the reviewer saw.
    rubric[0].title_fi = "Uusi nimi"
    rubric[0].save()
    with translation.override("sv"):
        scores, levels = selectors.feedback_parts(review=review)
        assert selectors.review_points(review=review, levels=levels) == selectors.review_points(
            review=Submission.objects.get(pk=first.pk).review
        )
        cheap = texts.scores_in_language(review=review, scores=scores, levels=levels)
        plain = texts.scores_in_language(review=Submission.objects.get(pk=first.pk).review)
    shown = ("criterion_title", "points", "level_label", "descriptor")
    assert [[getattr(s, n) for n in shown] for s in cheap] == [
        [getattr(s, n) for n in shown] for s in plain
    ]
    assert len(cheap) == len(rubric)
    assert [f.original_name for f in review.files.all()] == ["k.pdf"]


def test_the_next_round_starts_from_the_previous_levels(
    learner, instructor, cohort, assignment, experiment, rubric
):
    first = _revised(learner, instructor, cohort, assignment, experiment, rubric)
    second = services.submission_submit(
        learner=learner, assignment=assignment, cohort=cohort, experiment=experiment, text="B"
    )
    expected = {c.pk: c.levels.all()[0].pk for c in rubric}
    assert selectors.previous_levels(submission=second) == expected
    assert selectors.previous_levels(submission=first) == {}


def test_versions_without_an_experiment_are_the_learners_own(
    learner, other_learner, cohort, assignment
):
    mine = [
        factories.SubmissionFactory(
            learner=learner, cohort=cohort, assignment=assignment, version=n
        )
        for n in (1, 2)
    ]
    factories.SubmissionFactory(learner=other_learner, cohort=cohort, assignment=assignment)
    got = selectors.version_list(submission=mine[0])
    assert [v.pk for v in got] == [v.pk for v in selectors.versions(submission=mine[0])]
    assert [v.pk for v in got] == [mine[1].pk, mine[0].pk]


def test_the_version_files_and_the_thread_are_the_orms(
    learner, instructor, cohort, assignment, experiment
):
    first = services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        experiment=experiment,
        text="A",
        uploads=[_pdf("b.pdf"), _pdf("a.pdf")],
    )
    SubmissionFile.objects.filter(submission=first).update(status="accepted")
    services.phase_comment_add(experiment=experiment, phase=1, author=instructor, text="Hei")
    services.phase_comment_add(experiment=experiment, phase=1, author=learner, text="Moi")
    selectors.with_files(first)
    assert [f.pk for f in first.files.all()] == list(
        SubmissionFile.objects.filter(submission=first).order_by("pk").values_list("pk", flat=True)
    )
    assert all(f.submission is first for f in first.files.all())
    assert [c.text for c in selectors.thread(experiment_id=experiment.pk, phase=1)] == [
        c.text for c in PhaseComment.objects.filter(experiment=experiment, phase=1)
    ]
    assert [f.pk for f in selectors.accepted_files(submission=first)] == [
        f.pk for f in services.keepable_files(experiment=experiment, assignment=assignment)
    ]


def test_a_compiled_query_gives_booleans_and_dates_as_the_orm_does(
    learner, cohort, assignment, experiment
):
    found = prepared.objects(
        Assignment,
        ("test_types",),
        lambda assignment: Assignment.objects.filter(pk=assignment).select_related("workshop"),
        assignment=assignment.pk,
    )
    assert found[0].peer_anonymous is True
    assert found[0].workshop.marking_workflow is False
    assert found[0].workshop.title == assignment.workshop.title
    _assignment, got_cohort = get_assignment_for_learner(learner, assignment.pk)
    assert isinstance(got_cohort.start_date, datetime.date)
    assert got_cohort == cohort


# --- who may see the pages ----------------------------------------------------------------


def test_only_learners_of_a_cohort_running_the_course_reach_the_phase_answer_page(
    client_for, instructor, assignment, experiment
):
    elsewhere = factories.CohortFactory(course=factories.CourseFactory(title="Muu"))
    stranger = factories.UserFactory()
    factories.MembershipFactory(cohort=elsewhere, user=stranger, role=Membership.Role.LEARNER)
    url = reverse("workshops:assignment", args=[assignment.pk])
    assert client_for(stranger).get(url).status_code == 404
    assert client_for(instructor).get(url).status_code == 404


def test_only_the_cohorts_instructors_reach_the_review_page(
    client_for, other_instructor, instructor, learner, submission
):
    url = reverse("workshops:review", args=[submission.pk])
    assert client_for(other_instructor).get(url).status_code == 404
    assert client_for(instructor).get(url).status_code == 200
    assert get_submission_for_reviewer(instructor, submission.pk) == submission


@pytest.mark.parametrize("method", ["get", "post", "put"])
def test_who_teaches_nowhere_is_refused_the_review_page_as_before(
    client_for, learner, coordinator, submission, method
):
    """The page no longer reads the person's roles on the way in; someone who teaches no
    cohort still gets require_role's 403, whatever the method."""
    url = reverse("workshops:review", args=[submission.pk])
    for person in (learner, coordinator):
        assert getattr(client_for(person), method)(url).status_code == 403


def test_an_instructor_gets_405_for_a_method_the_review_page_does_not_take(
    client_for, instructor, other_instructor, submission
):
    url = reverse("workshops:review", args=[submission.pk])
    assert client_for(instructor).put(url).status_code == 405
    assert client_for(other_instructor).put(url).status_code == 405
    assert client_for(other_instructor).post(url, {}).status_code == 404


def test_an_id_no_column_holds_is_not_found(client_for, learner, instructor, experiment):
    assert client_for(learner).get(f"/workshops/assignments/{HUGE}/").status_code == 404
    assert client_for(instructor).get(f"/workshops/submissions/{HUGE}/review/").status_code == 404


def test_the_superuser_reviews_any_version(client_for, superuser, submission):
    url = reverse("workshops:review", args=[submission.pk])
    assert client_for(superuser).get(url).status_code == 200


@pytest.mark.parametrize(
    ("role", "shown"), [("instructor", True), ("coordinator", True), (None, False)]
)
def test_the_text_editor_link_follows_the_persons_roles(
    client_for, course, other_cohort, learner, assignment, experiment, role, shown
):
    """A learner who is also staff of another cohort of the course may edit the texts; a
    course author who is staff nowhere was not offered the link, and still is not."""
    if role:
        factories.MembershipFactory(cohort=other_cohort, user=learner, role=role)
    else:
        course.authors.add(learner)
    html = (
        client_for(learner).get(reverse("workshops:assignment", args=[assignment.pk])).content
    ).decode()
    assert ('data-testid="edit-phase-texts"' in html) is shown


def test_staff_of_another_course_is_not_offered_the_editor(
    client_for, learner, assignment, experiment
):
    elsewhere = factories.CohortFactory(course=factories.CourseFactory(title="Muu"))
    factories.MembershipFactory(cohort=elsewhere, user=learner, role=Membership.Role.INSTRUCTOR)
    html = (
        client_for(learner).get(reverse("workshops:assignment", args=[assignment.pk])).content
    ).decode()
    assert 'data-testid="edit-phase-texts"' not in html


# --- budgets that do not grow with the data ------------------------------------------------


def _grow(learner, instructor, cohort, assignment, experiment, rubric, rounds):
    """`rounds` more versions sent back with feedback, files and thread messages."""
    for n in range(rounds):
        version = services.submission_submit(
            learner=learner,
            assignment=assignment,
            cohort=cohort,
            experiment=experiment,
            text=f"Versio {n}",
            uploads=[_pdf(f"{n}-a.pdf"), _pdf(f"{n}-b.pdf")],
        )
        SubmissionFile.objects.filter(submission=version).update(status="accepted")
        Submission.objects.filter(pk=version.pk).update(status="received")
        services.submission_review(
            submission=Submission.objects.get(pk=version.pk),
            reviewer=instructor,
            decision="revise",
            feedback=f"Tarkenna {n}.",
            levels={c.pk: c.levels.all()[n % 2].pk for c in rubric},
        )
        services.phase_comment_add(experiment=experiment, phase=1, author=learner, text=f"K{n}")


@pytest.mark.parametrize("rounds", [1, 4])
def test_the_phase_answer_page_has_a_fixed_budget(
    client_for,
    instructor,
    learner,
    cohort,
    assignment,
    experiment,
    rubric,
    rounds,
    django_assert_num_queries,
):
    _grow(learner, instructor, cohort, assignment, experiment, rubric, rounds)
    services.extension_grant(
        experiment=experiment, by=instructor, phase=1, due_on=datetime.date(2030, 1, 1)
    )
    client = client_for(learner)
    url = reverse("workshops:assignment", args=[assignment.pk])
    client.get(url)
    # The request: the session, and the learner with the navigation's roles and unread count
    # (2). The view: the assignment and the cohort (2), the experiment with the phase's
    # extension, the editor link and the learner's draft (1), the phase's versions with their
    # reviews (1), the newest version's files to keep (1), the feedback's scores, files and
    # rubric levels (3), the marking settings (1), the files added to the answer on any of
    # the learner's devices (1). (12 before the navigation came with the person's row; 19
    # before: the phase track's three queries, the versions' files, the scores read three
    # times, the learner's roles, the draft on its own.)
    with django_assert_num_queries(12):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="kept-file"' in html
    assert 'data-testid="rubric-scores"' in html
    assert f"Tarkenna {rounds - 1}." in html


@pytest.mark.parametrize("rounds", [1, 4])
def test_the_review_page_has_a_fixed_budget(
    client_for,
    instructor,
    learner,
    cohort,
    assignment,
    experiment,
    rubric,
    rounds,
    django_assert_num_queries,
):
    _grow(learner, instructor, cohort, assignment, experiment, rubric, rounds)
    waiting = services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        experiment=experiment,
        text="Viimeinen",
        uploads=[_pdf()],
    )
    ReviewFile.objects.create(
        submission=waiting, uploaded_by=instructor, original_name="luonnos.pdf", size=1
    )
    client = client_for(instructor)
    url = reverse("workshops:review", args=[waiting.pk])
    client.get(url)
    # The request: the session, and the instructor with the navigation's roles and unread
    # count (2). The view: the version with its phase, cohort, sender, experiment, shared draft
    # and marking settings, and whether each list below has anything (1), its files (1), the
    # rubric and its levels (2), the levels given to the previous version (1, as there is no
    # draft), the versions (1), the feedback files (1), the thread's messages (1). (11 before
    # the navigation came with the person's row; 19 before: the instructor's roles,
    # the experiment, the thread's two access checks, and the previous levels in three
    # queries; 13 before the draft and the marking settings came with the version.)
    with django_assert_num_queries(10):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="comment"') == rounds
    assert "luonnos.pdf" in html


def test_a_first_version_with_nothing_around_it_costs_one_query(
    client_for, instructor, submission, django_assert_num_queries
):
    """The usual waiting version (as the bench's): no files, rubric, draft, other versions,
    feedback files or messages. Each list is known to be empty from the version's query."""
    client = client_for(instructor)
    url = reverse("workshops:review", args=[submission.pk])
    client.get(url)
    # The request: the session, and the instructor with the navigation's roles and unread
    # count (2). The view: the version with all it shows and whether each list has anything
    # (1). (4 before the navigation came with the person's row; 11 before the draft, the
    # marking settings and the empty lists came with the version.)
    with django_assert_num_queries(3):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="review-form"' in html
    assert 'data-testid="thread"' in html
    assert 'data-testid="staged-uploads"' in html


def _page_read(instructor, version):
    return get_submission_for_reviewer(instructor, version.pk, extend=selectors.review_page_reads)


def _as_the_orm_reads_it(instructor, version):
    """What the review page read of `version` with the version, beside the ORM's reads."""
    got = _page_read(instructor, version)
    draft = selectors.review_page_prepare(got)
    plain = Submission.objects.get(pk=version.pk)
    orm_draft = ReviewDraft.objects.filter(submission=plain).select_related("updated_by").first()
    workshop = plain.assignment.workshop
    return [
        (
            [f.pk for f in got.files.all()],
            [f.pk for f in selectors.review_page_feedback_files(got)],
            [c.pk for c in selectors.review_page_rubric(got)],
            [c.pk for c in selectors.review_page_thread(got)],
            [v.pk for v in selectors.review_page_versions(got)],
            marking_of(got),
            draft and (draft.pk, draft.version, draft.updated_by.display_name),
        ),
        (
            list(SubmissionFile.objects.filter(submission=plain).values_list("pk", flat=True)),
            list(ReviewFile.objects.filter(submission=plain).values_list("pk", flat=True)),
            list(
                RubricCriterion.objects.filter(
                    workshop=workshop, phase=plain.assignment.phase
                ).values_list("pk", flat=True)
            ),
            list(
                PhaseComment.objects.filter(
                    experiment_id=plain.experiment_id, phase=plain.assignment.phase
                ).values_list("pk", flat=True)
            )
            if plain.experiment_id
            else [],
            [v.pk for v in selectors.versions(submission=plain)],
            marking_for(workshop=workshop, cohort_id=plain.cohort_id),
            orm_draft and (orm_draft.pk, orm_draft.version, orm_draft.updated_by.display_name),
        ),
    ]


def test_what_comes_with_the_version_is_what_the_orm_reads(
    learner, teammate, instructor, other_instructor, cohort, assignment, experiment, phases
):
    first = services.submission_submit(
        learner=learner, assignment=assignment, cohort=cohort, experiment=experiment, text="A"
    )
    got, expected = _as_the_orm_reads_it(instructor, first)
    assert got == expected
    assert got[0:5] == ([], [], [], [], [first.pk])  # nothing around it yet
    # Around it, but not its own: another phase's rubric, messages and versions, another
    # experiment's version of the phase, another cohort's marking settings.
    other_phase = phases[2]
    RubricCriterion.objects.create(workshop=assignment.workshop, phase=2, title="Muu")
    services.phase_comment_add(experiment=experiment, phase=2, author=learner, text="Muu")
    factories.SubmissionFactory(
        learner=learner, cohort=cohort, assignment=other_phase, experiment=experiment
    )
    factories.SubmissionFactory(learner=teammate, cohort=cohort, assignment=assignment)
    CohortMarkingSettings.objects.create(
        cohort=factories.CohortFactory(course=cohort.course),
        workshop=assignment.workshop,
        blind_review=True,
    )
    got, expected = _as_the_orm_reads_it(instructor, first)
    assert got == expected
    assert got[0:5] == ([], [], [], [], [first.pk])
    read = _page_read(instructor, first)
    flags = ("files", "feedback_files", "rubric", "messages", "team_versions", "own_versions")
    assert [getattr(read, f"any_{flag}") for flag in flags] == [False] * 6
    assert read.own_blind_review is None
    # Its own: files, feedback files, a rubric, messages, a teammate's next version, the
    # cohort's own settings (all off, over defaults that are on) and a draft.
    SubmissionFile.objects.create(submission=first, original_name="a.pdf", size=1)
    ReviewFile.objects.create(
        submission=first, uploaded_by=instructor, original_name="b.pdf", size=1
    )
    RubricCriterion.objects.create(workshop=assignment.workshop, phase=1, title="Rajaus")
    services.phase_comment_add(experiment=experiment, phase=1, author=learner, text="Hei")
    factories.SubmissionFactory(
        learner=teammate, cohort=cohort, assignment=assignment, experiment=experiment, version=2
    )
    Workshop.objects.filter(pk=assignment.workshop_id).update(
        blind_review=True, marking_workflow=True, second_check=True
    )
    CohortMarkingSettings.objects.create(cohort=cohort, workshop=assignment.workshop)
    ReviewDraft.objects.create(submission=first, updated_by=instructor, strengths="Hyvä")
    got, expected = _as_the_orm_reads_it(instructor, first)
    assert got == expected
    assert all(got[0:5])
    assert got[6] == (ReviewDraft.objects.get().pk, 1, instructor.display_name)
    assert got[5].own
    assert not got[5].blind_review
    # The course-wide defaults where the cohort has no row of its own.
    CohortMarkingSettings.objects.filter(cohort=cohort).delete()
    got, expected = _as_the_orm_reads_it(instructor, first)
    assert got == expected
    assert got[5].blind_review
    assert not got[5].own


def test_a_version_without_an_experiment_counts_the_learners_own_versions(
    learner, other_learner, instructor, cohort, assignment
):
    mine = factories.SubmissionFactory(learner=learner, cohort=cohort, assignment=assignment)
    factories.SubmissionFactory(learner=other_learner, cohort=cohort, assignment=assignment)
    got, expected = _as_the_orm_reads_it(instructor, mine)
    assert got == expected
    assert got[4] == [mine.pk]
    later = factories.SubmissionFactory(
        learner=learner, cohort=cohort, assignment=assignment, version=2
    )
    got, expected = _as_the_orm_reads_it(instructor, mine)
    assert got == expected
    assert got[4] == [later.pk, mine.pk]


def test_what_comes_with_the_version_may_not_change_who_is_admitted(instructor, submission):
    with pytest.raises(AssertionError, match="may not filter"):
        get_submission_for_reviewer(instructor, submission.pk, extend=_extension_that_filters)


def _extension_that_filters(qs):
    return qs.filter(version=1)


@pytest.mark.parametrize("language", ["fi", "en"])
def test_the_kept_upload_box_is_the_field_as_the_template_writes_it(
    client_for, instructor, submission, language, settings
):
    """The feedback files' box, rendered once per language and size limit, is what the
    template wrote for a fresh form; a new language or limit shows at once."""
    expected = Template(
        '{% include "workshops/includes/_plain_field.html" with field=form.attachments %}'
    )
    instructor.language = language
    instructor.save()
    page = client_for(instructor).get(reverse("workshops:review", args=[submission.pk]))
    with translation.override(language):
        form = FeedbackFilesForm(owner_id=instructor.pk)
        box = _feedback_upload_box(instructor.pk)
        assert box == expected.render(Context({"form": form}))
        assert box in page.content.decode()
        settings.SUBMISSION_MAX_FILE_MB = 3
        smaller = _feedback_upload_box(instructor.pk)
    assert 'data-max-bytes="3145728"' in smaller
    assert 'data-max-bytes="3145728"' not in box
    word = "Attach a file to your feedback" if language == "en" else "Liitä palautteeseesi"
    assert word in box


# --- the text boxes are written as Django's templates write them ----------------------------


@pytest.mark.parametrize(
    "value", [None, "", "Teksti", "<b>\"lainaus\" & 'heittomerkki'</b>", mark_safe("<i>ok</i>"), 7]
)
@pytest.mark.parametrize(
    "attrs",
    [
        None,
        {"rows": 3},
        {
            "class": "textarea form-control is-invalid",
            "aria-invalid": "true",
            "aria-describedby": "id_x_helptext",
            "required": True,
            "disabled": False,
            "maxlength": 20000,
            "data-draft-url": "/a/?b=1&c=<2>",
            "placeholder": _lazy("Your answer"),
            "id": "id_feedback",
        },
    ],
)
def test_the_plain_widgets_write_what_djangos_templates_write(value, attrs):
    pairs = [
        (forms.Textarea(attrs={"rows": 4, "cols": 9}), PlainTextarea(attrs={"rows": 4, "cols": 9})),
        (forms.HiddenInput(), PlainHiddenInput()),
        (forms.HiddenInput(attrs={"data-x": "1"}), PlainHiddenInput(attrs={"data-x": "1"})),
    ]
    for django_widget, plain in pairs:
        expected = django_widget.render("feedback", value, attrs=attrs)
        assert plain.render("feedback", value, attrs=attrs) == expected


def test_the_review_forms_fields_are_written_as_before(instructor, submission):
    data = {"feedback": "<tarkenna>", "decision": "revise", "draft_version": "3"}
    for form in (ReviewForm(data), ReviewForm(initial={"strengths": "Hyvä & selkeä"})):
        for name in ("strengths", "questions", "suggestions", "feedback", "draft_version"):
            field = form[name]
            django_widget = forms.HiddenInput() if name == "draft_version" else forms.Textarea()
            django_widget.attrs = dict(field.field.widget.attrs)
            plain = field.field.widget
            field.field.widget = django_widget
            expected = field.as_widget()
            field.field.widget = plain
            assert field.as_widget() == expected
