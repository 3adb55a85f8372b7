"""A local S3 server for the tests: moto's server mode on loopback, on a free port.

`moto_s3` starts it once per session (in a thread of the test process, so the gunicorn and
Celery processes of the multi-node test reach it too); `s3_bucket` makes a fresh private bucket
for one test and `s3_storage` points the private storage (`STORAGES["private"]`) at it, the same
way `ALUEAGENTTI_S3_BUCKET` and its friends do in production (config/settings/base.py).
Nothing is skipped: moto is a dev dependency, so this runs wherever the tests run.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

ACCESS_KEY = "alueagentti-test"
SECRET_KEY = "alueagentti-test-secret"  # noqa: S105 - moto accepts any key
REGION = "eu-north-1"


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def create_bucket(self) -> str:
        name = f"alueagentti-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        return name

    def keys(self, bucket: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))

    def read(self, bucket: str, key: str) -> bytes:
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()

    def environment(self, bucket: str) -> dict[str, str]:
        """The production settings' variables for this server and bucket."""
        return {
            "ALUEAGENTTI_S3_BUCKET": bucket,
            "ALUEAGENTTI_S3_ENDPOINT_URL": self.endpoint_url,
            "ALUEAGENTTI_S3_REGION": REGION,
            "ALUEAGENTTI_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "ALUEAGENTTI_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "ALUEAGENTTI_S3_ADDRESSING_STYLE": "path",
        }

    def storage_setting(self, bucket: str, prefix: str = "") -> dict[str, object]:
        """`STORAGES["private"]` as base.py builds it from `environment(bucket)`."""
        return {
            "BACKEND": "core.storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": self.endpoint_url,
                "region_name": REGION,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "addressing_style": "path",
                "signature_version": "s3v4",
                "location": prefix,
            },
        }


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(endpoint_url=f"http://{host}:{port}")
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(moto_s3: S3Server) -> str:
    return moto_s3.create_bucket()


@pytest.fixture
def s3_storage(settings, moto_s3: S3Server, s3_bucket: str, monkeypatch) -> str:
    """Private files go to a fresh bucket on the local S3 server for this test; the disk
    under PRIVATE_MEDIA_ROOT is made unusable, so anything still writing there fails."""
    # boto3 must not pick up a developer's own credentials or profile.
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    settings.STORAGES = {**settings.STORAGES, "private": moto_s3.storage_setting(s3_bucket)}
    blocker = settings.PRIVATE_MEDIA_ROOT.parent / "no-local-private-files"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_bytes(b"")
    settings.PRIVATE_MEDIA_ROOT = blocker / "private"
    return s3_bucket
