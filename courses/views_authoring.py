"""Course authoring in the site: only the course's authors and the superuser.

Everyone else who can see the course gets 403 ("learner cannot author"); people outside the
course get 404 (courses.access.get_course_for_user).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from core.http import AuthenticatedHttpRequest
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
    ReleaseExtensionForm,
    language_marker,
    question_translations,
    questions_missing_languages,
)
from .languages import content_languages
from .models import Course, Item, Module, Question


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


@login_required
def course_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The course structure for its authors: modules and items, order, drafts, actions."""
    course = _authored_course(request, pk)
    modules = list(
        course.modules.order_by("position", "pk").prefetch_related(
            Prefetch(
                "items",
                queryset=Item.objects.order_by("position", "pk").annotate(
                    learners_done=Count("completions")
                ),
            ),
            "prerequisites",
        )
    )
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


@login_required
def item_form(
    request: AuthenticatedHttpRequest, module_pk: int | None = None, pk: int | None = None
):
    """Create (module_pk) or edit (pk) an item of any kind: authors only. Editing keeps the
    item's id, so learners' progress on it stays."""
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
    initial = (
        {
            f"questions_text_{language}": authoring.quiz_as_text(item, language)
            for language in content_languages()
        }
        if item.pk
        else {}
    )
    form = ItemForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        instance=item,
        course=course,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        upload = request.FILES.get("file")
        if upload:
            saved.file_name = (upload.name or "")[:255]
        if saved.pk:
            authoring.item_update(item=saved)
        else:
            authoring.item_create(module=module, item=saved)
        if saved.kind == Item.Kind.QUIZ:
            authoring.quiz_update(
                item=saved,
                text=form.cleaned_data["questions_text_fi"],
                translations=question_translations(form.cleaned_data, "questions_text"),
            )
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


@login_required
@require_POST
def item_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Authors delete an item."""
    item = _authored_item(request, pk)
    course_id = item.module.course_id
    item.delete()
    messages.success(request, _("The item was deleted."))
    return redirect("courses:edit", pk=course_id)


@login_required
@require_POST
def module_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Authors delete a module with its items."""
    module = _authored_module(request, pk)
    course_id = module.course_id
    module.delete()
    messages.success(request, _("The module was deleted."))
    return redirect("courses:edit", pk=course_id)


@login_required
@require_POST
def publish_toggle(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Authors publish an item or move it back to draft."""
    item = _authored_item(request, pk)
    item.is_published = not item.is_published
    item.save(update_fields=["is_published"])
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
    response["Content-Disposition"] = f'attachment; filename="{course.slug}.zip"'
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
