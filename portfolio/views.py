"""The learner's portfolio, the network gallery (Osaamisväylä), approvals and public pages.

Who sees what: the portfolio and its cards' edit pages (and removing their "we tried this too"
links) only the learners on the experiment's team; the gallery and a card's page everyone
signed in, each card by its scope (portfolio.access.cards_visible_to); the approval queue the
coordinators who may approve (portfolio.access.cards_awaiting_approval_by); public pages
anyone, public cards only. A team member's name is shown outside the team only when they
agreed themselves (portfolio.consent), on their own answer page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import Role, has_role
from core.http import AuthenticatedHttpRequest
from core.ids import parse_id
from core.pdf import html_to_pdf
from core.responses import action_refused
from portfolio.access import (
    card_may_moderate,
    cards_awaiting_approval_by,
    cards_visible_to,
    decided_card_for_approver,
    get_card_for_approver,
    get_card_for_owner,
    get_card_for_user,
)
from workshops.models import ExperimentMember

from . import consent, selectors, services
from .forms import (
    AdaptForm,
    CardForm,
    GalleryForm,
    MessageForm,
    NameAnswerForm,
    PublishForm,
    RejectForm,
)
from .models import Card

PAGE_SIZE = 12


def _owner_ids(card: Card) -> set[int]:
    return {u.pk for u in selectors.card_owners(card=card)}


# --- the learner's portfolio ---------------------------------------------------------------


@login_required
def portfolio(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in learner's own portfolio: cards, chosen reflections, certificates."""
    services.portfolio_sync(user=request.user)
    data = selectors.portfolio_for(user=request.user)
    return render(request, "portfolio/portfolio.html", {"portfolio": data})


