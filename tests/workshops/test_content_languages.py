"""Workshop texts per language (workshops/translation.py): a Swedish-speaking learner reads a
phase and its rubric in Swedish where they are written and in Finnish, with a note, where they
are not; the course's staff write the languages side by side on the phase text editor."""

import pytest
from django.urls import reverse
from django.utils import translation

from courses.languages import fallback_note
from learners.models import Membership
from tests import factories
from tests.test_accessibility import axe, axe_problems, demo, open_context, visit  # noqa: F401
from workshops import services
from workshops.models import Assignment, RubricCriterion, RubricLevel

pytestmark = pytest.mark.django_db

NOTE = 'data-testid="content-language-note"'


def note(language):
    with translation.override(language):
        return fallback_note()


def _speaks(user, language):
    user.language = language
    user.save(update_fields=["language"])
    return user


@pytest.fixture
def swedish_learner(learner):
    return _speaks(learner, "sv")


@pytest.fixture
def swedish_phase(assignment):
    """Phase 1 with its Swedish title and instructions (its rubric, if any, stays Finnish)."""
    assignment.title_sv = "Beskriv din utvecklingsutmaning"
    assignment.instructions_sv = "<p>Beskriv utmaningen, inte lösningen.</p>"
    assignment.save()
    return assignment


def _editor(assignment):
    return reverse("workshops:phase_texts", args=[assignment.pk])


def _as_posted(response):
    """The editor page's forms as the browser would post them back unchanged."""
    data = {}
    forms = [response.context["phase_form"]]
    for criterion_form, level_forms in response.context["rubric"]:
        forms += [criterion_form, *level_forms]
    for form in forms:
        for name in form.fields:
            data[form.add_prefix(name)] = getattr(form.instance, name) or ""
    return data


# --- the learner's side ---------------------------------------------------------------------


def test_a_swedish_learner_reads_phase_1_in_swedish_without_a_note(
    client_for, swedish_learner, swedish_phase, experiment
):
    html = (
        client_for(swedish_learner)
        .get(reverse("workshops:assignment", args=[swedish_phase.pk]))
        .content.decode()
    )
    assert "Beskriv din utvecklingsutmaning" in html
    assert "Beskriv utmaningen, inte lösningen." in html
    assert swedish_phase.title_fi not in html
    assert NOTE not in html
    # A learner is offered no editor.
    assert 'data-testid="edit-phase-texts"' not in html


def test_a_phase_without_swedish_falls_back_to_finnish_with_the_note(
    client_for, swedish_learner, assignment, experiment
):
    html = (
        client_for(swedish_learner)
        .get(reverse("workshops:assignment", args=[assignment.pk]))
        .content.decode()
    )
    assert "Kuvaa kehittämishaasteesi" in html
    assert "Kuvaa kehittämishaasteesi.</p>" in html  # the Finnish instructions
    assert NOTE in html
    assert note("sv") in html


def test_before_the_experiment_starts_the_phase_instructions_note_their_fallback(
    client_for, swedish_learner, assignment
):
    html = (
        client_for(swedish_learner)
        .get(reverse("workshops:assignment", args=[assignment.pk]))
        .content.decode()
    )
    assert "Kuvaa kehittämishaasteesi.</p>" in html
    assert note("sv") in html


def test_a_finnish_learner_sees_finnish_and_no_note(client_for, learner, swedish_phase, experiment):
    html = (
        client_for(learner)
        .get(reverse("workshops:assignment", args=[swedish_phase.pk]))
        .content.decode()
    )
    assert "Kuvaa kehittämishaasteesi" in html
    assert "Beskriv din utvecklingsutmaning" not in html
    assert NOTE not in html


def test_the_submission_shows_the_phase_title_in_the_learners_language(
    client_for, swedish_learner, swedish_phase, submission
):
    html = (
        client_for(swedish_learner)
        .get(reverse("workshops:submission_detail", args=[submission.pk]))
        .content.decode()
    )
    assert "Beskriv din utvecklingsutmaning" in html
    assert NOTE not in html
    assert 'data-testid="edit-phase-texts"' not in html


