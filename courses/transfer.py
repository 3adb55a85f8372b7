"""Export a course to one zip archive and import it (here or on another instance).

The archive holds `course.json` (format "alueagentti-course", version 3: the course, its
modules with release rules, items with their settings, knowledge checks with answers and
explanations, the question bank with its tags; every text in Finnish under its own key and
its Swedish and English versions, where written, under "translations"), `files/<n><suffix>`
for uploaded resources, videos and captions, and `images/<name>` for the images shown in text
pages (listed in "images"). Learner data (progress, attempts, reflections, certificates) is
never exported. A link to a workshop assignment is not carried over (assignments belong to the
instance); the item keeps its rule.

Import creates a new course, with every module as a draft, a free slug and the importer as
its author. Each image is checked and re-encoded again and stored for the new course under a
new random name, and the text pages are rewritten to show the new copies. `course_copy` is
export + import in one step, for a new cohort.
"""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal
from pathlib import PurePath
from typing import IO, Any

import jsonschema
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from core.errors import DomainError
from core.models import User

from . import richtext
from .models import Choice, Course, CourseImage, Item, Module, Question, QuestionTag
from .search import item_index

FORMAT = "alueagentti-course"
# 2: question types, the question bank with tags, checks that draw from it.
# 3: "translations": each text's Swedish and English versions. 1 and 2 are still read (their
# texts are Finnish).
VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
# The languages carried under "translations" (Finnish is the text under the field's own key),
# and the texts of each kind of row that have a version per language (courses/translation.py).
OTHER_LANGUAGES = ("sv", "en")
COURSE_TEXTS = ("title", "description")
MODULE_TEXTS = ("title", "summary")
ITEM_TEXTS = ("title", "body")
QUESTION_TEXTS = ("text", "feedback")
CHOICE_TEXTS = ("text", "match", "explanation")
MAX_ARCHIVE_BYTES = 500 * 1024 * 1024
MAX_JSON_BYTES = 20 * 1024 * 1024
CHUNK = 1024 * 1024
FILE_FIELDS = ("file", "video_file", "captions")
MODULE_FIELDS = ("title", "summary", "is_published", "sequential", "unlock_after_days")
ITEM_FIELDS = (
    "kind",
    "title",
    "body",
    "video_url",
    "link_url",
    "file_name",
    "pass_mark",
    "max_attempts",
    "completion_rule",
    "is_required",
    "is_published",
    "minutes",
)


class TransferError(DomainError):
    pass


def _translations(row: Any, fields: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """{language: {field: text}} of the row's Swedish and English texts that are written."""
    found: dict[str, dict[str, str]] = {}
    for language in OTHER_LANGUAGES:
        texts = {f: getattr(row, f"{f}_{language}") for f in fields}
        texts = {f: text for f, text in texts.items() if text}
        if texts:
            found[language] = texts
    return found


def course_structure(course: Course) -> dict[str, Any]:
    """The course as plain data (without files), in course order; also the archive's JSON.
    Each text under its own key is the Finnish one (whatever the exporter's language)."""
    with translation.override("fi"):
        return _course_structure(course)


def _course_structure(course: Course) -> dict[str, Any]:
    modules = list(
        course.modules.order_by("position", "pk").prefetch_related(
            "prerequisites",
            "items__questions__choices",
            "items__questions__tags",
            "items__draw_tag",
        )
    )
    keys = {m.pk: n for n, m in enumerate(modules)}
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "course": {
            "title": course.title,
            "slug": course.slug,
            "description": course.description,
            "min_attendance_percent": course.min_attendance_percent,
            "translations": _translations(course, COURSE_TEXTS),
        },
        "modules": [],
    }
    for module in modules:
        items = sorted(module.items.all(), key=lambda i: (i.position, i.pk))
        data["modules"].append(
            {
                **{f: getattr(module, f) for f in MODULE_FIELDS},
                "key": keys[module.pk],
                "translations": _translations(module, MODULE_TEXTS),
                "prerequisites": sorted(
                    keys[p.pk] for p in module.prerequisites.all() if p.pk in keys
                ),
                "items": [
                    {
                        **{f: getattr(item, f) for f in ITEM_FIELDS},
                        "translations": _translations(item, ITEM_TEXTS),
                        **(
                            {
                                "draw_count": item.draw_count,
                                "draw_tag": item.draw_tag.name if item.draw_tag else None,
                                "review_shows_answers": item.review_shows_answers,
                            }
                            if item.kind == Item.Kind.QUIZ
                            else {}
                        ),
                        "questions": [
                            _question_data(q)
                            for q in sorted(item.questions.all(), key=lambda q: (q.position, q.pk))
                        ],
                    }
                    for item in items
                ],
            }
        )
    bank = (
        course.questions.filter(item__isnull=True)
        .order_by("position", "pk")
        .prefetch_related("choices", "tags")
    )
    data["question_bank"] = [_question_data(q) for q in bank]
    return data


