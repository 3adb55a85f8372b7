"""Export a course to one zip archive and import it (here or on another instance).

The archive holds `course.json` (format "alueagentti-course", version 1: the course, its
modules with release rules, items with their settings, knowledge checks with answers and
explanations), `files/<n><suffix>` for uploaded resources, videos and captions, and
`images/<name>` for the images shown in text pages (listed in "images"). Learner
data (progress, attempts, reflections, certificates) is never exported. A link to a workshop
assignment is not carried over (assignments belong to the instance); the item keeps its rule.

Import creates a new course, with every module as a draft, a free slug and the importer as
its author. Each image is checked and re-encoded again and stored for the new course under a
new random name, and the text pages are rewritten to show the new copies. `course_copy` is
export + import in one step, for a new cohort.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import User

from . import richtext
from .models import Choice, Course, CourseImage, Item, Module, Question
from .search import item_index

FORMAT = "alueagentti-course"
VERSION = 1
MAX_ARCHIVE_BYTES = 500 * 1024 * 1024
MAX_JSON_BYTES = 20 * 1024 * 1024
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


def course_structure(course: Course) -> dict[str, Any]:
    """The course as plain data (without files), in course order; also the archive's JSON."""
    modules = list(
        course.modules.order_by("position", "pk").prefetch_related(
            "prerequisites", "items__questions__choices"
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
        },
        "modules": [],
    }
    for module in modules:
        items = sorted(module.items.all(), key=lambda i: (i.position, i.pk))
        data["modules"].append(
            {
                **{f: getattr(module, f) for f in MODULE_FIELDS},
                "key": keys[module.pk],
                "prerequisites": sorted(
                    keys[p.pk] for p in module.prerequisites.all() if p.pk in keys
                ),
                "items": [
                    {
                        **{f: getattr(item, f) for f in ITEM_FIELDS},
                        "questions": [
                            {
                                "text": q.text,
                                "multiple": q.multiple,
                                "choices": [
                                    {
                                        "text": c.text,
                                        "is_correct": c.is_correct,
                                        "explanation": c.explanation,
                                    }
                                    for c in sorted(
                                        q.choices.all(), key=lambda c: (c.position, c.pk)
                                    )
                                ],
                            }
                            for q in sorted(item.questions.all(), key=lambda q: (q.position, q.pk))
                        ],
                    }
                    for item in items
                ],
            }
        )
    return data


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
        shown = {name for entry in flat for name in richtext.image_names(entry["body"])}
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


@transaction.atomic
def course_import(*, archive: bytes, by: User, title: str | None = None) -> Course:
    """Create a new draft course from an exported archive; `by` becomes its author. Nothing
    is saved if the archive is not valid."""
    if len(archive) > MAX_ARCHIVE_BYTES:
        raise TransferError(_("The archive is too large."))
    try:
        zf = zipfile.ZipFile(io.BytesIO(archive))
        info = zf.getinfo("course.json")
        if info.file_size > MAX_JSON_BYTES:
            raise TransferError(_("The archive's course.json is too large."))
        data = json.loads(zf.read(info).decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, json.JSONDecodeError):
        raise TransferError(_("This is not a course archive exported from Alueagentti.")) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TransferError(_("This is not a course archive exported from Alueagentti."))
    if data.get("version") != VERSION:
        raise TransferError(_("This course archive is from an unsupported version."))
    try:
        return _build(zf, data, by=by, title=title)
    except (TypeError, ValueError, AttributeError, zipfile.BadZipFile):
        raise TransferError(_("The archive's course.json is not valid.")) from None


