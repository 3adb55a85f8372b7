"""Django's own texts that its Finnish catalogue leaves untranslated, marked here so that
`make messages` keeps them in ours (locale/, which LOCALE_PATHS puts before Django's own): a
learner signing up with a short password read the reason in English under Finnish help text,
and a file's size said "MB" beside our "Mt".
Never imported; tests/core/test_translatable_strings.py checks the Finnish and Swedish.
"""

from django.utils.translation import gettext_lazy, ngettext_lazy

# django.contrib.auth.password_validation.MinimumLengthValidator.get_error_message
PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)
# django.db.models.ForeignKey.validate (a form's choice of a row that went away)
NOT_A_VALID_CHOICE = gettext_lazy(
    "%(model)s instance with %(field)s %(value)r is not a valid choice."
)
# django.template.defaultfilters.filesizeformat: Finnish writes kilo- and megatavu (kt, Mt),
# as our own texts do ("at most 20 Mt"); Django's Finnish catalogue keeps KB and MB.
FILE_SIZE_UNITS = (gettext_lazy("%s KB"), gettext_lazy("%s MB"), gettext_lazy("%s GB"))
