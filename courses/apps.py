from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from core.signals import user_renamed

        # Registers the app's search index with core.search (reindex_related, search_rebuild).
        from . import search  # noqa: F401
        from .services import renamed_user_receiver

        # A renamed person's certificates print the new name (services.user_renamed).
        user_renamed.connect(renamed_user_receiver, dispatch_uid="courses.certificates_renamed")
