from django.contrib import admin

from .models import Cohort, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "course", "start_date", "end_date"]
    list_filter = ["course"]
    inlines = [MembershipInline]
