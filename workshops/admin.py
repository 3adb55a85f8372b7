"""Workshops in the admin. Submissions, reviews, markings and peer reviews are records of what
people did: read-only here, changed only through the services' actions (core/admin_actions.py)."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from modeltranslation.admin import (
    TranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)

from core.admin_actions import all_fields, ask_text, run_each
from core.admin_search import UnicodeSearchMixin
from core.http import AuthenticatedHttpRequest
from core.outbox import publish_on_commit

# The admin (listed before modeltranslation in INSTALLED_APPS) is discovered before
# modeltranslation imports the translation modules; TranslationAdmin needs them registered.
from . import marking, peer, services, translation  # noqa: F401
from .models import (
    Assignment,
    Marking,
    PeerReview,
    Review,
    RubricCriterion,
    RubricLevel,
    Submission,
    SubmissionFile,
    Workshop,
)

# The texts per language (workshops/translation.py) are edited as a field per language
# ("title [fi]", "title [sv]", ...). Not modeltranslation's tabbed admin: its tabs load
# jQuery UI from a CDN, which the content security policy (rightly) blocks. The phase text
# editor in the site (workshops:phase_texts) shows the languages side by side.


class AssignmentInline(TranslationStackedInline):
    model = Assignment
    extra = 0


@admin.register(Workshop)
class WorkshopAdmin(TranslationAdmin):
    list_display = ["title", "course", "marking_workflow", "second_check", "blind_review"]
    inlines = [AssignmentInline]


class RubricLevelInline(TranslationTabularInline):
    model = RubricLevel
    extra = 0


@admin.register(RubricCriterion)
class RubricCriterionAdmin(TranslationAdmin):
    list_display = ["title", "workshop", "phase", "position"]
    list_filter = ["workshop", "phase"]
    list_select_related = ["workshop"]
    inlines = [RubricLevelInline]


class SubmissionFileInline(admin.TabularInline):
    model = SubmissionFile
    extra = 0
    readonly_fields = (
        "original_name",
        "size",
        "page_count",
        "content_type",
        "status",
        "scan",
        "refusal_reason",
    )
    fields = readonly_fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("reason"))
    def refusal_reason(self, obj: SubmissionFile) -> str:
        # In the admin's reader's language, not the uploader's (CheckedFile.shown_reason).
        return obj.shown_reason


class ReadOnlyRecordAdmin(admin.ModelAdmin):
    """Every field read-only and nothing added by hand; actions may still change state."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return all_fields(self.model)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(UnicodeSearchMixin, ReadOnlyRecordAdmin):
    list_display = ["assignment", "learner", "cohort", "version", "status", "submitted_at"]
    list_filter = ["status", "cohort"]
    list_select_related = ["assignment", "learner", "cohort"]
    search_fields = ["learner__email", "text"]
    inlines = [SubmissionFileInline]
    actions = ["approve", "request_revision", "check_files_again"]

    def _decide(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Submission], decision: str
    ) -> HttpResponse | None:
        approve = decision == "approve"
        answer = ask_text(
            self,
            request,
            queryset,
            title=_("Approve the selected versions") if approve else _("Request a revision"),
            label=_("Feedback to the learners"),
            button=_("Approve and send") if approve else _("Request and send"),
        )
        if not isinstance(answer, str):
            return answer

        def decide(submission: Submission) -> None:
            services.submission_review(
                submission=submission, reviewer=request.user, decision=decision, feedback=answer
            )

        run_each(
            self,
            request,
            queryset.select_related("assignment__workshop", "experiment"),
            decide,
            done=_("%(n)s decision(s) sent through the review service."),
        )
        return None

    @admin.action(
        description=gettext_lazy("Approve with feedback (through the review service)"),
        permissions=["change"],
    )
    def approve(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Submission]) -> Any:
        return self._decide(request, queryset, "approve")

    @admin.action(
        description=gettext_lazy("Request a revision with feedback (through the review service)"),
        permissions=["change"],
    )
    def request_revision(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Submission]
    ) -> Any:
        return self._decide(request, queryset, "revise")

    @admin.action(
        description=gettext_lazy("Check the files still waiting again"), permissions=["change"]
    )
    def check_files_again(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        from .tasks import submission_file_process

        pending = SubmissionFile.objects.filter(
            submission__in=queryset, status=SubmissionFile.Status.PENDING
        ).values_list("pk", flat=True)
        count = 0
        for file_id in pending:
            publish_on_commit(submission_file_process, file_id)
            count += 1
        self.message_user(request, _("%(n)s file check(s) queued.") % {"n": count})


@admin.register(Review)
class ReviewAdmin(ReadOnlyRecordAdmin):
    list_display = ["submission", "reviewer", "decision", "created_at"]
    list_filter = ["decision"]
    list_select_related = ["submission__assignment", "submission__learner", "reviewer"]
    raw_id_fields = ["submission"]


@admin.register(Marking)
class MarkingAdmin(ReadOnlyRecordAdmin):
    list_display = ["submission", "state", "reviewer", "checked_by", "released_at"]
    list_filter = ["state"]
    list_select_related = [
        "submission__assignment",
        "submission__learner",
        "reviewer",
        "checked_by",
    ]
    actions = ["release"]

    @admin.action(
        description=gettext_lazy("Release the ready reviews (through the marking workflow)"),
        permissions=["change"],
    )
    def release(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Marking]) -> None:
        released, problems = marking.marking_release_many(
            submission_ids=queryset.values_list("submission_id", flat=True), by=request.user
        )
        for problem in problems:
            self.message_user(request, problem, "warning")
        self.message_user(request, _("%(n)s review(s) released.") % {"n": released})


@admin.register(PeerReview)
class PeerReviewAdmin(ReadOnlyRecordAdmin):
    list_display = ["submission", "reviewer", "status", "useful", "assigned_at", "given_at"]
    list_filter = ["status", "useful"]
    list_select_related = ["submission__assignment", "submission__learner", "reviewer"]
    actions = ["allocate_again"]

    @admin.action(
        description=gettext_lazy("Fill the peer-review gaps of these phases and cohorts"),
        permissions=["change"],
    )
    def allocate_again(self, request: HttpRequest, queryset: QuerySet[PeerReview]) -> None:
        pairs = set(
            queryset.values_list("submission__assignment_id", "submission__cohort_id").distinct()
        )
        allocated = sum(
            len(peer.peer_allocate(assignment_id=assignment_id, cohort_id=cohort_id))
            for assignment_id, cohort_id in sorted(pairs)
        )
        self.message_user(request, _("%(n)s peer review(s) allocated.") % {"n": allocated})
