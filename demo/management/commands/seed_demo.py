"""Load the Alueagentti demo (demo/seed.py): course, organisations, cohorts, workshop and the
demo accounts.

Idempotent: running it again updates the same rows and never duplicates anything.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo.accounts import ACCOUNTS, DEMO_DOMAIN, DEMO_PASSWORD
from demo.seed import seed_demo


class Command(BaseCommand):
    help = "Load the Alueagentti demo data (idempotent). Never runs with production settings."

    def handle(self, *args: object, **options: object) -> None:
        if not getattr(settings, "DEMO_DATA_ALLOWED", False):
            raise CommandError("Demo data is not allowed with these settings.")
        with transaction.atomic():
            seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Accounts:"))
        for local, *_names, role in ACCOUNTS[:4]:
            email = f"{local}@{DEMO_DOMAIN}"
            self.stdout.write(f"  {email:<36} {role:<12} password {DEMO_PASSWORD}")
