"""`manage.py backup [--output PATH]`: the database and all files in one archive.

See core/backup.py.
"""

import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the private and public files into one archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help="Archive to write (default: BACKUP_ROOT/alueagentti-<UTC time>.tar).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = options["output"]
        if output is None:
            stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
            output = Path(settings.BACKUP_ROOT) / f"alueagentti-{stamp}.tar"
        if output.exists():
            raise CommandError(f"{output} exists already; choose another name.")
        try:
            manifest = backup_create(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest.counts.values())
        files = len(manifest.members) - 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {rows} rows ({manifest.database_format}) and {files} files to {output}"
            )
        )
