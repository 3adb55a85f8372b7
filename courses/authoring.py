"""Writes for course authors: modules and items, their order, duplicates and quiz questions.

Editing keeps every row's primary key, so learners' completions, attempts and reflections stay
attached to the item they belong to: editing a published item never loses learner progress.
"""

from __future__ import annotations

import io
import uuid
import warnings
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.models import User
from learners.models import Cohort, Membership

from .models import Choice, Course, CourseImage, Item, Module, Question, ReleaseExtension
from .richtext import clean_course_html
from .search import item_index


class AuthoringError(DomainError):
    pass


def _next_position(qs) -> int:
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
    item.body = clean_course_html(item.body)
    item.save()
    item_index(item_ids=[item.pk])
    return item


@transaction.atomic
def item_update(*, item: Item) -> Item:
    item.body = clean_course_html(item.body)
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
    item_index(item_ids=[copy.pk])
    return copy


# --- quiz questions as text ----------------------------------------------------------------

# Lazy: a module-level string translated at import would stay in the language of the first
# request (Finnish help on Swedish and English pages).
QUIZ_FORMAT_HELP = gettext_lazy(
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
