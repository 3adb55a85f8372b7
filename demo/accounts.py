"""The demo's organisations and people: every account shares the README's password and a
verified address at DEMO_DOMAIN."""

from __future__ import annotations

from allauth.account.models import EmailAddress

from core.models import Organisation, User
from learners.models import Membership

DEMO_DOMAIN = "demo.alueagentti.fi"
DEMO_PASSWORD = "demo-Alueagentti-2026"  # noqa: S105 - published in the README on purpose

# (name, kind): the network's municipalities, the college and the network itself.
ORGANISATIONS = [
    ("Vantaan kaupunki", "municipality"),
    ("Lempäälän kunta", "municipality"),
    ("Pirkkalan kunta", "municipality"),
    ("Kangasalan kaupunki", "municipality"),
    ("Hämeenkyrön kunta", "municipality"),
    ("Akaan kaupunki", "municipality"),
    ("Seinäjoen kaupunki", "municipality"),
    ("Janakkalan kunta", "municipality"),
    ("Hämeenlinnan kaupunki", "municipality"),
    ("Riihimäen kaupunki", "municipality"),
    ("Lopen kunta", "municipality"),
    ("Tampereen kaupunki", "municipality"),
    ("Nokian kaupunki", "municipality"),
    ("Careeria", "college"),
    ("Suomen kasvukäytävä", "network"),
]

# The main cohort: (email local part, first name, last name, organisation, cohort role or
# "superuser"). The first four are the README's accounts, printed by seed_demo.
ACCOUNTS = [
    ("oppija", "Oona", "Oppija", "Hämeenlinnan kaupunki", Membership.Role.LEARNER),
    ("ohjaaja", "Olli", "Ohjaaja", "Careeria", Membership.Role.INSTRUCTOR),
    (
        "koordinaattori",
        "Kaisa",
        "Koordinaattori",
        "Suomen kasvukäytävä",
        Membership.Role.COORDINATOR,
    ),
    ("admin", "Aino", "Ylläpitäjä", "Suomen kasvukäytävä", "superuser"),
    ("laura.virtanen", "Laura", "Virtanen", "Tampereen kaupunki", Membership.Role.LEARNER),
    ("mikko.laine", "Mikko", "Laine", "Seinäjoen kaupunki", Membership.Role.LEARNER),
    ("sanna.korhonen", "Sanna", "Korhonen", "Riihimäen kaupunki", Membership.Role.LEARNER),
    ("jari.makinen", "Jari", "Mäkinen", "Lempäälän kunta", Membership.Role.LEARNER),
]


def seed_organisations() -> dict[str, Organisation]:
    """The network's municipalities, the college and the network itself, by name."""
    return {
        name: Organisation.objects.update_or_create(name=name, defaults={"kind": kind})[0]
        for name, kind in ORGANISATIONS
    }


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
