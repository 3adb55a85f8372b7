from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        # Registers the app's search index with core.search (reindex_related, search_rebuild).
        from . import search  # noqa: F401
