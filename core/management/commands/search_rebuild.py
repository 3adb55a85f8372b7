"""Re-analyse every searchable row (cards, course items, posts) with the configured analyser."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from core.search import rebuild_all, rebuild_stale
from core.search.state import current_build


class Command(BaseCommand):
    help = (
        "Rebuild the search indexes (after changing SEARCH_ANALYSER or bulk imports). "
        "`migrate` rebuilds the ones built by another analysis by itself."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-stale",
            action="store_true",
            help="Only the indexes built by another analysis version or analyser.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Analysis: {current_build()}")
        if options["if_stale"]:
            done = rebuild_stale(stdout=self.stdout)
            if not done:
                self.stdout.write("  Every index is up to date.")
            return
        with transaction.atomic():
            counts = rebuild_all()
        for label, count in counts.items():
            self.stdout.write(f"  {label}: {count}")
