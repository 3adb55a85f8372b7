"""The rubric editor of a phase (workshops/views_rubric.py, workshops/services_rubric.py): an
instructor builds a rubric from nothing, edits and reorders it, and reviews with it; a
criterion used in reviews keeps its levels and points; bad input is a 400 that saves nothing;
only the phase text editor's people reach it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from learners.models import Membership
from tests import factories
from tests.conftest import skip_or_fail
from tests.refusals import assert_refused
from workshops import selectors, services
from workshops import services_rubric as rubric_services
from workshops.models import Review, ReviewScore, RubricCriterion, RubricLevel

pytestmark = pytest.mark.django_db


# --- helpers ---------------------------------------------------------------------------------


def editor(assignment) -> str:
    return reverse("workshops:rubric_edit", args=[assignment.pk])


def save_url(assignment, criterion) -> str:
    return reverse("workshops:rubric_criterion_save", args=[assignment.pk, criterion.pk])


def move_url(assignment, criterion) -> str:
    return reverse("workshops:rubric_criterion_move", args=[assignment.pk, criterion.pk])


def delete_url(assignment, criterion) -> str:
    return reverse("workshops:rubric_criterion_delete", args=[assignment.pk, criterion.pk])


def new_criterion(title: str, levels, *, description: str = "", **texts) -> dict:
    """The add form as posted: the criterion's texts and a row per (points, label) level."""
    data = {"new-title_fi": title, "new-description_fi": description, **texts}
    for n, (points, label) in enumerate(levels):
        data[f"new-new{n}-points"] = str(points)
        data[f"new-new{n}-label_fi"] = label
    return data


def criterion_as_posted(criterion: RubricCriterion) -> dict:
    """A criterion's form posted back unchanged, as its block on the page would send it."""
    criterion = RubricCriterion.objects.prefetch_related("levels").get(pk=criterion.pk)
    prefix = f"c{criterion.pk}"
    data = {"levels_seen": rubric_services.criterion_levels_seen(criterion)}
    for name in ("title", "description"):
        for language in ("fi", "sv", "en"):
            data[f"{prefix}-{name}_{language}"] = getattr(criterion, f"{name}_{language}") or ""
    for level in criterion.levels.all():
        data[f"{prefix}-l{level.pk}-points"] = str(level.points)
        for name in ("label", "descriptor"):
            for language in ("fi", "sv", "en"):
                value = getattr(level, f"{name}_{language}") or ""
                data[f"{prefix}-l{level.pk}-{name}_{language}"] = value
    return data


def order_of(assignment) -> list[str]:
    return list(
        RubricCriterion.objects.filter(workshop=assignment.workshop, phase=assignment.phase)
        .order_by("position", "pk")
        .values_list("title_fi", flat=True)
    )


def structure(assignment) -> list[tuple]:
    """The rubric's criteria (pk, position, title) and levels (pk, points, label) as stored."""
    return [
        (
            c.pk,
            c.position,
            c.title_fi,
            [(lv.pk, lv.points, lv.label_fi) for lv in c.levels.order_by("points")],
        )
        for c in RubricCriterion.objects.filter(
            workshop=assignment.workshop, phase=assignment.phase
        ).order_by("position", "pk")
    ]


def give_review(submission, reviewer, criteria, points=2) -> Review:
    return services.submission_review(
        submission=submission,
        reviewer=reviewer,
        decision=Review.Decision.APPROVE,
        feedback="",
        levels={
            c.pk: next(lv.pk for lv in c.levels.all() if lv.points == points) for c in criteria
        },
    )


@pytest.fixture
def stranger(db):
    """An instructor of another course's cohort."""
    other = factories.CohortFactory(course=factories.CourseFactory(title="Muu"), name="Muu")
    user = factories.UserFactory(email="vieras@example.fi")
    factories.MembershipFactory(cohort=other, user=user, role=Membership.Role.INSTRUCTOR)
    return user