def _question_data(q: Question) -> dict[str, Any]:
    return {
        "kind": q.kind,
        "text": q.text,
        # Read by archives of version 1; "kind" says it all from version 2.
        "multiple": q.kind == Question.Kind.MULTIPLE,
        "number": None if q.number is None else str(q.number.normalize()),
        "tolerance": str(q.tolerance.normalize()) if q.tolerance else None,
        "feedback": q.feedback,
        "translations": _translations(q, QUESTION_TEXTS),
        "tags": sorted(t.name for t in q.tags.all()),
        "choices": [
            {
                "text": c.text,
                "match": c.match,
                "is_correct": c.is_correct,
                "explanation": c.explanation,
                "translations": _translations(c, CHOICE_TEXTS),
            }
            for c in sorted(q.choices.all(), key=lambda c: (c.position, c.pk))
        ],
    }


def course_export(*, course: Course) -> bytes:
    """The course as a zip archive (course.json + files)."""
    data = course_structure(course)
    buffer = io.BytesIO()
    items = Item.objects.filter(module__course=course).order_by(
        "module__position", "module__pk", "position", "pk"
    )
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        flat = [i for m in data["modules"] for i in m["items"]]
        counter = 0
        for item, entry in zip(items, flat, strict=True):
            entry["files"] = {}
            for field in FILE_FIELDS:
                stored = getattr(item, field)
                if not stored:
                    continue
                counter += 1
                name = f"files/{counter}{PurePath(stored.name).suffix.lower()[:10]}"
                with stored.open("rb") as handle:
                    archive.writestr(name, handle.read())
                entry["files"][field] = name
        bodies = [entry["body"] for entry in flat] + [
            texts.get("body", "") for entry in flat for texts in entry["translations"].values()
        ]
        shown = {name for body in bodies for name in richtext.image_names(body)}
        data["images"] = []
        for image in CourseImage.objects.filter(course=course, name__in=shown).order_by("name"):
            with image.file.open("rb") as handle:
                archive.writestr(f"images/{image.name}", handle.read())
            data["images"].append(image.name)
        archive.writestr("course.json", json.dumps(data, ensure_ascii=False, indent=2))
    return buffer.getvalue()


def _free_slug(slug: str) -> str:
    base = slugify(slug)[:70] or "course"
    candidate, n = base, 1
    while Course.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _text(value: object, limit: int | None = None) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TransferError(_("The archive's course.json is not valid."))
    return value[:limit] if limit else value


# --- reading an archive safely ---------------------------------------------------------------


def import_limits() -> tuple[int, int, int, int]:
    """(entries, bytes per entry, total bytes unpacked, compression ratio) an archive may have."""
    return (
        getattr(settings, "COURSE_IMPORT_MAX_ENTRIES", 2000),
        getattr(settings, "COURSE_IMPORT_MAX_ENTRY_MB", 100) * 1024 * 1024,
        getattr(settings, "COURSE_IMPORT_MAX_TOTAL_MB", 500) * 1024 * 1024,
        getattr(settings, "COURSE_IMPORT_MAX_RATIO", 100),
    )


