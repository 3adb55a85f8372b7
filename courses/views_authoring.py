"""Course authoring in the site: only the course's authors and the superuser.

Everyone else who can see the course gets 403 ("learner cannot author"); people outside the
course get 404 (courses.access.get_course_for_user).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_http_methods, require_POST

from core.http import AuthenticatedHttpRequest, content_disposition, download_name
from courses.access import (
    can_import_courses,
    get_cohort_for_release_extensions,
    get_course_for_user,
    is_course_author,
)

from . import authoring, selectors
from .forms import (
    BankQuestionsForm,
    CompletionCriteriaForm,
    CourseForm,
    ItemForm,
    ModuleForm,
    NewItemForm,
    ReleaseExtensionForm,
    language_marker,
    question_translations,
    questions_missing_languages,
)
from .languages import content_languages
from .models import Course, Item, ItemCreation, Module, Question, QuizAttempt, Reflection


def _authored_course(request: AuthenticatedHttpRequest, pk: int) -> Course:
    course = get_course_for_user(request.user, pk)
    if not is_course_author(request.user, course):
        raise PermissionDenied
    return course


def _authored_module(request: AuthenticatedHttpRequest, pk: int) -> Module:
    module = get_object_or_404(Module, pk=pk)
    module.course = _authored_course(request, module.course_id)
    return module


def _authored_item(request: AuthenticatedHttpRequest, pk: int) -> Item:
    item: Item = get_object_or_404(Item.objects.select_related("module"), pk=pk)
    item.module.course = _authored_course(request, item.module.course_id)
    return item


def _per_item(rows: QuerySet[Any], counted: str = "pk") -> Coalesce:
    """How many of these rows (distinct `counted`) belong to the outer query's item."""
    return Coalesce(
        Subquery(
            rows.filter(item=OuterRef("pk"))
            .order_by()
            .values("item")
            .annotate(n=Count(counted, distinct=True))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _threads() -> QuerySet[Any]:
    # Questions asked under an item in the cohorts' discussions (discussions.Thread): reached
    # through the relation, as courses sits below discussions and does not import it.
    thread_model = Item._meta.get_field("discussion_threads").related_model
    return thread_model._default_manager.all()


@dataclass(frozen=True)
class _LearnersWork:
    """What learners have in an item (annotated on it by course_edit): what deleting it loses
    and what it keeps."""

    done: int
    attempts: int
    attempt_learners: int
    threads: int
    reflections: int

    @classmethod
    def of(cls, item: Any) -> _LearnersWork:
        return cls(
            done=item.learners_done,
            attempts=item.attempt_count,
            attempt_learners=item.attempt_learners,
            threads=item.thread_count,
            reflections=item.reflection_count,
        )


def _item_delete_warning(item: Item, work: _LearnersWork) -> str:
    """The confirmation of deleting an item: what learners lose and what they keep, in counts."""
    parts = [_("Delete “%(title)s”?") % {"title": item.title}]
    if work.done:
        parts.append(
            ngettext(
                "%(n)s learner has done this item: their progress on it is lost.",
                "%(n)s learners have done this item: their progress on it is lost.",
                work.done,
            )
            % {"n": work.done}
        )
    if work.attempt_learners:
        parts.append(
            ngettext(
                "The knowledge check attempts of %(n)s learner are deleted.",
                "The knowledge check attempts of %(n)s learners are deleted.",
                work.attempt_learners,
            )
            % {"n": work.attempt_learners}
        )
    if work.threads:
        parts.append(
            ngettext(
                "%(n)s question asked under it in the discussions is kept with its answers, "
                "marked as from a removed section.",
                "%(n)s questions asked under it in the discussions are kept with their answers, "
                "marked as from a removed section.",
                work.threads,
            )
            % {"n": work.threads}
        )
    if work.reflections:
        parts.append(
            ngettext(
                "%(n)s learner's reflection is kept: it stays in their learning journal, "
                "marked as from a removed section.",
                "%(n)s learners' reflections are kept: they stay in their learning journals, "
                "marked as from a removed section.",
                work.reflections,
            )
            % {"n": work.reflections}
        )
    if not (work.done or work.attempts or work.threads or work.reflections):
        parts.append(_("No learner has done it yet."))
    return " ".join(str(part) for part in parts)


def _module_delete_warning(module: Module, works: list[_LearnersWork]) -> str:
    """The confirmation of deleting a module with its items, in counts as for an item."""
    n = len(works)
    parts = [
        ngettext(
            "Delete the module “%(title)s” and its %(n)s item?",
            "Delete the module “%(title)s” and its %(n)s items?",
            n,
        )
        % {"title": module.title, "n": n}
    ]
    if any(work.done for work in works):
        parts.append(_("Learners' progress on its items is lost."))
    attempts = sum(work.attempts for work in works)
    if attempts:
        parts.append(
            ngettext(
                "%(n)s knowledge check attempt is deleted.",
                "%(n)s knowledge check attempts are deleted.",
                attempts,
            )
            % {"n": attempts}
        )
    threads = sum(work.threads for work in works)
    if threads:
        parts.append(
            ngettext(
                "%(n)s question asked under its items in the discussions is kept with its "
                "answers, marked as from a removed section.",
                "%(n)s questions asked under its items in the discussions are kept with their "
                "answers, marked as from a removed section.",
                threads,
            )
            % {"n": threads}
        )
    reflections = sum(work.reflections for work in works)
    if reflections:
        parts.append(
            ngettext(
                "%(n)s reflection is kept in its writer's learning journal.",
                "%(n)s reflections are kept in their writers' learning journals.",
                reflections,
            )
            % {"n": reflections}
        )
    return " ".join(str(part) for part in parts)


@login_required
def course_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The course structure for its authors: modules and items, order, drafts, actions. The
    delete buttons' confirmations say what learners lose and keep, in counts."""
    course = _authored_course(request, pk)
    modules = list(
        course.modules.order_by("position", "pk").prefetch_related(
            Prefetch(
                "items",
                queryset=Item.objects.order_by("position", "pk").annotate(
                    learners_done=Count("completions"),
                    reflection_count=_per_item(Reflection.objects.all()),
                    attempt_count=_per_item(QuizAttempt.objects.all()),
                    attempt_learners=_per_item(QuizAttempt.objects.all(), "user"),
                    thread_count=_per_item(_threads()),
                ),
            ),
            "prerequisites",
        )
    )
    for module in modules:
        works = []
        for item in module.items.all():
            work = _LearnersWork.of(item)
            works.append(work)
            row: Any = item
            row.delete_warning = _item_delete_warning(item, work)  # read by the template
        module_row: Any = module
        module_row.delete_warning = _module_delete_warning(module, works)
    return render(
        request,
        "courses/course_edit.html",
        {"course": course, "modules": modules, "kinds": Item.Kind.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_settings(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The course's title and description in every language side by side: its authors and
    the superuser (403 for other people of the course, 404 outside it); 400 without the
    Finnish title."""
    course = _authored_course(request, pk)
    form = CourseForm(request.POST if request.method == "POST" else None, instance=course)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The course was saved."))
        return redirect("courses:edit", pk=course.pk)
    return render(
        request,
        "courses/course_settings.html",
        {"form": form, "course": course},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def course_image_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The editor's image upload: the course's authors only. Answers JSON: the image's
    address and size (201), or a translated error (400)."""
    course = _authored_course(request, pk)
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"error": _("Choose an image to upload.")}, status=400)
    try:
        image = authoring.course_image_upload(course=course, upload=upload, by=request.user)
    except authoring.AuthoringError as exc:
        return JsonResponse({"error": exc.message}, status=400)
    return JsonResponse(
        {
            "url": reverse("courses:image", args=[image.name]),
            "width": image.width,
            "height": image.height,
        },
        status=201,
    )


@login_required
def module_form(
    request: AuthenticatedHttpRequest, course_pk: int | None = None, pk: int | None = None
):
    """Create (course_pk) or edit (pk) a module: authors only."""
    if pk is not None:
        module = _authored_module(request, pk)
        course = module.course
    elif course_pk is not None:
        course = _authored_course(request, course_pk)
        module = Module(course=course)
    else:  # the URLs always give one of the two
        raise Http404
    form = ModuleForm(
        request.POST if request.method == "POST" else None, instance=module, course=course
    )
    if request.method == "POST" and form.is_valid():
        if module.pk:
            form.save()
        else:
            fields = {k: v for k, v in form.cleaned_data.items() if k != "prerequisites"}
            created = authoring.module_create(course=course, title=fields.pop("title_fi"), **fields)
            created.prerequisites.set(form.cleaned_data["prerequisites"])
        messages.success(request, _("The module was saved."))
        return redirect("courses:edit", pk=course.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "courses/module_form.html",
        {"form": form, "course": course, "module": module},
        status=status,
    )


def _already_created(request: AuthenticatedHttpRequest, creation: ItemCreation) -> HttpResponse:
    messages.info(
        request,
        _(
            "This form had already created the item “%(title)s”, so no second copy was "
            "added. Make any further changes here."
        )
        % {"title": creation.item.title},
    )
    return redirect("courses:item_edit", pk=creation.item_id)


@login_required
def item_form(
    request: AuthenticatedHttpRequest, module_pk: int | None = None, pk: int | None = None
):
    """Create (module_pk) or edit (pk) an item of any kind: authors only. Editing keeps the
    item's id, so learners' progress on it stays. A new-item form sent again (its one-time
    token already used) adds nothing and leads to the item it created."""
    if pk is not None:
        item = _authored_item(request, pk)
        module = item.module
    elif module_pk is not None:
        module = _authored_module(request, module_pk)
        kind = request.GET.get("kind", Item.Kind.PAGE)
        item = Item(
            module=module,
            kind=kind if kind in Item.Kind.values else Item.Kind.PAGE,
            is_published=False,
        )
        default_rules: dict[str, str] = {
            Item.Kind.QUIZ: Item.Rule.QUIZ_PASSED,
            Item.Kind.ASSIGNMENT: Item.Rule.SUBMITTED,
            Item.Kind.VIDEO: Item.Rule.VIEWED,
            Item.Kind.LINK: Item.Rule.VIEWED,
            Item.Kind.FILE: Item.Rule.VIEWED,
        }
        item.completion_rule = default_rules.get(item.kind, Item.Rule.MANUAL)
    else:  # the URLs always give one of the two
        raise Http404
    course = module.course
    # Each language's text and the form's marker of missing languages read the questions and
    # their answers: once for all. Any saved item's, as before: the form keeps the questions
    # of an item turned from a check into a page, should the author turn it back.
    questions = selectors.quiz_questions(item=item) if item.pk else []
    initial: dict[str, object] = (
        {
            f"questions_text_{language}": authoring.quiz_as_text(
                item, language, questions=questions
            )
            for language in content_languages()
        }
        if item.pk
        else {}
    )
    form_class = ItemForm
    if not item.pk:
        form_class = NewItemForm
        initial["create_token"] = uuid.uuid4()
    form = form_class(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        instance=item,
        course=course,
        initial=initial,
        questions=questions,
    )
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data.get("create_token")
        creation = authoring.item_created_with(token=token)
        if creation is not None:
            if creation.item.module.course_id == course.pk:
                return _already_created(request, creation)
            token = None  # another course's token: not this form's
        try:
            with transaction.atomic():
                saved = form.save(commit=False)
                upload = request.FILES.get("file")
                if upload:
                    saved.file_name = (upload.name or "")[:255]
                if saved.pk:
                    authoring.item_update(item=saved)
                else:
                    authoring.item_create(module=module, item=saved, token=token)
                if saved.kind == Item.Kind.QUIZ:
                    authoring.quiz_update(
                        item=saved,
                        text=form.cleaned_data["questions_text_fi"],
                        translations=question_translations(form.cleaned_data, "questions_text"),
                    )
        except IntegrityError:
            # The same form sent twice at once: the other request created the item first.
            creation = authoring.item_created_with(token=token)
            if creation is None:
                raise
            return _already_created(request, creation)
        messages.success(request, _("The item was saved."))
        return redirect("courses:edit", pk=course.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "courses/item_form.html",
        {"form": form, "course": course, "module": module, "item": item},
        status=status,
    )


@login_required
@require_POST
def item_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Authors move an item up or down (the keyboard alternative to drag and drop)."""
    item = _authored_item(request, pk)
    authoring.item_move(item=item, offset=-1 if request.POST.get("direction") == "up" else 1)
    return redirect(f"{_edit_url(item.module.course_id)}#item-{item.pk}")


@login_required
@require_POST
def module_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Authors move a module up or down."""
    module = _authored_module(request, pk)
    authoring.module_move(module=module, offset=-1 if request.POST.get("direction") == "up" else 1)
    return redirect(f"{_edit_url(module.course_id)}#module-{module.pk}")


@login_required
@require_POST
def items_reorder(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Authors save a module's item order after drag and drop (JSON list of ids)."""
    module = _authored_module(request, pk)
    try:
        ids = [int(i) for i in json.loads(request.body or b"[]")]
        authoring.items_reorder(module=module, item_ids=ids)
    except (ValueError, TypeError):
        return JsonResponse({"error": _("The order could not be read.")}, status=400)
    except authoring.AuthoringError as exc:
        return JsonResponse({"error": exc.message}, status=400)
    return JsonResponse({"ok": True})


@login_required
@require_POST
def item_duplicate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Authors copy an item (as a draft, with its questions)."""
    item = _authored_item(request, pk)
    copy = authoring.item_duplicate(item=item)
    messages.success(request, _("A draft copy was added."))
    return redirect(f"{_edit_url(item.module.course_id)}#item-{copy.pk}")


def _kept_message(kept: int) -> str:
    return ngettext(
        "%(n)s learner's reflection was kept in their learning journal.",
        "%(n)s learners' reflections were kept in their learning journals.",
        kept,
    ) % {"n": kept}


@login_required
@require_POST
def item_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Authors delete an item. Learners' progress and knowledge check attempts on it go; their
    reflections stay in their journals (marked as from a removed section)."""
    item = _authored_item(request, pk)
    course_id = item.module.course_id
    kept = authoring.item_delete(item=item)
    messages.success(request, _("The item was deleted."))
    if kept:
        messages.info(request, _kept_message(kept))
    return redirect("courses:edit", pk=course_id)


@login_required
@require_POST
def module_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Authors delete a module with its items; learners' reflections on them stay, as for
    item_delete."""
    module = _authored_module(request, pk)
    course_id = module.course_id
    kept = authoring.module_delete(module=module)
    messages.success(request, _("The module was deleted."))
    if kept:
        messages.info(request, _kept_message(kept))
    return redirect("courses:edit", pk=course_id)


@login_required
@require_POST
def publish_toggle(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Authors publish an item or move it back to draft. The button sends the state it asks
    for (`publish`: 1 or 0), so a click on a page that is out of date sets that state or, if
    the item already has it, changes nothing and says so; without the field (a page from
    before) the state is switched."""
    item = _authored_item(request, pk)
    raw = request.POST.get("publish")
    if raw is None:
        wanted = not item.is_published
    elif raw in ("1", "0"):
        wanted = raw == "1"
    else:
        raise BadRequest
    title = {"title": item.title}
    if not authoring.item_publish(item=item, published=wanted):
        if wanted:
            messages.info(request, _("“%(title)s” is already published; nothing changed.") % title)
        else:
            messages.info(request, _("“%(title)s” is already a draft; nothing changed.") % title)
    else:
        if wanted:
            messages.success(request, _("“%(title)s” was published.") % title)
        else:
            messages.success(request, _("“%(title)s” was moved back to draft.") % title)
    return redirect(f"{_edit_url(item.module.course_id)}#item-{item.pk}")


def _edit_url(course_id: int) -> str:
    from django.urls import reverse

    return reverse("courses:edit", args=[course_id])


@login_required
def course_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Authors of the course and the superuser: the course as one zip archive."""
    from . import transfer

    course = _authored_course(request, pk)
    response = HttpResponse(transfer.course_export(course=course), content_type="application/zip")
    # "kurssi-aluekehittämisen-perusteet-2026-12-07.zip": the word in the author's language, so
    # exports of several courses (or of one course on several days) keep apart once saved.
    name = download_name(
        pgettext("file name of a course export", "course"),
        course.title,
        timezone.localdate(),
        extension="zip",
    )
    response["Content-Disposition"] = content_disposition(name)
    return response


@login_required
@require_POST
def course_copy(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Authors of the course and the superuser: a new draft copy, e.g. for a new cohort."""
    from . import transfer

    course = _authored_course(request, pk)
    copy = transfer.course_copy(course=course, by=request.user)
    messages.success(
        request, _("The course was copied. Its modules are drafts until you publish them.")
    )
    return redirect("courses:edit", pk=copy.pk)


@login_required
def course_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Course authors and the superuser: create a new draft course from an exported archive;
    400 with the reason (and nothing saved) for a file that is not one."""
    from . import transfer

    if not can_import_courses(request.user):
        raise PermissionDenied
    error = ""
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("archive")
        if upload is None:
            error, status = _("Choose a course archive (.zip) to import."), 400
        elif (upload.size or 0) > transfer.MAX_ARCHIVE_BYTES:
            error, status = _("The archive is too large."), 400
        else:
            try:
                course = transfer.course_import(archive=upload, by=request.user)
            except transfer.TransferError as exc:
                error, status = exc.message, 400
            else:
                messages.success(
                    request,
                    _("The course was imported. Its modules are drafts until you publish them."),
                )
                return redirect("courses:edit", pk=course.pk)
    return render(request, "courses/course_import.html", {"error": error}, status=status)


@login_required
def course_criteria(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The course's completion criteria (which workshop phases must be approved and which share
    of workshop sessions attended, besides every required item): its authors and the
    superuser; 400 with the reason for a bad choice."""
    course = _authored_course(request, pk)
    form = CompletionCriteriaForm(
        request.POST if request.method == "POST" else None,
        course=course,
        initial={
            "assignments": list(course.completion_assignments.all()),
            "min_attendance_percent": course.min_attendance_percent,
            "scope_hours": course.scope_hours,
            "scope_credits": course.scope_credits,
            "certificate_signer": course.certificate_signer,
        },
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            authoring.course_criteria_set(
                course=course,
                assignments=list(form.cleaned_data["assignments"]),
                min_attendance_percent=form.cleaned_data["min_attendance_percent"],
            )
            authoring.course_certificate_set(
                course=course,
                scope_hours=form.cleaned_data["scope_hours"],
                scope_credits=form.cleaned_data["scope_credits"],
                signer=form.cleaned_data["certificate_signer"],
            )
        messages.success(request, _("The completion criteria were saved."))
        return redirect("courses:edit", pk=course.pk)
    return render(
        request,
        "courses/course_criteria.html",
        {"form": form, "course": course},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def release_extensions(request: AuthenticatedHttpRequest, cohort_pk: int) -> HttpResponse:
    """Per-learner release extensions of a cohort: its instructors, its course's authors and
    the superuser (404 for everyone else). Setting one again for the same learner and module
    replaces it; bad input gets 400 and saves nothing."""
    cohort = get_cohort_for_release_extensions(request.user, cohort_pk)
    form = ReleaseExtensionForm(request.POST if request.method == "POST" else None, cohort=cohort)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                authoring.release_extension_set(
                    cohort=cohort,
                    module=form.cleaned_data["module"],
                    learner=form.cleaned_data["learner"],
                    days=form.cleaned_data["days"],
                    reason=form.cleaned_data["reason"],
                )
            except authoring.AuthoringError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The release extension was saved."))
                return redirect("courses:extensions", cohort_pk=cohort.pk)
        status = 400
    return render(
        request,
        "courses/release_extensions.html",
        {
            "cohort": cohort,
            "course": cohort.course,
            "form": form,
            "extensions": list(authoring.cohort_extensions(cohort=cohort)),
        },
        status=status,
    )


@login_required
@require_POST
def release_extension_delete(
    request: AuthenticatedHttpRequest, cohort_pk: int, pk: int
) -> HttpResponse:
    """Remove one learner's extension: as for release_extensions (404 for an extension of
    another cohort's learner)."""
    cohort = get_cohort_for_release_extensions(request.user, cohort_pk)
    extension = get_object_or_404(authoring.cohort_extensions(cohort=cohort), pk=pk)
    extension.delete()
    messages.success(request, _("The release extension was removed."))
    return redirect("courses:extensions", cohort_pk=cohort.pk)


# --- the course's question bank ------------------------------------------------------------


def _authored_question(request: AuthenticatedHttpRequest, pk: int) -> Question:
    question: Question = get_object_or_404(Question.objects.select_related("item"), pk=pk)
    question.course = _authored_course(request, question.course_id)
    return question


@login_required
@require_http_methods(["GET", "POST"])
def question_bank(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The course's question bank: its authors and the superuser list the questions (by
    tag) and add new ones; 403 for other people of the course, 404 outside it. Bad
    questions get 400 with the reason and nothing is added."""
    course = _authored_course(request, pk)
    tags = list(course.question_tags.annotate(question_count=Count("questions")))
    raw_tag = request.GET.get("tag", "")
    tag = next((t for t in tags if str(t.pk) == raw_tag), None)
    form = BankQuestionsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            created = authoring.bank_questions_add(
                course=course,
                text=form.cleaned_data["text_fi"],
                tags=form.cleaned_data["tags"],
                translations=form.translations(),
            )
        except authoring.AuthoringError as exc:
            form.add_error("text_fi", exc.message)
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)s question was added to the bank.",
                    "%(n)s questions were added to the bank.",
                    len(created),
                )
                % {"n": len(created)},
            )
            return redirect("courses:question_bank", pk=course.pk)
    questions = selectors.question_bank(course=course, tag_id=tag.pk if tag is not None else None)
    # The marker of the languages each question still lacks reads its choices: one query.
    prefetch_related_objects(questions, "choices")
    for question in questions:
        missing = questions_missing_languages([question])
        question.missing = language_marker(missing)  # read by the template
    return render(
        request,
        "courses/question_bank.html",
        {
            "course": course,
            "questions": questions,
            "tags": tags,
            "tag": tag,
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Edit one question of the bank (its text, answers and tags): the course's authors
    only, 403/404 as for the bank. The question keeps its id, so attempts that had it keep
    their review; bad input is a 400 that changes nothing."""
    question = _authored_question(request, pk)
    # Each language's text and the form's missing languages read the answers: once for all.
    prefetch_related_objects([question], "choices")
    initial = {
        **{
            f"text_{language}": authoring.question_as_text(question, language)
            for language in content_languages()
        },
        "tags": ", ".join(t.name for t in question.tags.all()),
    }
    form = BankQuestionsForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        single=True,
        question=question,
    )
    if request.method == "POST" and form.is_valid():
        try:
            authoring.bank_question_update(
                question=question,
                text=form.cleaned_data["text_fi"],
                tags=form.cleaned_data["tags"],
                translations=form.translations(),
            )
        except authoring.AuthoringError as exc:
            form.add_error("text_fi", exc.message)
        else:
            messages.success(request, _("The question was saved."))
            return redirect(
                f"{reverse('courses:question_bank', args=[question.course_id])}"
                f"#question-{question.pk}"
            )
    return render(
        request,
        "courses/question_form.html",
        {"course": question.course, "question": question, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def question_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Remove a question from the bank (and from its check): the course's authors only."""
    question = _authored_question(request, pk)
    course_id = question.course_id
    authoring.bank_question_delete(question=question)
    messages.success(request, _("The question was removed from the bank."))
    return redirect("courses:question_bank", pk=course_id)
