"""Portfolio cards in the admin: their content can be corrected, but who published what, and
the public approval, change only through the services (approve, reject with a reason)."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_actions import ask_text, run_each
from core.admin_search import UnicodeSearchMixin
from core.http import AuthenticatedHttpRequest

from .models import Adaptation, Card, CardMessage, NameConsent
from .services import card_approve, card_index, card_reject


class NameConsentInline(admin.TabularInline):
    """Each member's own answer for their name: read only, nobody answers for anyone else."""

    model = NameConsent
    fields = ("user", "answer", "asked_by", "asked_at", "answered_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Card)
class CardAdmin(UnicodeSearchMixin, admin.ModelAdmin):
    list_display = ("title", "organisation", "scope", "public_status", "published_at")
    list_filter = ("scope", "public_status", "outcome")
    search_fields = ("title", "summary")
    list_select_related = ("organisation",)
    raw_id_fields = ("experiment",)
    # Publication is a state with consent, notifications and history: never edited by hand.
    readonly_fields = (
        "organisation",
        "show_names",
        "scope",
        "public_status",
        "consent_by",
        "consent_at",
        "requested_at",
        "decided_by",
        "decided_at",
        "rejection_reason",
        "published_at",
        "approved_version",
        "created_at",
        "updated_at",
    )
    actions = ["approve_public", "reject_public"]
    inlines = [NameConsentInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a card is made from an experiment by its owners

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        card_index(card_ids=[obj.pk])

    @admin.action(
        description=gettext_lazy("Approve for the public gallery (cards waiting for it)"),
        permissions=["change"],
    )
    def approve_public(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Card]) -> None:
        run_each(
            self,
            request,
            queryset,
            lambda card: card_approve(card=card, by=request.user),
            done=_("%(n)s card(s) approved for the public gallery."),
        )

    @admin.action(
        description=gettext_lazy("Decline public publication, with a reason"),
        permissions=["change"],
    )
    def reject_public(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Card]) -> Any:
        reason = ask_text(
            self,
            request,
            queryset,
            title=_("Decline public publication"),
            label=_("Reason, sent to the card's owners"),
            button=_("Decline and tell the owners"),
        )
        if not isinstance(reason, str):
            return reason
        run_each(
            self,
            request,
            queryset,
            lambda card: card_reject(card=card, by=request.user, reason=reason),
            done=_("%(n)s card(s) declined; the owners were told why."),
        )
        return None


@admin.register(CardMessage)
class CardMessageAdmin(admin.ModelAdmin):
    list_display = ("card", "author", "created_at")
    raw_id_fields = ("card", "author")


@admin.register(Adaptation)
class AdaptationAdmin(admin.ModelAdmin):
    list_display = ("card", "experiment", "created_at")
    raw_id_fields = ("card", "experiment", "created_by")
