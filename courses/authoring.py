"""Writes for course authors: modules and items, their order, duplicates and quiz questions.

Editing keeps every row's primary key, so learners' completions, attempts and reflections stay
attached to the item they belong to: editing a published item never loses learner progress.
An answered knowledge-check attempt keeps the questions as it asked them (its snapshot, taken
before any edit of the course's questions), so its review never shows a later version.
"""

from __future__ import annotations

import functools
import io
import uuid
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ParamSpec, TypeVar

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.errors import DomainError
from core.forms import format_decimal, parse_decimal
from core.models import User
from learners.models import Cohort, Membership

from . import quiz, selectors
from .languages import SOURCE_LANGUAGE, content_languages
from .models import (
    Choice,
    Course,
    CourseImage,
    Item,
    ItemCreation,
    Module,
    Question,
    QuestionTag,
    QuizAttempt,
    Reflection,
    ReleaseExtension,
)
from .richtext import clean_course_html
from .search import item_index


class AuthoringError(DomainError):
    pass


def _next_position(qs) -> int:
    top = qs.aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


@transaction.atomic
def module_create(*, course: Course, title: str, **fields: object) -> Module:
    """A module at the end of the course; `title` is the Finnish title, `fields` may hold the
    other languages' texts (`title_sv`, `summary_en`, ...)."""
    return Module.objects.create(
        course=course, title_fi=title, position=_next_position(course.modules.all()), **fields
    )


P = ParamSpec("P")
R = TypeVar("R")


def _in_finnish(function: Callable[P, R]) -> Callable[P, R]:
    """Run `function` with Finnish active, so the plain field names it reads and writes
    ("text", "feedback") are the Finnish columns: the knowledge checks' text format and the
    question bank's form hold the Finnish text; the other languages come with an import."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with translation.override(SOURCE_LANGUAGE):
            return function(*args, **kwargs)

    return wrapper


def _clean_bodies(item: Item) -> None:
    """Clean the page's HTML in every language it is written in."""
    for language in content_languages():
        name = f"body_{language}"
        if getattr(item, name):
            setattr(item, name, clean_course_html(getattr(item, name)))


@transaction.atomic
def item_create(*, module: Module, item: Item, token: uuid.UUID | None = None) -> Item:
    """Save a new item (built by the form) at the end of the module. `token`, the new-item
    form's one-time token, is recorded with it (ItemCreation, unique): the same form sent
    again finds the item (item_created_with) or, sent at the same moment, fails with
    IntegrityError instead of adding a second one."""
    item.module = module
    item.position = _next_position(module.items.all())
    _clean_bodies(item)
    item.save()
    if token is not None:
        ItemCreation.objects.create(token=token, item=item)
    item_index(item_ids=[item.pk])
    return item


def item_created_with(*, token: uuid.UUID | None) -> ItemCreation | None:
    """The creation that the new-item form with this one-time token made, if any."""
    if token is None:
        return None
    return ItemCreation.objects.select_related("item__module").filter(token=token).first()


def item_publish(*, item: Item, published: bool) -> bool:
    """Set the item published or a draft; returns whether it changed. A conditional update:
    of two clicks (a page out of date, a second tab) the one that finds the item already in
    that state changes nothing."""
    changed = Item.objects.filter(pk=item.pk, is_published=not published).update(
        is_published=published
    )
    item.is_published = published
    return bool(changed)


@transaction.atomic
def item_update(*, item: Item) -> Item:
    _clean_bodies(item)
    item.save()
    item_index(item_ids=[item.pk])
    return item


# --- images in text pages ---------------------------------------------------------------------

IMAGE_MAX_MB = 10
IMAGE_MAX_PIXELS = 40_000_000
IMAGE_MAX_SIDE = 2400
IMAGE_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


def _image_refused() -> AuthoringError:
    return AuthoringError(_("Upload a PNG, JPEG, GIF or WebP image."))


