from django.contrib import admin

from .models import Course, Item, Module


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0


class ItemInline(admin.StackedInline):
    model = Item
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ModuleInline]


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "position"]
    list_filter = ["course"]
    inlines = [ItemInline]
