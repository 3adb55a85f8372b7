"""A rubric changed while an instructor reviews with it (workshops.views.review,
services.submission_review, marking.marking_mark_ready, services_rubric.review_rubric_check).

Aino has the review page of Oona's version open; her colleague Kaisa edits the phase's rubric
meanwhile (removes a criterion, re-points a level, adds a criterion). Aino's save used to store
the review without the removed criterion as if nothing happened, score the re-pointed level
with points Aino never saw, or refuse with Django's bare "pick a level". It is now refused
(409) with what changed named above the fields, Aino's texts and the levels that still mean
what she picked kept, the changed criteria asking for a level again; her next save goes through.
A save that meets an edit at the same moment takes turns with it (the rubric's lock).
"""

from __future__ import annotations

import html
import re
import threading

import pytest
from django.db import connection
from django.urls import reverse

from learners.models import Membership
from notifications.models import Notification
from tests import factories
from tests.conftest import skip_or_fail
from tests.workshops.helpers import signed_in
from workshops import marking, services
from workshops import services_rubric as rubric_services
from workshops.models import (
    CohortMarkingSettings,
    Marking,
    Review,
    ReviewDraft,
    RubricCriterion,
    RubricLevel,
)

pytestmark = pytest.mark.django_db

PICK_A_LEVEL = "Valitse taso tälle kriteerille."  # "Pick a level for this criterion."
OUT_OF_DATE = "Arviointilomake on vanhentunut. Lataa sivu uudelleen."


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def colleague(cohort):
    """Kaisa, a second instructor of the cohort, who edits the rubric."""
    user = factories.UserFactory(email="kaisa@example.fi", first_name="Kaisa")
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.INSTRUCTOR)
    return user


def review_url(submission) -> str:
    return reverse("workshops:review", args=[submission.pk])


def hidden_fields(page: str) -> dict[str, str]:
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    }


def checked_levels(page: str) -> dict[int, int]:
    """The levels the review form shows picked: {criterion id: level id}."""
    return {
        int(criterion): int(level)
        for criterion, level in re.findall(
            r'name="criterion_(\d+)" value="(\d+)"[^>]*\bchecked\b', page
        )
    }


def form_errors(page: str) -> str:
    """The errors above the review form's fields."""
    match = re.search(r'<div class="alert alert-block alert-danger">(.*?)</div>', page, re.S)
    return match.group(1) if match else ""


def criterion_block(page: str, criterion_id: int) -> str:
    start = page.index(f'id="div_id_criterion_{criterion_id}"')
    return page[start : page.index("</fieldset>", start)]


def level(criterion: RubricCriterion, points: int) -> RubricLevel:
    return RubricLevel.objects.get(criterion=criterion, points=points)


def the_rubric(assignment) -> list[RubricCriterion]:
    return list(
        RubricCriterion.objects.filter(workshop=assignment.workshop, phase=assignment.phase)
        .order_by("position", "pk")
        .prefetch_related("levels")
    )


def criterion_as_posted(criterion: RubricCriterion) -> dict:
    """The rubric editor's form of a criterion posted back unchanged."""
    criterion = RubricCriterion.objects.prefetch_related("levels").get(pk=criterion.pk)
    prefix = f"c{criterion.pk}"
    data = {"levels_seen": rubric_services.criterion_levels_seen(criterion)}
    for name in ("title", "description"):
        for language in ("fi", "sv", "en"):
            data[f"{prefix}-{name}_{language}"] = getattr(criterion, f"{name}_{language}") or ""
    for lv in criterion.levels.all():
        data[f"{prefix}-l{lv.pk}-points"] = str(lv.points)
        for name in ("label", "descriptor"):
            for language in ("fi", "sv", "en"):
                data[f"{prefix}-l{lv.pk}-{name}_{language}"] = (
                    getattr(lv, f"{name}_{language}") or ""
                )
    return data


def repoint(client, assignment, criterion: RubricCriterion, *, points: int, to: int) -> None:
    """Kaisa gives the criterion's level of `points` points `to` points in the editor."""
    data = criterion_as_posted(criterion)
    data[f"c{criterion.pk}-l{level(criterion, points).pk}-points"] = str(to)
    response = client.post(
        reverse("workshops:rubric_criterion_save", args=[assignment.pk, criterion.pk]), data
    )
    assert response.status_code == 302, response.content.decode()