@pytest.fixture
def used_rubric(rubric, submission, instructor):
    """The demo rubric of phase 1, with a review given using every criterion."""
    give_review(submission, instructor, rubric)
    return [RubricCriterion.objects.prefetch_related("levels").get(pk=c.pk) for c in rubric]


# --- building, editing, reordering, reviewing ------------------------------------------------


def test_an_instructor_builds_a_rubric_from_nothing_edits_reorders_and_reviews_with_it(
    client_for, instructor, assignment, submission
):
    client = client_for(instructor)
    page = client.get(editor(assignment))
    assert page.status_code == 200
    assert 'data-testid="no-rubric"' in page.content.decode()

    # Two criteria, the first with Swedish texts too.
    response = client.post(
        editor(assignment),
        new_criterion(
            "Haasteen rajaus",
            [(1, "Alussa"), (2, "Kehittyvä"), (3, "Vahva")],
            description="Onko haaste rajattu?",
            **{"new-title_sv": "Avgränsning", "new-new0-label_sv": "I början"},
        ),
    )
    assert response.status_code == 302
    response = client.post(
        editor(assignment), new_criterion("Kohderyhmä", [(0, "Puuttuu"), (2, "Kuvattu")])
    )
    assert response.status_code == 302
    first, second = RubricCriterion.objects.order_by("position")
    assert (first.position, second.position) == (0, 1)
    assert (first.title, first.title_fi, first.title_sv, first.title_en) == (
        "Haasteen rajaus",
        "Haasteen rajaus",
        "Avgränsning",
        None,
    )
    assert first.description_fi == "Onko haaste rajattu?"
    assert [(lv.points, lv.label_fi, lv.label_sv) for lv in first.levels.all()] == [
        (1, "Alussa", "I början"),
        (2, "Kehittyvä", None),
        (3, "Vahva", None),
    ]

    # Edit the second: new points (the two levels swap), a third level, new wording.
    data = criterion_as_posted(second)
    missing, described = second.levels.order_by("points")
    prefix = f"c{second.pk}"
    data[f"{prefix}-l{missing.pk}-points"] = "2"
    data[f"{prefix}-l{described.pk}-points"] = "0"
    data[f"{prefix}-new0-points"] = "4"
    data[f"{prefix}-new0-label_fi"] = "Perusteltu"
    data[f"{prefix}-title_fi"] = "Kohderyhmän kuvaus"
    response = client.post(save_url(assignment, second), data)
    assert response.status_code == 302, response.content.decode()
    second.refresh_from_db()
    assert second.title_fi == second.title == "Kohderyhmän kuvaus"
    assert [(lv.points, lv.label_fi) for lv in second.levels.all()] == [
        (0, "Kuvattu"),
        (2, "Puuttuu"),
        (4, "Perusteltu"),
    ]

    # Remove a level of the first criterion.
    data = criterion_as_posted(first)
    strong = first.levels.get(points=3)
    data[f"c{first.pk}-l{strong.pk}-remove"] = "on"
    assert client.post(save_url(assignment, first), data).status_code == 302
    assert list(first.levels.values_list("points", flat=True)) == [1, 2]

    # Move the second criterion up.
    page = client.get(editor(assignment))
    order = page.context["order"]
    response = client.post(move_url(assignment, second), {"direction": "up", "order": order})
    assert response.status_code == 302
    assert order_of(assignment) == ["Kohderyhmän kuvaus", "Haasteen rajaus"]

    # The review page shows the criteria in that order and scores with them.
    review_page = client.get(reverse("workshops:review", args=[submission.pk]))
    html = review_page.content.decode()
    assert html.index("Kohderyhmän kuvaus") < html.index("Haasteen rajaus")
    assert "Perusteltu" in html
    chosen = {
        f"criterion_{second.pk}": str(second.levels.get(points=4).pk),
        f"criterion_{first.pk}": str(first.levels.get(points=1).pk),
    }
    response = client.post(
        reverse("workshops:review", args=[submission.pk]),
        {**chosen, "decision": "approve", "draft_version": "0"},
    )
    assert response.status_code == 302
    review = Review.objects.get(submission=submission)
    scores = list(review.scores.all())
    assert [(s.criterion_title, s.points) for s in scores] == [
        ("Kohderyhmän kuvaus", 4),
        ("Haasteen rajaus", 1),
    ]
    assert selectors.review_points(review=review) == (5, 6)

    # Now both are marked as used in reviews.
    page = client.get(editor(assignment)).content.decode()
    assert page.count('data-testid="criterion-in-use"') == 2


