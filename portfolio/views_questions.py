"""The questions on a card ("Kysy tiimiltä"): asking once, the writer's delete, hiding.

Every view needs a signed-in person (others are sent to sign in) who may see the card
(portfolio.access.get_card_for_user: 404 otherwise); each docstring says who else may call it.
Deleting and hiding ask first on a page of their own (GET) and act on its POST only.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.http import AuthenticatedHttpRequest
from core.responses import action_refused
from portfolio.access import card_may_moderate, get_card_for_user

from . import selectors, services, services_questions, views
from .forms import HideForm, MessageForm
from .models import Card, CardMessage


def _thread_url(card: Card, message: CardMessage | None = None) -> str:
    anchor = f"message-{message.pk}" if message is not None else "thread"
    return f"{reverse('portfolio:card', args=[card.pk])}#{anchor}"


def _message_on(card: Card, message_pk: int) -> CardMessage:
    return get_object_or_404(
        CardMessage.objects.select_related("author__organisation", "card"),
        card=card,
        pk=message_pk,
    )


@login_required
@require_POST
def card_ask(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Anyone who may see the card: a question to its team, or (its team) an answer. The same
    text sent again by the same person at once (a double click) is answered as sent, with no
    second message or notification. An empty text is refused with 400 on the card page."""
    card = get_card_for_user(request.user, pk)
    form = MessageForm(request.POST)
    if not form.is_valid():
        # Said on the card page itself, above the form to fill in, and about what was empty.
        is_owner = request.user.pk in {o.pk for o in selectors.card_owners(card=card)}
        messages.error(
            request, _("Write your answer first.") if is_owner else _("Write your question first.")
        )
        page = views.card_detail(request, pk)
        page.status_code = 400
        return page
    try:
        services_questions.card_message_post(
            card=card, author=request.user, text=form.cleaned_data["text"]
        )
    except services.PortfolioError as exc:
        return action_refused(
            request, exc.message, back_url=reverse("portfolio:card", args=[card.pk])
        )
    messages.success(request, _("Your message was sent."))
    return redirect(_thread_url(card))


@login_required
@require_http_methods(["GET", "POST"])
def question_delete(request: AuthenticatedHttpRequest, pk: int, message: int) -> HttpResponse:
    """The message's writer only (403 for anyone else who sees the card): GET asks to confirm,
    POST deletes the message for good. A message no longer there (the second click of a
    double click) leads back to the card."""
    card = get_card_for_user(request.user, pk)
    found = CardMessage.objects.filter(card=card, pk=message).select_related("author").first()
    if found is None:
        if request.method == "POST":
            messages.info(request, _("The message is no longer on the card."))
            return redirect(_thread_url(card))
        raise Http404
    if found.author_id != request.user.pk:
        raise PermissionDenied
    if request.method == "POST":
        services_questions.card_message_delete(message=found, by=request.user)
        messages.success(request, _("The message was deleted."))
        return redirect(_thread_url(card))
    return render(request, "portfolio/question_delete.html", {"card": card, "message": found})


@login_required
@require_http_methods(["GET", "POST"])
def question_hide(request: AuthenticatedHttpRequest, pk: int, message: int) -> HttpResponse:
    """The card's team, the instructors and coordinators of its cohort, and the superuser
    (403 for anyone else who sees the card): GET asks for the reason, POST hides the message.
    An empty reason gets the form back (400)."""
    card = get_card_for_user(request.user, pk)
    if not card_may_moderate(user=request.user, card=card):
        raise PermissionDenied
    found = _message_on(card, message)
    if found.is_hidden:
        messages.info(request, _("The message is hidden already."))
        return redirect(_thread_url(card, found))
    form = HideForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services_questions.card_message_hide(
                    message=found, by=request.user, reason=form.cleaned_data["reason"]
                )
            except services_questions.QuestionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The message is hidden."))
                return redirect(_thread_url(card, found))
        status = 400
    return render(
        request,
        "portfolio/question_hide.html",
        {"card": card, "message": found, "form": form},
        status=status,
    )


@login_required
@require_POST
def question_unhide(request: AuthenticatedHttpRequest, pk: int, message: int) -> HttpResponse:
    """The card's team, the instructors and coordinators of its cohort, and the superuser
    (403 for anyone else who sees the card) show a hidden message to everyone again."""
    card = get_card_for_user(request.user, pk)
    if not card_may_moderate(user=request.user, card=card):
        raise PermissionDenied
    found = _message_on(card, message)
    services_questions.card_message_unhide(message=found, by=request.user)
    messages.success(request, _("The message is shown to everyone again."))
    return redirect(_thread_url(card, found))
