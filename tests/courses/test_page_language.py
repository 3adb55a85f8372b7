"""Text follows the page's language (#11 item 18): nothing is translated once at import time
(the quiz editor's help stayed Finnish on Swedish and English pages)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from courses.authoring import QUIZ_FORMAT_HELP
from tests import factories

pytestmark = pytest.mark.django_db

EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}
APPS = [
    "config",
    "core",
    "courses",
    "learners",
    "workshops",
    "notifications",
    "impact",
    "portfolio",
]


def import_time_translations(path: Path) -> list[str]:
    """Calls of gettext & co. that run when the module is imported: at module level, in a class
    body (field definitions, choices), in default arguments or decorators."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in EAGER
    }
    found: list[str] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            # Defaults and decorators run at definition time; the body only when called.
            for default in [*node.args.defaults, *[d for d in node.args.kw_defaults if d]]:
                visit(default, in_function)
            for decorator in getattr(node, "decorator_list", []):
                visit(decorator, in_function)
            for child in node.body if isinstance(node.body, list) else [node.body]:
                visit(child, True)
            return
        if (
            not in_function
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in names
        ):
            found.append(f"{path}:{node.lineno}")
        for child in ast.iter_child_nodes(node):
            visit(child, in_function)

    visit(tree, False)
    return found


def test_no_module_translates_a_string_when_it_is_imported():
    root = Path(settings.BASE_DIR)
    files = [
        path
        for app in APPS
        for path in (root / app).rglob("*.py")
        if "migrations" not in path.parts
    ]
    assert len(files) > 100
    offenders = [hit for path in files for hit in import_time_translations(path)]
    assert offenders == [], "use gettext_lazy for strings made at import time"


def test_the_scan_finds_an_import_time_translation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from django.utils.translation import gettext as _\n"
        "HELP = _('x')\n"
        "class Form:\n    label = _('y')\n"
        "def f(a=_('z')):\n    return _('fine')\n",
        encoding="utf-8",
    )
    assert [hit.rsplit(":", 1)[1] for hit in import_time_translations(bad)] == ["2", "4", "5"]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_quiz_editor_help_is_in_the_page_language(client_for, course, language):
    with translation.override("fi"):
        finnish = str(QUIZ_FORMAT_HELP)
    assert finnish.startswith("Yksi kysymys")  # translated, so the test can tell them apart
    with translation.override(language):
        expected = str(QUIZ_FORMAT_HELP)
    author = factories.UserFactory(email=f"kirjoittaja-{language}@example.fi", language=language)
    course.authors.add(author)
    module = course.modules.first()
    html = client_for(author).get(reverse("courses:item_create", args=[module.pk])).content
    html = html.decode()
    assert escape(expected) in html
    if language == "en":
        assert "One question per block." in html
    if language != "fi":
        assert escape(finnish) not in html