def test_a_swedish_instructor_reviews_with_the_swedish_rubric_and_a_note_where_it_falls_back(
    client_for, instructor, swedish_phase, rubric, submission
):
    _speaks(instructor, "sv")
    first = rubric[0]
    first.title_sv = "Avgränsning av utmaningen"
    first.save()
    html = (
        client_for(instructor)
        .get(reverse("workshops:review", args=[submission.pk]))
        .content.decode()
    )
    assert "Beskriv din utvecklingsutmaning" in html
    assert "Avgränsning av utmaningen" in html
    # The other criteria and the levels have no Swedish yet: Finnish, with the note.
    assert rubric[1].title_fi in html
    assert NOTE in html
    assert note("sv") in html
    assert 'data-testid="edit-phase-texts"' in html


def _reviewed_with_the_rubric(submission, instructor, rubric):
    """A review in Finnish (the reviewer's language) that picks the lowest level everywhere."""
    with translation.override("fi"):
        services.submission_review(
            submission=submission,
            reviewer=instructor,
            decision="revise",
            feedback="Tarkenna.",
            levels={c.pk: c.levels.all()[0].pk for c in rubric},
        )


def test_the_learner_reads_the_rubric_scores_in_their_language_while_the_wording_holds(
    client_for, swedish_learner, instructor, assignment, rubric, submission
):
    criterion = rubric[0]
    criterion.title_sv = "Avgränsning av utmaningen"
    criterion.save()
    level = criterion.levels.all()[0]
    level.label_sv = "I början"
    level.save()
    _reviewed_with_the_rubric(submission, instructor, rubric)
    url = reverse("workshops:submission_detail", args=[submission.pk])
    html = client_for(swedish_learner).get(url).content.decode()
    table = html[html.index('data-testid="rubric-scores"') :].split("</table>")[0]
    assert "Avgränsning av utmaningen" in table
    assert "I början" in table
    assert rubric[1].title_fi in table  # no Swedish: the Finnish one
    # Reworded since the review: the wording the reviewer saw stays.
    RubricCriterion.objects.filter(pk=criterion.pk).update(title_fi="Uusi nimi", title_sv="Nytt")
    html = client_for(swedish_learner).get(url).content.decode()
    table = html[html.index('data-testid="rubric-scores"') :].split("</table>")[0]
    assert "Haasteen rajaus" in table
    assert "Nytt" not in table


# --- the editor ------------------------------------------------------------------------------


def test_the_editor_shows_the_three_languages_side_by_side_and_what_is_missing(
    client_for, instructor, swedish_phase, rubric
):
    response = client_for(instructor).get(_editor(swedish_phase))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("title", "instructions"):
        for language in ("fi", "sv", "en"):
            assert f'name="phase-{name}_{language}"' in html
    level = rubric[0].levels.all()[0]
    assert f'name="criterion-{rubric[0].pk}-title_sv"' in html
    assert f'name="level-{level.pk}-descriptor_en"' in html
    phase_part = html[html.index('data-testid="phase-texts"') :].split("</legend>")[0]
    # Phase 1 has Swedish but no English.
    assert 'data-testid="missing-language" data-language="en"' in phase_part
    assert 'data-language="sv"' not in phase_part
    criterion_part = html[html.index('data-testid="criterion-texts"') :].split("</legend>")[0]
    assert 'data-testid="missing-language" data-language="sv"' in criterion_part