def _too_big() -> TransferError:
    return TransferError(
        _(
            "The archive unpacks to more data than a course archive may hold (too many files, "
            "a file that is too large, or a possible archive bomb), so it was not imported."
        )
    )


def _check_entries(zf: zipfile.ZipFile) -> None:
    """Refuse an archive by its directory alone, before anything in it is unpacked."""
    max_entries, max_entry, max_total, max_ratio = import_limits()
    entries = zf.infolist()
    if len(entries) > max_entries:
        raise _too_big()
    total = 0
    for entry in entries:
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if (
            entry.file_size > max_entry
            or total > max_total
            or (entry.file_size > 1024 * 1024 and ratio > max_ratio)
        ):
            raise _too_big()
        if entry.flag_bits & 0x1:
            raise TransferError(_("The archive is password-protected. Export it again."))


class _Bounded(io.RawIOBase):
    """An archive member read in chunks that stops at `limit` bytes, whatever its header says
    (the directory's sizes are the archive's own claim)."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self.stream, self.left = stream, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(min(len(buffer), self.left + 1))
        if len(data) > self.left:
            raise _too_big()
        self.left -= len(data)
        buffer[: len(data)] = data
        return len(data)


def _member(zf: zipfile.ZipFile, name: str) -> File:
    """A member as a Django File that storage copies chunk by chunk (never whole in memory)."""
    info = zf.getinfo(name)
    stream = io.BufferedReader(_Bounded(zf.open(info), info.file_size), buffer_size=CHUNK)
    return File(stream, name=PurePath(name).name)


def _read(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise _too_big()
    with zf.open(info) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise _too_big()
    return data


# The manifest's shape. Unknown keys are ignored (a newer export may carry more); every key the
# import reads is typed, so a bad archive is refused with the place and the reason.
_TEXT = {"type": "string"}
_COUNT = {"type": "integer", "minimum": 0}
_NUMBER = {"type": ["string", "null"], "pattern": r"^-?[0-9]{1,15}(\.[0-9]{1,8})?$"}


def _translations_schema(**fields: dict[str, Any]) -> dict[str, Any]:
    """ "translations": {"sv": {field: text}, "en": {...}} with these fields' own limits."""
    return {
        "type": "object",
        "propertyNames": {"enum": list(OTHER_LANGUAGES)},
        "additionalProperties": {
            "type": "object",
            "properties": fields,
            "additionalProperties": False,
        },
    }


