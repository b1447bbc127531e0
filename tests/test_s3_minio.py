"""The bundled s3 service driven by minio-py, a second real S3 SDK with its own signer and
XML parser: versioning, and bucket policies (as far as they are served)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from specmock.testing import RunningServer, serve

minio = pytest.importorskip("minio")
urllib3 = pytest.importorskip("urllib3")
from minio.commonconfig import ENABLED  # noqa: E402
from minio.error import S3Error  # noqa: E402
from minio.versioningconfig import SUSPENDED, VersioningConfig  # noqa: E402


@pytest.fixture(scope="module", params=["http", "https"])
def server(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    with serve("s3", tls=request.param == "https", quiet=True, strict=True) as running:
        yield running


def _pool(server: RunningServer):
    if not server.cert:
        return None
    return urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=server.cert)


@pytest.fixture
def client(server: RunningServer) -> minio.Minio:
    pool = _pool(server)
    return minio.Minio(
        urlsplit(server.url).netloc, access_key="specmock", secret_key="specmock-secret",
        secure=bool(server.cert), region="us-east-1", http_client=pool)  # fmt: skip


_count = iter(range(1_000_000))


@pytest.fixture
def bucket(client: minio.Minio) -> str:
    name = f"minio-{next(_count)}-{os.getpid()}"
    client.make_bucket(name)
    return name


def put(client: minio.Minio, bucket: str, key: str, data: bytes):
    return client.put_object(bucket, key, io.BytesIO(data), len(data))


def read(client: minio.Minio, bucket: str, key: str, **kwargs) -> bytes:
    response = client.get_object(bucket, key, **kwargs)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def test_versioning_with_minio(client, bucket):
    assert client.get_bucket_versioning(bucket).status in (None, "Off")  # never set
    client.set_bucket_versioning(bucket, VersioningConfig(ENABLED))
    assert client.get_bucket_versioning(bucket).status == ENABLED
    first = put(client, bucket, "doc", b"first").version_id
    second = put(client, bucket, "doc", b"second").version_id
    assert first and second and first != second
    assert read(client, bucket, "doc") == b"second"
    assert read(client, bucket, "doc", version_id=first) == b"first"
    assert client.stat_object(bucket, "doc", version_id=first).version_id == first
    client.remove_object(bucket, "doc")  # a delete marker
    with pytest.raises(S3Error) as exc:
        client.stat_object(bucket, "doc")
    assert exc.value.code in ("NoSuchKey", "ResponseCode")  # HEAD: no body to name the code
    listed = list(client.list_objects(bucket, include_version=True))
    (marker,) = [o for o in listed if o.is_delete_marker]  # minio lists markers last
    assert marker.version_id not in (first, second)
    assert [o.version_id for o in listed if not o.is_delete_marker] == [second, first]
    assert list(client.list_objects(bucket)) == []
    client.remove_object(bucket, "doc", version_id=marker.version_id)  # the marker goes
    assert read(client, bucket, "doc") == b"second"
    client.set_bucket_versioning(bucket, VersioningConfig(SUSPENDED))
    assert client.get_bucket_versioning(bucket).status == SUSPENDED
    assert put(client, bucket, "doc", b"third").version_id in (None, "null")
    assert read(client, bucket, "doc", version_id=second) == b"second"


def test_bucket_policy_with_minio(server, client, bucket):
    import json

    with pytest.raises(S3Error) as exc:
        client.get_bucket_policy(bucket)
    assert exc.value.code == "NoSuchBucketPolicy"
    put(client, bucket, "public/page.html", b"<p>hi</p>")
    put(client, bucket, "private/notes.txt", b"notes")
    pool = _pool(server)  # the same TLS trust, no credentials: an anonymous client
    anonymous = minio.Minio(urlsplit(server.url).netloc, secure=bool(server.cert),
                            region="us-east-1", http_client=pool)  # fmt: skip
    with pytest.raises(S3Error) as exc:
        read(anonymous, bucket, "public/page.html")
    assert exc.value.code == "AccessDenied"
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": ["s3:GetObject"],
        "Resource": [f"arn:aws:s3:::{bucket}/public/*"]}]})  # fmt: skip
    client.set_bucket_policy(bucket, policy)
    assert json.loads(client.get_bucket_policy(bucket)) == json.loads(policy)
    assert read(anonymous, bucket, "public/page.html") == b"<p>hi</p>"
    with pytest.raises(S3Error) as exc:
        read(anonymous, bucket, "private/notes.txt")  # outside the policy's resource
    assert exc.value.code == "AccessDenied"
    client.delete_bucket_policy(bucket)
    with pytest.raises(S3Error) as exc:
        read(anonymous, bucket, "public/page.html")
    assert exc.value.code == "AccessDenied"
