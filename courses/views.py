"""Learner-facing course pages: outline, module, item (every kind), journal.

Who may see what is decided in courses/access.py: items and courses load through
`get_*_for_user` (404 for anyone outside the course; drafts only for authors), and a learner
gets 403 with the reason for an item whose module has not opened yet.
"""

from __future__ import annotations

import mimetypes
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from core.http import AuthenticatedHttpRequest
from core.ids import parse_id
from courses.access import (
    cohorts_for_release_extensions,
    get_course_for_user,
    get_course_image_for_user,
    get_item_for_user,
    is_course_author,
    staff_here,
)
from learners.access import cohorts_for
from learners.models import Membership
from workshops.models import Submission

from . import languages, quiz, selectors, services, video
from .models import Item, Module, QuizAttempt

ANSWER_FIELD = re.compile(r"q(\d{1,12})(?:_(\d{1,12}))?")


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "403.html", {"reason": reason}, status=403)


@login_required
def course_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The course outline: learners and staff of a cohort running the course, its authors and
    the superuser. Learners see each item's state; authors also see drafts."""
    course = get_course_for_user(request.user, pk)
    is_author = is_course_author(request.user, course)
    # "Preview as a learner": an author sees only what is published.
    preview = is_author and request.GET.get("preview") == "learner"
    outline = selectors.course_outline(
        user=request.user, course=course, include_drafts=is_author and not preview
    )
    certificate = None
    if outline.is_learner:
        certificate = selectors.certificate_for(user=request.user, course=course)
        if certificate is None and all(
            m.required_done >= m.required_count for m in outline.modules
        ):
            # Progress made elsewhere (an approved workshop phase) may have finished the course.
            certificate = services.course_completion_check(user=request.user, course=course)
    attendance = None
    if outline.cohort is not None and course.min_attendance_percent:
        attendance = selectors.attendance_share(
            user=request.user, course=course, cohort=outline.cohort
        )
    # Only a coordinator or instructor of one of this course's cohorts (or its author, or the
    # superuser) has cohorts in these lists: get_course_for_user said whether the person is.
    coordinates, teaches = staff_here(course)
    coordinated = (
        list(cohorts_for(request.user, Membership.Role.COORDINATOR).filter(course=course))
        if coordinates
        else []
    )
    extension_cohorts = (
        # The superuser's two lists are both every cohort of the course: read once.
        coordinated
        if request.user.is_superuser
        else list(cohorts_for_release_extensions(request.user).filter(course=course))
        if is_author or teaches
        else []
    )
    return render(
        request,
        "courses/course_detail.html",
        {
            "course": course,
            "certificate": certificate,
            "attendance": attendance,
            "coordinated_cohorts": coordinated,
            "extension_cohorts": extension_cohorts,
            "outline": outline,
            "modules": outline.modules,
            "progress": outline.progress,
            "next_item": outline.next_item,
            "is_learner": outline.is_learner,
            "is_author": is_author,
            "preview": preview,
            "content_note": languages.content_note(
                ([course], ("title", "description")),
                (outline.modules, ("title", "summary")),
                ([i for m in outline.modules for i in getattr(m, "item_list", [])], ("title",)),
            ),
        },
    )


