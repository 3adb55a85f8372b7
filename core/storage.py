import contextlib
import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property


class PrivateFileSystemStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT (or a folder in it) with no URL at all, served only by a
    view that checks who asks.

    FileSystemStorage reads base_url=None as "use MEDIA_URL", so the URL is switched off here;
    `url()` then raises. The folder is read from the settings when first needed (not at import).
    """

    base_url = None  # type: ignore[assignment]

    def __init__(self, subfolder: str = "", **kwargs: object) -> None:
        self.subfolder = subfolder
        super().__init__(**kwargs)  # type: ignore[arg-type]

    @cached_property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT / self.subfolder)

    def _save(self, name: str, content: object) -> str:
        # A disk that fills up (or turns read-only) mid-write leaves a partial file behind in
        # FileSystemStorage. Stored names are random (uuid4), so a file that did not exist
        # before this save is ours alone to remove.
        full_path = self.path(name)
        existed = os.path.lexists(full_path)
        try:
            return str(super()._save(name, content))
        except OSError:
            if not existed and os.path.lexists(full_path):
                # The original error matters more than a failing cleanup.
                with contextlib.suppress(OSError):
                    os.remove(full_path)
            raise

    def _clear_cached_properties(self, setting: str, **kwargs: object) -> None:
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)
