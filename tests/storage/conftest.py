"""Documents in an S3-compatible bucket: a real S3 server (moto in server mode) on 127.0.0.1,
started once per test process, a fresh private bucket for each test, and Django's default
storage switched to it for that test, as ``GPFED_STORAGE=s3`` switches it."""

import socket
import uuid
from dataclasses import dataclass

import boto3
import pytest
from django.core.files.storage import default_storage
from django.test import override_settings
from django.utils.functional import empty

from gpfed.settings import s3_documents

REGION = "eu-west-2"
PREFIX = "gpfed-test"


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on a free loopback port; its address."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@dataclass
class Bucket:
    name: str
    client: object  # boto3's S3 client, signed in as gpfed is

    def objects(self) -> set[str]:
        """The keys of every object in the bucket."""
        listed = self.client.list_objects_v2(Bucket=self.name)
        return {item["Key"] for item in listed.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def write(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.name, Key=key, Body=data)


@pytest.fixture
def bucket(s3_server, monkeypatch, settings):
    """A new bucket, and the documents kept in it (under the prefix ``gpfed-test``) for the
    test. Credentials come from the environment, as in production."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "gpfed-test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "gpfed-test-secret")
    name = f"gpfed-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name=REGION,
        aws_access_key_id="gpfed-test-key",
        aws_secret_access_key="gpfed-test-secret",
    )
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    storages = {
        **settings.STORAGES,
        "default": s3_documents(
            bucket=name, endpoint_url=s3_server, region=REGION, prefix=f"/{PREFIX}/"
        ),
    }
    with override_settings(STORAGES=storages):
        yield Bucket(name, client)
    # leaving override_settings forgets the bucket's backend: the folder's is built when next used
    assert default_storage._wrapped is empty