def test_the_editor_saves_all_three_languages_and_sanitises_each(
    client_for, instructor, assignment, rubric
):
    client = client_for(instructor)
    data = _as_posted(client.get(_editor(assignment)))
    criterion = rubric[0]
    level = criterion.levels.all()[0]
    data.update(
        {
            "phase-title_sv": "Beskriv din utmaning",
            "phase-title_en": "Describe your challenge",
            "phase-instructions_sv": '<p>På svenska</p><script>alert("x")</script>',
            "phase-instructions_en": "<p>In English</p><img src=x onerror=alert(1)>",
            f"criterion-{criterion.pk}-title_sv": "Avgränsning",
            f"criterion-{criterion.pk}-title_en": "Scope",
            f"criterion-{criterion.pk}-description_sv": "Är utmaningen avgränsad?",
            f"level-{level.pk}-label_sv": "I början",
            f"level-{level.pk}-label_en": "Beginning",
            f"level-{level.pk}-descriptor_sv": "Utmaningen är vag.",
        }
    )
    response = client.post(_editor(assignment), data)
    assert response.status_code == 302, response.context and [
        f.errors for f in [response.context["phase_form"]]
    ]
    assignment = Assignment.objects.get(pk=assignment.pk)
    assert (assignment.title_fi, assignment.title_sv, assignment.title_en) == (
        "Kuvaa kehittämishaasteesi",
        "Beskriv din utmaning",
        "Describe your challenge",
    )
    assert assignment.instructions_sv == "<p>På svenska</p>"
    assert "script" not in assignment.instructions_sv
    assert "onerror" not in assignment.instructions_en
    criterion = RubricCriterion.objects.get(pk=criterion.pk)
    assert (criterion.title_sv, criterion.title_en) == ("Avgränsning", "Scope")
    assert criterion.description_sv == "Är utmaningen avgränsad?"
    level = RubricLevel.objects.get(pk=level.pk)
    assert (level.label_sv, level.label_en, level.descriptor_sv) == (
        "I början",
        "Beginning",
        "Utmaningen är vag.",
    )
    # The marker now: the phase lacks nothing, the criterion its English description.
    html = client.get(_editor(assignment)).content.decode()
    phase_part = html[html.index('data-testid="phase-texts"') :].split("</legend>")[0]
    assert 'data-testid="missing-language"' not in phase_part
    criterion_part = html[html.index('data-testid="criterion-texts"') :].split("</legend>")[0]
    assert 'data-language="en"' in criterion_part
    assert 'data-language="sv"' not in criterion_part


def test_a_swedish_speaking_editor_leaves_the_finnish_texts_in_the_original_columns(
    client_for, instructor, assignment, rubric
):
    _speaks(instructor, "sv")
    client = client_for(instructor)
    data = _as_posted(client.get(_editor(assignment)))
    data["phase-title_sv"] = "Beskriv din utmaning"
    assert client.post(_editor(assignment), data).status_code == 302
    # rewrite(False): the original column itself, not the active language's.
    row = Assignment.objects.rewrite(False).filter(pk=assignment.pk).values("title", "title_sv")
    row = row.get()
    assert row == {"title": "Kuvaa kehittämishaasteesi", "title_sv": "Beskriv din utmaning"}


def test_the_editor_refuses_a_phase_without_its_finnish_title_and_saves_nothing(
    client_for, instructor, assignment, rubric
):
    client = client_for(instructor)
    data = _as_posted(client.get(_editor(assignment)))
    data["phase-title_fi"] = ""
    data["phase-title_sv"] = "Bara svenska"
    response = client.post(_editor(assignment), data)
    assert response.status_code == 400
    assert response.context["phase_form"].errors["title_fi"]
    assert not Assignment.objects.get(pk=assignment.pk).title_sv


def test_the_editor_refuses_two_criteria_with_the_same_swedish_title(
    client_for, instructor, assignment, rubric
):
    client = client_for(instructor)
    data = _as_posted(client.get(_editor(assignment)))
    data[f"criterion-{rubric[0].pk}-title_sv"] = "Samma"
    data[f"criterion-{rubric[1].pk}-title_sv"] = "Samma"
    response = client.post(_editor(assignment), data)
    assert response.status_code == 400
    assert not RubricCriterion.objects.filter(title_sv="Samma").exists()


@pytest.mark.parametrize("who", ["coordinator", "other_instructor", "author", "superuser"])
def test_the_courses_staff_and_authors_may_edit_the_phase_texts(
    client_for, request, assignment, course, who
):
    if who == "author":
        user = factories.UserFactory(email="kirjoittaja@example.fi")
        course.authors.add(user)
    else:
        user = request.getfixturevalue(who)
    assert client_for(user).get(_editor(assignment)).status_code == 200