def remove(client, assignment, criterion: RubricCriterion) -> None:
    response = client.post(
        reverse("workshops:rubric_criterion_delete", args=[assignment.pk, criterion.pk])
    )
    assert response.status_code == 302, response.content.decode()


def add(client, assignment, title: str) -> RubricCriterion:
    data = {"new-title_fi": title, "new-description_fi": ""}
    for n, (points, label) in enumerate([(1, "Puuttuu"), (2, "Osin"), (3, "Kattava")]):
        data[f"new-new{n}-points"] = str(points)
        data[f"new-new{n}-label_fi"] = label
    response = client.post(reverse("workshops:rubric_edit", args=[assignment.pk]), data)
    assert response.status_code == 302, response.content.decode()
    return RubricCriterion.objects.get(workshop=assignment.workshop, title_fi=title)


def decision(page: str, picks: dict[int, int], **texts: str) -> dict[str, str]:
    """The review form as the page would send it: its hidden fields, the levels and texts."""
    data = {
        name: value
        for name, value in hidden_fields(page).items()
        if name in ("draft_version", "draft_writer", "rubric_seen", "files_seen")
    }
    data.update({f"criterion_{c}": str(lv) for c, lv in picks.items()})
    data.update(texts)
    return data


# --- the review page -------------------------------------------------------------------------


def test_a_review_sent_after_the_rubric_changed_names_the_changes_keeps_the_words_and_goes_through(
    instructor, colleague, other_instructor, learner, assignment, submission, rubric
):
    aino = signed_in(instructor)
    page = aino.get(review_url(submission)).content.decode()
    first, second, last = the_rubric(assignment)
    # Aino picks the first level of every criterion.
    picks = {c.pk: level(c, 1).pk for c in (first, second, last)}

    # Kaisa changes the rubric while Aino writes: a level re-pointed, a criterion removed,
    # a criterion added.
    kaisa = signed_in(colleague)
    repoint(kaisa, assignment, first, points=1, to=4)
    remove(kaisa, assignment, last)
    added = add(kaisa, assignment, "Kokeilun mittarit")

    words = {
        "strengths": "Haaste on todellinen.",
        "feedback": "Rajaa kohderyhmä nuoriin.",
        "decision": "revise",
    }
    response = aino.post(review_url(submission), decision(page, picks, **words))

    assert response.status_code == 409
    assert not Review.objects.filter(submission=submission).exists()
    assert not Notification.objects.filter(recipient=learner).exists()
    again = response.content.decode()
    errors = form_errors(again)
    # What changed, by name: the removed criterion, the re-pointed one, the added one.
    for title in (last.title, first.title, "Kokeilun mittarit"):
        assert title in errors, title
    # The words stay; the levels that still mean what was picked stay picked; the re-pointed
    # criterion and the new one ask for a level.
    assert "Haaste on todellinen." in again
    assert "Rajaa kohderyhmä nuoriin." in again
    assert checked_levels(again) == {second.pk: level(second, 1).pk}
    assert PICK_A_LEVEL in criterion_block(again, first.pk)
    assert PICK_A_LEVEL in criterion_block(again, added.pk)
    assert PICK_A_LEVEL not in criterion_block(again, second.pk)

    # Aino picks the two levels again and sends the page as it is now. The same form from
    # someone who may not review the version reaches nothing.
    picks = checked_levels(again) | {first.pk: level(first, 4).pk, added.pk: level(added, 2).pk}
    sent = decision(again, picks, **words)
    assert signed_in(other_instructor).post(review_url(submission), sent).status_code == 404
    assert signed_in(learner).post(review_url(submission), sent).status_code == 403
    assert not Review.objects.filter(submission=submission).exists()
    response = aino.post(review_url(submission), sent)
    assert response.status_code == 302
    review = Review.objects.get(submission=submission)
    assert [(s.criterion_id, s.points) for s in review.scores.all()] == [
        (first.pk, 4),
        (second.pk, 1),
        (added.pk, 2),
    ]
    assert review.strengths == "Haaste on todellinen."
    assert review.reviewer == instructor
    assert Notification.objects.filter(recipient=learner).count() == 1

    # Oona sees the criteria scored, the new one too.
    shown = signed_in(learner).get(reverse("workshops:submission_detail", args=[submission.pk]))
    assert "Kokeilun mittarit" in shown.content.decode()


