from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The top layer: the home page and the navigation, composed from the domain apps (which
    never import it; `core` imports none of them, see the import-linter contracts)."""

    name = "dashboard"
    verbose_name = _("Dashboard")
