from django import template
from django.utils.safestring import SafeString, mark_safe

from courses.richtext import clean_course_html

register = template.Library()


@register.filter
def course_html(value: str) -> SafeString:
    """A text page's HTML, sanitised again at render (our own images are kept)."""
    return mark_safe(clean_course_html(value))  # noqa: S308 - clean_course_html has sanitised it
