from django.contrib import admin

from .models import AccessLogEntry, DataExport, ErasureRequest, RetentionRun


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "finished_at", "removed"]
    readonly_fields = ["started_at", "finished_at", "removed"]


@admin.register(ErasureRequest)
class ErasureRequestAdmin(admin.ModelAdmin):
    list_display = ["pk", "user", "status", "created_at", "due_at", "erased_at"]
    list_filter = ["status"]
    readonly_fields = ["user", "requested_by", "erased_at", "erased_by", "summary"]


@admin.register(DataExport)
class DataExportAdmin(admin.ModelAdmin):
    list_display = ["pk", "user", "status", "progress", "created_at", "expires_at"]
    list_filter = ["status"]
    # The archive itself is the person's alone: not downloadable here.
    exclude = ["file"]
    readonly_fields = ["user", "status", "progress", "size", "error", "finished_at", "expires_at"]


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "viewer", "learner", "kind", "cohort"]
    list_filter = ["kind"]
    list_select_related = ["viewer", "learner", "cohort"]
