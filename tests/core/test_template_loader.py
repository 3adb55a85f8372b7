"""Templates are read and compiled once per process in production, not once per request."""

from pathlib import Path

from django.conf import settings
from django.template import engines
from django.template.engine import Engine


def test_production_renders_through_the_cached_template_loader():
    """No settings file names template loaders, so Django wraps the file-system and app loaders
    in its cached loader (since Django 4.1 whatever DEBUG is); production.py must not undo
    that by naming loaders of its own."""
    options = settings.TEMPLATES[0]["OPTIONS"]
    assert "loaders" not in options
    production = (Path(settings.BASE_DIR) / "config" / "settings" / "production.py").read_text()
    assert "loaders" not in production
    engine = Engine(dirs=settings.TEMPLATES[0]["DIRS"], app_dirs=True, debug=False)
    assert engine.loaders[0][0] == "django.template.loaders.cached.Loader"
    running = engines["django"].engine  # type: ignore[attr-defined]
    assert running.template_loaders[0].__class__.__name__ == "Loader"
    assert running.template_loaders[0].__module__ == "django.template.loaders.cached"