@login_required
def portfolio_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The learner's own portfolio as a PDF (their cards whatever their scope: it is theirs)."""
    data = selectors.portfolio_for(user=request.user)
    outcomes = {card.pk: selectors.indicator_outcomes_for(card=card) for card in data.cards}
    html = render_to_string(
        "portfolio/portfolio_pdf.html",
        {
            "person": request.user,
            "portfolio": data,
            "outcomes": outcomes,
            "today": timezone.localdate(),
        },
        request=request,
    )
    pdf = html_to_pdf(html)
    if pdf is None:
        return action_refused(
            request,
            _("PDF export is not available on this server."),
            back_url=reverse("portfolio:home"),
            status=503,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="portfolio.pdf"'
    return response


@login_required
@require_POST
def portfolio_reflections(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose which of one's own reflections the portfolio shows."""
    ids = [pk for v in request.POST.getlist("reflection") if (pk := parse_id(v)) is not None]
    services.portfolio_set_reflections(user=request.user, reflection_ids=ids)
    messages.success(request, _("Your choice of reflections was saved."))
    return redirect(f"{reverse('portfolio:home')}#reflections")


@login_required
def card_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The team edits their card for publication. The form carries the version it was opened
    on (services.card_version): a save over sections someone saved since is refused (409) with
    their text shown and the person's words kept in the form."""
    card = get_card_for_owner(request.user, pk)
    status = 200
    saved_meanwhile = None
    if request.method != "POST":
        form = CardForm(instance=card, initial={"based_on": services.card_version(card)})
        return _card_form_page(request, card, form, status=status)
    form = CardForm(request.POST, instance=card)
    showed_names = card.show_names
    if form.is_valid():
        try:
            # The form must not save the instance itself: the service decides.
            card = services.card_update(
                card=card,
                by=request.user,
                data={f: form.cleaned_data[f] for f in services.EDITABLE_FIELDS},
                # A form opened before the field existed carries none: not checked.
                based_on=form.cleaned_data["based_on"] if "based_on" in request.POST else None,
            )
        except services.CardChanged as exc:
            saved_meanwhile = exc
            form = _form_over(request, card, exc)
            status = 409
        except services.PortfolioError as exc:
            form.add_error(None, exc.message)
            status = 400
        else:
            if card.has_unapproved_changes and card.public_status == Card.PublicStatus.PENDING:
                messages.warning(
                    request,
                    _(
                        "The card was saved. A coordinator checks your changes before they are "
                        "public; until then the public page shows the approved version."
                    ),
                )
            else:
                messages.success(request, _("The card was saved."))
            if card.show_names and not showed_names:
                messages.info(
                    request,
                    _(
                        "Your name is shown with the card. The other members of the team were "
                        "asked: each one's name is shown only when they agree."
                    ),
                )
            return redirect("portfolio:card", pk=card.pk)
    else:
        status = 400
    return _card_form_page(request, card, form, status=status, saved_meanwhile=saved_meanwhile)


def _form_over(
    request: AuthenticatedHttpRequest, card: Card, exc: services.CardChanged
) -> CardForm:
    """The refused form again: the person's changed sections as they wrote them, the others as
    saved now, and the version saved now, so that saving again (having read the other text) is
    the person's choice and undoes nothing they did not change."""
    data = request.POST.copy()
    for name in services.EDITABLE_FIELDS:
        if name in exc.yours:
            continue
        value = getattr(exc.current, name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            else:
                data.pop(name, None)
        else:
            data[name] = value
    data["based_on"] = services.card_version(exc.current)
    form = CardForm(data, instance=card)
    form.is_valid()
    form.add_error(None, exc.message)
    for name in exc.conflicts:
        form.add_error(
            name, _("Saved meanwhile with other text: the saved text is shown above the form.")
        )
    return form


def _card_form_page(
    request: AuthenticatedHttpRequest,
    card: Card,
    form: CardForm,
    *,
    status: int,
    saved_meanwhile: services.CardChanged | None = None,
) -> HttpResponse:
    conflicts = []
    if saved_meanwhile is not None:
        conflicts = [
            (form[name].label, getattr(saved_meanwhile.current, name))
            for name in saved_meanwhile.conflicts
        ]
    return render(
        request,
        "portfolio/card_edit.html",
        {
            "card": card,
            "form": form,
            "saved_meanwhile": saved_meanwhile,
            "conflicts": conflicts,
            # This browser's copy of unsaved words (static/js/portfolio-card-draft.js), per
            # person and card: team mates may write on the same computer.
            "draft_key": f"alueagentti-card:{request.user.pk}:{card.pk}",
            "name_answers": selectors.card_member_answers(card=card),
        },
        status=status,
    )


@login_required
@require_POST
def card_prefill(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    card = get_card_for_owner(request.user, pk)
    filled = services.card_prefill(card=card, by=request.user)
    if filled:
        messages.success(request, _("Empty sections were filled from the experiment's phases."))
    else:
        messages.info(request, _("There was nothing new to fill in from the phases."))
    return redirect("portfolio:card_edit", pk=card.pk)


@login_required
def card_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The team chooses who can see the card."""
    card = get_card_for_owner(request.user, pk)
    initial_scope = (
        Card.Scope.PUBLIC if card.public_status == Card.PublicStatus.PENDING else card.scope
    )
    form = PublishForm(request.POST or None, initial={"scope": initial_scope})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            asked_before = (card.public_status, card.requested_at)
            try:
                card = services.card_publish(
                    card=card,
                    by=request.user,
                    scope=form.cleaned_data["scope"],
                    consent=form.cleaned_data["consent"],
                )
            except services.PortfolioError as exc:
                form.add_error(None, exc.message)
            else:
                if (
                    card.public_status == Card.PublicStatus.PENDING
                    and (card.public_status, card.requested_at) == asked_before
                ):
                    # A second tab, or the form sent again: the request already waits.
                    messages.info(
                        request,
                        _(
                            "The card is already waiting for a coordinator's approval for the "
                            "public: nobody was asked again."
                        ),
                    )
                elif card.public_status == Card.PublicStatus.PENDING:
                    messages.success(
                        request,
                        _("A coordinator was asked to approve the card for the public."),
                    )
                else:
                    messages.success(request, _("Publication was saved."))
                return redirect("portfolio:card", pk=card.pk)
        status = 400
    return render(
        request,
        "portfolio/card_publish.html",
        {"card": card, "form": form, "name_answers": selectors.card_member_answers(card=card)},
        status=status,
    )


@login_required
def card_names(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A member of the card's team answers for their own name (the notification asking them
    links here): shown with the card outside the team, or not. Only the team's members reach
    it (404 for everyone else: portfolio.consent), and each answers for themselves only: the
    form names nobody. Answering is a POST."""
    card = consent.get_card_for_name_answer(request.user, pk)
    form = NameAnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            agree = form.cleaned_data["answer"] == "agree"
            try:
                services.card_name_answer(card=card, member=request.user, agree=agree)
            except services.PortfolioError as exc:
                return action_refused(
                    request, exc.message, back_url=reverse("portfolio:card", args=[card.pk])
                )
            if agree:
                messages.success(
                    request, _("Your name is shown with the card when the card shows names.")
                )
            else:
                messages.success(
                    request,
                    _("Your name is not shown with the card: you are shown as a team member."),
                )
            return redirect(f"{reverse('portfolio:card', args=[card.pk])}#names")
        status = 400
    answers = selectors.card_name_answers(card=card)
    return render(
        request,
        "portfolio/card_names.html",
        {
            "card": card,
            "form": form,
            "answer": answers.get(request.user.pk, ""),
            "public": card.scope == Card.Scope.PUBLIC
            or card.public_status == Card.PublicStatus.PENDING,
        },
        status=status,
    )


@login_required
@require_POST
def card_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    card = get_card_for_owner(request.user, pk)
    services.card_withdraw(card=card, by=request.user)
    messages.success(request, _("The card is private again and was removed from the gallery."))
    return redirect("portfolio:card", pk=card.pk)


# --- the gallery ---------------------------------------------------------------------------


def _gallery(request: HttpRequest, *, user: Any, public: bool) -> dict[str, Any]:
    facets = selectors.gallery_facets(user=user)
    form = GalleryForm(request.GET or None, facets=facets, public=public)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.GalleryFilters(
        query=data.get("q") or "",
        theme=data.get("theme") or "",
        organisation=data.get("organisation"),
        phase=data.get("phase"),
        outcome=data.get("outcome") or "",
        scope=data.get("scope") or "",
        # The order the list is in, which the sort field shows: a search is by best match
        # unless another order was chosen; without a search there is only the most recent.
        sort=(data.get("sort") or "relevance") if data.get("q") else "recent",
    )
    page = Paginator(selectors.gallery_cards(user=user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # Public cards whose changes wait for a coordinator show their approved version.
    page.object_list = selectors.cards_as_published(page.object_list)
    context = {"form": form, "page": page, "filters": filters}
    if form.is_bound and "q" in form.errors:
        # A search too long to run: say so (400) rather than list every card as if found.
        context["error"] = _("The search is too long: use at most %(n)s characters.") % {
            "n": selectors.SEARCH_MAX_CHARS
        }
        context["page"] = Paginator(Card.objects.none(), PAGE_SIZE).get_page(1)
    return context


@login_required
def gallery(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Osaamisväylä, for everyone signed in: the published cards the person may see (scoped
    by cards_visible_to), searched in Finnish and filtered."""
    context = _gallery(request, user=request.user, public=False)
    return render(
        request, "portfolio/gallery.html", context, status=400 if "error" in context else 200
    )


@login_required
def card_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A card with its indicators, thread, adaptations and similar experiments elsewhere, for
    everyone who may see it (cards_visible_to). The team reads its own text, with changes that
    wait for a coordinator; everyone else what the public sees, the approved version, and by
    the public's rule a member's name only when that member agreed (portfolio.consent)."""
    card = get_card_for_user(request.user, pk)
    owners = selectors.card_owners(card=card)
    owner_ids = {o.pk for o in owners}
    is_owner = request.user.pk in owner_ids
    if not is_owner:
        card = selectors.card_as_published(card)
    # The page lists the themes and the similar box ranks by them: read once for both.
    prefetch_related_objects([card], "experiment__themes")
    experiments = selectors.adaptable_experiments(user=request.user, card=card)
    # Outside the team only the members who agreed are named (portfolio.consent); the team
    # sees the same line, as others read it, and everyone's answer in its panel.
    answers = selectors.card_name_answers(card=card) if card.show_names or is_owner else {}
    shown_names = consent.bylines(members=owners, answers=answers, show_names=card.show_names)
    return render(
        request,
        "portfolio/card_detail.html",
        {
            "card": card,
            "bylines": shown_names,
            "towns": owners,
            "name_answers": consent.member_answers(
                members=owners, answers=answers, show_names=card.show_names
            )
            if is_owner
            else [],
            "is_owner": is_owner,
            "owner_ids": owner_ids,
            # Hides and shows the thread's messages (no query for the team: owner_ids).
            "can_moderate": card_may_moderate(user=request.user, card=card, owner_ids=owner_ids),
            "themes": list(card.experiment.themes.all()),
            "outcomes": selectors.indicator_outcomes_for(card=card),
            "similar": selectors.similar_cards(card=card, user=request.user),
            "thread": selectors.card_thread(card=card),
            "adaptations": selectors.card_adaptations(card=card, user=request.user),
            "origins": selectors.card_origins(card=card, user=request.user),
            "message_form": MessageForm(label=_("Your answer") if is_owner else ""),
            "adapt_form": AdaptForm(experiments=experiments) if not is_owner else None,
            "can_adapt": not is_owner and experiments.exists(),
        },
    )


@login_required
@require_POST
def card_adapt(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    card = get_card_for_user(request.user, pk)
    back = reverse("portfolio:card", args=[card.pk])
    form = AdaptForm(
        request.POST, experiments=selectors.adaptable_experiments(user=request.user, card=card)
    )
    if not form.is_valid():
        # The form again, with what is missing beside its field and the note as written.
        return _adapt_form_page(request, card, form, status=400)
    try:
        services.card_adapt(
            card=card,
            by=request.user,
            experiment=form.cleaned_data["experiment"],
            note=form.cleaned_data["note"],
        )
    except services.PortfolioError as exc:
        form.add_error(None, exc.message)
        return _adapt_form_page(request, card, form, status=409)
    messages.success(request, _("Your experiment was linked as an adaptation of this one."))
    return redirect(f"{back}#adaptations")


def _adapt_form_page(
    request: AuthenticatedHttpRequest, card: Card, form: AdaptForm, *, status: int
) -> HttpResponse:
    return render(
        request, "portfolio/card_adapt.html", {"card": card, "adapt_form": form}, status=status
    )


@login_required
@require_POST
def card_unadapt(request: AuthenticatedHttpRequest, pk: int, origin: int) -> HttpResponse:
    """The team removes their "we tried this too" link to another card."""
    card = get_card_for_owner(request.user, pk)
    back = reverse("portfolio:card", args=[card.pk])
    try:
        services.card_unadapt(card=card, by=request.user, origin_id=origin)
    except services.PortfolioError as exc:
        return action_refused(request, exc.message, back_url=back, status=404)
    messages.success(request, _("The link was removed."))
    return redirect(back)


# --- approvals -----------------------------------------------------------------------------


@login_required
def approvals(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Coordinators: cards waiting for approval to be public."""
    if not (request.user.is_superuser or has_role(request.user, Role.COORDINATOR)):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    cards = list(
        cards_awaiting_approval_by(request.user)
        .select_related("organisation", "experiment", "consent_by")
        .prefetch_related(
            Prefetch(
                "experiment__members",
                queryset=ExperimentMember.objects.select_related("user__organisation"),
            )
        )
        .order_by("requested_at", "pk")
    )
    for card in cards:
        # Every municipality of the team, not only the creator's (a team may span towns).
        card.team = [m.user for m in card.experiment.members.all()]  # type: ignore[attr-defined]
    return render(request, "portfolio/approvals.html", {"cards": cards})


def _decided_note(card: Card) -> str:
    """Who decided a card that no longer waits for approval, and when, in the reader's words."""
    if card.public_status == Card.PublicStatus.NONE or card.decided_at is None:
        return _("This card no longer waits for approval: its team withdrew the request.")
    values = {
        "name": card.decided_by.display_name if card.decided_by else _("Another coordinator"),
        "date": date_format(timezone.localtime(card.decided_at), "SHORT_DATE_FORMAT"),
    }
    if card.public_status == Card.PublicStatus.APPROVED:
        return _("%(name)s already approved this card on %(date)s; it is public.") % values
    return _("%(name)s already declined this card on %(date)s.") % values


@login_required
def approval(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A coordinator who may approve the card (cards_awaiting_approval_by) reads it, and for
    changes of a public card what changed beside the approved version, and approves it or
    declines with a reason. The page carries the text's version: an approval of a text the
    team changed since is refused (409) and the page shows the new text. A card it could have
    approved that was decided meanwhile (the request email's link followed late) leads to the
    list with who decided it and when; anyone else's card is 404."""
    try:
        card = get_card_for_approver(request.user, pk)
    except Http404:
        decided = decided_card_for_approver(request.user, pk)
        if decided is None:
            raise
        messages.info(request, _decided_note(decided))
        return redirect("portfolio:approvals")
    reject_form = RejectForm()
    status = 200
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "approve":
                services.card_approve(
                    card=card,
                    by=request.user,
                    # A page opened before the field existed carries none: not checked.
                    seen=request.POST.get("seen"),
                )
                messages.success(request, _("The card is now public."))
                return redirect("portfolio:approvals")
            reject_form = RejectForm(request.POST)
            if reject_form.is_valid():
                services.card_reject(
                    card=card, by=request.user, reason=reject_form.cleaned_data["reason"]
                )
                messages.success(request, _("The owners were told why the card is not public."))
                return redirect("portfolio:approvals")
            status = 400
        except services.ApprovalOutdated as exc:
            card = get_card_for_approver(request.user, pk)
            error = exc.message
            status = 409
        except services.PortfolioError as exc:
            return action_refused(
                request, exc.message, back_url=reverse("portfolio:approvals"), status=409
            )
    owners = selectors.card_owners(card=card)
    return render(
        request,
        "portfolio/approval.html",
        {
            "card": card,
            "owners": owners,
            # Whose names the public will read: the approved choice, each member's own answer.
            "name_answers": selectors.card_member_answers(card=card, members=owners),
            "themes": list(card.experiment.themes.all()),
            # The impact plan's indicators, which the public page shows with the card.
            "outcomes": selectors.indicator_outcomes_for(card=card),
            "changes": selectors.card_changes(card=card),
            "seen": services.card_text_version(card),
            "reject_form": reject_form,
            "error": error,
        },
        status=status,
    )


# --- public pages --------------------------------------------------------------------------

# Open Graph names a page's language with a country (og:locale).
OG_LOCALES = {"fi": "fi_FI", "sv": "sv_SE", "en": "en_GB"}


def _share(path: str, *, kind: str) -> dict[str, str]:
    """What a link preview (Open Graph, a Twitter card) reads besides the title and the
    description: the page's address on the site's configured URL (not whatever Host the
    request came with), its type and the language the page is in."""
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return {
        "url": f"{settings.SITE_URL}{path}",
        "type": kind,
        "locale": OG_LOCALES.get(language, OG_LOCALES["fi"]),
    }


def public_gallery(request: HttpRequest) -> HttpResponse:
    """The public cards, for anyone on the web (signed in or not), searched and filtered."""
    context = _gallery(request, user=AnonymousUser(), public=True)
    # A shared search or theme keeps its filters in the preview's link.
    context["share"] = _share(request.get_full_path(), kind="website")
    return render(
        request,
        "portfolio/public_gallery.html",
        context,
        status=400 if "error" in context else 200,
    )


def public_card(request: HttpRequest, pk: int) -> HttpResponse:
    """A public card's clean page, for anyone on the web (public cards only): what the owners
    chose to show, as a coordinator approved it (changes waiting for one are not shown), and a
    team member's name only while that member agrees (portfolio.consent)."""
    card = get_object_or_404(
        cards_visible_to(AnonymousUser()).select_related("experiment", "organisation"), pk=pk
    )
    card = selectors.card_as_published(card)
    # The page lists the themes and the similar box ranks by them: read once for both.
    prefetch_related_objects([card], "experiment__themes")
    anonymous = AnonymousUser()
    # The team, read once: with the names it shows when the card shows names (each member's
    # town is on their row), else only the towns, no names loaded.
    owners = selectors.card_owners(card=card) if card.show_names else None
    return render(
        request,
        "portfolio/public_card.html",
        {
            "card": card,
            "share": _share(reverse("portfolio:public_card", args=[card.pk]), kind="article"),
            # Only the members who agreed are named; the others by their town (consent).
            "bylines": selectors.card_bylines(card=card, members=owners),
            # Every town of the team, whether or not its names are shown.
            "towns": owners if owners is not None else selectors.card_team_towns(card=card),
            "themes": list(card.experiment.themes.all()),
            "outcomes": selectors.indicator_outcomes_for(card=card),
            "similar": selectors.similar_cards(card=card, user=anonymous),
            "adaptations": [
                a for a in selectors.card_adaptations(card=card, user=anonymous) if a["card"]
            ],
            "origins": selectors.card_origins(card=card, user=anonymous),
        },
    )
