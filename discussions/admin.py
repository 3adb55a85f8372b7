"""Discussions in the admin: read and correct; hiding goes through the service (with its
reason and the writer's notification), so a hidden post cannot lose its reason."""

from django.contrib import admin

from core.admin_search import UnicodeSearchMixin

from .models import Post, Subscription, Thread


class PostInline(admin.TabularInline):
    model = Post
    extra = 0
    fields = ("author", "created_at", "is_pinned", "hidden_at", "hidden_reason")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Thread)
class ThreadAdmin(UnicodeSearchMixin, admin.ModelAdmin):
    list_display = ("title", "cohort", "kind", "author", "post_count", "is_pinned", "last_post_at")
    list_filter = ("kind", "is_pinned")
    search_fields = ("title",)
    list_select_related = ("cohort", "author")
    raw_id_fields = ("cohort", "item", "author", "answer")
    readonly_fields = ("created_at", "last_post_at", "post_count")
    inlines = [PostInline]


@admin.register(Post)
class PostAdmin(UnicodeSearchMixin, admin.ModelAdmin):
    list_display = ("__str__", "author", "created_at", "is_pinned", "hidden_at")
    list_filter = ("is_pinned",)
    search_fields = ("body", "thread__title")
    list_select_related = ("thread", "author")
    raw_id_fields = ("thread", "author", "quote", "hidden_by")
    readonly_fields = ("created_at", "hidden_at", "hidden_by", "hidden_reason")


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("thread", "user", "is_active", "updated_at")
    list_filter = ("is_active",)
    raw_id_fields = ("thread", "user")