def test_the_phase_text_page_links_the_rubric_editor(client_for, instructor, assignment):
    html = (
        client_for(instructor)
        .get(reverse("workshops:phase_texts", args=[assignment.pk]))
        .content.decode()
    )
    assert 'data-testid="edit-rubric"' in html
    assert editor(assignment) in html


def test_moving_the_first_up_or_the_last_down_keeps_the_order(
    client_for, instructor, assignment, rubric
):
    client = client_for(instructor)
    before = order_of(assignment)
    order = client.get(editor(assignment)).context["order"]
    client.post(move_url(assignment, rubric[0]), {"direction": "up", "order": order})
    client.post(move_url(assignment, rubric[-1]), {"direction": "down", "order": order})
    assert order_of(assignment) == before
    positions = list(
        RubricCriterion.objects.filter(workshop=assignment.workshop, phase=1)
        .order_by("position")
        .values_list("position", flat=True)
    )
    assert positions == list(range(len(rubric)))


def test_removing_an_unused_criterion_renumbers_the_rest(
    client_for, instructor, assignment, rubric
):
    client = client_for(instructor)
    response = client.post(delete_url(assignment, rubric[1]))
    assert response.status_code == 302
    assert not RubricCriterion.objects.filter(pk=rubric[1].pk).exists()
    assert not RubricLevel.objects.filter(criterion_id=rubric[1].pk).exists()
    positions = list(
        RubricCriterion.objects.filter(workshop=assignment.workshop, phase=1)
        .order_by("position")
        .values_list("position", flat=True)
    )
    assert positions == list(range(len(rubric) - 1))


# --- a rubric used in reviews ----------------------------------------------------------------


def test_a_used_levels_points_are_not_changed_and_the_editor_says_why(
    client_for, instructor, assignment, used_rubric
):
    criterion = used_rubric[0]
    before = structure(assignment)
    data = criterion_as_posted(criterion)
    level = criterion.levels.get(points=3)
    data[f"c{criterion.pk}-l{level.pk}-points"] = "5"
    response = client_for(instructor).post(save_url(assignment, criterion), data)
    html = assert_refused(response, 409, rubric_services.RubricLocked(criterion).message)
    assert "Haasteen rajaus" in html
    assert structure(assignment) == before
    # The page shows the levels as they are stored, the refused points in the field only.
    block = response.context["blocks"][0]
    assert [lv.points for lv, _form in block.level_rows()] == [1, 2, 3]
    assert block.level_rows()[2][1]["points"].value() == "5"


@pytest.mark.parametrize("change", ["remove a level", "add a level"])
def test_a_used_criterion_keeps_its_levels(client_for, instructor, assignment, used_rubric, change):
    criterion = used_rubric[0]
    before = structure(assignment)
    data = criterion_as_posted(criterion)
    if change == "remove a level":
        data[f"c{criterion.pk}-l{criterion.levels.get(points=1).pk}-remove"] = "on"
    else:
        data[f"c{criterion.pk}-new0-points"] = "4"
        data[f"c{criterion.pk}-new0-label_fi"] = "Erinomainen"
    response = client_for(instructor).post(save_url(assignment, criterion), data)
    assert_refused(response, 409, rubric_services.RubricLocked(criterion).message)
    assert structure(assignment) == before


def test_a_used_criterion_is_not_removed(client_for, instructor, assignment, used_rubric):
    criterion = used_rubric[0]
    before = structure(assignment)
    response = client_for(instructor).post(delete_url(assignment, criterion))
    assert_refused(response, 409, rubric_services.RubricLocked(criterion, removing=True).message)
    assert structure(assignment) == before