def image_reencode(data: bytes) -> tuple[bytes, str, int, int]:
    """Check that `data` really is a raster image (by its content, not a name) and re-encode
    it with Pillow: JPEG stays JPEG, the rest become PNG. Re-encoding drops metadata (such as
    a photo's location) and anything hidden after the image data. Returns (bytes, suffix,
    width, height); SVG and everything else is refused."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if data[:512].lstrip().startswith(b"<") or b"<svg" in data[:1024].lower():
        raise AuthoringError(_("SVG images are not accepted: upload a PNG, JPEG or WebP image."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # verify() reads the whole file and checks its structure (a PNG's checksums), so
            # a damaged or cut-off file is refused even where WeasyPrint has switched on
            # Pillow's global LOAD_TRUNCATED_IMAGES.
            with Image.open(io.BytesIO(data)) as checked:
                checked.verify()
            with Image.open(io.BytesIO(data)) as opened:
                if opened.format not in IMAGE_FORMATS:
                    raise _image_refused()
                if opened.width * opened.height > IMAGE_MAX_PIXELS:
                    raise AuthoringError(_("The image has too many pixels."))
                is_jpeg = opened.format == "JPEG"
                opened.load()
                image = ImageOps.exif_transpose(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AuthoringError(_("The image has too many pixels.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _image_refused() from None
    image.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
    out = io.BytesIO()
    if is_jpeg:
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
        suffix = "jpg"
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
        suffix = "png"
    return out.getvalue(), suffix, image.width, image.height


@transaction.atomic
def course_image_upload(*, course: Course, upload: UploadedFile, by: User | None) -> CourseImage:
    """Keep an image uploaded into a text page of `course` (precondition: `by` authors it).
    It is stored re-encoded under a random name; nothing of the uploaded name is kept."""
    if upload.size is not None and upload.size > IMAGE_MAX_MB * 1024 * 1024:
        raise AuthoringError(_("The image is larger than %(mb)s MB.") % {"mb": IMAGE_MAX_MB})
    data = upload.read(IMAGE_MAX_MB * 1024 * 1024 + 1)
    if len(data) > IMAGE_MAX_MB * 1024 * 1024:
        raise AuthoringError(_("The image is larger than %(mb)s MB.") % {"mb": IMAGE_MAX_MB})
    return course_image_store(course=course, data=data, by=by)


def course_image_store(*, course: Course, data: bytes, by: User | None) -> CourseImage:
    content, suffix, width, height = image_reencode(data)
    name = f"{uuid.uuid4().hex}.{suffix}"
    image = CourseImage(course=course, name=name, width=width, height=height, uploaded_by=by)
    image.file.save(name, ContentFile(content), save=False)
    image.save()
    return image


def _renumber(rows: list) -> None:
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
    questions = list(item.questions.prefetch_related("choices", "tags"))
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
        tags = list(question.tags.all())
        question.pk = None
        question.id = None
        question.item = copy
        question.save()
        question.tags.set(tags)
        for choice in choices:
            choice.pk = None
            choice.id = None
            choice.question = question
            choice.save()
    item_index(item_ids=[copy.pk])
    return copy


# --- quiz questions as text ----------------------------------------------------------------

# Lazy: a module-level string translated at import would stay in the language of the first
# request (Finnish help on Swedish and English pages).
QUIZ_FORMAT_HELP = format_lazy(
    "{} {}",
    gettext_lazy(
        "One question per block. Start a question with “?” (one right answer) or “??” (several "
        "right answers); then one answer per line, “*” for a right one and “-” for a wrong one, "
        "optionally followed by “|” and the explanation shown after answering."
    ),
    gettext_lazy(
        "Other types: “?#” a number, with the line “= 3,5” or “= 3,5 ± 0,1”; “?~” a short text "
        "answer, with “*” before each accepted answer; “?=” matching, with lines such as "
        "“- Hämeenlinna = Kanta-Häme” (“- = answer” adds a wrong option); “?^” ordering, "
        "with “-” before each item in the right order. A line starting with “!” is the "
        "feedback shown in the attempt review."
    ),
)

KIND_MARKS = {
    "??": Question.Kind.MULTIPLE,
    "?#": Question.Kind.NUMERIC,
    "?~": Question.Kind.SHORT_TEXT,
    "?=": Question.Kind.MATCHING,
    "?^": Question.Kind.ORDERING,
    "?>": Question.Kind.ORDERING,  # also read: the "put in order" arrow some authors type
}
MARKS_OF_KIND: dict[str, str] = {
    Question.Kind.SINGLE: "?",
    Question.Kind.MULTIPLE: "??",
    Question.Kind.NUMERIC: "?#",
    Question.Kind.SHORT_TEXT: "?~",
    Question.Kind.MATCHING: "?=",
    Question.Kind.ORDERING: "?^",
}
# "=" is the documented one; arrows are read too.
PAIR_ARROWS = ("->", "→", "=")
FEEDBACK_MARKS = "!>"
PLUS_MINUS = ("±", "+-", "+/-")


@dataclass
class ParsedChoice:
    text: str = ""
    is_correct: bool = False
    explanation: str = ""
    match: str = ""


@dataclass
class ParsedQuestion:
    kind: str
    text: str
    line: int
    choices: list[ParsedChoice] = field(default_factory=list)
    number: Decimal | None = None
    tolerance: Decimal = Decimal(0)
    feedback: list[str] = field(default_factory=list)

    @property
    def multiple(self) -> bool:
        return self.kind == Question.Kind.MULTIPLE


def _line_error(number: int, message: str) -> AuthoringError:
    return AuthoringError(_("Line %(n)s: %(problem)s") % {"n": number, "problem": message})


def _parse_number_line(body: str, number: int) -> tuple[Decimal, Decimal]:
    value, tolerance = body, ""
    for sign in PLUS_MINUS:
        if sign in body:
            value, _sep, tolerance = body.partition(sign)
            break
    try:
        parsed = parse_decimal(value)
        spread = parse_decimal(tolerance) if tolerance.strip() else Decimal(0)
    except ValueError:
        raise _line_error(
            number, _("write the right number as “= 3,5” or “= 3,5 ± 0,1”.")
        ) from None
    if spread < 0:
        raise _line_error(number, _("the tolerance cannot be negative."))
    if abs(parsed) >= Decimal(10) ** 15 or spread >= Decimal(10) ** 15:
        raise _line_error(number, _("the number is too large."))
    return parsed, spread


def _parse_answer_line(question: ParsedQuestion, line: str, number: int) -> None:
    mark, body = line[0], line[1:].strip()
    kind = question.kind
    if kind == Question.Kind.NUMERIC:
        if mark != "=" or question.number is not None:
            raise _line_error(number, _("a number question has one line “= number”."))
        question.number, question.tolerance = _parse_number_line(body, number)
        return
    if mark == "=":
        raise _line_error(number, _("“=” gives the answer of a number question (“?#”)."))
    if kind == Question.Kind.SHORT_TEXT:
        if mark != "*":
            raise _line_error(number, _("start each accepted answer with “*”."))
        answer, _sep, explanation = body.partition("|")
        question.choices.append(
            ParsedChoice(
                text=answer.strip()[:500], is_correct=True, explanation=explanation.strip()
            )
        )
    elif kind == Question.Kind.MATCHING:
        arrow = next((a for a in PAIR_ARROWS if a in body), None)
        if mark != "-" or arrow is None:
            raise _line_error(number, _("write each pair as “- text = match”."))
        left, _sep, right = body.partition(arrow)
        if not right.strip():
            raise _line_error(number, _("the pair has no match after “=”."))
        question.choices.append(
            ParsedChoice(text=left.strip()[:500], match=right.strip()[:500], is_correct=True)
        )
    elif kind == Question.Kind.ORDERING:
        if mark != "-":
            raise _line_error(number, _("start each item with “-”, in the right order."))
        question.choices.append(ParsedChoice(text=body[:500], is_correct=True))
    else:
        answer, _sep, explanation = body.partition("|")
        question.choices.append(
            ParsedChoice(
                text=answer.strip()[:500], is_correct=mark == "*", explanation=explanation.strip()
            )
        )


def _check_question(question: ParsedQuestion) -> None:
    label = question.text or "?"
    kind = question.kind
    if not question.text:
        raise AuthoringError(_("Line %(n)s: the question has no text.") % {"n": question.line})
    if kind == Question.Kind.NUMERIC:
        if question.number is None:
            raise AuthoringError(_("“%(q)s” needs its right number (“= 3,5”).") % {"q": label})
        return
    if any(not c.text and kind != Question.Kind.MATCHING for c in question.choices):
        raise AuthoringError(_("“%(q)s” has an empty answer line.") % {"q": label})
    if kind == Question.Kind.SHORT_TEXT:
        if not question.choices:
            raise AuthoringError(
                _("“%(q)s” needs at least one accepted answer (“*”).") % {"q": label}
            )
        return
    if kind == Question.Kind.MATCHING:
        if sum(1 for c in question.choices if c.text) < 2:
            raise AuthoringError(_("“%(q)s” needs at least two pairs.") % {"q": label})
        return
    if kind == Question.Kind.ORDERING:
        if len(question.choices) < 2:
            raise AuthoringError(_("“%(q)s” needs at least two items to order.") % {"q": label})
        return
    right = sum(1 for c in question.choices if c.is_correct)
    if len(question.choices) < 2:
        raise AuthoringError(_("“%(q)s” needs a question and at least two answers.") % {"q": label})
    if right == 0 or (kind == Question.Kind.SINGLE and right != 1):
        raise AuthoringError(
            _("“%(q)s” needs exactly one right answer (or use “??” for several).") % {"q": label}
        )


def quiz_parse(text: str) -> list[ParsedQuestion]:
    """Questions from the text format (QUIZ_FORMAT_HELP); AuthoringError names the line."""
    questions: list[ParsedQuestion] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("?"):
            kind = KIND_MARKS.get(line[:2], Question.Kind.SINGLE)
            body = line[2:] if line[:2] in KIND_MARKS else line[1:]
            questions.append(ParsedQuestion(kind=kind, text=body.strip(), line=number))
        elif line[0] in "*-=" or line[0] in FEEDBACK_MARKS:
            if not questions:
                raise _line_error(number, _("an answer needs a question (“?”) before it."))
            if line[0] in FEEDBACK_MARKS:
                questions[-1].feedback.append(line[1:].strip())
            else:
                _parse_answer_line(questions[-1], line, number)
        else:
            raise _line_error(
                number,
                _("start the line with “?”, “??”, “?#”, “?~”, “?=”, “?^”, “*”, “-”, “=” or “!”."),
            )
    for question in questions:
        _check_question(question)
    return questions


def _translation_as_text(question: Question, language: str) -> str:
    """One question's `language` texts in the text format, as written (no Finnish in place of
    a missing text): the marks follow the Finnish question, the number is left out."""
    kind = question.kind

    def text_of(row: object, name: str) -> str:
        return str(getattr(row, f"{name}_{language}", "") or "")

    lines = [f"{MARKS_OF_KIND.get(kind, '?')} {text_of(question, 'text')}".rstrip()]
    for choice in question.choices.all():
        text, explanation = text_of(choice, "text"), text_of(choice, "explanation")
        extra = f" | {explanation}" if explanation else ""
        if kind == Question.Kind.MATCHING:
            lines.append(f"- {text} = {text_of(choice, 'match')}".replace("-  =", "- =").rstrip())
        elif kind == Question.Kind.ORDERING:
            lines.append(f"- {text}".rstrip())
        elif kind == Question.Kind.SHORT_TEXT:
            lines.append(f"* {text}{extra}".rstrip())
        else:
            lines.append(f"{'*' if choice.is_correct else '-'} {text}{extra}".rstrip())
    lines.extend(f"! {line}" for line in text_of(question, "feedback").splitlines() if line.strip())
    return "\n".join(lines)


def _has_translation(question: Question, language: str) -> bool:
    return any(getattr(question, f"{name}_{language}", "") for name in QUESTION_TEXTS) or any(
        getattr(choice, f"{name}_{language}", "")
        for choice in question.choices.all()
        for name in CHOICE_TEXTS
    )


def question_as_text(question: Question, language: str = SOURCE_LANGUAGE) -> str:
    """One question in the text format (choices prefetched or not); in another language than
    Finnish its translation as written, empty when it has none."""
    if language != SOURCE_LANGUAGE:
        if not _has_translation(question, language):
            return ""
        return _translation_as_text(question, language)
    return _question_as_finnish_text(question)


@_in_finnish
def _question_as_finnish_text(question: Question) -> str:
    lines = [f"{MARKS_OF_KIND.get(question.kind, '?')} {question.text}"]
    kind = question.kind
    if kind == Question.Kind.NUMERIC and question.number is not None:
        line = f"= {format_decimal(question.number)}"
        if question.tolerance:
            line += f" ± {format_decimal(question.tolerance)}"
        lines.append(line)
    for choice in question.choices.all():
        extra = f" | {choice.explanation}" if choice.explanation else ""
        if kind == Question.Kind.MATCHING:
            lines.append(f"- {choice.text} = {choice.match}".replace("-  =", "- ="))
        elif kind == Question.Kind.ORDERING:
            lines.append(f"- {choice.text}")
        elif kind == Question.Kind.SHORT_TEXT:
            lines.append(f"* {choice.text}{extra}")
        else:
            lines.append(f"{'*' if choice.is_correct else '-'} {choice.text}{extra}")
    lines.extend(f"! {line}" for line in question.feedback.splitlines() if line.strip())
    return "\n".join(lines)


def quiz_as_text(
    item: Item, language: str = SOURCE_LANGUAGE, *, questions: list[Question] | None = None
) -> str:
    """The check's own questions in the text format; in another language than Finnish their
    translation (empty when none of them has one). `questions`: the check's questions as
    `selectors.quiz_questions` reads them, when the caller has them (the editor, once for
    every language)."""
    if questions is None:
        questions = list(item.questions.order_by("position", "pk").prefetch_related("choices"))
    if language != SOURCE_LANGUAGE:
        if not any(_has_translation(q, language) for q in questions):
            return ""
        return "\n\n".join(_translation_as_text(q, language) for q in questions)
    with translation.override(SOURCE_LANGUAGE):
        return "\n\n".join(_question_as_finnish_text(q) for q in questions)


# --- the questions' other languages -----------------------------------------------------------

QUESTION_TEXTS = ("text", "feedback")
CHOICE_TEXTS = ("text", "match", "explanation")


def _translation_line(source: ParsedQuestion, target: ParsedQuestion, line: str, n: int) -> None:
    mark, body = line[0], line[1:].strip()
    kind = source.kind
    if mark == "=":
        if kind == Question.Kind.NUMERIC:
            return  # the number comes from the Finnish text
        raise _line_error(n, _("“=” gives the answer of a number question (“?#”)."))
    if kind == Question.Kind.NUMERIC:
        raise _line_error(n, _("a number question has no answer lines to translate."))
    if kind == Question.Kind.MATCHING:
        arrow = next((a for a in PAIR_ARROWS if a in body), None)
        if arrow is None:
            raise _line_error(n, _("write each pair as “- text = match”."))
        left, _sep, right = body.partition(arrow)
        target.choices.append(ParsedChoice(text=left.strip()[:500], match=right.strip()[:500]))
    elif kind == Question.Kind.ORDERING:
        target.choices.append(ParsedChoice(text=body[:500]))
    else:
        answer, _sep, explanation = body.partition("|")
        target.choices.append(
            ParsedChoice(text=answer.strip()[:500], explanation=explanation.strip())
        )


def quiz_translation_parse(source: list[ParsedQuestion], text: str) -> list[ParsedQuestion]:
    """A translation of the Finnish questions `source` in the text format: the same questions
    in the same order with as many answer lines each. Only its texts count (the types, the
    right answers and numbers are the Finnish ones'); a text left empty is shown in Finnish.
    An empty translation gives []. AuthoringError names the line or the question."""
    if not (text or "").strip():
        return []
    out: list[ParsedQuestion] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("?"):
            if len(out) >= len(source):
                raise AuthoringError(
                    ngettext(
                        "Line %(n)s: the Finnish text has only %(count)s question.",
                        "Line %(n)s: the Finnish text has only %(count)s questions.",
                        len(source),
                    )
                    % {"n": number, "count": len(source)}
                )
            body = line[2:] if line[:2] in KIND_MARKS else line[1:]
            out.append(ParsedQuestion(kind=source[len(out)].kind, text=body.strip(), line=number))
        elif line[0] in "*-=" or line[0] in FEEDBACK_MARKS:
            if not out:
                raise _line_error(number, _("an answer needs a question (“?”) before it."))
            if line[0] in FEEDBACK_MARKS:
                out[-1].feedback.append(line[1:].strip())
            else:
                _translation_line(source[len(out) - 1], out[-1], line, number)
        else:
            raise _line_error(
                number,
                _("start the line with “?”, “??”, “?#”, “?~”, “?=”, “?^”, “*”, “-”, “=” or “!”."),
            )
    if len(out) != len(source):
        raise AuthoringError(
            ngettext(
                "The Finnish text has %(source)s question and this one %(count)s: translate "
                "every question, in the same order.",
                "The Finnish text has %(source)s questions and this one %(count)s: translate "
                "every question, in the same order.",
                len(source),
            )
            % {"source": len(source), "count": len(out)}
        )
    for position, (original, translated) in enumerate(zip(source, out, strict=True), start=1):
        if len(translated.choices) != len(original.choices):
            raise AuthoringError(
                ngettext(
                    "Question %(n)s has %(count)s answer line here and %(source)s in Finnish: "
                    "translate each answer on its own line.",
                    "Question %(n)s has %(count)s answer lines here and %(source)s in Finnish: "
                    "translate each answer on its own line.",
                    len(translated.choices),
                )
                % {"n": position, "count": len(translated.choices), "source": len(original.choices)}
            )
    return out


def _translations_parse(
    source: list[ParsedQuestion], translations: dict[str, str] | None
) -> dict[str, list[ParsedQuestion]]:
    parsed: dict[str, list[ParsedQuestion]] = {}
    for language, text in (translations or {}).items():
        if language == SOURCE_LANGUAGE or language not in content_languages():
            continue
        parsed[language] = quiz_translation_parse(source, text)
    return parsed


def _save_translation(question: Question, language: str, parsed: ParsedQuestion | None) -> None:
    """Write (or, with None, clear) one question's texts in `language`."""
    setattr(question, f"text_{language}", parsed.text if parsed else "")
    setattr(question, f"feedback_{language}", "\n".join(parsed.feedback) if parsed else "")
    question.save(update_fields=[f"{name}_{language}" for name in QUESTION_TEXTS])
    choices = list(question.choices.order_by("position", "pk"))
    for position, choice in enumerate(choices):
        given = parsed.choices[position] if parsed and position < len(parsed.choices) else None
        for name in CHOICE_TEXTS:
            setattr(choice, f"{name}_{language}", getattr(given, name) if given else "")
        choice.save(update_fields=[f"{name}_{language}" for name in CHOICE_TEXTS])


def _save_translations(
    questions: list[Question], translations: dict[str, list[ParsedQuestion]]
) -> None:
    for language, parsed in translations.items():
        for index, question in enumerate(questions):
            _save_translation(question, language, parsed[index] if parsed else None)


def _question_fields(parsed: ParsedQuestion) -> dict[str, object]:
    return {
        "kind": parsed.kind,
        "text": parsed.text,
        "number": parsed.number,
        "tolerance": parsed.tolerance,
        "feedback": "\n".join(parsed.feedback),
    }


Row = TypeVar("Row")
Entry = TypeVar("Entry")


def _pair(
    old: list[Row],
    new: list[Entry],
    keys: list[tuple[Callable[[Row], object], Callable[[Entry], object]]],
    fits: Callable[[Row, Entry], bool],
) -> list[Row | None]:
    """For each of `new` (in order) the old row it continues, or None for a new one. Rows
    pair by `keys`, the strictest first (the same text and answers wherever it moved, then the
    same text); an entry still alone takes a lone old row that `fits` it between the same
    neighbours (a text edited where it stood). Each old row is paired at most once."""
    found: list[int | None] = [None] * len(new)
    used: set[int] = set()
    for old_key, new_key in keys:
        wanted: dict[object, list[int]] = {}
        for j, row in enumerate(old):
            if j not in used:
                wanted.setdefault(old_key(row), []).append(j)
        for i, entry in enumerate(new):
            if found[i] is None and (free := wanted.get(new_key(entry))):
                j = free.pop(0)
                found[i] = j
                used.add(j)
    for i, entry in enumerate(new):
        if found[i] is not None:
            continue
        before = next((j for j in reversed(found[:i]) if j is not None), -1)
        after = next((j for j in found[i + 1 :] if j is not None), len(old))
        for j in range(before + 1, after):
            if j not in used and fits(old[j], entry):
                found[i] = j
                used.add(j)
                break
    return [None if j is None else old[j] for j in found]


def _fi(row: Question | Choice, name: str) -> str:
    return getattr(row, f"{name}_{SOURCE_LANGUAGE}") or ""


def _choice_key(choice: Choice) -> tuple[object, ...]:
    return (
        _fi(choice, "text"),
        _fi(choice, "match"),
        choice.is_correct,
        _fi(choice, "explanation"),
    )


def _parsed_choice_key(choice: ParsedChoice) -> tuple[object, ...]:
    return (choice.text, choice.match, choice.is_correct, choice.explanation)


def _question_key(question: Question) -> tuple[object, ...]:
    return (
        question.kind,
        _fi(question, "text"),
        question.number,
        question.tolerance or 0,
        _fi(question, "feedback"),
        tuple(_choice_key(c) for c in question.choices.all()),
    )


def _parsed_question_key(question: ParsedQuestion) -> tuple[object, ...]:
    return (
        question.kind,
        question.text,
        question.number,
        question.tolerance or 0,
        "\n".join(question.feedback),
        tuple(_parsed_choice_key(c) for c in question.choices),
    )


def _save_choices(question: Question, parsed: ParsedQuestion) -> None:
    """Write the question's choices in the parsed order: an unchanged, moved or edited choice
    keeps its row (and id), the others are added or deleted."""
    old = list(question.choices.order_by("position", "pk"))
    rows = _pair(
        old,
        parsed.choices,
        [
            (_choice_key, _parsed_choice_key),
            (lambda c: (_fi(c, "text"), _fi(c, "match")), lambda p: (p.text, p.match)),
        ],
        lambda _row, _entry: True,
    )
    kept = []
    for position, (data, row) in enumerate(zip(parsed.choices, rows, strict=True)):
        choice = row or Choice(question=question)
        choice.position = position
        choice.text = data.text
        choice.match = data.match
        choice.is_correct = data.is_correct
        choice.explanation = data.explanation
        choice.save()
        kept.append(choice.pk)
    question.choices.exclude(pk__in=kept).delete()


def _asked_ids(attempt: QuizAttempt) -> list[int]:
    return [int(pk) for pk in attempt.questions or [] if str(pk).isdigit()]


FREEZE_BATCH = 500


def quiz_attempts_freeze(*, course_id: int) -> None:
    """Before the course's questions change: take the snapshot (QuizAttempt.snapshot) of each
    answered attempt at its checks that has none yet, from the questions as they still are,
    so its review keeps showing what it asked. A check that draws asks bank questions, and a
    check's own questions are in the bank, so every check of the course is covered. Each
    attempt's snapshot is taken once."""
    pending = QuizAttempt.objects.filter(
        item__module__course_id=course_id, submitted_at__isnull=False, snapshot__isnull=True
    ).only("pk", "questions")
    while batch := list(pending.order_by("pk")[:FREEZE_BATCH]):
        questions = selectors.quiz_questions_by_ids(
            ids=sorted({pk for attempt in batch for pk in _asked_ids(attempt)})
        )
        asked = {entry["id"]: entry for entry in quiz.snapshot(questions)}
        for attempt in batch:
            # A question deleted before snapshots were kept is left out, as its review did.
            attempt.snapshot = [asked[pk] for pk in _asked_ids(attempt) if pk in asked]
        QuizAttempt.objects.bulk_update(batch, ["snapshot"])


@transaction.atomic
@_in_finnish
def quiz_update(*, item: Item, text: str, translations: dict[str, str] | None = None) -> None:
    """Replace the check's own questions from the text format. A question kept, moved or
    edited keeps its row (and id): matched by its text and answers wherever it moved, else by
    its place between the questions kept (see _pair); a new one gets a row and one left out is
    deleted. The attempts already answered keep what they asked (quiz_attempts_freeze, first)
    and the learners' results and completions stay. Each question is in the course's question
    bank too. `translations` ({"sv": text, ...}, see quiz_translation_parse) replaces those
    languages' texts; languages not given keep theirs."""
    parsed = quiz_parse(text)
    if not parsed and not item.draw_count:
        raise AuthoringError(_("A knowledge check needs at least one question."))
    translated = _translations_parse(parsed, translations)
    course_id = item.module.course_id
    # One author's save at a time: two at once would pair their questions with the same rows.
    Item.objects.select_for_update().filter(pk=item.pk).first()
    quiz_attempts_freeze(course_id=course_id)
    old = selectors.quiz_questions(item=item)
    rows = _pair(
        old,
        parsed,
        [
            (_question_key, _parsed_question_key),
            (lambda q: (q.kind, _fi(q, "text")), lambda p: (p.kind, p.text)),
        ],
        lambda row, entry: row.kind == entry.kind,
    )
    saved = []
    for position, (data, row) in enumerate(zip(parsed, rows, strict=True)):
        question = row or Question(item=item)
        question.course_id = course_id
        question.position = position
        for name, value in _question_fields(data).items():
            setattr(question, name, value)
        question.save()
        _save_choices(question, data)
        saved.append(question)
    item.questions.exclude(pk__in=[q.pk for q in saved]).delete()
    _save_translations(saved, translated)


# --- the course's question bank ------------------------------------------------------------


def tag_names(text: str) -> list[str]:
    """ "Verkostot, vaikuttavuus" -> ["Verkostot", "vaikuttavuus"] (duplicates once)."""
    names: dict[str, str] = {}
    for raw in (text or "").split(","):
        name = " ".join(raw.split())[:60]
        if name:
            names.setdefault(name.casefold(), name)
    return list(names.values())


def _tags(course: Course, names: list[str]) -> list[QuestionTag]:
    existing = {t.name.casefold(): t for t in course.question_tags.all()}
    tags = []
    for name in names:
        tag = existing.get(name.casefold())
        if tag is None:
            tag = existing[name.casefold()] = QuestionTag.objects.create(course=course, name=name)
        tags.append(tag)
    return tags


@transaction.atomic
@_in_finnish
def bank_questions_add(
    *, course: Course, text: str, tags: str = "", translations: dict[str, str] | None = None
) -> list[Question]:
    """Add questions (text format) to the course's question bank with the given tags
    (comma-separated; new tags are created) and their `translations` ({"sv": text, ...}).
    Precondition: the caller authors the course."""
    parsed = quiz_parse(text)
    if not parsed:
        raise AuthoringError(_("Write at least one question."))
    translated = _translations_parse(parsed, translations)
    tag_rows = _tags(course, tag_names(tags))
    start = _next_position(Question.objects.filter(course=course, item__isnull=True))
    created = []
    for offset, question_data in enumerate(parsed):
        question = Question.objects.create(
            course=course, position=start + offset, **_question_fields(question_data)
        )
        _save_choices(question, question_data)
        question.tags.set(tag_rows)
        created.append(question)
    _save_translations(created, translated)
    return created


@transaction.atomic
@_in_finnish
def bank_question_update(
    *, question: Question, text: str, tags: str = "", translations: dict[str, str] | None = None
) -> Question:
    """Replace one bank question from the text format (exactly one question), its tags and
    its `translations` ({"sv": text, ...}); its id stays. The attempts already answered keep
    the question as they asked it (quiz_attempts_freeze)."""
    parsed = quiz_parse(text)
    if len(parsed) != 1:
        raise AuthoringError(_("Write exactly one question here."))
    translated = _translations_parse(parsed, translations)
    quiz_attempts_freeze(course_id=question.course_id)
    for name, value in _question_fields(parsed[0]).items():
        setattr(question, name, value)
    question.save()
    _save_choices(question, parsed[0])
    question.tags.set(_tags(question.course, tag_names(tags)))
    _save_translations([question], translated)
    return question


@transaction.atomic
def bank_question_delete(*, question: Question) -> None:
    """Remove a question from the bank (and from the check it was written in). The attempts
    already answered keep it in their review, as they asked it (quiz_attempts_freeze)."""
    quiz_attempts_freeze(course_id=question.course_id)
    question.delete()


# --- completion criteria and per-learner release extensions ----------------------------------


@transaction.atomic
def course_criteria_set(
    *,
    course: Course,
    assignments: list,
    min_attendance_percent: int | None = None,
) -> None:
    """The workshop phases that must be approved, and the share of workshop sessions that must
    be attended, before the course counts as complete; only the course's own workshop
    assignments are allowed."""
    if any(a.workshop.course_id != course.pk for a in assignments):
        raise AuthoringError(_("Choose only workshop assignments of this course."))
    if min_attendance_percent is not None and not 1 <= min_attendance_percent <= 100:
        raise AuthoringError(_("Give the attendance share as a percentage from 1 to 100."))
    course.completion_assignments.set(assignments)
    course.min_attendance_percent = min_attendance_percent or None
    course.save(update_fields=["min_attendance_percent"])


@transaction.atomic
def course_certificate_set(
    *,
    course: Course,
    scope_hours: Decimal | None = None,
    scope_credits: Decimal | None = None,
    signer: str = "",
) -> None:
    """What certificates issued from now on print besides the modules: the scope in hours
    and credits (each left out when empty) and the name under the signature line."""
    if any(v is not None and v < 0 for v in (scope_hours, scope_credits)):
        raise AuthoringError(_("The scope cannot be negative."))
    course.scope_hours = scope_hours
    course.scope_credits = scope_credits
    course.certificate_signer = (signer or "").strip()
    course.save(update_fields=["scope_hours", "scope_credits", "certificate_signer"])


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


def cohort_extensions(*, cohort: Cohort):
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


def _titles(row: Item | Module | Course) -> dict[str, str]:
    return {
        language: title
        for language in content_languages()
        if (title := getattr(row, f"title_{language}", None))
    }


def _reflections_keep(*, items: Iterable[Item]) -> int:
    """Before these items are deleted: keep what their reflections answered (the item's, its
    module's and course's titles in every language), so the learners' journals still say it;
    the reflections themselves stay (Reflection.item is set empty)."""
    kept = 0
    for item in items:
        kept += Reflection.objects.filter(item=item).update(
            removed_item={
                "item": _titles(item),
                "module": _titles(item.module),
                "course": _titles(item.module.course),
            }
        )
    return kept


@transaction.atomic
def item_delete(*, item: Item) -> int:
    """Delete an item; returns how many learners' reflections on it were kept. Progress and
    knowledge check attempts on it go; the reflections stay in their writers' journals, and
    other checks' attempts that drew its questions from the bank keep them as asked."""
    quiz_attempts_freeze(course_id=item.module.course_id)
    kept = _reflections_keep(items=[item])
    item.delete()
    return kept


@transaction.atomic
def module_delete(*, module: Module) -> int:
    """Delete a module with its items, as item_delete does each."""
    quiz_attempts_freeze(course_id=module.course_id)
    items = list(module.items.all())
    for item in items:
        item.module = module
    kept = _reflections_keep(items=items)
    module.delete()
    return kept
