"""Existing questions join their course's question bank with the type they had (single or
multiple choice); existing attempts become submitted attempts that hold the questions they
answered."""

from django.db import migrations


def forwards(apps, schema_editor):
    Question = apps.get_model("courses", "Question")
    QuizAttempt = apps.get_model("courses", "QuizAttempt")
    for question in Question.objects.select_related("item__module").iterator():
        question.course_id = question.item.module.course_id
        question.kind = "multiple" if question.multiple else "single"
        question.save(update_fields=["course", "kind"])
    for attempt in QuizAttempt.objects.iterator():
        ids = sorted(int(k) for k in (attempt.answers or {}) if str(k).isdigit())
        attempt.questions = ids
        attempt.submitted_at = attempt.created_at
        attempt.save(update_fields=["questions", "submitted_at"])


def backwards(apps, schema_editor):
    Question = apps.get_model("courses", "Question")
    Question.objects.filter(kind="multiple").update(multiple=True)
    # Questions of the new types cannot be kept by the old schema.
    Question.objects.exclude(kind__in=["single", "multiple"]).delete()
    Question.objects.filter(item__isnull=True).delete()
    apps.get_model("courses", "QuizAttempt").objects.filter(submitted_at__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("courses", "0010_question_types_and_bank")]

    operations = [migrations.RunPython(forwards, backwards)]
