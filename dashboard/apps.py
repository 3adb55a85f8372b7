from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The top layer: the home page and the navigation, composed from the domain apps (which
    never import it; `core` imports none of them, see the import-linter contracts)."""

    name = "dashboard"
    verbose_name = _("Dashboard")

    def ready(self) -> None:
        # The roles a view's guard checks (core.access.roles_of) and the bar's roles and unread
        # count come from one query (dashboard/selectors.py). Registered after learners' own
        # source (INSTALLED_APPS lists dashboard later), which it extends.
        from core.access import register_membership_source
        from learners.access import MEMBERSHIPS

        from .selectors import memberships_with_navigation

        register_membership_source(memberships_with_navigation(MEMBERSHIPS))
