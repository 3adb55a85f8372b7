"""Private storage: learners' uploads, previews, course files, certificates and other generated
files, on the local disk (the embedded default) or on any S3-compatible object store.

Models name their storage through `PrivateStorage(subfolder)`, a lazy handle that builds the
configured backend (`STORAGES["private"]`) when first used and again after the setting changes,
so the tests can move the same models between the disk and an S3 server. Neither backend gives
a file a URL: every file is read by a view that checks who asks, through `storage.open()`.
"""

import contextlib
import errno
import functools
import os
import posixpath
import weakref
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, cached_property, empty
from django.utils.module_loading import import_string


class PrivateFileSystemStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT (or a folder in it) with no URL at all, served only by a
    view that checks who asks.

    FileSystemStorage reads base_url=None as "use MEDIA_URL", so the URL is switched off here;
    `url()` then raises. The folder is read from the settings when first needed (not at import).
    """

    # None is what FileSystemStorage reads as "no URL of our own"; the stubs say str.
    base_url = None  # type: ignore[assignment]

    def __init__(self, subfolder: str = "", **kwargs: Any) -> None:
        self.subfolder = subfolder
        super().__init__(**kwargs)

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
            # FileSystemStorage._save is private: django-stubs leaves it out.
            return str(super()._save(name, content))  # type: ignore[misc]
        except OSError:
            if not existed and os.path.lexists(full_path):
                # The original error matters more than a failing cleanup.
                with contextlib.suppress(OSError):
                    os.remove(full_path)
            raise

    def _clear_cached_properties(self, setting: str, **kwargs: object) -> None:
        # The stubs allow only the settings FileSystemStorage itself reacts to.
        super()._clear_cached_properties(setting, **kwargs)  # type: ignore[arg-type]
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


@contextlib.contextmanager
def _store_errors_as_os_errors() -> Iterator[None]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchKey", "NotFound"):
            raise FileNotFoundError(errno.ENOENT, str(exc)) from exc
        raise OSError(errno.EIO, f"object store: {exc}") from exc
    except BotoCoreError as exc:
        raise OSError(errno.EIO, f"object store: {exc}") from exc


@functools.cache
def _s3_storage_class() -> type[Storage]:
    # Built on first use: boto3 is imported only by the processes that store files on S3.
    from botocore.config import Config
    from storages.backends.s3 import S3Storage

    class PrivateS3Storage(S3Storage):
        """Private files in an S3-compatible bucket, under `location/subfolder/`.

        Objects are private (no ACL, no public URL): `url()` refuses, like the file system's
        private storage, so a presigned link can never reach a page by accident. A stored name
        is never overwritten (a clash gets a new name, as on the disk), and a download is
        spooled to a temporary file beyond `max_memory_size`, so memory stays flat.
        """

        def __init__(self, subfolder: str = "", **options: Any) -> None:
            location = options.pop("location", "") or ""
            options["location"] = posixpath.join(location, subfolder).strip("/")
            options.setdefault("file_overwrite", False)
            options.setdefault("default_acl", None)
            options.setdefault("max_memory_size", 2 * 1024 * 1024)
            # A store that does not answer fails an upload within seconds (the learner gets
            # "could not be stored right now"), not after botocore's minute-long defaults.
            options.setdefault(
                "client_config",
                Config(
                    connect_timeout=5,
                    read_timeout=60,
                    retries={"max_attempts": 3, "mode": "standard"},
                    signature_version=options.get("signature_version"),
                    s3={"addressing_style": options.get("addressing_style")},
                ),
            )
            self.subfolder = subfolder
            super().__init__(**options)

        def url(self, name: str | None, *args: Any, **kwargs: Any) -> str:
            raise ValueError("This file is not accessible via a URL.")

        # The callers handle a full or read-only disk as OSError (the upload is refused with
        # a clear message, a file check is retried); an unreachable or failing store is the
        # same thing to them. A missing object stays FileNotFoundError, as on the disk.
        def _open(self, name: str, mode: str = "rb") -> Any:
            with _store_errors_as_os_errors():
                return super()._open(name, mode)

        def _save(self, name: str, content: Any) -> str:
            with _store_errors_as_os_errors():
                return str(super()._save(name, content))

        def delete(self, name: str) -> None:
            with _store_errors_as_os_errors():
                super().delete(name)

        def exists(self, name: str) -> bool:
            with _store_errors_as_os_errors():
                return bool(super().exists(name))

        def size(self, name: str) -> int:
            with _store_errors_as_os_errors():
                return int(super().size(name))

        def listdir(self, path: str) -> tuple[list[str], list[str]]:
            with _store_errors_as_os_errors():
                return super().listdir(path)

    PrivateS3Storage.__module__ = __name__
    return PrivateS3Storage


def __getattr__(name: str) -> Any:
    # `STORAGES["private"]["BACKEND"] = "core.storage.PrivateS3Storage"` resolves here.
    if name == "PrivateS3Storage":
        return _s3_storage_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_handles: list[weakref.ref["PrivateStorage"]] = []


class PrivateStorage(LazyObject):
    """The private storage of one subfolder, built from `STORAGES["private"]` when first used.

    A model field keeps this handle for the life of the process; the backend behind it is
    rebuilt when `STORAGES` changes (the tests switch between the disk and S3 this way).
    """

    def __init__(self, subfolder: str = "") -> None:
        self.__dict__["_subfolder"] = subfolder
        super().__init__()
        _handles.append(weakref.ref(self))

    def _setup(self) -> None:
        config = private_storage_config()
        backend = import_string(config["BACKEND"])
        self._wrapped = backend(self.__dict__["_subfolder"], **config.get("OPTIONS", {}))

    def __reduce__(self) -> tuple[Any, ...]:
        return (PrivateStorage, (self.__dict__["_subfolder"],))

    def __copy__(self) -> "PrivateStorage":
        return PrivateStorage(self.__dict__["_subfolder"])

    def __deepcopy__(self, memo: dict[int, Any]) -> "PrivateStorage":
        # Model fields are copied (forms, the migration state): a copy is a new handle.
        return PrivateStorage(self.__dict__["_subfolder"])


def private_storage_config() -> dict[str, Any]:
    """`STORAGES["private"]`, or the file system under PRIVATE_MEDIA_ROOT when it is unset."""
    config: dict[str, Any] | None = getattr(settings, "STORAGES", {}).get("private")
    return config or {"BACKEND": "core.storage.PrivateFileSystemStorage"}


def private_storage_is_local() -> bool:
    """True when private files live on this machine's disk (under PRIVATE_MEDIA_ROOT)."""
    backend = import_string(private_storage_config()["BACKEND"])
    return issubclass(backend, FileSystemStorage)


def _reset_handles(*, setting: str, **kwargs: object) -> None:
    if setting != "STORAGES":
        return
    alive = [ref for ref in _handles if ref() is not None]
    _handles[:] = alive
    for ref in alive:
        handle = ref()
        if handle is not None:
            handle._wrapped = empty


setting_changed.connect(_reset_handles)