def test_a_criterion_picked_in_a_review_being_written_is_in_use_too(
    client_for, instructor, assignment, rubric, submission
):
    criterion = rubric[0]
    services.review_draft_save(
        submission=submission,
        by=instructor,
        base_version=0,
        fields={},
        levels={criterion.pk: criterion.levels.all()[0].pk},
    )
    response = client_for(instructor).post(delete_url(assignment, criterion))
    assert response.status_code == 409
    assert RubricCriterion.objects.filter(pk=criterion.pk).exists()


def test_a_used_criterions_wording_may_still_change(
    client_for, instructor, assignment, used_rubric, submission, learner
):
    criterion = used_rubric[0]
    data = criterion_as_posted(criterion)
    level = criterion.levels.get(points=2)
    data[f"c{criterion.pk}-title_sv"] = "Avgränsning av utmaningen"
    data[f"c{criterion.pk}-l{level.pk}-label_en"] = "Developing"
    response = client_for(instructor).post(save_url(assignment, criterion), data)
    assert response.status_code == 302
    criterion.refresh_from_db()
    level.refresh_from_db()
    assert criterion.title_sv == "Avgränsning av utmaningen"
    assert (level.points, level.label_en) == (2, "Developing")
    # The given review still shows the criterion (its Finnish title did not change).
    page = client_for(learner).get(reverse("workshops:submission_detail", args=[submission.pk]))
    assert "Haasteen rajaus" in page.content.decode()


def test_a_criterion_added_after_reviews_leaves_their_points_and_maximum_as_they_were(
    client_for, instructor, learner, assignment, used_rubric, submission
):
    review = Review.objects.get(submission=submission)
    before = selectors.review_points(review=review)
    page_url = reverse("workshops:submission_detail", args=[submission.pk])
    total_before = _total(client_for(learner).get(page_url).content.decode())

    response = client_for(instructor).post(
        editor(assignment), new_criterion("Uusi kriteeri", [(0, "Ei"), (10, "Kyllä")])
    )
    assert response.status_code == 302
    assert RubricCriterion.objects.get(title_fi="Uusi kriteeri").position == len(used_rubric)
    review = Review.objects.get(pk=review.pk)
    assert selectors.review_points(review=review) == before
    assert ReviewScore.objects.filter(review=review).count() == len(used_rubric)
    assert _total(client_for(learner).get(page_url).content.decode()) == total_before


def _total(html: str) -> str:
    start = html.index('data-testid="rubric-total">') + len('data-testid="rubric-total">')
    return html[start : html.index("<", start)]


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            new_criterion("Kriteeri", [(-1, "Huono")]),
            "Give the points as a whole number from 0 to %(max)s.",
        ),
        (
            new_criterion("Kriteeri", [("1,5", "Puolikas")]),
            "Give the points as a whole number from 0 to %(max)s.",
        ),
        (
            new_criterion("Kriteeri", [(101, "Liikaa")]),
            "Give the points as a whole number from 0 to %(max)s.",
        ),
        (new_criterion("Kriteeri", []), "A criterion needs at least one level."),
        (
            new_criterion("Kriteeri", [(2, "Yksi"), (2, "Toinen")]),
            "Two levels of a criterion cannot have the same points (%(points)s).",
        ),
        (new_criterion("", [(1, "Taso")]), "This field is required."),
        (
            new_criterion("Haasteen rajaus", [(1, "Taso")]),
            "Two criteria of the same phase cannot have the same title.",
        ),
    ],
    ids=["negative", "not whole", "too many", "no level", "same points", "no title", "same title"],
)
def test_a_bad_new_criterion_is_a_400_with_the_reason_and_saves_nothing(
    client_for, instructor, assignment, rubric, data, message
):
    before = structure(assignment)
    response = client_for(instructor).post(editor(assignment), data)
    with translation.override("fi"):
        expected = translation.gettext(message) % {"max": 100, "points": 2}
    assert_refused(response, 400, expected)
    assert structure(assignment) == before


