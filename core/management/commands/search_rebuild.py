"""Re-analyse every searchable row (cards, course items) with the configured analyser."""

from django.core.management.base import BaseCommand
from django.db import transaction

from core.search import get_analyser, rebuild_all


class Command(BaseCommand):
    help = "Rebuild the search indexes (after changing SEARCH_ANALYSER or bulk imports)."

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            counts = rebuild_all()
        self.stdout.write(f"Analyser: {get_analyser().name}")
        for label, count in counts.items():
            self.stdout.write(f"  {label}: {count}")
