"""Every environment variable the settings read is declared in .env.example and the README."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import settings

READERS = {"env_str", "env_int", "env_bool", "env_list", "env_float", "env_proxy_ssl_header"}
# Read from the environment by the configuration code: the settings, logging, gunicorn, Celery.
SOURCES = ["config/settings/*.py", "config/*.py"]


def _name_of(call: ast.Call) -> str | None:
    func = call.func
    called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    is_environ_get = (
        isinstance(func, ast.Attribute)
        and func.attr in {"get", "setdefault"}
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "environ"
    )
    is_reader = called in READERS or is_environ_get or called == "getenv"
    if is_reader and call.args and isinstance(call.args[0], ast.Constant):
        value = call.args[0].value
        return value if isinstance(value, str) else None
    return None


def variables_read() -> dict[str, str]:
    """{variable: file} for every literal name passed to an env reader in the config code."""
    found: dict[str, str] = {}
    for pattern in SOURCES:
        for path in sorted(settings.BASE_DIR.glob(pattern)):
            if path.name == "env.py":
                continue  # the readers themselves
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and (name := _name_of(node)):
                    found.setdefault(name, str(path.relative_to(settings.BASE_DIR)))
                if (
                    isinstance(node, ast.Subscript)
                    and isinstance(node.value, ast.Attribute)
                    and node.value.attr == "environ"
                    and isinstance(node.slice, ast.Constant)
                ):
                    found.setdefault(node.slice.value, str(path))
    return found


def test_the_scan_finds_the_variables_it_must():
    read = variables_read()
    # A scan that found nothing would pass the tests below without checking anything.
    for name in ("DJANGO_SECRET_KEY", "DATABASE_URL", "SENTRY_DSN", "DJANGO_LOG_FORMAT"):
        assert name in read


def test_every_variable_read_is_in_env_example():
    example = (Path(settings.BASE_DIR) / ".env.example").read_text()
    declared = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))
    missing = {name: where for name, where in variables_read().items() if name not in declared}
    assert not missing, f"declare these in .env.example: {missing}"


def test_every_variable_read_is_in_the_readme_settings_table():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    table = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]*)`", table))
    missing = {name: where for name, where in variables_read().items() if name not in documented}
    assert not missing, f"document these in the README's Settings table: {missing}"
