"""The review form's plain markup (workshops.forms.ReviewForm.plain_html) is the
markup crispy's bootstrap5 pack gave it: the same ids, labels, classes, errors and aria
attributes, for a form with and without a rubric, blank, filled in, and with errors."""

import difflib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.template import Context, Template
from django.test.html import parse_html
from django.utils.datastructures import MultiValueDict

from workshops import selectors
from workshops.forms import CommentForm, FeedbackFilesForm, ReviewForm, SubmissionForm

pytestmark = pytest.mark.django_db


def crispy_markup(form: ReviewForm) -> str:
    # No csrf token in the context: crispy's copy of the token is left out (the page's form has
    # its own).
    return Template("{% load crispy_forms_tags %}{% crispy form %}").render(
        Context({"form": form, "form_tag": False})
    )


# The template ReviewForm.plain_html replaced (#13), which it writes byte for byte.
TEMPLATE = Template(
    "{% load l10n %}\n"
    '{% if form.non_field_errors %}<div class="alert alert-block alert-danger"><ul'
    ' class="m-0">{{ form.non_field_errors|unordered_list }}</ul></div>{% endif %}\n'
    "{% for field in form.plain_fields %}{% if field.is_hidden %}{{ field }}{% elif"
    " field.use_fieldset %}\n"
    '<div id="div_{{ field.auto_id }}" class="mb-3"><fieldset{% if'
    ' field.aria_describedby %} aria-describedby="{{ field.aria_describedby }}"{%'
    ' endif %}><legend class="form-label{% if field.field.required %} requiredField'
    '{% endif %} fs-6">{{ field.label }}{% if field.field.required %}<span'
    ' class="asteriskField">*</span>{% endif %}</legend>\n'
    '<div>{% for option in field.subwidgets %}<div class="form-check"><input'
    ' type="{{ option.data.type }}" class="form-check-input{% if field.errors %}'
    ' is-invalid{% endif %}" name="{{ field.html_name }}" value="{{'
    ' option.data.value|unlocalize }}"{% for name, value in option.data.attrs.items'
    ' %}{% if value is not False %} {{ name }}{% if value is not True %}="{{'
    " value|stringformat:'s' }}\"{% endif %}{% endif %}{% endfor %}><label for=\"{{"
    ' option.data.attrs.id }}" class="form-check-label">{{'
    " option.data.label|unlocalize }}</label>{% if field.errors and forloop.last %}"
    '{% include "workshops/includes/_review_field_errors.html" with tag="p" %}{%'
    " endif %}</div>{% endfor %}</div>\n"
    '{% if field.help_text %}<div id="{{ field.auto_id }}_helptext"'
    ' class="form-text">{{ field.help_text|safe }}</div>{% endif %}</fieldset></div>\n'
    "{% else %}\n"
    '<div id="div_{{ field.auto_id }}" class="mb-3"><label for="{{'
    ' field.id_for_label }}" class="form-label{% if field.field.required %}'
    ' requiredField{% endif %}">{{ field.label }}{% if field.field.required %}<span'
    ' class="asteriskField">*</span>{% endif %}</label>{{ field }}{% if field.errors'
    ' %}{% include "workshops/includes/_review_field_errors.html" with tag="span"'
    ' %}{% endif %}{% if field.help_text %}<div id="{{ field.auto_id }}_helptext"'
    ' class="form-text">{{ field.help_text|safe }}</div>{% endif %}</div>\n'
    "{% endif %}{% endfor %}\n"
)


def plain_markup(form: ReviewForm) -> str:
    html = form.plain_html()
    assert html == TEMPLATE.render(Context({"form": form}))
    return html


def same(form_a: ReviewForm, form_b: ReviewForm) -> None:
    from crispy_forms.helper import FormHelper

    form_a.helper = FormHelper()
    form_a.helper.form_tag = False
    expected, actual = crispy_markup(form_a), plain_markup(form_b)
    if parse_html(actual) != parse_html(expected):
        diff = difflib.unified_diff(
            str(parse_html(expected)).splitlines(),
            str(parse_html(actual)).splitlines(),
            lineterm="",
        )
        pytest.fail("the plain markup differs from crispy's:\n" + "\n".join(diff)[:4000])


