"""Rebuild the progress rollup (learners/rollup.py) from scratch: every learner row and figure."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from learners.models import Cohort
from learners.rollup import rollup_rebuild


class Command(BaseCommand):
    help = "Recompute the progress rollup of every cohort (or --cohort ID) from its rows."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cohort", type=int, action="append", help="only this cohort")

    def handle(self, *args: Any, **options: Any) -> None:
        cohorts = Cohort.objects.all()
        if options["cohort"]:
            cohorts = cohorts.filter(pk__in=options["cohort"])
        rows = rollup_rebuild(cohorts=cohorts)
        self.stdout.write(f"{rows} learner rows in {cohorts.count()} cohorts")
