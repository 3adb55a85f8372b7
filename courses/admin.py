from django.contrib import admin
from django.db import models

from .models import Course, Item, Module
from .search import item_index


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0


class ItemInline(admin.StackedInline):
    model = Item
    extra = 0
    # Addresses typed without a scheme are taken as https (Django 6's default, stated now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        item_index(item_ids=list(form.instance.items.values_list("pk", flat=True)))