@pytest.mark.parametrize("change", ["bad points", "same points", "last level removed"])
def test_a_bad_criterion_edit_is_a_400_and_saves_nothing(
    client_for, instructor, assignment, rubric, change
):
    criterion = rubric[0]
    before = structure(assignment)
    data = criterion_as_posted(criterion)
    levels = list(criterion.levels.order_by("points"))
    if change == "bad points":
        data[f"c{criterion.pk}-l{levels[0].pk}-points"] = "kolme"
        message, values = "Give the points as a whole number from 0 to %(max)s.", {"max": 100}
    elif change == "same points":
        data[f"c{criterion.pk}-l{levels[0].pk}-points"] = str(levels[1].points)
        message = "Two levels of a criterion cannot have the same points (%(points)s)."
        values = {"points": levels[1].points}
    else:
        for level in levels:
            data[f"c{criterion.pk}-l{level.pk}-remove"] = "on"
        message, values = "A criterion needs at least one level.", {}
    # A title change in the same post is not saved either.
    data[f"c{criterion.pk}-title_fi"] = "Uusi otsikko"
    response = client_for(instructor).post(save_url(assignment, criterion), data)
    with translation.override("fi"):
        expected = translation.gettext(message) % values
    assert_refused(response, 400, expected)
    assert structure(assignment) == before


# --- pages opened before someone else's change -----------------------------------------------


def test_a_move_on_an_order_changed_meanwhile_is_refused(
    client_for, instructor, coordinator, assignment, rubric
):
    stale = client_for(instructor).get(editor(assignment)).context["order"]
    # A colleague moves the last criterion up.
    fresh = client_for(coordinator).get(editor(assignment)).context["order"]
    client_for(coordinator).post(
        move_url(assignment, rubric[-1]), {"direction": "up", "order": fresh}
    )
    after_colleague = order_of(assignment)
    response = client_for(instructor).post(
        move_url(assignment, rubric[0]), {"direction": "down", "order": stale}
    )
    assert_refused(response, 409, rubric_services.RubricChanged().message)
    assert order_of(assignment) == after_colleague


def test_a_criterion_saved_from_a_page_older_than_its_levels_is_refused(
    client_for, instructor, assignment, rubric
):
    criterion = rubric[0]
    stale = criterion_as_posted(criterion)
    # A colleague changes a level's points meanwhile.
    fresh = criterion_as_posted(criterion)
    top = criterion.levels.get(points=3)
    fresh[f"c{criterion.pk}-l{top.pk}-points"] = "5"
    assert client_for(instructor).post(save_url(assignment, criterion), fresh).status_code == 302
    after_colleague = structure(assignment)
    response = client_for(instructor).post(save_url(assignment, criterion), stale)
    assert_refused(response, 409, rubric_services.RubricChanged().message)
    assert structure(assignment) == after_colleague


# --- who may use it --------------------------------------------------------------------------


def _every_action(assignment, criterion) -> list[tuple[str, str, dict]]:
    return [
        ("get", editor(assignment), {}),
        ("post", editor(assignment), new_criterion("Hakkeroitu", [(1, "Taso")])),
        ("post", save_url(assignment, criterion), {"c0-title_fi": "Hakkeroitu"}),
        ("post", move_url(assignment, criterion), {"direction": "down", "order": ""}),
        ("post", delete_url(assignment, criterion), {}),
    ]


@pytest.mark.parametrize("who", ["learner", "stranger", "outsider_learner"])
def test_learners_and_other_courses_instructors_get_a_404_and_change_nothing(
    client_for, request, assignment, rubric, who
):
    client = client_for(request.getfixturevalue(who))
    before = structure(assignment)
    for method, url, data in _every_action(assignment, rubric[0]):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url)
    assert structure(assignment) == before


def test_someone_signed_out_is_sent_to_sign_in_and_changes_nothing(client, assignment, rubric):
    before = structure(assignment)
    for method, url, data in _every_action(assignment, rubric[0]):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, (method, url)
        assert "login" in response["Location"]
    assert structure(assignment) == before


