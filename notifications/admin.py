from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipient", "category", "email_status", "created_at", "read_at"]
    list_filter = ["category", "email_status"]
    search_fields = ["recipient__email", "subject", "key"]
    readonly_fields = ["created_at", "emailed_at", "email_attempts", "email_error"]
