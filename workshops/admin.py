from django.contrib import admin

from .models import Assignment, Marking, PeerReview, Review, Submission, SubmissionFile, Workshop


class AssignmentInline(admin.StackedInline):
    model = Assignment
    extra = 0


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "marking_workflow", "second_check", "blind_review"]
    inlines = [AssignmentInline]


class SubmissionFileInline(admin.TabularInline):
    model = SubmissionFile
    extra = 0
    fields = ["original_name", "size", "page_count", "status", "reason"]
    readonly_fields = fields


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["assignment", "learner", "cohort", "version", "status", "submitted_at"]
    list_filter = ["status", "cohort"]
    search_fields = ["learner__email", "text"]
    readonly_fields = ["submitted_at", "processed_at"]
    inlines = [SubmissionFileInline]


admin.site.register(Review)


@admin.register(Marking)
class MarkingAdmin(admin.ModelAdmin):
    list_display = ["submission", "state", "reviewer", "checked_by", "released_at"]
    list_filter = ["state"]
    raw_id_fields = ["submission"]


@admin.register(PeerReview)
class PeerReviewAdmin(admin.ModelAdmin):
    list_display = ["submission", "reviewer", "status", "useful", "assigned_at", "given_at"]
    list_filter = ["status", "useful"]
    raw_id_fields = ["submission"]
