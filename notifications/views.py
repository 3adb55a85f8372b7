import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.access import STAFF_ROLES, Role, require_role
from core.errors import DomainError
from core.http import AuthenticatedHttpRequest
from core.middleware import use_link_language
from learners.access import cohorts_for, get_cohort_for_staff
from notifications.access import notifications_visible_to_staff

from . import selectors, services
from .forms import AnnouncementForm, PreferenceForm
from .models import Notification
from .templatetags.notification_text import is_own_path

# The log's filter for every email that a coordinator may need to act on.
ATTENTION = "attention"


@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every signed-in person: their own notifications only, a line for each group of news of
    one kind about one object (notifications.grouping); two queries, however many there are."""
    page = Paginator(selectors.notification_groups(request.user), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/notification_list.html", {"page": page})


@login_required
def notification_badge(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every signed-in person: their unread count, polled by the navigation (htmx). The count
    is the navigation's `nav_unread` (dashboard.context_processors.navigation), one query."""
    return render(request, "notifications/includes/_badge.html")


@login_required
@require_POST
def notification_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every signed-in person, for their own notification (another's is 404): mark it read with
    the rest of its group, up to the newest the page showed (`through`), and follow its link."""
    notification = get_object_or_404(selectors.notifications_for(request.user), pk=pk)
    services.notification_group_mark_read(
        recipient=request.user,
        notification=notification,
        through_id=_id_or_none(request.POST.get("through", "")),
    )
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect("notifications:list")
    return redirect(target)


def _id_or_none(value: str) -> int | None:
    """A row id from a form, or None for anything that cannot be one."""
    return int(value) if value.isdigit() and len(value) < 19 else None


def notification_follow(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone with a link from a notification email (services.notification_follow_url): its
    recipient has it marked read and goes on to its page. A signed-out person signs in first,
    on a sign-in page in the email's language, and comes back here; someone signed in with
    another account is told so (403) and may sign out and continue, or open the page with
    their own account; the notification stays unread. A GET, as it is a link: a mail scanner
    that opens it is signed out and marks nothing."""
    notification = services.notification_from_follow_token(token)
    if notification is None:
        raise Http404
    if not request.user.is_authenticated:
        # The sign-in page speaks the recipient's language; it tells whoever else holds the
        # link that much and nothing more.
        use_link_language(request, notification.recipient.language, remember=True)
        return redirect_to_login(request.get_full_path())
    if notification.recipient_id != request.user.pk:
        return render(
            request,
            "notifications/notification_follow_other_account.html",
            {
                "account": _masked_email(notification.recipient.email),
                "here": request.get_full_path(),
                # The page itself decides what this account may see there.
                "target": notification.url if _is_safe_target(notification.url) else "",
            },
            status=403,
        )
    services.notification_mark_read(recipient=request.user, notification_id=notification.pk)
    if not _is_safe_target(notification.url):
        return redirect("notifications:list")
    return redirect(notification.url)


def _is_safe_target(url: str) -> bool:
    """A page on this site to lead on to (never another host)."""
    return is_own_path(url) and url_has_allowed_host_and_scheme(url, allowed_hosts=None)


@login_required
@require_POST
def notification_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every signed-in person: mark their own notifications read."""
    services.notification_mark_read(recipient=request.user)
    return redirect("notifications:list")


@login_required
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every signed-in person: their own email choices per category and their time zone."""
    preference = services.preference_for(request.user)
    form = PreferenceForm(request.POST or None, preference=preference)
    if request.method == "POST" and form.is_valid():
        try:
            services.preference_update(
                user=request.user,
                time_zone=form.cleaned_data["time_zone"],
                email_modes=form.email_modes(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your notification settings were saved."))
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@csrf_exempt  # the signed token is the credential; mail clients POST here (RFC 8058)
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone holding a signed link from an email: stop that email category, in one click. The
    page speaks the reader's language, or, for a signed-out reader without a language cookie,
    that of the person the email went to."""
    found = services.unsubscribe_read(token)
    if found is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    user, categories = found
    # A signed-out reader without a language of their own reads it in the email's language.
    use_link_language(request, user.language)
    context = {
        "labels": [Notification.Category(c).label for c in categories],
        # Whose emails the link changes: not necessarily the signed-in person's.
        "account": _masked_email(user.email),
        "own": request.user.is_authenticated and request.user.pk == user.pk,
        "signed_in_as_other": request.user.is_authenticated and request.user.pk != user.pk,
    }
    if request.method == "POST":
        services.unsubscribe(user=user, categories=categories)
        return render(request, "notifications/unsubscribe.html", {**context, "done": True})
    return render(request, "notifications/unsubscribe.html", context)


def _masked_email(email: str) -> str:
    """Enough of an address for its owner to recognise it ("o***@example.fi"), and no more for
    whoever else holds the link."""
    local, at, domain = email.partition("@")
    return f"{local[:1]}***{at}{domain}" if local else ""


@require_role(Role.COORDINATOR)
def notification_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Coordinators: what was sent to members of their cohorts, searchable, with failures."""
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    # Digests are emails too: a failed one is shown and can be sent again like any other.
    qs = notifications_visible_to_staff(request.user).select_related("recipient")
    if query:
        # unicode_icontains (core/lookups.py): "åström" finds Åström on SQLite too.
        qs = qs.filter(
            Q(recipient__email__unicode_icontains=query)
            | Q(recipient__first_name__unicode_icontains=query)
            | Q(recipient__last_name__unicode_icontains=query)
            | Q(subject__unicode_icontains=query)
        )
    if status == ATTENTION:
        qs = qs.filter(selectors.needs_attention())
    elif status in Notification.EmailStatus.values:
        qs = qs.filter(email_status=status)
    page = Paginator(qs.order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    resendable = {n.pk for n in page if selectors.can_resend(n)}
    return render(
        request,
        "notifications/notification_log.html",
        {
            "page": page,
            "query": query,
            "status": status,
            "statuses": [(ATTENTION, _("Needs attention")), *Notification.EmailStatus.choices],
            "resendable": resendable,
            "here": request.get_full_path(),
        },
    )


@require_role(Role.COORDINATOR)
@require_POST
def notification_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Coordinators, for members of their cohorts (another cohort's message is 404), and the
    superuser: send a failed, unconfirmed or stuck email again, with the same Message-ID.
    Clicking twice queues it once; a sent email is not sent again."""
    notification = get_object_or_404(notifications_visible_to_staff(request.user), pk=pk)
    if services.notification_resend(notification=notification):
        messages.success(request, _("The email will be sent again in a moment."))
    else:
        messages.info(request, _("This email needs no resending: it was sent or is on its way."))
    target = request.POST.get("next", "")
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect("notifications:log")
    return redirect(target)


@require_role(*STAFF_ROLES)
def announcements(request: AuthenticatedHttpRequest, cohort_pk: int) -> HttpResponse:
    """Coordinators and instructors of the cohort: write an announcement, now or later. The form
    carries a one-time token: sent again (a double click, Back and send), it answers with the
    announcement it already sent and sends nothing more."""
    cohort = get_cohort_for_staff(request.user, cohort_pk)
    form = AnnouncementForm(
        request.POST if request.method == "POST" else None,
        initial={"form_token": uuid.uuid4()},
    )
    if request.method == "POST":
        valid = form.is_valid()
        # Asked before the other fields count: a form sent again answers with what it sent,
        # even when its time to send has passed since.
        sent = selectors.announcement_created_with(
            cohort=cohort, token=form.cleaned_data.get("form_token")
        )
        if sent is None and valid:
            try:
                services.announcement_create(
                    cohort=cohort,
                    author=request.user,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    send_at=form.cleaned_data["send_at"],
                    token=form.cleaned_data["form_token"],
                )
            except services.AnnouncementAlreadySent as exc:
                sent = exc.announcement
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Announcement scheduled.")
                    if form.cleaned_data["send_at"]
                    else _("Announcement sent."),
                )
                return redirect("notifications:announcements", cohort.pk)
        if sent is not None:
            messages.info(request, services.AnnouncementAlreadySent(sent).message)
            return redirect("notifications:announcements", cohort.pk)
    return render(
        request,
        "notifications/announcements.html",
        {
            "cohort": cohort,
            "form": form,
            "announcements": cohort.announcements.select_related("author")[:50],
            "is_coordinator": cohorts_for(request.user, Role.COORDINATOR)
            .filter(pk=cohort.pk)
            .exists(),
        },
        status=400 if request.method == "POST" else 200,
    )
