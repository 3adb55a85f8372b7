"""Discussion pages: a cohort's area, threads, replies, questions under a lesson, moderation.

Who may see what is decided in discussions.access: everything loads through
`get_*_for_user` helpers (404 for anyone outside the cohort); moderation answers 403 to a
member who does not moderate. Every form works without JavaScript; htmx only polls an open
thread for new replies.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.http import AuthenticatedHttpRequest
from core.ids import parse_id
from courses import selectors as course_selectors
from courses.access import get_item_for_user

from . import selectors, services
from .access import (
    can_mark_answer,
    get_cohort_for_discussions,
    get_post_for_moderator,
    get_post_for_user,
    get_thread_for_user,
    is_moderator,
    may_post,
)
from .forms import HideForm, QuestionForm, ReplyForm, ThreadForm
from .models import Post, Thread


def _thread_url(thread: Thread, *, page: int | None = None, anchor: str = "") -> str:
    url = reverse("discussions:thread", args=[thread.pk])
    if page and page > 1:
        url += f"?page={page}"
    return url + (f"#{anchor}" if anchor else "")


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every signed-in person: the discussion areas of their cohorts (straight to the area
    when there is one)."""
    cohorts = list(selectors.cohorts_with_activity(user=request.user)[:50])
    if len(cohorts) == 1:
        return redirect("discussions:cohort", pk=cohorts[0].pk)
    return render(request, "discussions/home.html", {"cohorts": cohorts})