CHOICE_SCHEMA = {
    "type": "object",
    "required": ["text"],
    "properties": {
        "text": {"type": "string", "maxLength": 500},
        "match": {"type": "string", "maxLength": 500},
        "is_correct": {"type": "boolean"},
        "explanation": _TEXT,
        "translations": _translations_schema(
            text={"type": "string", "maxLength": 500},
            match={"type": "string", "maxLength": 500},
            explanation=_TEXT,
        ),
    },
}
QUESTION_SCHEMA = {
    "type": "object",
    "required": ["text"],
    "properties": {
        "kind": {"enum": list(Question.Kind.values)},
        "text": {"type": "string", "minLength": 1},
        "multiple": {"type": "boolean"},
        "number": _NUMBER,
        "tolerance": _NUMBER,
        "feedback": _TEXT,
        "translations": _translations_schema(text=_TEXT, feedback=_TEXT),
        "tags": {"type": "array", "maxItems": 50, "items": {"type": "string", "maxLength": 60}},
        "choices": {"type": "array", "maxItems": 50, "items": CHOICE_SCHEMA},
    },
    "if": {"properties": {"kind": {"const": "numeric"}}, "required": ["kind"]},
    "then": {"required": ["number"], "properties": {"number": {"type": "string"}}},
}
ITEM_SCHEMA = {
    "type": "object",
    "required": ["kind", "completion_rule"],
    "properties": {
        "kind": {"enum": list(Item.Kind.values)},
        "completion_rule": {"enum": list(Item.Rule.values)},
        "title": {"type": "string", "maxLength": 200},
        "body": _TEXT,
        "translations": _translations_schema(
            title={"type": "string", "maxLength": 200}, body=_TEXT
        ),
        "video_url": {"type": "string", "maxLength": 200},
        "link_url": {"type": "string", "maxLength": 200},
        "file_name": {"type": "string", "maxLength": 255},
        "pass_mark": {"type": "integer", "minimum": 0, "maximum": 100},
        "max_attempts": _COUNT,
        "minutes": _COUNT,
        "is_required": {"type": "boolean"},
        "is_published": {"type": "boolean"},
        "files": {
            "type": "object",
            "propertyNames": {"enum": list(FILE_FIELDS)},
            "additionalProperties": {
                "type": "string",
                "pattern": r"^files/[0-9]+(\.[a-z0-9]{1,9})?$",
            },
        },
        "questions": {"type": "array", "maxItems": 200, "items": QUESTION_SCHEMA},
        "draw_count": {"type": "integer", "minimum": 0, "maximum": 1000},
        "draw_tag": {"type": ["string", "null"], "maxLength": 60},
        "review_shows_answers": {"type": "boolean"},
    },
}
MODULE_SCHEMA = {
    "type": "object",
    "required": ["key"],
    "properties": {
        "key": _COUNT,
        "title": {"type": "string", "maxLength": 200},
        "summary": _TEXT,
        "translations": _translations_schema(
            title={"type": "string", "maxLength": 200}, summary=_TEXT
        ),
        "sequential": {"type": "boolean"},
        "unlock_after_days": {"type": ["integer", "null"], "minimum": 0, "maximum": 3650},
        "prerequisites": {"type": "array", "items": _COUNT},
        "items": {"type": "array", "maxItems": 500, "items": ITEM_SCHEMA},
    },
}
MANIFEST_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["format", "version", "course", "modules"],
    "properties": {
        "format": {"const": FORMAT},
        "version": {"type": "integer"},
        "course": {
            "type": "object",
            "properties": {
                "title": _TEXT,
                "slug": _TEXT,
                "description": _TEXT,
                "min_attendance_percent": {"type": ["integer", "null"]},
                "translations": _translations_schema(
                    title={"type": "string", "maxLength": 200}, description=_TEXT
                ),
            },
        },
        "modules": {"type": "array", "maxItems": 200, "items": MODULE_SCHEMA},
        "question_bank": {"type": "array", "maxItems": 5000, "items": QUESTION_SCHEMA},
        "images": {
            "type": "array",
            "maxItems": 2000,
            "items": {"type": "string", "pattern": rf"^{richtext.IMAGE_NAME}$"},
        },
    },
}
_PLACES = {
    "modules": pgettext_lazy("course archive", "module %(n)s"),
    "items": pgettext_lazy("course archive", "item %(n)s"),
    "questions": pgettext_lazy("course archive", "question %(n)s"),
    "choices": pgettext_lazy("course archive", "choice %(n)s"),
    "question_bank": pgettext_lazy("course archive", "question bank %(n)s"),
    "images": pgettext_lazy("course archive", "image %(n)s"),
    "translations": pgettext_lazy("course archive", "translations"),
}


def _where(path: list[Any]) -> str:
    """`['modules', 0, 'items', 2, 'title']` as "module 1, item 3, title"."""
    parts: list[str] = []
    for n, step in enumerate(path):
        if isinstance(step, int) and n and str(path[n - 1]) in _PLACES:
            parts[-1] = str(_PLACES[str(path[n - 1])]) % {"n": step + 1}
        else:
            parts.append(str(step))
    return ", ".join(parts)


