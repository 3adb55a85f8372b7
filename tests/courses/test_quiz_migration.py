"""Knowledge checks made before the question types keep working: the data migration puts each
question in its course's bank with its type, and each attempt becomes a submitted attempt that
holds the questions it answered."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("courses", "0009_course_certificate_scope")]
AFTER = [("courses", "0012_question_bank_required")]


@pytest.mark.django_db(transaction=True)
def test_existing_questions_and_attempts_are_carried_over():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("core", "User")
    Course = old.get_model("courses", "Course")
    Module = old.get_model("courses", "Module")
    Item = old.get_model("courses", "Item")
    Question = old.get_model("courses", "Question")
    Choice = old.get_model("courses", "Choice")
    Attempt = old.get_model("courses", "QuizAttempt")
    user = User.objects.create(email="vanha@example.fi")
    course = Course.objects.create(title="Vanha", slug="vanha")
    item = Item.objects.create(
        module=Module.objects.create(course=course, title="M"), kind="quiz", title="Visa"
    )
    single = Question.objects.create(item=item, text="Yksi?", position=0)
    several = Question.objects.create(item=item, text="Monta?", position=1, multiple=True)
    right = Choice.objects.create(question=single, text="a", is_correct=True)
    Choice.objects.create(question=several, text="b", is_correct=True)
    for number in (1, 2):
        Attempt.objects.create(
            user=user,
            item=item,
            number=number,
            score=50,
            passed=False,
            answers={str(single.pk): [right.pk], str(several.pk): []},
        )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Question = new.get_model("courses", "Question")
    Attempt = new.get_model("courses", "QuizAttempt")
    assert sorted(Question.objects.values_list("text", "kind", "course_id")) == [
        ("Monta?", "multiple", course.pk),
        ("Yksi?", "single", course.pk),
    ]
    attempts = list(Attempt.objects.order_by("number"))
    assert [a.questions for a in attempts] == [sorted([single.pk, several.pk])] * 2
    assert all(a.submitted_at == a.created_at for a in attempts)
    # Back to the latest state for the rest of the suite.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
