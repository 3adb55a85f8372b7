"""Writes for course authors: modules and items, their order, duplicates and quiz questions.

Editing keeps every row's primary key, so learners' completions, attempts and reflections stay
attached to the item they belong to: editing a published item never loses learner progress.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.html import clean_html
from core.models import User
from learners.models import Cohort, Membership

from .models import Choice, Course, Item, Module, Question, ReleaseExtension


class AuthoringError(DomainError):
    pass


def _next_position(qs) -> int:  # type: ignore[no-untyped-def]
    top = qs.aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


@transaction.atomic
def module_create(*, course: Course, title: str, **fields: object) -> Module:
    return Module.objects.create(
        course=course, title=title, position=_next_position(course.modules.all()), **fields
    )


@transaction.atomic
def item_create(*, module: Module, item: Item) -> Item:
    """Save a new item (built by the form) at the end of the module."""
    item.module = module
    item.position = _next_position(module.items.all())
    item.body = clean_html(item.body)
    item.save()
    return item


@transaction.atomic
def item_update(*, item: Item) -> Item:
    item.body = clean_html(item.body)
    item.save()
    return item


def _renumber(rows: list) -> None:  # type: ignore[type-arg]
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position
            row.save(update_fields=["position"])


@transaction.atomic
def item_move(*, item: Item, offset: int) -> None:
    """Move an item up (-1) or down (+1) within its module."""
    rows = list(item.module.items.select_for_update().order_by("position", "pk"))
    index = next(i for i, r in enumerate(rows) if r.pk == item.pk)
    target = max(0, min(len(rows) - 1, index + offset))
    rows.insert(target, rows.pop(index))
    _renumber(rows)


@transaction.atomic
def module_move(*, module: Module, offset: int) -> None:
    rows = list(module.course.modules.select_for_update().order_by("position", "pk"))
    index = next(i for i, r in enumerate(rows) if r.pk == module.pk)
    target = max(0, min(len(rows) - 1, index + offset))
    rows.insert(target, rows.pop(index))
    _renumber(rows)


@transaction.atomic
def items_reorder(*, module: Module, item_ids: list[int]) -> None:
    """Put the module's items in the given order (drag and drop); all ids must be there."""
    rows = {r.pk: r for r in module.items.select_for_update()}
    if sorted(item_ids) != sorted(rows):
        raise AuthoringError(_("The order could not be saved: reload the page and try again."))
    _renumber([rows[pk] for pk in item_ids])


@transaction.atomic
def item_duplicate(*, item: Item) -> Item:
    """A draft copy right after the original, with its questions; no learner data."""
    questions = list(item.questions.prefetch_related("choices"))
    Item.objects.filter(module=item.module, position__gt=item.position).update(
        position=F("position") + 1
    )
    copy = Item.objects.get(pk=item.pk)
    copy.pk = None
    copy.id = None
    copy.position = item.position + 1
    copy.title = _("%(title)s (copy)") % {"title": item.title}
    copy.is_published = False
    copy.save()
    for question in questions:
        choices = list(question.choices.all())
        question.pk = None
        question.id = None
        question.item = copy
        question.save()
        for choice in choices:
            choice.pk = None
            choice.id = None
            choice.question = question
            choice.save()
    return copy


# --- quiz questions as text ----------------------------------------------------------------

QUIZ_FORMAT_HELP = _(
    "One question per block. Start a question with “?” (one right answer) or “??” (several "
    "right answers); then one answer per line, “*” for a right one and “-” for a wrong one, "
    "optionally followed by “|” and the explanation shown after answering."
)


def quiz_parse(text: str) -> list[tuple[str, bool, list[tuple[str, bool, str]]]]:
    questions: list[tuple[str, bool, list[tuple[str, bool, str]]]] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("?"):
            multiple = line.startswith("??")
            questions.append((line.lstrip("?").strip(), multiple, []))
        elif line[0] in "*-":
            if not questions:
                raise AuthoringError(
                    _("Line %(n)s: an answer needs a question (“?”) before it.") % {"n": number}
                )
            answer, _sep, explanation = line[1:].partition("|")
            questions[-1][2].append((answer.strip(), line[0] == "*", explanation.strip()))
        else:
            raise AuthoringError(
                _("Line %(n)s: start the line with “?”, “??”, “*” or “-”.") % {"n": number}
            )
    for text_, multiple, answers in questions:
        right = sum(1 for a in answers if a[1])
        if not text_ or len(answers) < 2:
            raise AuthoringError(
                _("“%(q)s” needs a question and at least two answers.") % {"q": text_ or "?"}
            )
        if right == 0 or (not multiple and right != 1):
            raise AuthoringError(
                _("“%(q)s” needs exactly one right answer (or use “??” for several).")
                % {"q": text_}
            )
    return questions


def quiz_as_text(item: Item) -> str:
    blocks = []
    for question in item.questions.prefetch_related("choices"):
        lines = [("?? " if question.multiple else "? ") + question.text]
        for choice in question.choices.all():
            mark = "*" if choice.is_correct else "-"
            extra = f" | {choice.explanation}" if choice.explanation else ""
            lines.append(f"{mark} {choice.text}{extra}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


@transaction.atomic
def quiz_update(*, item: Item, text: str) -> None:
    """Replace the questions from the text format, keeping rows (and ids) by position so
    attempts already made still point at the same questions."""
    parsed = quiz_parse(text)
    if not parsed:
        raise AuthoringError(_("A knowledge check needs at least one question."))
    for q_pos, (q_text, multiple, answers) in enumerate(parsed):
        question, _c = Question.objects.update_or_create(
            item=item, position=q_pos, defaults={"text": q_text, "multiple": multiple}
        )
        for c_pos, (answer, correct, explanation) in enumerate(answers):
            Choice.objects.update_or_create(
                question=question,
                position=c_pos,
                defaults={"text": answer, "is_correct": correct, "explanation": explanation},
            )
        question.choices.filter(position__gte=len(answers)).delete()
    item.questions.filter(position__gte=len(parsed)).delete()


# --- completion criteria and per-learner release extensions ----------------------------------


@transaction.atomic
def course_criteria_set(*, course: Course, assignments: list) -> None:  # type: ignore[type-arg]
    """The workshop phases that must be approved before the course counts as complete; only
    the course's own workshop assignments are allowed."""
    if any(a.workshop.course_id != course.pk for a in assignments):
        raise AuthoringError(_("Choose only workshop assignments of this course."))
    course.completion_assignments.set(assignments)


@transaction.atomic
def release_extension_set(
    *, cohort: Cohort, module: Module, learner: User, days: int, reason: str = ""
) -> ReleaseExtension:
    """Shift a module's unlock day for one learner of the cohort (one extension per module
    and learner: setting it again replaces it)."""
    if module.course_id != cohort.course_id:
        raise AuthoringError(_("The module is not part of this cohort's course."))
    if not cohort.memberships.filter(user=learner, role=Membership.Role.LEARNER).exists():
        raise AuthoringError(_("The person is not a learner in this cohort."))
    extension, _created = ReleaseExtension.objects.update_or_create(
        module=module, user=learner, defaults={"days": days, "reason": reason.strip()}
    )
    return extension


def cohort_extensions(*, cohort: Cohort):  # type: ignore[no-untyped-def]
    """The extensions of the cohort's learners on its course's modules (one query)."""
    return (
        ReleaseExtension.objects.filter(
            module__course_id=cohort.course_id,
            user__memberships__cohort=cohort,
            user__memberships__role=Membership.Role.LEARNER,
        )
        .select_related("module", "user")
        .order_by("user__last_name", "user__first_name", "user__email", "module__position")
    )
