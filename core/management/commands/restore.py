"""`manage.py restore ARCHIVE`: restore a backup into an empty database and empty file folders."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty database and empty "
        "PRIVATE_MEDIA_ROOT and MEDIA_ROOT folders. The archive is checked before anything changes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="The archive written by `manage.py backup`.")

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]
        if not archive.is_file():
            raise CommandError(f"{archive} does not exist.")
        try:
            manifest = backup_restore(archive=archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest.counts.values())
        files = len(manifest.members) - 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest.created_at}: {rows} rows and {files} files. "
                "Run `manage.py migrate` if this version of the platform is newer than the backup."
            )
        )
