"""Notifications in the admin: the email outbox is read-only; a failed or stuck email is queued
again through the service (same Message-ID, never a second copy of a sent one)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_actions import all_fields
from core.admin_search import UnicodeSearchMixin

from .models import Notification
from .services import notification_resend


@admin.register(Notification)
class NotificationAdmin(UnicodeSearchMixin, admin.ModelAdmin):
    list_display = ["subject", "recipient", "category", "email_status", "created_at", "read_at"]
    list_filter = ["category", "email_status"]
    search_fields = ["recipient__email", "subject", "key"]
    list_select_related = ["recipient"]
    actions = ["resend"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Notification | None = None
    ) -> list[str]:
        return all_fields(Notification)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(
        description=gettext_lazy("Send the email again (failed, uncertain or stuck ones)"),
        permissions=["change"],
    )
    def resend(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        queued = sum(notification_resend(notification=n) for n in queryset)
        skipped = queryset.count() - queued
        self.message_user(request, _("%(n)s email(s) queued again.") % {"n": queued})
        if skipped:
            self.message_user(
                request,
                _("%(n)s were left as they are: already sent, or waiting for their first try.")
                % {"n": skipped},
                "warning",
            )