def _build(zf: zipfile.ZipFile, data: dict[str, Any], *, by: User, title: str | None) -> Course:
    info = data["course"]
    course = Course.objects.create(
        title=(title or _text(info.get("title"), 200))[:200] or _("Imported course"),
        slug=_free_slug(_text(info.get("slug")) or _text(info.get("title"))),
        description=_text(info.get("description")),
        min_attendance_percent=_percent(info.get("min_attendance_percent")),
    )
    course.authors.add(by)
    members = set(zf.namelist())
    new_urls = _import_images(zf, data, course=course, by=by, members=members)
    by_key: dict[int, Module] = {}
    pending_prereqs: list[tuple[Module, list[int]]] = []
    kinds, rules = set(Item.Kind.values), set(Item.Rule.values)
    for position, m in enumerate(data["modules"]):
        unlock = m.get("unlock_after_days")
        module = Module.objects.create(
            course=course,
            position=position,
            title=_text(m.get("title"), 200),
            summary=_text(m.get("summary")),
            # Imported content is a draft until an author publishes it.
            is_published=False,
            sequential=bool(m.get("sequential")),
            unlock_after_days=int(unlock) if unlock is not None else None,
        )
        by_key[int(m["key"])] = module
        pending_prereqs.append((module, [int(k) for k in m.get("prerequisites", [])]))
        for item_position, i in enumerate(m.get("items", [])):
            kind = i.get("kind")
            rule = i.get("completion_rule")
            if kind not in kinds or rule not in rules:
                raise TransferError(_("The archive's course.json is not valid."))
            item = Item(
                module=module,
                position=item_position,
                kind=kind,
                completion_rule=rule,
                title=_text(i.get("title"), 200),
                # An archive may come from anywhere: its HTML is cleaned like an author's.
                body=_with_images(richtext.clean_course_html(_text(i.get("body"))), new_urls),
                video_url=_text(i.get("video_url"), 200),
                link_url=_text(i.get("link_url"), 200),
                file_name=_text(i.get("file_name"), 255),
                pass_mark=min(max(int(i.get("pass_mark", 80)), 0), 100),
                max_attempts=max(int(i.get("max_attempts", 0)), 0),
                is_required=bool(i.get("is_required", True)),
                is_published=bool(i.get("is_published", True)),
                minutes=max(int(i.get("minutes", 10)), 0),
            )
            for field, name in (i.get("files") or {}).items():
                if field not in FILE_FIELDS or name not in members:
                    raise TransferError(_("A file listed in the course archive is missing."))
                suffix = PurePath(name).suffix
                getattr(item, field).save(f"import{suffix}", ContentFile(zf.read(name)), save=False)
            item.full_clean(exclude=["module", "assignment", *FILE_FIELDS])
            item.save()
            for q_position, q in enumerate(i.get("questions", [])):
                question = Question.objects.create(
                    item=item,
                    position=q_position,
                    text=_text(q["text"]),
                    multiple=bool(q.get("multiple")),
                )
                Choice.objects.bulk_create(
                    Choice(
                        question=question,
                        position=c_position,
                        text=_text(c["text"], 500),
                        is_correct=bool(c.get("is_correct")),
                        explanation=_text(c.get("explanation")),
                    )
                    for c_position, c in enumerate(q.get("choices", []))
                )
    for module, keys in pending_prereqs:
        module.prerequisites.set([by_key[k] for k in keys if k in by_key])
    item_index(
        item_ids=list(Item.objects.filter(module__course=course).values_list("pk", flat=True))
    )
    return course


def _percent(value: object) -> int | None:
    if value is None:
        return None
    number = int(value)  # type: ignore[call-overload]
    return number if 1 <= number <= 100 else None


def _import_images(
    zf: zipfile.ZipFile, data: dict[str, Any], *, course: Course, by: User, members: set[str]
) -> dict[str, str]:
    """Store the archive's images for `course`: {old URL: new URL}."""
    from .authoring import AuthoringError, course_image_store

    urls = {}
    for name in data.get("images", []):
        member = f"images/{_text(name)}"
        if member not in members:
            raise TransferError(_("A file listed in the course archive is missing."))
        try:
            image = course_image_store(course=course, data=zf.read(member), by=by)
        except AuthoringError as exc:
            raise TransferError(exc.message) from None
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
