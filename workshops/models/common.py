"""Pieces the workshop models share: the private storage of uploaded files."""

from typing import cast

from django.core.files.storage import Storage

from core.storage import PrivateStorage


def private_storage() -> Storage:
    # The disk under PRIVATE_MEDIA_ROOT or an S3 bucket, as configured (core/storage.py).
    return cast(Storage, PrivateStorage())  # a lazy proxy of the configured Storage