def test_a_criterion_removed_while_reviewing_is_not_silently_left_out(
    instructor, colleague, assignment, submission, rubric
):
    aino = signed_in(instructor)
    page = aino.get(review_url(submission)).content.decode()
    criteria = the_rubric(assignment)
    picks = {c.pk: level(c, 3).pk for c in criteria}
    remove(signed_in(colleague), assignment, criteria[-1])

    response = aino.post(review_url(submission), decision(page, picks, decision="approve"))

    assert response.status_code == 409
    assert not Review.objects.filter(submission=submission).exists()
    assert criteria[-1].title in form_errors(response.content.decode())
    # Nothing else changed: the page keeps every other level and the next save goes through.
    again = response.content.decode()
    assert checked_levels(again) == {c.pk: level(c, 3).pk for c in criteria[:-1]}
    response = aino.post(
        review_url(submission), decision(again, checked_levels(again), decision="approve")
    )
    assert response.status_code == 302
    assert Review.objects.get(submission=submission).scores.count() == len(criteria) - 1


def test_a_level_re_pointed_while_reviewing_is_not_scored_with_points_never_seen(
    instructor, colleague, assignment, submission, rubric
):
    aino = signed_in(instructor)
    page = aino.get(review_url(submission)).content.decode()
    criteria = the_rubric(assignment)
    picks = {c.pk: level(c, 2).pk for c in criteria}
    # The level Aino picked ("2 · Kehittyvä") is worth 5 points now.
    repoint(signed_in(colleague), assignment, criteria[0], points=2, to=5)

    response = aino.post(review_url(submission), decision(page, picks, decision="approve"))

    assert response.status_code == 409
    assert not Review.objects.filter(submission=submission).exists()
    again = response.content.decode()
    assert "Haasteen rajaus" in form_errors(again)
    assert criteria[0].pk not in checked_levels(again)
    assert PICK_A_LEVEL in criterion_block(again, criteria[0].pk)
    assert "5 · Kehittyvä" in criterion_block(again, criteria[0].pk)


def test_a_rubric_reworded_only_keeps_every_level_and_says_so(
    instructor, colleague, assignment, submission, rubric
):
    aino = signed_in(instructor)
    page = aino.get(review_url(submission)).content.decode()
    criteria = the_rubric(assignment)
    picks = {c.pk: level(c, 2).pk for c in criteria}
    data = criterion_as_posted(criteria[1])
    data[f"c{criteria[1].pk}-title_fi"] = "Kohderyhmä ja tarve"
    response = signed_in(colleague).post(
        reverse("workshops:rubric_criterion_save", args=[assignment.pk, criteria[1].pk]), data
    )
    assert response.status_code == 302

    response = aino.post(review_url(submission), decision(page, picks, decision="approve"))

    assert response.status_code == 409
    again = response.content.decode()
    assert "Kohderyhmä ja tarve" in form_errors(again)
    assert checked_levels(again) == picks
    assert PICK_A_LEVEL not in again
    response = aino.post(review_url(submission), decision(again, picks, decision="approve"))
    assert response.status_code == 302


def test_a_broken_rubric_field_is_a_400_that_saves_nothing(
    instructor, assignment, submission, rubric
):
    aino = signed_in(instructor)
    page = aino.get(review_url(submission)).content.decode()
    picks = {c.pk: level(c, 3).pk for c in the_rubric(assignment)}
    data = decision(page, picks, decision="approve")
    data["rubric_seen"] = "[{not json"
    response = aino.post(review_url(submission), data)
    assert response.status_code == 400
    assert OUT_OF_DATE in form_errors(response.content.decode())
    assert not Review.objects.filter(submission=submission).exists()


# --- the marking workflow --------------------------------------------------------------------