def test_a_criterion_of_another_phase_is_not_found(client_for, instructor, assignment, rubric):
    other_phase = factories.AssignmentFactory(workshop=assignment.workshop, phase=2, title="Ideat")
    response = client_for(instructor).post(delete_url(other_phase, rubric[0]))
    assert response.status_code == 404
    assert RubricCriterion.objects.filter(pk=rubric[0].pk).exists()


@pytest.mark.parametrize("who", ["coordinator", "other_instructor", "author"])
def test_the_courses_staff_and_authors_may_build_the_rubric(
    client_for, request, course, assignment, who
):
    if who == "author":
        user = factories.UserFactory(email="kirjoittaja@example.fi")
        course.authors.add(user)
    else:
        user = request.getfixturevalue(who)
    client = client_for(user)
    assert client.get(editor(assignment)).status_code == 200
    assert client.post(editor(assignment), new_criterion("K", [(1, "T")])).status_code == 302


def test_the_editor_page_costs_the_same_queries_whatever_the_rubric_size(
    client_for, instructor, assignment, django_assert_num_queries
):
    client = client_for(instructor)
    client.get(editor(assignment))
    for _ in range(2):
        for n in range(3):
            client.post(
                editor(assignment),
                new_criterion(
                    f"Kriteeri {RubricCriterion.objects.count()}",
                    [(1, "Yksi"), (2, "Kaksi"), (3 + n, "Kolme")],
                ),
            )
        # The session, the person with the navigation's roles and unread badge (2); the phase
        # (1); the criteria and their levels (2); the scores and the review drafts that use
        # them (2): the same with 3 and 6 criteria. (8 allowed before.)
        with django_assert_num_queries(7):
            assert client.get(editor(assignment)).status_code == 200


# --- two editors at the same moment ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_moves_at_the_same_moment_take_turns_and_keep_the_order_whole(assignment, monkeypatch):
    if connection.vendor != "postgresql":
        skip_or_fail("row locks (SELECT ... FOR UPDATE) need PostgreSQL")
    criteria = [
        RubricCriterion.objects.create(
            workshop=assignment.workshop, phase=1, position=n, title=f"K{n}"
        )
        for n in range(3)
    ]
    for criterion in criteria:
        RubricLevel.objects.create(criterion=criterion, points=1, label="Taso")
    seen = rubric_services.rubric_order(criteria)

    # The first move stops while it holds the rubric's lock until the second one is waiting.
    first_locked, second_sent = threading.Event(), threading.Event()
    renumber = rubric_services._renumber

    def pausing_renumber(rows):
        if threading.current_thread().name == "first":
            first_locked.set()
            second_sent.wait(10)
        return renumber(rows)

    monkeypatch.setattr(rubric_services, "_renumber", pausing_renumber)
    outcome: dict[str, object] = {}

    def move(name: str, criterion: RubricCriterion, offset: int) -> None:
        try:
            rubric_services.rubric_criterion_move(
                workshop_id=assignment.workshop_id,
                phase=1,
                criterion_id=criterion.pk,
                offset=offset,
                order_seen=seen,
            )
            outcome[name] = "moved"
        except rubric_services.RubricChanged:
            outcome[name] = "refused"
        finally:
            connection.close()

    first = threading.Thread(target=move, args=("first", criteria[2], -1), name="first")
    first.start()
    assert first_locked.wait(10)
    second = threading.Thread(target=move, args=("second", criteria[0], 1), name="second")
    second.start()
    second.join(0.5)  # waiting for the rubric's lock
    assert second.is_alive()
    second_sent.set()
    first.join(30)
    second.join(30)

    assert outcome == {"first": "moved", "second": "refused"}, outcome
    assert order_of(assignment) == ["K0", "K2", "K1"]
    assert sorted(
        RubricCriterion.objects.filter(workshop=assignment.workshop).values_list(
            "position", flat=True
        )
    ) == [0, 1, 2]
