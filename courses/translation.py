"""Course content per language (django-modeltranslation): each text below gets a column per
language in settings.MODELTRANSLATION_LANGUAGES (`title_fi`, `title_sv`, `title_en`) on the same
table. Reading `item.title` gives the active language's text, or the Finnish one where that is
empty (MODELTRANSLATION_FALLBACK_LANGUAGES); courses.languages tells which texts fell back."""

from typing import Any

from django.utils import translation
from modeltranslation.manager import MultilingualQuerySet
from modeltranslation.translator import TranslationOptions, register

from core.prepared import plain_init

from .languages import SOURCE_LANGUAGE
from .models import Choice, Course, Item, Module, Question


def _post_init_keeping_default_ordering(self: Any) -> None:
    """MultilingualQuerySet._post_init without making Meta.ordering explicit on every queryset
    (it does so to rewrite translated names in the ordering). An explicit ordering, unlike the
    default one, goes into the GROUP BY of `values().annotate()`, so the outline's counts per
    module would count per item. The orderings of the registered models name no translated
    field except Course's title, which orders by its original column (the text last saved)."""
    self._rewrite = True
    self._populate = None


MultilingualQuerySet._post_init = _post_init_keeping_default_ordering  # type: ignore[method-assign]


@register(Course)
class CourseTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Module)
class ModuleTranslation(TranslationOptions):
    fields = ("title", "summary")


@register(Item)
class ItemTranslation(TranslationOptions):
    fields = ("title", "body")


@register(Question)
class QuestionTranslation(TranslationOptions):
    fields = ("text", "feedback")


@register(Choice)
class ChoiceTranslation(TranslationOptions):
    fields = ("text", "match", "explanation")


def _finnish_constructor(model: Any) -> None:
    """A row built with the plain field names (`Item(title=...)`, `objects.create(text=...)`,
    a factory) gets them as its Finnish texts, whatever language the request or test left
    active; modeltranslation would write them to the active language's column."""
    init = model.__init__

    # core.prepared may build a row read from the database without it: it rewrites nothing then.
    @plain_init
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if not kwargs:  # rows read from the database: nothing to rewrite
            init(self, *args)
            return
        with translation.override(SOURCE_LANGUAGE):
            init(self, *args, **kwargs)

    model.__init__ = __init__


for _model in (Course, Module, Item, Question, Choice):
    _finnish_constructor(_model)