@pytest.mark.parametrize("with_rubric", [True, False])
def test_blank_and_initial(assignment, rubric, with_rubric):
    criteria = selectors.rubric(workshop_id=assignment.workshop_id, phase=1) if with_rubric else []
    assert not with_rubric or criteria
    initial = {"draft_version": 3, "strengths": "Hyvä <alku>", "decision": "revise"}
    if criteria:
        initial[f"criterion_{criteria[0].pk}"] = criteria[0].levels.all()[1].pk
    for kwargs in ({}, {"initial": initial}):
        same(ReviewForm(criteria=criteria, **kwargs), ReviewForm(criteria=criteria, **kwargs))


@pytest.mark.parametrize("with_rubric", [True, False])
def test_with_errors(assignment, rubric, with_rubric):
    criteria = selectors.rubric(workshop_id=assignment.workshop_id, phase=1) if with_rubric else []
    datas = [
        {"draft_version": "1", "decision": "revise", "feedback": "  ", "questions": "x" * 20_001},
        {"decision": "nope", "strengths": "Selkeä"},
        {},
    ]
    if criteria:
        datas.append(
            {f"criterion_{c.pk}": str(c.levels.all()[0].pk) for c in criteria}
            | {"decision": "approve", "draft_version": "2"}
        )
    for data in datas:
        forms = [ReviewForm(data, criteria=criteria) for _ in range(2)]
        for form in forms:
            form.is_valid()
            form.add_error(None, "Toinen ohjaaja tallensi juuri.")
        same(*forms)


@pytest.mark.parametrize(
    ("form_class", "name"), [(CommentForm, "text"), (FeedbackFilesForm, "attachments")]
)
def test_the_thread_and_feedback_file_fields(form_class, name):
    """The comment box (review and version pages) and the feedback file field (review page)."""
    expected = crispy_markup(form_class())
    actual = Template(
        '{% include "workshops/includes/_plain_field.html" with field=form.' + name + " %}"
    ).render(Context({"form": form_class()}))
    assert parse_html(actual) == parse_html(expected), f"{actual}\n----\n{expected}"


def _answer_forms(data=None, files=None):
    kwargs = {"draft_url": "/workshops/assignments/1/draft/", "draft_revision": 4, "draft_owner": 7}
    return [SubmissionForm(data, files, **kwargs) for _ in range(2)]


@pytest.mark.parametrize("case", ["blank", "no text", "too many files", "refused", "valid"])
def test_the_answer_form(case):
    """The phase answer page: the text (with the form's errors above it) and the new files."""
    data, files = None, None
    if case != "blank":
        data = QueryDict(mutable=True)
        data["text"] = "" if case == "no text" else "Vastaus <b>tässä</b>"
        files = MultiValueDict(
            {
                "attachments": [
                    SimpleUploadedFile(f"f{n}.pdf", b"%PDF-1.4")
                    for n in range(30 if case == "too many files" else 1)
                ]
            }
        )
    crispy_form, plain_form = _answer_forms(data, files)
    # The file input's markup without the staged-upload box that the page's widget puts around
    # it (crispy renders a file input by itself); the box: tests/core/test_staged_uploads.py.
    plain_form.fields["attachments"].owner_id = None
    for form in (crispy_form, plain_form):
        if form.is_bound:
            form.is_valid()
            if case == "refused":
                form.add_error(None, "Levy on täynnä.")
    if case == "too many files":
        assert plain_form.errors["attachments"]
    if case == "no text":
        assert plain_form.errors["text"]
    expected = Template(
        "{% load crispy_forms_tags crispy_forms_filters %}{% crispy form %}"
        "{{ form.attachments|as_crispy_field }}"
    ).render(Context({"form": crispy_form}))
    actual = Template(
        '{% include "workshops/includes/_plain_form_errors.html" %}'
        '{% include "workshops/includes/_plain_field.html" with field=form.text %}'
        '{% include "workshops/includes/_plain_field.html" with field=form.attachments %}'
    ).render(Context({"form": plain_form}))
    assert parse_html(actual) == parse_html(expected), f"{actual}\n----\n{expected}"
