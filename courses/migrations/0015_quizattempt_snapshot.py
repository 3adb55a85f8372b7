"""Each answered knowledge-check attempt keeps the questions as it asked them
(QuizAttempt.snapshot), so an author's later edit no longer rewrites its review. The attempts
answered before this get their snapshot from the questions as they are now: the best that can
be done, since an earlier edit may have changed them already (a question deleted since is left
out, as their review did)."""

from django.conf import settings
from django.db import migrations, models

BATCH = 500


def _texts(row, names):
    # As courses.quiz.snapshot writes them, so the review and its comparisons read them alike.
    return {
        name: {
            language: getattr(row, f"{name}_{language}", "") or ""
            for language in settings.MODELTRANSLATION_LANGUAGES
        }
        for name in names
    }


def _entry(question, choices):
    return {
        "id": question.pk,
        "kind": question.kind,
        **_texts(question, ("text", "feedback")),
        "number": None if question.number is None else str(question.number),
        "tolerance": str(question.tolerance or 0),
        "choices": [
            {
                "id": choice.pk,
                "is_correct": choice.is_correct,
                **_texts(choice, ("text", "match", "explanation")),
            }
            for choice in choices
        ],
    }


def _ids(attempt):
    return [int(pk) for pk in attempt.questions or [] if str(pk).isdigit()]


def forwards(apps, schema_editor):
    QuizAttempt = apps.get_model("courses", "QuizAttempt")
    Question = apps.get_model("courses", "Question")
    Choice = apps.get_model("courses", "Choice")
    pending = QuizAttempt.objects.filter(submitted_at__isnull=False, snapshot__isnull=True)
    while batch := list(pending.only("pk", "questions").order_by("pk")[:BATCH]):
        ids = {pk for attempt in batch for pk in _ids(attempt)}
        choices = {}
        for choice in Choice.objects.filter(question_id__in=ids).order_by("position", "pk"):
            choices.setdefault(choice.question_id, []).append(choice)
        asked = {
            question.pk: _entry(question, choices.get(question.pk, []))
            for question in Question.objects.filter(pk__in=ids)
        }
        for attempt in batch:
            attempt.snapshot = [asked[pk] for pk in _ids(attempt) if pk in asked]
        QuizAttempt.objects.bulk_update(batch, ["snapshot"])


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0014_reflections_kept_item_creation"),
    ]

    operations = [
        migrations.AddField(
            model_name="quizattempt",
            name="snapshot",
            field=models.JSONField(
                blank=True, editable=False, null=True, verbose_name="questions as asked"
            ),
        ),
        # Backwards the column goes, and with it the snapshots: nothing to undo first.
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
