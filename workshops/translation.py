"""Workshop texts per language (django-modeltranslation), as courses/translation.py does for
course content: each text below gets a column per language (`title_fi`, `title_sv`,
`title_en`). Reading `assignment.title` gives the active language's text, or the Finnish one
where that is empty; courses.languages tells which texts fell back.

Snapshots taken when a review is written (ReviewScore's criterion title, level label and
descriptor) stay single texts: they record what the reviewer saw."""

from modeltranslation.translator import TranslationOptions, register

# Importing courses.translation also patches MultilingualQuerySet once for every app.
from courses.translation import _finnish_constructor

from .models import Assignment, RubricCriterion, RubricLevel, Workshop


@register(Workshop)
class WorkshopTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Assignment)
class AssignmentTranslation(TranslationOptions):
    fields = ("title", "instructions")


@register(RubricCriterion)
class RubricCriterionTranslation(TranslationOptions):
    fields = ("title", "description")


@register(RubricLevel)
class RubricLevelTranslation(TranslationOptions):
    fields = ("label", "descriptor")


# The texts each model has per language (the editor, the notes and the migration's copy).
TEXTS = {
    Workshop: ("title", "description"),
    Assignment: ("title", "instructions"),
    RubricCriterion: ("title", "description"),
    RubricLevel: ("label", "descriptor"),
}

for _model in TEXTS:
    _finnish_constructor(_model)