def test_a_review_marked_ready_after_the_rubric_changed_is_refused_and_stays_in_review(
    instructor, colleague, cohort, assignment, submission, rubric
):
    CohortMarkingSettings.objects.create(
        cohort=cohort, workshop=assignment.workshop, marking_workflow=True
    )
    aino = signed_in(instructor)
    page = aino.get(review_url(submission)).content.decode()
    criteria = the_rubric(assignment)
    picks = {c.pk: level(c, 1).pk for c in criteria}
    repoint(signed_in(colleague), assignment, criteria[2], points=1, to=6)

    response = aino.post(review_url(submission), decision(page, picks, decision="approve"))

    assert response.status_code == 409
    assert "Nykytila" in form_errors(response.content.decode())
    assert not Marking.objects.filter(submission=submission, state=Marking.State.READY).exists()
    assert not ReviewDraft.objects.filter(submission=submission, decision="approve").exists()
    again = response.content.decode()
    picks[criteria[2].pk] = level(criteria[2], 6).pk
    response = aino.post(review_url(submission), decision(again, picks, decision="approve"))
    assert response.status_code == 302
    marking_row = Marking.objects.get(submission=submission)
    assert marking_row.state == Marking.State.READY
    released = marking.marking_release(submission=submission, by=instructor)
    assert {s.criterion_id: s.points for s in released.scores.all()}[criteria[2].pk] == 6


# --- the autosave ----------------------------------------------------------------------------


def test_an_autosave_from_a_page_older_than_the_rubric_keeps_the_words_not_the_changed_level(
    instructor, colleague, assignment, submission, rubric
):
    aino = signed_in(instructor)
    page = aino.get(review_url(submission)).content.decode()
    criteria = the_rubric(assignment)
    repoint(signed_in(colleague), assignment, criteria[0], points=3, to=7)
    picks = {criteria[0].pk: level(criteria[0], 7).pk, criteria[1].pk: level(criteria[1], 3).pk}

    response = aino.post(
        reverse("workshops:review_draft", args=[submission.pk]),
        decision(page, picks, strengths="Selkeä haaste."),
    )

    assert response.status_code == 200
    assert 'data-testid="review-rubric-changed"' in response.content.decode()
    draft = ReviewDraft.objects.get(submission=submission)
    assert draft.strengths == "Selkeä haaste."
    assert draft.levels == {str(criteria[1].pk): level(criteria[1], 3).pk}
    # Reloaded, the page shows the words, the level that held, and the rubric as it is.
    reloaded = aino.get(review_url(submission)).content.decode()
    assert "Selkeä haaste." in reloaded
    assert checked_levels(reloaded) == {criteria[1].pk: level(criteria[1], 3).pk}
    assert "7 · Vahva" in reloaded
    # From the reloaded page the autosave says nothing of a change.
    response = aino.post(
        reverse("workshops:review_draft", args=[submission.pk]),
        decision(reloaded, {criteria[1].pk: level(criteria[1], 3).pk}, strengths="Selkeä."),
    )
    assert response.status_code == 200
    assert "review-rubric-changed" not in response.content.decode()


# --- a save and an edit at the same moment ---------------------------------------------------


def _postgresql() -> None:
    if connection.vendor != "postgresql":
        skip_or_fail("row locks (SELECT ... FOR KEY SHARE / FOR UPDATE) need PostgreSQL")


def _seen(assignment) -> str:
    from workshops import selectors

    return rubric_services.review_rubric_seen(
        selectors.rubric(workshop_id=assignment.workshop_id, phase=assignment.phase)
    )


