"""Where documents are kept is chosen by the environment: the folder var/documents unless
GPFED_STORAGE=s3 names a bucket; s3 without a bucket, or a kind gpfed does not know, refuses to
start with a message that says what to set."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SHOW = (
    "import json; from django.core.files.storage import storages; w = storages['default']; "
    "print(json.dumps({'kind': type(w).__name__, 'location': str(getattr(w, 'location', '')), "
    "**{k: getattr(w, k, None) for k in ('bucket_name', 'endpoint_url', 'region_name', "
    "'default_acl', 'querystring_auth', 'querystring_expire', 'file_overwrite', 'gzip', "
    "'custom_domain', 'access_key')}}))"
)


def shell(env_extra: dict):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GPFED_STORAGE", "GPFED_S3_", "AWS_"))
        and k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHOW],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def shown(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_documents_are_kept_in_the_var_folder_by_default(tmp_path):
    storage = shown(shell({"GPFED_VAR_DIR": str(tmp_path)}))
    assert storage["kind"] == "FileSystemStorage"
    assert storage["location"] == str(tmp_path / "documents")


def test_s3_keeps_documents_in_the_named_private_bucket(tmp_path):
    storage = shown(
        shell(
            {
                "GPFED_VAR_DIR": str(tmp_path),
                "GPFED_STORAGE": "s3",
                "GPFED_S3_BUCKET": "gpfed-documents",
                "GPFED_S3_ENDPOINT_URL": "https://objects.example.org",
                "GPFED_S3_REGION": "eu-west-2",
                "GPFED_S3_PREFIX": "/production/",
                "AWS_ACCESS_KEY_ID": "key-from-the-environment",
                "AWS_SECRET_ACCESS_KEY": "secret-from-the-environment",
            }
        )
    )
    assert storage == {
        "kind": "S3Storage",
        "location": "production",
        "bucket_name": "gpfed-documents",
        "endpoint_url": "https://objects.example.org",
        "region_name": "eu-west-2",
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 300,
        "file_overwrite": False,
        "gzip": False,
        "custom_domain": None,
        "access_key": "key-from-the-environment",
    }


def test_s3_without_a_bucket_refuses_to_start(tmp_path):
    result = shell({"GPFED_VAR_DIR": str(tmp_path), "GPFED_STORAGE": "s3"})
    assert result.returncode != 0
    assert "ImproperlyConfigured: GPFED_STORAGE is s3 but GPFED_S3_BUCKET is not set" in (
        result.stderr
    )


def test_an_unknown_kind_of_storage_refuses_to_start(tmp_path):
    result = shell({"GPFED_VAR_DIR": str(tmp_path), "GPFED_STORAGE": "ftp"})
    assert result.returncode != 0
    assert "GPFED_STORAGE is 'ftp': set it to local" in result.stderr
