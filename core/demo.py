"""Demo accounts shared by every app's demo data (core/management/commands/seed_demo.py)."""

from __future__ import annotations

from allauth.account.models import EmailAddress

from .models import Organisation, User

DEMO_DOMAIN = "demo.alueagentti.fi"
DEMO_PASSWORD = "demo-Alueagentti-2026"  # noqa: S105 - published in the README on purpose


def demo_account(
    local: str, first: str, last: str, organisation: Organisation, *, superuser: bool = False
) -> User:
    """A demo person with a verified address and the README's password (idempotent: an existing
    account keeps its password, in case someone changed it while trying the demo)."""
    email = f"{local}@{DEMO_DOMAIN}"
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"first_name": first, "last_name": last, "organisation": organisation},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
    if created or user.is_superuser != superuser:
        user.is_staff = user.is_superuser = superuser
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user