@login_required
def course_search(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Search within a course: whoever may see the outline (its cohorts' learners and staff,
    its authors, the superuser). Results come only from items the person may open: published
    ones (drafts too for authors), each with its state, locked ones shown as locked."""
    course = get_course_for_user(request.user, pk)
    raw = request.GET.get("q", "")
    if len(raw) > selectors.SEARCH_MAX_CHARS:
        return render(
            request,
            "courses/course_search.html",
            {
                "course": course,
                "query": raw[: selectors.SEARCH_MAX_CHARS],
                "results": None,
                "error": _("The search is too long: use at most %(n)s characters.")
                % {"n": selectors.SEARCH_MAX_CHARS},
            },
            status=400,
        )
    results = selectors.course_search(
        user=request.user,
        course=course,
        query=raw,
        include_drafts=is_course_author(request.user, course),
    )
    return render(
        request,
        "courses/course_search.html",
        {
            "course": course,
            "query": results.query,
            "results": results.items,
            "is_learner": results.outline.is_learner,
        },
    )


@login_required
def module_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One module with its items' states: as for the course outline."""
    module: Module = get_object_or_404(Module.objects.select_related("course"), pk=pk)
    course = get_course_for_user(request.user, module.course_id)
    is_author = is_course_author(request.user, course)
    outline = selectors.course_outline(user=request.user, course=course, include_drafts=is_author)
    found = next((m for m in outline.modules if m.pk == module.pk), None)
    if found is None:  # a draft module for someone who is not an author
        raise Http404
    return render(
        request,
        "courses/module_detail.html",
        {
            "course": course,
            "module": found,
            "is_learner": outline.is_learner,
            "is_author": is_author,
            "content_note": languages.content_note(
                ([found], ("title", "summary")), (getattr(found, "item_list", []), ("title",))
            ),
        },
    )


def _item_context(
    request: AuthenticatedHttpRequest,
    item: Item,
    *,
    outline: selectors.Outline | None = None,
    **quiz_options: Any,
) -> dict:
    """The lesson page: the item, its module's sidebar with states, and what its kind needs.
    `outline`: the person's outline when the caller has read it already (with the drafts for
    an author: _outline_and_lock)."""
    course = item.module.course
    is_author = is_course_author(request.user, course)  # read once a request (courses.access)
    if outline is None:
        outline = selectors.course_outline(
            user=request.user, course=course, include_drafts=is_author
        )
    module = next(m for m in outline.modules if m.pk == item.module_id)
    siblings = module.item_list  # set by course_outline
    index = next(i for i, s in enumerate(siblings) if s.pk == item.pk)
    # The sidebar, previous and next hold only what the viewer would see: a learner (and an
    # author previewing as one) steps over drafts, and in a draft module has nowhere to go;
    # an author editing the course steps through drafts too. The preview shows the lesson
    # itself even when it is a draft, so it stays in the list it steps through.
    preview = is_author and request.GET.get("preview") == "learner"
    if is_author and not preview:
        steps = siblings
    else:
        steps = [s for s in siblings if s.pk == item.pk or (s.is_published and module.is_published)]
    at = next(i for i, s in enumerate(steps) if s.pk == item.pk)
    # The outline's rows carry only what the sidebar shows; the lesson is `item`, read whole,
    # with the outline's state of it.
    current = item
    for name in ("is_done", "is_started", "state", "lock"):
        setattr(current, name, getattr(siblings[index], name))
    context: dict[str, Any] = {
        "item": current,
        "module": module,
        "course": course,
        "siblings": steps,
        "is_done": current.is_done,
        "state": current.state,
        "previous_item": steps[at - 1] if at > 0 else None,
        "next_item": steps[at + 1] if at + 1 < len(steps) else None,
        "is_learner": outline.is_learner,
        "can_complete": outline.is_learner
        and current.completion_rule in (Item.Rule.MANUAL, Item.Rule.VIEWED)
        and current.kind not in (Item.Kind.VIDEO, Item.Kind.QUIZ, Item.Kind.REFLECTION),
        "is_author": is_author,
    }
    if item.kind == Item.Kind.VIDEO:
        context["embed_url"] = video.embed_url(item.video_url)
        context["video_provider"] = video.provider(item.video_url)
    elif item.kind == Item.Kind.QUIZ:
        context.update(_quiz_context(request, item, is_learner=outline.is_learner, **quiz_options))
    elif item.kind == Item.Kind.REFLECTION:
        context["reflection"] = item.reflections.filter(user=request.user).first()
    elif item.kind == Item.Kind.ASSIGNMENT and item.assignment_id:
        context["submission"] = (
            Submission.objects.filter(assignment_id=item.assignment_id, learner=request.user)
            .order_by("-version")
            .first()
        )
    shown_questions = [s.question for s in context.get("questions", [])]
    # The note covers the check's questions too, on the lesson, a returned form and the
    # attempt's review alike; feedback and explanations only where the review shows them.
    review = quiz_options.get("reviewed") is not None
    context["content_note"] = languages.content_note(
        ([current], ("title", "body")),
        (shown_questions, ("text", "feedback") if review else ("text",)),
        (
            [c for q in shown_questions for c in q.choices.all()],
            ("text", "match", "explanation") if review else ("text", "match"),
        ),
    )
    return context


def _outline_and_lock(
    request: AuthenticatedHttpRequest, item: Item
) -> tuple[selectors.Outline | None, selectors.Lock | None]:
    """The lock on the item's module for a learner, and the outline for the page's sidebar
    (_item_context): one read of the person's cohort and one of the outline, not two."""
    course = item.module.course
    if is_course_author(request.user, course):
        # An author who also learns in a cohort is locked out as the learner would be (the
        # learner's published modules), while the sidebar lists the drafts too: two readings
        # of the modules, one of the cohort.
        cohort = selectors.learner_cohort(user=request.user, course=course)
        lock = selectors.item_lock_in(user=request.user, item=item, cohort=cohort)
        if lock is not None:
            return None, lock
        outline = selectors.course_outline_in(
            user=request.user, course=course, cohort=cohort, include_drafts=True
        )
        return outline, None
    outline = selectors.course_outline(user=request.user, course=course)
    module = next((m for m in outline.modules if m.pk == item.module_id), None)
    return outline, getattr(module, "lock", None) if outline.is_learner else None


@login_required
def item_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One lesson: learners and staff of a cohort running the course, authors (drafts too);
    403 with the reason for a learner whose module has not opened."""
    item = get_item_for_user(request.user, pk)
    outline, lock = _outline_and_lock(request, item)
    if lock is not None:
        return _forbidden(request, lock.reason)
    # A lesson the outline shows done already has nothing to record: item_view would read the
    # learner's cohort again on every later visit only to find its row there.
    shown = next((i for i in outline.items if i.pk == item.pk), None) if outline else None
    done = shown is not None and shown.is_done
    if not done and services.item_view(user=request.user, item=item):
        outline = None  # this visit finished the item: read the states again
    context = _item_context(request, item, outline=outline)
    return render(request, "courses/item_detail.html", context)


def _respond_progress_error(request: HttpRequest, exc: services.ProgressError) -> HttpResponse:
    return _forbidden(request, exc.message)


@login_required
@require_POST
def item_complete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Learners of the course mark an item done (or not done, with `undo`); 403 if locked."""
    item = get_item_for_user(request.user, pk)
    try:
        if request.POST.get("undo"):
            services.item_uncomplete(user=request.user, item=item)
        else:
            services.item_complete(user=request.user, item=item)
    except services.ProgressError as exc:
        return _respond_progress_error(request, exc)
    if request.htmx:
        return render(
            request,
            "courses/includes/_complete_button.html",
            {"item": item, "is_done": not request.POST.get("undo"), "can_complete": True},
        )
    return redirect("courses:item", pk=item.pk)


@login_required
@require_POST
def item_watched(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Learners of the course: their video played to the end (posted by courses-video.js)."""
    item = get_item_for_user(request.user, pk)
    try:
        services.item_video_watched(user=request.user, item=item)
    except services.ProgressError as exc:
        return _respond_progress_error(request, exc)
    if request.htmx:
        return render(request, "courses/includes/_watched.html", {"item": item})
    return redirect("courses:item", pk=item.pk)


def _quiz_context(
    request: AuthenticatedHttpRequest,
    item: Item,
    *,
    is_learner: bool,
    answers: dict | None = None,
    reviewed: QuizAttempt | None = None,
) -> dict:
    """What the knowledge check shows: the form for the learner's next (or open) attempt
    with its questions; on a result page the attempt's questions with their review."""
    attempts = selectors.quiz_attempts(user=request.user, item=item)
    passed = any(a.passed for a in attempts)
    attempts_left = max(item.max_attempts - len(attempts), 0) if item.max_attempts else None
    open_attempt = selectors.quiz_open_attempt(user=request.user, item=item) if is_learner else None
    number = open_attempt.number if open_attempt is not None else len(attempts) + 1
    readonly = not is_learner or passed or attempts_left == 0
    questions_changed = False
    if reviewed is not None:
        # The attempt's questions as it answered them, whatever was edited since; edited,
        # the check is answered again on its own page, with its questions as they are now.
        questions_changed = not item.draw_count and not selectors.quiz_attempt_is_current(
            attempt=reviewed, item=item
        )
        # A check with fixed questions is answered again right here, starting from these
        # answers; a check that draws gets a new attempt (other questions) by its button.
        readonly = readonly or bool(item.draw_count) or open_attempt is not None
        readonly = readonly or questions_changed
        shown = quiz.shown(
            selectors.quiz_attempt_questions(attempt=reviewed),
            answers=reviewed.answers,
            results=reviewed.results,
            seed=f"{request.user.pk}:{item.pk}:{reviewed.number}",
            review=True,
            with_right_answers=item.review_shows_answers,
        )
    else:
        if open_attempt is not None:
            questions = selectors.quiz_questions_by_ids(ids=open_attempt.questions)
        elif item.draw_count:
            questions = []  # drawn when the learner starts an attempt
        else:
            questions = selectors.quiz_questions(item=item)
        shown = quiz.shown(questions, answers=answers, seed=f"{request.user.pk}:{item.pk}:{number}")
    return {
        "questions": shown,
        "attempts": attempts,
        # The same choice as selectors.quiz_best_results: highest score, then the earliest.
        "best": min(attempts, key=lambda a: (-(a.score or 0), a.number), default=None),
        "passed": passed,
        # A passed check opened again: a word instead of its questions, empty and greyed out.
        "passed_note": is_learner and passed and reviewed is None,
        "attempts_left": attempts_left,
        "attempt_number": number,
        "open_attempt": open_attempt,
        "readonly": readonly,
        "questions_changed": questions_changed,
        "can_start": is_learner
        and item.draw_count > 0
        and open_attempt is None
        and not passed
        and attempts_left != 0,
    }


def _posted_answers(request: AuthenticatedHttpRequest) -> dict[int, object]:
    """{question id: [values]} from `q<id>` fields and {question id: {row id: value}} from
    `q<id>_<row id>` fields (matching and ordering rows)."""
    answers: dict[int, object] = {}
    for key in request.POST:
        found = ANSWER_FIELD.fullmatch(key)
        if found is None:
            continue
        question_id = int(found[1])
        if found[2] is None:
            answers.setdefault(question_id, request.POST.getlist(key))
        else:
            rows = answers.setdefault(question_id, {})
            if isinstance(rows, dict):
                rows[int(found[2])] = request.POST.get(key, "")
    return answers


@login_required
@require_POST
def quiz_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Learners of the course start an attempt at a knowledge check that draws its
    questions from the bank (the draw is kept on the attempt); 403 for anyone else or while
    the module is locked, and for a learner with no attempts left."""
    item = get_item_for_user(request.user, pk)
    try:
        services.quiz_attempt_open(user=request.user, item=item)
    except services.ProgressError as exc:
        return _forbidden(request, exc.message)
    return redirect(f"{reverse('courses:item', args=[item.pk])}#quiz-heading")


@login_required
@require_http_methods(["GET", "POST"])
def quiz_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Learners of the course answer a knowledge check and are sent to the attempt's result
    page (so a reload shows the result again instead of resending or a blank 405); a GET
    goes to the lesson. Bad or incomplete answers get 400 with the reason and save nothing;
    the same form sent twice shows the first result (the attempt number is in the form)."""
    item = get_item_for_user(request.user, pk)
    if request.method == "GET":
        return redirect("courses:item", pk=item.pk)
    answers = _posted_answers(request)
    number = parse_id(request.POST.get("attempt", ""))
    try:
        attempt = services.quiz_attempt_submit(
            user=request.user, item=item, answers=answers, number=number
        )
    except services.ProgressError as exc:
        if (
            isinstance(exc, services.ItemLocked)
            or selectors.learner_cohort(user=request.user, course=item.module.course) is None
        ):
            return _forbidden(request, exc.message)
        context = _item_context(request, item, answers={str(k): v for k, v in answers.items()})
        context["quiz_error"] = exc.message
        return render(request, "courses/item_detail.html", context, status=400)
    if getattr(attempt, "other_answers", False):
        messages.warning(
            request,
            _(
                "This attempt had already been sent from another window, so the answers you "
                "just sent were not recorded. Below is the result of the attempt as it was sent."
            ),
        )
    return redirect("courses:quiz_result", pk=item.pk, number=attempt.number)


@login_required
def quiz_result(request: AuthenticatedHttpRequest, pk: int, number: int) -> HttpResponse:
    """The learner's own attempt reviewed question by question (right or not, the feedback,
    the right answer where the check shows it); 404 for anyone else's attempt (there is none
    under this number for them) or one not answered yet, and 403 while the module is locked."""
    item = get_item_for_user(request.user, pk)
    outline, lock = _outline_and_lock(request, item)
    if lock is not None:
        return _forbidden(request, lock.reason)
    attempt = get_object_or_404(
        QuizAttempt, user=request.user, item=item, number=number, submitted_at__isnull=False
    )
    context = _item_context(request, item, outline=outline, reviewed=attempt)
    context["feedback"] = attempt
    return render(request, "courses/item_detail.html", context)


@login_required
@require_POST
def reflection_save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Learners of the course save a reflection to their journal; 400 for an empty text."""
    item = get_item_for_user(request.user, pk)
    try:
        services.reflection_save(user=request.user, item=item, text=request.POST.get("text", ""))
    except services.ProgressError as exc:
        if (
            isinstance(exc, services.ItemLocked)
            or selectors.learner_cohort(user=request.user, course=item.module.course) is None
        ):
            return _forbidden(request, exc.message)
        context = _item_context(request, item)
        context["reflection_error"] = exc.message
        context["draft"] = request.POST.get("text", "")
        return render(request, "courses/item_detail.html", context, status=400)
    return redirect("courses:item", pk=item.pk)


FILE_FIELDS = {"file": "file", "video": "video_file", "captions": "captions"}


@login_required
def item_file(request: AuthenticatedHttpRequest, pk: int, which: str) -> HttpResponseBase:
    """An item's file (resource, video or captions): whoever may open the item, once it is
    open to them. Resources are always downloaded, never rendered (an SVG or HTML file cannot
    run script on our origin); videos and captions are sent with their fixed media type."""
    item = get_item_for_user(request.user, pk)
    field = FILE_FIELDS.get(which)
    if field is None or not getattr(item, field):
        raise Http404
    lock = selectors.item_lock(user=request.user, item=item)
    if lock is not None:
        return _forbidden(request, lock.reason)
    stored = getattr(item, field)
    if which == "file":
        name = item.file_name or f"{slugify(item.title) or 'file'}{_suffix(stored.name)}"
        response = FileResponse(
            stored.open("rb"),
            as_attachment=True,
            filename=name,
            content_type="application/octet-stream",
        )
    elif which == "captions":
        response = FileResponse(stored.open("rb"), content_type="text/vtt; charset=utf-8")
    else:
        guessed = mimetypes.guess_type(stored.name)[0] or ""
        response = FileResponse(
            stored.open("rb"),
            content_type=guessed if guessed.startswith("video/") else "video/mp4",
        )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def course_image(request: AuthenticatedHttpRequest, name: str) -> FileResponse:
    """An image shown in a text page: whoever may see its course (404 for everyone else).
    Always a re-encoded PNG or JPEG under a random name, sent with its fixed media type."""
    image = get_course_image_for_user(request.user, name)
    content_type = "image/jpeg" if image.name.endswith(".jpg") else "image/png"
    response = FileResponse(image.file.open("rb"), content_type=content_type)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    # The name never changes its content; only the browser of a signed-in person keeps it.
    response["Cache-Control"] = "private, max-age=86400"
    return response


def _suffix(name: str) -> str:
    from pathlib import PurePath

    return PurePath(name).suffix


@login_required
def journal(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A learner's own learning journal: all their reflections (nobody else's)."""
    entries = list(selectors.journal(user=request.user))
    return render(request, "courses/journal.html", {"entries": entries})


@login_required
def journal_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    """The signed-in person's own journal as Markdown or PDF."""
    entries = list(selectors.journal(user=request.user))
    from .journal import journal_markdown, journal_pdf

    # Named in the person's language; ASCII only, as the header carries it (ä becomes a).
    name = (
        slugify(pgettext("file name of the learning journal download", "learning-journal"))
        or "learning-journal"
    )

    if fmt == "md":
        response = HttpResponse(
            journal_markdown(user=request.user, entries=entries),
            content_type="text/markdown; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.md"'
        return response
    if fmt == "pdf":
        pdf = journal_pdf(user=request.user, entries=entries)
        if pdf is None:
            return render(
                request,
                "403.html",
                {"reason": _("PDF export is not available on this server; use Markdown.")},
                status=503,
            )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    raise Http404
