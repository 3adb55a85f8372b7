"""The review's notification and email show the rubric's criteria and levels in each
recipient's language, as the version page does; the review keeps the Finnish copies."""

import pytest
from django.core import mail
from django.utils import translation

from notifications.models import Notification
from workshops import services
from workshops.models import ReviewScore

pytestmark = pytest.mark.django_db


@pytest.fixture
def swedish_rubric(rubric):
    """The first criterion and its levels with Swedish and English texts (the rest Finnish)."""
    criterion = rubric[0]
    criterion.title_sv = "Avgränsning av utmaningen"
    criterion.title_en = "Scoping the challenge"
    criterion.save()
    for level in criterion.levels.all():
        level.label_sv = f"Nivå {level.points}"
        level.label_en = f"Level {level.points}"
        level.save()
    return rubric


def _review(submission, instructor, rubric, decision):
    # The instructor works in Finnish; the learners read in their own languages.
    with translation.override("fi"):
        services.submission_review(
            submission=submission,
            reviewer=instructor,
            decision=decision,
            feedback="Rajaa kohderyhmä.",
            levels={c.pk: next(lv.pk for lv in c.levels.all() if lv.points == 2) for c in rubric},
        )


@pytest.mark.parametrize("decision", ["revise", "approve"])
def test_each_team_member_reads_the_rubric_in_their_own_language(
    learner,
    teammate,
    instructor,
    submission,
    swedish_rubric,
    decision,
    django_capture_on_commit_callbacks,
):
    learner.language = "sv"
    learner.save(update_fields=["language"])
    teammate.language = "en"
    teammate.save(update_fields=["language"])
    finnish_title = swedish_rubric[0].title_fi
    finnish_level = next(lv for lv in swedish_rubric[0].levels.all() if lv.points == 2).label_fi
    with django_capture_on_commit_callbacks(execute=True):
        _review(submission, instructor, swedish_rubric, decision)
    key = f"submission-reviewed-{submission.pk}"
    emails = {m.to[0]: m for m in mail.outbox}
    for person, title, level in (
        (learner, "Avgränsning av utmaningen", "Nivå 2"),
        (teammate, "Scoping the challenge", "Level 2"),
    ):
        note = Notification.objects.get(recipient=person, key=key)
        email = emails[person.email]
        html = next(body for body, kind in email.alternatives if kind == "text/html")
        for part in (note.body, email.body):
            assert f"{title}: {level} (2 " in part
        for part in (note.html_body, html):  # a table: criterion, level, points
            assert f">{title}</th>" in part
            assert f">{level}" in part
        for part in (note.body, note.html_body, email.body, html):
            assert finnish_title not in part
            # A criterion without the language's text falls back to the Finnish one.
            assert swedish_rubric[1].title_fi in part
    # The review keeps what the reviewer saw, in Finnish.
    assert set(ReviewScore.objects.values_list("criterion_title", flat=True)) == {
        c.title_fi for c in swedish_rubric
    }
    assert finnish_level in ReviewScore.objects.values_list("level_label", flat=True)


def test_a_finnish_learner_still_reads_the_finnish_rubric(
    learner, instructor, submission, swedish_rubric
):
    _review(submission, instructor, swedish_rubric, "revise")
    note = Notification.objects.get(recipient=learner)
    assert f"{swedish_rubric[0].title_fi}: " in note.body
    assert "Avgränsning av utmaningen" not in note.body