@login_required
def cohort_threads(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A cohort's discussion area: its members (any role) and the superuser."""
    cohort = get_cohort_for_discussions(request.user, pk)
    kind = request.GET.get("kind", "")
    if kind not in Thread.Kind.values:
        kind = ""
    page = Paginator(
        selectors.cohort_threads(cohort=cohort, kind=kind), selectors.THREADS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "discussions/thread_list.html",
        {
            "cohort": cohort,
            "page": page,
            "kind": kind,
            "kinds": Thread.Kind.choices,
            "may_post": may_post(request.user, cohort.pk),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def thread_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A new discussion: the cohort's members (404 for everyone else, 403 for the superuser
    who is not a member); staff may pin it at once."""
    cohort = get_cohort_for_discussions(request.user, pk)
    if not may_post(request.user, cohort.pk):
        return render(
            request,
            "403.html",
            {"reason": _("Only the members of the cohort can write here.")},
            status=403,
        )
    can_pin = is_moderator(request.user, cohort.pk)
    form = ThreadForm(request.POST or None, can_pin=can_pin)
    if request.method == "POST":
        if form.is_valid():
            try:
                thread = services.thread_start(
                    cohort=cohort,
                    author=request.user,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    pinned=bool(form.cleaned_data.get("pinned")),
                )
            except services.DiscussionError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect(_thread_url(thread))
        status = 400
    else:
        status = 200
    return render(
        request, "discussions/thread_form.html", {"cohort": cohort, "form": form}, status=status
    )


def _thread_context(
    request: AuthenticatedHttpRequest, thread: Thread, reply_form: ReplyForm | None = None
) -> dict:
    page = Paginator(selectors.thread_posts(thread=thread), selectors.POSTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    posts = list(page.object_list)
    moderator = selectors.mark_readable(posts=posts, user=request.user, thread=thread)
    quote = None
    raw_quote = request.GET.get("quote") or (reply_form.data.get("quote") if reply_form else None)
    quote_pk = parse_id(str(raw_quote or ""))
    if quote_pk is not None:
        quote = Post.objects.filter(thread=thread, pk=quote_pk).select_related("author").first()
        if quote is not None:
            quote.readable = selectors.can_read(post=quote, user=request.user, moderator=moderator)
    if reply_form is None:
        reply_form = ReplyForm(initial={"quote": quote.pk if quote else None})
    return {
        "thread": thread,
        "cohort": thread.cohort,
        "page": page,
        "posts": posts,
        "opening_pk": posts[0].pk if page.number == 1 and posts else None,
        "pinned": selectors.pinned_posts(thread=thread) if page.number == 1 else [],
        "is_moderator": moderator,
        "can_mark_answer": can_mark_answer(request.user, thread),
        "may_post": may_post(request.user, thread.cohort_id),
        "subscribed": selectors.is_subscribed(thread=thread, user=request.user),
        "reply_form": reply_form,
        "quote": quote,
        "last_pk": posts[-1].pk if posts else 0,
        "poll": not page.has_next(),
    }


@login_required
def thread_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A thread with its posts (paged) and the reply form: the cohort's members and the
    superuser. `?quote=<post>` starts a reply that quotes that post."""
    thread = get_thread_for_user(request.user, pk)
    return render(request, "discussions/thread_detail.html", _thread_context(request, thread))


@login_required
def thread_poll(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The cohort's members, polled by htmx on a thread's last page: the posts written after
    `after` and a fresh poller; 204 when there is nothing new."""
    thread = get_thread_for_user(request.user, pk)
    raw_after = request.GET.get("after", "")
    # 0: the page showed no posts yet.
    after = 0 if raw_after == "0" else parse_id(raw_after)
    if after is None:
        return HttpResponse(status=400)
    posts = list(selectors.thread_posts(thread=thread).filter(pk__gt=after)[:50])
    if not posts:
        return HttpResponse(status=204)
    moderator = selectors.mark_readable(posts=posts, user=request.user, thread=thread)
    return render(
        request,
        "discussions/includes/_new_posts.html",
        {
            "thread": thread,
            "posts": posts,
            "is_moderator": moderator,
            "can_mark_answer": can_mark_answer(request.user, thread),
            "may_post": may_post(request.user, thread.cohort_id),
            "last_pk": posts[-1].pk,
            "poll": True,
        },
    )


@login_required
@require_POST
def thread_reply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A reply: the cohort's members. Bad input gets the thread back with the error (400)."""
    thread = get_thread_for_user(request.user, pk)
    form = ReplyForm(request.POST)
    error = ""
    if form.is_valid():
        quote = None
        quote_pk = form.cleaned_data.get("quote")
        if quote_pk:
            quote = Post.objects.filter(thread=thread, pk=quote_pk).first()
            if quote is None:
                error = _("You can only quote a message of the same thread.")
        if not error:
            try:
                post = services.post_reply(
                    thread=thread, author=request.user, body=form.cleaned_data["body"], quote=quote
                )
            except services.DiscussionError as exc:
                error = exc.message
            else:
                return redirect(services.post_url(post))
    if error:
        form.add_error(None, error)
    status = 403 if not may_post(request.user, thread.cohort_id) else 400
    context = _thread_context(request, thread, reply_form=form)
    return render(request, "discussions/thread_detail.html", context, status=status)


def _back(thread: Thread) -> HttpResponse:
    return redirect(_thread_url(thread))


@login_required
@require_POST
def thread_subscribe(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The cohort's members follow a thread (`subscribe=1`) or stop following it (`=0`)."""
    thread = get_thread_for_user(request.user, pk)
    subscribe = request.POST.get("subscribe") == "1"
    try:
        services.thread_subscribe(thread=thread, user=request.user, subscribed=subscribe)
    except services.DiscussionError as exc:
        return render(request, "403.html", {"reason": exc.message}, status=403)
    messages.success(
        request,
        _("You follow this thread: new replies are notified to you.")
        if subscribe
        else _("You no longer follow this thread."),
    )
    return _back(thread)


@login_required
@require_POST
def thread_pin(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The cohort's instructors and coordinators (and the superuser) pin or unpin a thread."""
    thread = get_thread_for_user(request.user, pk)
    try:
        services.thread_pin(thread=thread, by=request.user, pinned=request.POST.get("pin") == "1")
    except services.DiscussionError as exc:
        return render(request, "403.html", {"reason": exc.message}, status=403)
    return _back(thread)


@login_required
def post_permalink(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A post's permanent address (used in notifications and emails): the cohort's members
    are sent to the page of the thread that shows it, at its anchor."""
    post = get_post_for_user(request.user, pk)
    return redirect(
        _thread_url(post.thread, page=selectors.page_of_post(post=post), anchor=f"post-{post.pk}")
    )


@login_required
@require_POST
def post_pin(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The cohort's instructors and coordinators pin a post to the top of its thread (403
    for other members)."""
    post = get_post_for_moderator(request.user, pk)
    services.post_pin(post=post, by=request.user, pinned=request.POST.get("pin") == "1")
    return redirect(services.post_url(post))


@login_required
@require_http_methods(["GET", "POST"])
def post_hide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The cohort's instructors and coordinators hide a post with a reason (403 for other
    members); an empty reason gets the form back (400)."""
    post = get_post_for_moderator(request.user, pk)
    form = HideForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.post_hide(post=post, by=request.user, reason=form.cleaned_data["reason"])
            except services.DiscussionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The message is hidden."))
                return redirect(services.post_url(post))
        status = 400
    # The post and what it quotes read as the thread shows them to this moderator.
    selectors.mark_readable(posts=[post], user=request.user, thread=post.thread)
    return render(
        request,
        "discussions/post_hide.html",
        {"post": post, "thread": post.thread, "cohort": post.thread.cohort, "form": form},
        status=status,
    )


@login_required
@require_POST
def post_unhide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The cohort's instructors and coordinators show a hidden post again."""
    post = get_post_for_moderator(request.user, pk)
    services.post_unhide(post=post, by=request.user)
    messages.success(request, _("The message is shown to everyone again."))
    return redirect(services.post_url(post))


@login_required
@require_POST
def post_mark_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A question's asker or an instructor of the cohort marks a reply as the answer
    (`clear=1` takes the mark away); 403 for other members."""
    post = get_post_for_user(request.user, pk)
    thread = get_thread_for_user(request.user, post.thread_id)
    try:
        services.thread_mark_answer(
            thread=thread, by=request.user, post=None if request.POST.get("clear") else post
        )
    except services.DiscussionError as exc:
        status = 403 if not can_mark_answer(request.user, thread) else 400
        return render(request, "403.html", {"reason": exc.message}, status=status)
    return redirect(services.post_url(post))


@login_required
def cohort_search(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Search the cohort's posts: its members and the superuser; only posts they may read
    (hidden ones for their writers and moderators only). Too long a query is a 400."""
    cohort = get_cohort_for_discussions(request.user, pk)
    raw = request.GET.get("q", "")
    context = {"cohort": cohort, "query": raw[: selectors.SEARCH_MAX_CHARS], "page": None}
    if len(raw) > selectors.SEARCH_MAX_CHARS:
        context["error"] = _("The search is too long: use at most %(n)s characters.") % {
            "n": selectors.SEARCH_MAX_CHARS
        }
        return render(request, "discussions/search.html", context, status=400)
    query = " ".join(raw.split())
    if query:
        page = Paginator(
            selectors.search_posts(user=request.user, cohort=cohort, query=query),
            selectors.THREADS_PER_PAGE,
        ).get_page(request.GET.get("page"))
        for post in page.object_list:
            post.snippet = services.excerpt(post, 30)
        context["page"] = page
    return render(request, "discussions/search.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def item_questions(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Questions on a lesson: whoever may open the item and belongs to a cohort running its
    course (404 for everyone else) sees their own cohorts' questions; members ask with POST
    (in their latest cohort of the course, or the one they choose); 403 with the reason while
    the lesson's module is locked for the learner."""
    item = get_item_for_user(request.user, pk)
    cohorts = list(selectors.item_cohorts(user=request.user, item=item))
    if not cohorts:
        raise Http404
    lock = course_selectors.item_lock(user=request.user, item=item)
    if lock is not None:  # a learner whose module has not opened yet, as on the lesson page
        return render(request, "403.html", {"reason": lock.reason}, status=403)
    writable = [c for c in cohorts if may_post(request.user, c.pk)]
    form = QuestionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        chosen = request.POST.get("cohort", "")
        cohort = next((c for c in writable if str(c.pk) == chosen), None)
        if cohort is None and not chosen and writable:
            cohort = writable[0]
        if cohort is None:
            form.add_error(None, _("Choose one of your cohorts."))
        elif form.is_valid():
            try:
                thread = services.thread_start(
                    cohort=cohort,
                    author=request.user,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    item=item,
                )
            except services.DiscussionError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect(_thread_url(thread))
        status = 400
    page = Paginator(
        selectors.item_questions(user=request.user, item=item), selectors.THREADS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "discussions/item_questions.html",
        {
            "item": item,
            "course": item.module.course,
            "page": page,
            "form": form,
            "writable": writable,
            "several_cohorts": len(cohorts) > 1,
        },
        status=status,
    )