def test_learners_and_outsiders_may_not_open_the_editor(
    client, client_for, learner, outsider_learner, assignment, rubric
):
    assert client.get(_editor(assignment)).status_code == 302  # to sign in
    assert client_for(learner).get(_editor(assignment)).status_code == 404
    assert client_for(outsider_learner).get(_editor(assignment)).status_code == 404
    # An instructor of another course's cohort.
    other = factories.CohortFactory(course=factories.CourseFactory(title="Muu"), name="Muu")
    stranger = factories.UserFactory(email="vieras@example.fi")
    factories.MembershipFactory(cohort=other, user=stranger, role=Membership.Role.INSTRUCTOR)
    response = client_for(stranger).post(_editor(assignment), {"phase-title_fi": "Hakkeroitu"})
    assert response.status_code == 404
    assert Assignment.objects.get(pk=assignment.pk).title_fi == "Kuvaa kehittämishaasteesi"


def test_the_submission_page_links_the_editor_for_staff(client_for, instructor, submission):
    html = (
        client_for(instructor)
        .get(reverse("workshops:submission_detail", args=[submission.pk]))
        .content.decode()
    )
    assert _editor(submission.assignment) in html


@pytest.mark.parametrize("criteria", [1, 6])
def test_the_editor_page_costs_the_same_queries_whatever_the_rubric_size(
    client_for, instructor, assignment, criteria, django_assert_num_queries
):
    for position in range(criteria):
        criterion = factories_criterion(assignment, position)
        for points in (1, 2, 3):
            RubricLevel.objects.create(criterion=criterion, points=points, label=f"Taso {points}")
    client = client_for(instructor)
    client.get(_editor(assignment))  # the session's first-request work
    # The session, the person with the navigation's roles and unread badge (2); the phase
    # (1); its criteria (1); their levels (1): the same with 1 and with 6 criteria. (6 allowed
    # before.)
    with django_assert_num_queries(5):
        response = client.get(_editor(assignment))
    assert response.status_code == 200
    assert len(response.context["rubric"]) == criteria


def factories_criterion(assignment, position):
    return RubricCriterion.objects.create(
        workshop=assignment.workshop,
        phase=assignment.phase,
        position=position,
        title=f"Kriteeri {position}",
    )


def test_rows_built_with_plain_names_are_finnish_whatever_the_active_language(assignment):
    with translation.override("sv"):
        criterion = RubricCriterion.objects.create(
            workshop=assignment.workshop, phase=1, title="Kriteeri"
        )
    assert (criterion.title_fi, criterion.title_sv) == ("Kriteeri", None)


# --- the demo --------------------------------------------------------------------------------


def test_the_demo_has_phase_1_and_its_rubric_in_swedish(demo_data):
    from demo.content import sv_workshops

    first = Assignment.objects.get(phase=1, title_fi="Kuvaa kehittämishaasteesi")
    assert first.title_sv == sv_workshops.PHASES[1][0]
    assert "<script" not in first.instructions_sv
    criteria = RubricCriterion.objects.filter(workshop=first.workshop, phase=1)
    assert criteria.exists()
    assert all(c.title_sv and c.description_sv for c in criteria)
    assert not RubricLevel.objects.filter(criterion__in=criteria, label_sv__isnull=True).exists()
    second = Assignment.objects.get(workshop=first.workshop, phase=2)
    assert not second.title_sv  # shown in Finnish, with the note


# --- accessibility ---------------------------------------------------------------------------


@pytest.mark.browser
def test_the_phase_text_editor_passes_axe(
    demo,  # noqa: F811
    live_server,
    axe,  # noqa: F811
):
    from demo.accounts import DEMO_DOMAIN

    demo()
    first = Assignment.objects.get(phase=1, title_fi="Kuvaa kehittämishaasteesi")
    path = _editor(first)
    context, page = open_context(axe, live_server.url, f"ohjaaja@{DEMO_DOMAIN}")
    try:
        failure = visit(page, f"{live_server.url}{path}")
        assert failure is None, f"{path}: {failure}"
        assert page.locator('[data-testid="criterion-texts"]').count() == 3
        problems = axe_problems(page)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
