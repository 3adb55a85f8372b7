from django.contrib import admin

from .models import Adaptation, Card, CardMessage
from .services import card_index


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "scope", "public_status", "published_at")
    list_filter = ("scope", "public_status", "outcome")
    search_fields = ("title", "summary")
    raw_id_fields = ("experiment", "consent_by", "decided_by")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        card_index(card_ids=[obj.pk])


@admin.register(CardMessage)
class CardMessageAdmin(admin.ModelAdmin):
    list_display = ("card", "author", "created_at")
    raw_id_fields = ("card", "author")


@admin.register(Adaptation)
class AdaptationAdmin(admin.ModelAdmin):
    list_display = ("card", "experiment", "created_at")
    raw_id_fields = ("card", "experiment", "created_by")
