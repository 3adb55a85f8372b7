"""Every text marked for translation reaches the catalogues. xgettext (`make messages`) does
not look inside an f-string's braces, so a `_()` written there was never extracted: the text
stayed English in Finnish and Swedish (a copied cohort's "(copy)", the empty phase funnel and
review queue). tests/test_crawl.py checks the catalogues' entries; this finds the texts that
never became one."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

GETTEXT = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}
NOT_OURS = {"tests", "node_modules", "staticfiles", "test-artifacts", "locale", "static"}


def _marked_inside_f_strings(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            lines += [
                inner.lineno
                for inner in ast.walk(node)
                if isinstance(inner, ast.Call)
                and isinstance(inner.func, ast.Name)
                and inner.func.id in GETTEXT
            ]
    return lines


def _our_python_files() -> list[Path]:
    base = Path(settings.BASE_DIR)
    files = []
    for top in sorted(base.iterdir()):
        if top.is_dir() and not top.name.startswith(".") and top.name not in NOT_OURS:
            files += [p for p in top.rglob("*.py") if "migrations" not in p.parts]
    return files


def test_no_text_is_marked_for_translation_inside_an_f_string():
    files = _our_python_files()
    assert any(p.name == "funnel.py" for p in files), "the search missed the apps"
    found = [
        f"{path.relative_to(settings.BASE_DIR)}:{line}"
        for path in files
        for line in _marked_inside_f_strings(ast.parse(path.read_text(), filename=str(path)))
    ]
    assert found == [], "move each text out of the f-string into a variable: " + ", ".join(found)


def test_the_check_finds_a_text_marked_inside_an_f_string():
    tree = ast.parse("x = f\"<td>{escape(_('Nothing yet.'))}</td>\"\ny = _('Fine.')\n")
    assert _marked_inside_f_strings(tree) == [1]


def test_a_too_short_password_is_refused_in_finnish():
    """Django's Finnish catalogue leaves this reason empty (a learner signing up from an
    invitation read it in English); ours gives it (core/django_texts.py)."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.utils import translation

    for language, expected in (
        ("fi", "Salasana on liian lyhyt. Siinä on oltava vähintään 8 merkkiä."),
        ("sv", "Lösenordet är för kort. Det måste innehålla minst 8 tecken."),
    ):
        with translation.override(language), pytest.raises(ValidationError) as refused:
            validate_password("lyhyt")
        assert expected in refused.value.messages, (language, refused.value.messages)


def test_a_file_size_is_written_with_the_finnish_units_our_texts_use():
    from django.template.defaultfilters import filesizeformat
    from django.utils import translation

    with translation.override("fi"):
        assert filesizeformat(21 * 1024 * 1024) == "21,0\xa0Mt"
        assert filesizeformat(1843) == "1,8\xa0kt"