@pytest.mark.django_db(transaction=True)
def test_an_edit_made_while_a_review_is_being_recorded_waits_and_then_keeps_its_criterion(
    instructor, assignment, submission, rubric, monkeypatch
):
    _postgresql()
    criteria = the_rubric(assignment)
    seen = _seen(assignment)
    record = services._review_record
    recording, edit_sent = threading.Event(), threading.Event()

    def pausing_record(**kwargs):
        if threading.current_thread().name == "review":
            recording.set()
            edit_sent.wait(10)
        return record(**kwargs)

    monkeypatch.setattr(services, "_review_record", pausing_record)
    outcome: dict[str, object] = {}

    def review() -> None:
        try:
            services.submission_review(
                submission=submission,
                reviewer=instructor,
                decision="approve",
                feedback="",
                levels={c.pk: level(c, 2).pk for c in criteria},
                rubric_seen=seen,
            )
            outcome["review"] = "recorded"
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test asserts
            outcome["review"] = repr(exc)
        finally:
            connection.close()

    def edit() -> None:
        try:
            rubric_services.rubric_criterion_delete(
                workshop_id=assignment.workshop_id, phase=1, criterion_id=criteria[-1].pk
            )
            outcome["edit"] = "removed"
        except rubric_services.RubricLocked:
            outcome["edit"] = "refused"
        except Exception as exc:  # noqa: BLE001
            outcome["edit"] = repr(exc)
        finally:
            connection.close()

    reviewing = threading.Thread(target=review, name="review")
    reviewing.start()
    assert recording.wait(10)
    editing = threading.Thread(target=edit, name="edit")
    editing.start()
    editing.join(0.5)
    assert editing.is_alive()  # waits for the review's share of the rubric's lock
    edit_sent.set()
    reviewing.join(30)
    editing.join(30)

    assert outcome == {"review": "recorded", "edit": "refused"}, outcome
    assert RubricCriterion.objects.filter(pk=criteria[-1].pk).exists()
    assert Review.objects.get(submission=submission).scores.count() == len(criteria)


@pytest.mark.django_db(transaction=True)
def test_a_review_sent_while_an_edit_is_being_saved_waits_and_sees_the_change(
    instructor, assignment, submission, rubric, monkeypatch
):
    _postgresql()
    criteria = the_rubric(assignment)
    seen = _seen(assignment)
    save_levels = rubric_services._save_levels
    editing_now, review_sent = threading.Event(), threading.Event()

    def pausing_save_levels(criterion, changes):
        if threading.current_thread().name == "edit":
            editing_now.set()
            review_sent.wait(10)
        return save_levels(criterion, changes)

    monkeypatch.setattr(rubric_services, "_save_levels", pausing_save_levels)
    outcome: dict[str, object] = {}
    target = criteria[0]
    levels_seen = rubric_services.criterion_levels_seen(target)
    changes = [
        rubric_services.LevelChange(
            level_id=lv.pk,
            points=lv.points + (10 if lv.points == 2 else 0),
            texts={"label_fi": lv.label_fi, "descriptor_fi": lv.descriptor_fi},
        )
        for lv in target.levels.all()
    ]

    def edit() -> None:
        try:
            rubric_services.rubric_criterion_update(
                workshop_id=assignment.workshop_id,
                phase=1,
                criterion_id=target.pk,
                levels_seen=levels_seen,
                texts={"title_fi": target.title_fi, "description_fi": target.description_fi},
                levels=changes,
            )
            outcome["edit"] = "saved"
        except Exception as exc:  # noqa: BLE001
            outcome["edit"] = repr(exc)
        finally:
            connection.close()

    def review() -> None:
        try:
            services.submission_review(
                submission=submission,
                reviewer=instructor,
                decision="approve",
                feedback="",
                levels={c.pk: level(c, 2).pk for c in criteria},
                rubric_seen=seen,
            )
            outcome["review"] = "recorded"
        except services.ReviewRubricChanged as exc:
            outcome["review"] = [(c.kind, c.criterion_id) for c in exc.check.changes]
        except Exception as exc:  # noqa: BLE001
            outcome["review"] = repr(exc)
        finally:
            connection.close()

    editing = threading.Thread(target=edit, name="edit")
    editing.start()
    assert editing_now.wait(10)
    reviewing = threading.Thread(target=review, name="review")
    reviewing.start()
    reviewing.join(0.5)
    assert reviewing.is_alive()  # waits for the edit
    review_sent.set()
    editing.join(30)
    reviewing.join(30)

    assert outcome == {
        "edit": "saved",
        "review": [(rubric_services.RubricChangeKind.REPICK, target.pk)],
    }, outcome
    assert not Review.objects.filter(submission=submission).exists()