def _reason(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        missing = next(
            (key for key in error.validator_value if key not in (error.instance or {})), "?"
        )
        problem = _("“%(field)s” is missing") % {"field": missing}
    elif error.validator in {"type", "pattern", "const", "enum", "propertyNames"}:
        problem = _("“%(value)s” is not an allowed value") % {"value": str(error.instance)[:60]}
    elif error.validator in {"maxLength", "maxItems", "maximum"}:
        problem = _("the value is too long or too large")
    elif error.validator in {"minLength", "minimum"}:
        problem = _("the value is empty or too small")
    else:
        problem = _("the value is not allowed")
    where = _where(list(error.absolute_path))
    if not where:
        return _("The archive's course.json is not valid: %(problem)s.") % {"problem": problem}
    return _("The archive's course.json is not valid at %(where)s: %(problem)s.") % {
        "where": where,
        "problem": problem,
    }


def validate_manifest(data: object) -> dict[str, Any]:
    """The manifest, or TransferError naming the first place that breaks the schema."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TransferError(_("This is not a course archive exported from Alueagentti."))
    if data.get("version") not in READABLE_VERSIONS:
        raise TransferError(_("This course archive is from an unsupported version."))
    try:
        error = jsonschema.exceptions.best_match(
            jsonschema.Draft202012Validator(MANIFEST_SCHEMA).iter_errors(data)
        )
    except RecursionError:
        raise TransferError(_("The archive's course.json is nested too deeply.")) from None
    if error is not None:
        raise TransferError(_reason(error))
    return data


@transaction.atomic
def course_import(*, archive: bytes | IO[bytes], by: User, title: str | None = None) -> Course:
    """Create a new draft course from an exported archive (bytes or an open file, read in
    chunks); `by` becomes its author. Nothing is saved, in the database or in storage, if the
    archive is not valid, and nothing in it is unpacked beyond the limits (`import_limits`)."""
    stream = io.BytesIO(archive) if isinstance(archive, bytes | bytearray) else archive
    stream.seek(0, io.SEEK_END)
    if stream.tell() > MAX_ARCHIVE_BYTES:
        raise TransferError(_("The archive is too large."))
    stream.seek(0)
    try:
        zf = zipfile.ZipFile(stream)
        _check_entries(zf)
        raw = _read(zf, "course.json", MAX_JSON_BYTES)
        data = json.loads(raw.decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, json.JSONDecodeError, OSError):
        raise TransferError(_("This is not a course archive exported from Alueagentti.")) from None
    except RecursionError:
        raise TransferError(_("The archive's course.json is nested too deeply.")) from None
    except (NotImplementedError, EOFError):
        raise TransferError(
            _("The archive is damaged or packed in a way that is not supported.")
        ) from None
    stored: list[FieldFile] = []
    try:
        with zf:
            return _build(zf, validate_manifest(data), by=by, title=title, stored=stored)
    except TransferError:
        _remove(stored)
        raise
    except (TypeError, ValueError, AttributeError, KeyError, zipfile.BadZipFile, EOFError):
        _remove(stored)
        raise TransferError(_("The archive's course.json is not valid.")) from None
    except ValidationError as exc:
        _remove(stored)
        raise TransferError(
            _("The archive's course.json is not valid: %(reason)s")
            % {"reason": " ".join(exc.messages)}
        ) from None
    except BaseException:
        _remove(stored)
        raise


def _remove(stored: list[FieldFile]) -> None:
    """The rolled-back import leaves no file behind in storage."""
    for field_file in stored:
        if field_file.name:
            field_file.storage.delete(field_file.name)


def _translated(
    entry: dict[str, Any], fields: tuple[str, ...], *, clean: Any = None
) -> dict[str, str]:
    """The entry's Swedish and English texts as model fields ({"title_sv": ...}); `clean`
    cleans each text (a page's HTML)."""
    found: dict[str, str] = {}
    for language, texts in (entry.get("translations") or {}).items():
        if language not in OTHER_LANGUAGES:
            continue
        for field in fields:
            text = _text(texts.get(field))
            if text:
                found[f"{field}_{language}"] = clean(text) if clean else text
    return found


def _build(
    zf: zipfile.ZipFile,
    data: dict[str, Any],
    *,
    by: User,
    title: str | None,
    stored: list[FieldFile],
) -> Course:
    # The texts under their own keys are Finnish: they go to the Finnish columns whatever the
    # importer's language, their translations beside them.
    info = data.get("course") or {}
    course = Course.objects.create(
        title_fi=(title or _text(info.get("title"), 200))[:200] or _("Imported course"),
        slug=_free_slug(_text(info.get("slug")) or _text(info.get("title"))),
        description_fi=_text(info.get("description")),
        min_attendance_percent=_percent(info.get("min_attendance_percent")),
        # A copy's new title is Finnish; its other texts keep their languages.
        **_translated(info, ("description",) if title else COURSE_TEXTS),
    )
    course.authors.add(by)
    members = set(zf.namelist())
    new_urls = _import_images(zf, data, course=course, by=by, members=members, stored=stored)
    tags = _import_tags(data, course=course)
    by_key: dict[int, Module] = {}
    pending_prereqs: list[tuple[Module, list[int]]] = []
    for position, m in enumerate(data["modules"]):
        unlock = m.get("unlock_after_days")
        module = Module.objects.create(
            course=course,
            position=position,
            title_fi=_text(m.get("title"), 200),
            summary_fi=_text(m.get("summary")),
            # Imported content is a draft until an author publishes it.
            is_published=False,
            sequential=bool(m.get("sequential")),
            unlock_after_days=int(unlock) if unlock is not None else None,
            **_translated(m, MODULE_TEXTS),
        )
        by_key[int(m["key"])] = module
        pending_prereqs.append((module, [int(k) for k in m.get("prerequisites", [])]))
        for item_position, i in enumerate(m.get("items", [])):
            item = Item(
                module=module,
                position=item_position,
                kind=i["kind"],
                completion_rule=i["completion_rule"],
                title_fi=_text(i.get("title"), 200),
                # An archive may come from anywhere: its HTML is cleaned like an author's.
                body_fi=_with_images(richtext.clean_course_html(_text(i.get("body"))), new_urls),
                video_url=_text(i.get("video_url"), 200),
                link_url=_text(i.get("link_url"), 200),
                file_name=_text(i.get("file_name"), 255),
                pass_mark=int(i.get("pass_mark", 80)),
                max_attempts=int(i.get("max_attempts", 0)),
                is_required=bool(i.get("is_required", True)),
                is_published=bool(i.get("is_published", True)),
                minutes=int(i.get("minutes", 10)),
                draw_count=int(i.get("draw_count", 0)),
                review_shows_answers=bool(i.get("review_shows_answers", False)),
                **_translated(
                    i,
                    ITEM_TEXTS,
                    clean=lambda text: _with_images(richtext.clean_course_html(text), new_urls),
                ),
            )
            for field, name in (i.get("files") or {}).items():
                if name not in members:
                    raise TransferError(_("A file listed in the course archive is missing."))
                suffix = PurePath(name).suffix
                field_file = getattr(item, field)
                field_file.save(f"import{suffix}", _member(zf, name), save=False)
                stored.append(field_file)
            item.full_clean(exclude=["module", "assignment", *FILE_FIELDS])
            item.save()
            for q_position, q in enumerate(i.get("questions", [])):
                _import_question(q, course=course, item=item, position=q_position, tags=tags)
            if i.get("draw_tag"):
                item.draw_tag = tags.get(_text(i["draw_tag"], 60))
                item.save(update_fields=["draw_tag"])
    for q_position, q in enumerate(data.get("question_bank", [])):
        _import_question(q, course=course, item=None, position=q_position, tags=tags)
    for module, keys in pending_prereqs:
        module.prerequisites.set([by_key[k] for k in keys if k in by_key])
    item_index(
        item_ids=list(Item.objects.filter(module__course=course).values_list("pk", flat=True))
    )
    return course


def _import_tags(data: dict[str, Any], *, course: Course) -> dict[str, QuestionTag]:
    """The bank's tags, named by the questions and the checks that draw from them."""
    questions = list(data.get("question_bank", []))
    draw_tags = []
    for module in data["modules"]:
        for item in module.get("items", []):
            questions.extend(item.get("questions", []))
            if item.get("draw_tag"):
                draw_tags.append(item["draw_tag"])
    names = {_text(n, 60).strip() for q in questions for n in q.get("tags", [])}
    names |= {_text(n, 60).strip() for n in draw_tags}
    return {
        tag.name: tag
        for tag in QuestionTag.objects.bulk_create(
            QuestionTag(course=course, name=name) for name in sorted(names) if name
        )
    }


def _decimal(value: object) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _import_question(
    q: dict[str, Any],
    *,
    course: Course,
    item: Item | None,
    position: int,
    tags: dict[str, QuestionTag],
) -> None:
    kind = q.get("kind") or (Question.Kind.MULTIPLE if q.get("multiple") else Question.Kind.SINGLE)
    question = Question.objects.create(
        course=course,
        item=item,
        position=position,
        kind=kind,
        text_fi=_text(q["text"]),
        number=_decimal(q.get("number")),
        tolerance=_decimal(q.get("tolerance")) or Decimal(0),
        feedback_fi=_text(q.get("feedback")),
        **_translated(q, QUESTION_TEXTS),
    )
    Choice.objects.bulk_create(
        Choice(
            question=question,
            position=c_position,
            text_fi=_text(c["text"], 500),
            match_fi=_text(c.get("match"), 500),
            is_correct=bool(c.get("is_correct")),
            explanation_fi=_text(c.get("explanation")),
            **_translated(c, CHOICE_TEXTS),
        )
        for c_position, c in enumerate(q.get("choices", []))
    )
    names = {_text(n, 60).strip() for n in q.get("tags", [])}
    question.tags.set([tags[n] for n in names if n in tags])


def _percent(value: object) -> int | None:
    if value is None:
        return None
    # A manifest value: the schema lets only integers through, int() refuses anything else.
    number = int(value)  # type: ignore[call-overload]
    return number if 1 <= number <= 100 else None


def _import_images(
    zf: zipfile.ZipFile,
    data: dict[str, Any],
    *,
    course: Course,
    by: User,
    members: set[str],
    stored: list[FieldFile],
) -> dict[str, str]:
    """Store the archive's images for `course`: {old URL: new URL}."""
    from .authoring import IMAGE_MAX_MB, AuthoringError, course_image_store

    urls = {}
    for name in data.get("images", []):
        member = f"images/{_text(name)}"
        if member not in members:
            raise TransferError(_("A file listed in the course archive is missing."))
        try:
            image = course_image_store(
                course=course, data=_read(zf, member, IMAGE_MAX_MB * 1024 * 1024), by=by
            )
        except AuthoringError as exc:
            raise TransferError(exc.message) from None
        stored.append(image.file)
        urls[richtext.image_url(name)] = richtext.image_url(image.name)
    return urls


def _with_images(body: str, new_urls: dict[str, str]) -> str:
    for old, new in new_urls.items():
        body = body.replace(old, new)
    return body


def course_copy(*, course: Course, by: User) -> Course:
    """A new draft copy of the course (content only, no learner data), e.g. for a new cohort."""
    return course_import(
        archive=course_export(course=course),
        by=by,
        title=_("%(title)s (copy)") % {"title": course.title},
    )
