"""A form field's widget with Bootstrap's classes, for the few forms on busy pages that are laid
out in plain template markup instead of crispy's (which costs milliseconds a form)."""

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def with_class(field: BoundField, css: str) -> SafeString:
    """`{{ form.text|with_class:"textarea form-control" }}`: the widget as Django renders it
    (ids, required, aria attributes), with these classes."""
    return field.as_widget(attrs={"class": css})
