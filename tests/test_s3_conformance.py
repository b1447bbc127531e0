"""S3 details conformance suites check, driven by boto3 over http and https: sub-resources
specmock does not serve answer `NotImplemented` instead of running another operation,
and the listing, digest and multipart corner cases answer as S3 does."""

from __future__ import annotations

import os
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from specmock.testing import RunningServer, serve

ACCESS, SECRET = "specmock", "specmock-secret"


@pytest.fixture(scope="module", params=["http", "https"])
def server(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    with serve("s3", tls=request.param == "https", quiet=True, strict=True) as running:
        yield running


def client(server: RunningServer, access: str = ACCESS, secret: str = SECRET):
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        verify=server.cert or True,
    )


@pytest.fixture
def s3(server: RunningServer):
    return client(server)


_count = iter(range(1_000_000))


@pytest.fixture
def bucket(s3) -> str:
    name = f"conf-{next(_count)}-{os.getpid()}"
    s3.create_bucket(Bucket=name)
    return name


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


# -- sub-resources specmock does not serve -------------------------------------------------
UNSERVED = [
    ("get_bucket_acl", {}),
    ("get_bucket_cors", {}),
    ("get_bucket_lifecycle_configuration", {}),
    ("put_bucket_lifecycle_configuration", {"LifecycleConfiguration": {"Rules": []}}),
    ("get_bucket_website", {}),
    ("get_object_acl", {"Key": "k"}),
    ("get_object_attributes", {"Key": "k", "ObjectAttributes": ["ETag"]}),
    ("put_object_acl", {"Key": "k", "ACL": "private"}),
    ("get_object_retention", {"Key": "k"}),
]


@pytest.mark.parametrize(("method", "kwargs"), UNSERVED, ids=[m for m, _ in UNSERVED])
def test_an_unserved_sub_resource_is_not_implemented_not_another_operation(
    s3, bucket, method, kwargs
):
    s3.put_object(Bucket=bucket, Key="k", Body=b"the object's bytes")
    with pytest.raises(ClientError) as exc:
        getattr(s3, method)(Bucket=bucket, **kwargs)
    assert error(exc) == ("NotImplemented", 501)
    assert "not implemented" in exc.value.response["Error"]["Message"]
    # nothing else ran: the bucket still lists its one object, which is unchanged
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k"]
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"the object's bytes"


def test_put_bucket_acl_does_not_create_a_bucket(s3):
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_acl(Bucket="never-created-by-acl", ACL="public-read")
    assert error(exc) == ("NotImplemented", 501)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "never-created-by-acl" not in names
