"""The bundled s3 service driven by real clients: boto3, plain httpx with presigned URLs,
s3fs and the AWS CLI. Every test runs against both listeners: over https boto3 streams
uploads as aws-chunked bodies with trailing checksums, over http it does not.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import ssl
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import boto3
import httpx
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from specmock import VirtualClock
from specmock.testing import RunningServer, serve

ACCESS, SECRET = "specmock", "specmock-secret"
MiB = 1024 * 1024


@pytest.fixture(scope="module", params=["http", "https"])
def server(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    with serve("s3", tls=request.param == "https", quiet=True, strict=True) as running:
        yield running


def client(server: RunningServer, secret: str = SECRET, access: str = ACCESS, **config):
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        verify=server.cert or True,
        config=Config(**config) if config else None,
    )


@pytest.fixture
def s3(server: RunningServer):
    return client(server)


_count = iter(range(1_000_000))


@pytest.fixture
def bucket(s3) -> str:
    name = f"bucket-{next(_count)}-{os.getpid()}"
    s3.create_bucket(Bucket=name)
    return name


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def http(server: RunningServer) -> httpx.Client:
    verify = ssl.create_default_context(cafile=server.cert) if server.cert else True
    return httpx.Client(verify=verify, timeout=30)


# -- buckets ------------------------------------------------------------------------------
def test_bucket_lifecycle(s3, server):
    s3.create_bucket(Bucket="life-cycle")
    s3.create_bucket(Bucket="life-cycle")  # its owner again, in us-east-1: 200, as S3
    s3.head_bucket(Bucket="life-cycle")
    assert "life-cycle" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert s3.get_bucket_location(Bucket="life-cycle")["LocationConstraint"] is None
    s3.put_object(Bucket="life-cycle", Key="k", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.delete_bucket(Bucket="life-cycle")
    assert code(exc) == "BucketNotEmpty"
    s3.delete_object(Bucket="life-cycle", Key="k")
    s3.delete_bucket(Bucket="life-cycle")
    with pytest.raises(ClientError) as exc:
        s3.head_bucket(Bucket="life-cycle")
    assert code(exc) == "404"
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket="life-cycle")
    assert code(exc) == "NoSuchBucket"


@pytest.mark.parametrize("name", ["ab", "Upper", "a..b", "192.168.1.1", "-start", "xn--abc"])
def test_bucket_names_follow_s3_rules(s3, name):
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket=name)
    assert code(exc) in ("InvalidBucketName",)


def test_bucket_in_a_region_reports_its_location(server):
    s3 = client(server)
    s3.create_bucket(
        Bucket="in-europe", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    assert s3.get_bucket_location(Bucket="in-europe")["LocationConstraint"] == "eu-west-1"
    with pytest.raises(ClientError) as exc:  # outside us-east-1 its owner is told so
        s3.create_bucket(
            Bucket="in-europe", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
    assert code(exc) == "BucketAlreadyOwnedByYou"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


# -- objects ------------------------------------------------------------------------------
def test_put_get_head_with_metadata(s3, bucket):
    body = b"hello, specmock"
    put = s3.put_object(
        Bucket=bucket,
        Key="dir/sub/file name+1.txt",
        Body=body,
        ContentType="text/plain",
        Metadata={"colour": "blue"},
        CacheControl="max-age=60",
    )
    assert put["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="dir/sub/file name+1.txt")
    assert got["Body"].read() == body
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"colour": "blue"}
    assert got["CacheControl"] == "max-age=60"
    assert got["ETag"] == put["ETag"]
    head = s3.head_object(Bucket=bucket, Key="dir/sub/file name+1.txt")
    assert head["ContentLength"] == len(body)
    assert head["Metadata"] == {"colour": "blue"}
    headers = head["ResponseMetadata"]["HTTPHeaders"]
    assert parsedate_to_datetime(headers["last-modified"]).tzname() == "UTC"
    assert headers["last-modified"].endswith(" GMT")
    assert headers["date"].endswith(" GMT")


def test_missing_key_and_request_id(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="absent")
    assert code(exc) == "NoSuchKey"
    response = exc.value.response
    assert response["Error"].get("RequestId", True)
    assert (
        response["ResponseMetadata"]["RequestId"]
        == (response["ResponseMetadata"]["HTTPHeaders"]["x-amz-request-id"])
    )
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="absent")
    assert code(exc) == "404"


def test_error_body_request_id_matches_header(server, bucket):
    with http(server) as web:
        url = s3_url(server, bucket, "absent")
        answer = web.get(url)
    assert answer.status_code == 403  # unsigned
    assert b"<Code>AccessDenied</Code>" in answer.content
    rid = answer.headers["x-amz-request-id"]
    assert f"<RequestId>{rid}</RequestId>".encode() in answer.content


def s3_url(server: RunningServer, bucket: str, key: str = "") -> str:
    return f"{server.url}/{bucket}/{key}" if key else f"{server.url}/{bucket}"


def test_ranges(s3, bucket):
    s3.put_object(Bucket=bucket, Key="r", Body=b"0123456789")
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=2-4")["Body"].read() == b"234"
    tail = s3.get_object(Bucket=bucket, Key="r", Range="bytes=-3")
    assert tail["Body"].read() == b"789"
    assert tail["ContentRange"] == "bytes 7-9/10"
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=8-")["Body"].read() == b"89"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="r", Range="bytes=20-30")
    assert code(exc) == "InvalidRange"


def test_conditional_requests(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="c", Body=b"data")["ETag"]
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == b"data"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c", IfMatch='"0000"')
    assert code(exc) == "PreconditionFailed"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    future = time.time() + 3600
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=future)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    got = s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=time.time() - 3600)
    assert got["Body"].read() == b"data"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c", IfUnmodifiedSince=time.time() - 3600)
    assert code(exc) == "PreconditionFailed"


def test_content_md5_is_checked(s3, bucket):
    good = base64.b64encode(hashlib.md5(b"abc").digest()).decode()
    s3.put_object(Bucket=bucket, Key="m", Body=b"abc", ContentMD5=good)
    bad = base64.b64encode(hashlib.md5(b"xyz").digest()).decode()
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="m", Body=b"abc", ContentMD5=bad)
    assert code(exc) == "BadDigest"


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA256", "SHA1"])
def test_checksums_are_verified_and_echoed(s3, bucket, algorithm):
    put = s3.put_object(Bucket=bucket, Key="sum", Body=b"checked", ChecksumAlgorithm=algorithm)
    assert put[f"Checksum{algorithm}"]
    got = s3.get_object(Bucket=bucket, Key="sum", ChecksumMode="ENABLED")
    assert got["Body"].read() == b"checked"  # botocore validates the echoed checksum
    assert got[f"Checksum{algorithm}"] == put[f"Checksum{algorithm}"]


def test_wrong_checksum_is_bad_digest(server, bucket, monkeypatch):
    monkeypatch.setenv("SPECMOCK_S3_AUTH", "off")
    wrong = base64.b64encode(zlib.crc32(b"other").to_bytes(4, "big")).decode()
    with http(server) as web:
        answer = web.put(
            s3_url(server, bucket, "k"), content=b"body", headers={"x-amz-checksum-crc32": wrong}
        )
    assert answer.status_code == 400
    assert b"<Code>BadDigest</Code>" in answer.content


def test_aws_chunked_body_is_decoded(server, bucket, monkeypatch):
    monkeypatch.setenv("SPECMOCK_S3_AUTH", "off")
    data = b"a" * 70_000 + b"tail"
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    framed = (
        f"{len(data):x}\r\n".encode()
        + data
        + b"\r\n0\r\n"
        + f"x-amz-checksum-crc32:{crc}\r\n\r\n".encode()
    )
    headers = {
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(data)),
        "x-amz-trailer": "x-amz-checksum-crc32",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    }
    with http(server) as web:
        answer = web.put(s3_url(server, bucket, "chunked"), content=framed, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.headers["x-amz-checksum-crc32"] == crc
        assert web.get(s3_url(server, bucket, "chunked")).content == data


def test_delete_objects_and_versions_listing(s3, bucket):
    for key in ("a", "b", "c"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert [(v["Key"], v["VersionId"], v["IsLatest"]) for v in versions] == [
        ("a", "null", True),
        ("b", "null", True),
        ("c", "null", True),
    ]
    deleted = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}]})
    assert sorted(d["Key"] for d in deleted["Deleted"]) == ["a", "b"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["c"]


def test_copy_object_with_metadata_directive(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"copy me", Metadata={"a": "1"})
    copied = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert copied["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(b"copy me").hexdigest()}"'
    assert s3.head_object(Bucket=bucket, Key="dst")["Metadata"] == {"a": "1"}
    s3.copy_object(
        Bucket=bucket,
        Key="dst2",
        CopySource=f"{bucket}/src",
        MetadataDirective="REPLACE",
        Metadata={"b": "2"},
        ContentType="text/csv",
    )
    head = s3.head_object(Bucket=bucket, Key="dst2")
    assert head["Metadata"] == {"b": "2"}
    assert head["ContentType"] == "text/csv"
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="src", CopySource=f"{bucket}/src")
    assert code(exc) == "InvalidRequest"
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="x", CopySource=f"{bucket}/missing")
    assert code(exc) == "NoSuchKey"


# -- listing ------------------------------------------------------------------------------
def test_pagination_through_2500_keys(s3, bucket):
    keys = [f"k/{i:05d}" for i in range(2500)]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket))
    assert len(pages) == 3
    assert [o["Key"] for p in pages for o in p["Contents"]] == keys
    v1 = s3.get_paginator("list_objects").paginate(
        Bucket=bucket, PaginationConfig={"PageSize": 700}
    )
    assert [o["Key"] for p in v1 for o in p.get("Contents", [])] == keys
    small = s3.list_objects_v2(Bucket=bucket, MaxKeys=10, StartAfter="k/02490")
    assert [o["Key"] for o in small["Contents"]] == keys[2491:]
    assert small["IsTruncated"] is False


def test_prefix_delimiter_and_url_encoding(s3, bucket):
    keys = ["photos/2024/a b.jpg", "photos/2024/c+d.jpg", "photos/2025/é.jpg", "readme.md"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    top = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["photos/"]
    assert [o["Key"] for o in top["Contents"]] == ["readme.md"]
    years = s3.list_objects_v2(Bucket=bucket, Prefix="photos/", Delimiter="/")
    assert [p["Prefix"] for p in years["CommonPrefixes"]] == ["photos/2024/", "photos/2025/"]
    deep = s3.list_objects_v2(Bucket=bucket, Prefix="photos/")
    assert [o["Key"] for o in deep["Contents"]] == keys[:3]
    paged = s3.list_objects_v2(Bucket=bucket, MaxKeys=1, Delimiter="/")
    assert paged["IsTruncated"] is True
    rest = s3.list_objects_v2(
        Bucket=bucket, Delimiter="/", ContinuationToken=paged["NextContinuationToken"]
    )
    assert [o["Key"] for o in rest["Contents"]] == ["readme.md"]


# -- multipart ----------------------------------------------------------------------------
def test_three_part_upload_of_11_mib(s3, bucket):
    parts_data = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(1 * MiB)]
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big.bin", Metadata={"m": "1"})
    uid = upload["UploadId"]
    etags = []
    for number, data in enumerate(parts_data, 1):
        part = s3.upload_part(
            Bucket=bucket, Key="big.bin", UploadId=uid, PartNumber=number, Body=data
        )
        assert part["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
        etags.append(part["ETag"])
    listed = s3.list_parts(Bucket=bucket, Key="big.bin", UploadId=uid)
    assert [p["PartNumber"] for p in listed["Parts"]] == [1, 2, 3]
    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [u["UploadId"] for u in uploads] == [uid]
    done = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="big.bin",
        UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": i, "ETag": e} for i, e in enumerate(etags, 1)]},
    )
    expected = hashlib.md5(b"".join(hashlib.md5(d).digest() for d in parts_data)).hexdigest()
    assert done["ETag"] == f'"{expected}-3"'
    got = s3.get_object(Bucket=bucket, Key="big.bin")
    assert got["Body"].read() == b"".join(parts_data)
    assert got["Metadata"] == {"m": "1"}
    with pytest.raises(ClientError) as exc:
        s3.list_parts(Bucket=bucket, Key="big.bin", UploadId=uid)
    assert code(exc) == "NoSuchUpload"


def test_multipart_rules(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="m")["UploadId"]
    one = s3.upload_part(Bucket=bucket, Key="m", UploadId=uid, PartNumber=1, Body=b"small")
    two = s3.upload_part(Bucket=bucket, Key="m", UploadId=uid, PartNumber=2, Body=b"end")
    parts = [{"PartNumber": 1, "ETag": one["ETag"]}, {"PartNumber": 2, "ETag": two["ETag"]}]

    def complete(given):
        with pytest.raises(ClientError) as exc:
            s3.complete_multipart_upload(
                Bucket=bucket, Key="m", UploadId=uid, MultipartUpload={"Parts": given}
            )
        return code(exc)

    assert complete(parts) == "EntityTooSmall"
    assert complete(list(reversed(parts))) == "InvalidPartOrder"
    assert complete([{"PartNumber": 1, "ETag": '"0123"'}]) == "InvalidPart"
    assert complete([{"PartNumber": 3, "ETag": one["ETag"]}]) == "InvalidPart"
    s3.complete_multipart_upload(
        Bucket=bucket, Key="m", UploadId=uid, MultipartUpload={"Parts": parts[1:]}
    )
    assert s3.get_object(Bucket=bucket, Key="m")["Body"].read() == b"end"


def test_abort_then_no_such_upload(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="gone")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="gone", UploadId=uid, PartNumber=1, Body=b"x")
    s3.abort_multipart_upload(Bucket=bucket, Key="gone", UploadId=uid)
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket=bucket, Key="gone", UploadId=uid, PartNumber=2, Body=b"y")
    assert code(exc) == "NoSuchUpload"
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_upload_part_copy(s3, bucket):
    source = os.urandom(6 * MiB)
    s3.put_object(Bucket=bucket, Key="source", Body=source)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="assembled")["UploadId"]
    first = s3.upload_part_copy(
        Bucket=bucket,
        Key="assembled",
        UploadId=uid,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": "source"},
        CopySourceRange=f"bytes=0-{5 * MiB - 1}",
    )["CopyPartResult"]
    second = s3.upload_part(Bucket=bucket, Key="assembled", UploadId=uid, PartNumber=2, Body=b"!")
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="assembled",
        UploadId=uid,
        MultipartUpload={
            "Parts": [
                {"PartNumber": 1, "ETag": first["ETag"]},
                {"PartNumber": 2, "ETag": second["ETag"]},
            ]
        },
    )
    assert s3.get_object(Bucket=bucket, Key="assembled")["Body"].read() == source[: 5 * MiB] + b"!"


def test_managed_transfer_uploads_and_downloads(s3, bucket):
    data = os.urandom(12 * MiB)
    config = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    s3.upload_fileobj(io.BytesIO(data), bucket, "managed", Config=config)
    out = io.BytesIO()
    s3.download_fileobj(bucket, "managed", out, Config=config)
    assert out.getvalue() == data
    assert s3.head_object(Bucket=bucket, Key="managed")["ETag"].endswith('-3"')


# -- auth ---------------------------------------------------------------------------------
def test_wrong_secret_and_unknown_key(server, bucket):
    with pytest.raises(ClientError) as exc:
        client(server, secret="wrong").list_objects_v2(Bucket=bucket)
    assert code(exc) == "SignatureDoesNotMatch"
    with pytest.raises(ClientError) as exc:
        client(server, access="nobody").list_objects_v2(Bucket=bucket)
    assert code(exc) == "InvalidAccessKeyId"


def test_presigned_sigv2_get_with_httpx(s3, server, bucket):
    s3.put_object(Bucket=bucket, Key="shared.txt", Body=b"shared")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "shared.txt"})
    with http(server) as web:
        assert web.get(url).content == b"shared"
        assert web.get(url.replace("Signature=", "Signature=x")).status_code == 403


def test_presigned_sigv4_get_and_put_with_httpx(server, bucket):
    s3 = client(server, signature_version="s3v4")
    put = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "up load.txt"}, ExpiresIn=300
    )
    get = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "up load.txt"}, ExpiresIn=300
    )
    assert "X-Amz-Signature=" in put
    with http(server) as web:
        assert web.put(put, content=b"via presigned put").status_code == 200
        assert web.get(get).content == b"via presigned put"
        tampered = web.get(get.replace("X-Amz-Expires=300", "X-Amz-Expires=301"))
        assert tampered.status_code == 403
        assert b"SignatureDoesNotMatch" in tampered.content


def test_presigned_urls_expire(server, bucket):
    s3v4 = client(server, signature_version="s3v4")
    s3v4.put_object(Bucket=bucket, Key="soon", Body=b"x")
    v4 = s3v4.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "soon"}, ExpiresIn=60
    )
    v2 = client(server).generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "soon"}, ExpiresIn=60
    )
    too_long = s3v4.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "soon"}, ExpiresIn=8 * 24 * 3600
    )
    app = server.app
    previous = app.clock
    with http(server) as web:
        assert web.get(too_long).status_code == 400
        app.set_clock(VirtualClock(time.time() + 120))
        try:
            for url in (v4, v2):
                answer = web.get(url)
                assert answer.status_code == 403
                assert b"<Code>AccessDenied</Code>" in answer.content
        finally:
            app.set_clock(previous)


def test_auth_off_accepts_unsigned_requests(server, bucket, monkeypatch):
    monkeypatch.setenv("SPECMOCK_S3_AUTH", "off")
    with http(server) as web:
        assert web.put(s3_url(server, bucket, "anon"), content=b"anon").status_code == 200
        assert web.get(s3_url(server, bucket, "anon")).content == b"anon"


# -- persistence --------------------------------------------------------------------------
def test_sqlite_keeps_objects_across_restarts(tmp_path):
    state = f"sqlite:///{tmp_path / 's3.db'}"
    for attempt in range(2):
        with serve("s3", quiet=True, state=state) as running:
            s3 = client(running)
            if attempt == 0:
                s3.create_bucket(Bucket="kept")
                s3.put_object(Bucket="kept", Key="k", Body=b"still here")
            else:
                assert s3.get_object(Bucket="kept", Key="k")["Body"].read() == b"still here"
    assert (tmp_path / "s3.db.s3-blobs").is_dir()


# -- other clients ------------------------------------------------------------------------
def test_s3fs(server):
    s3fs = pytest.importorskip("s3fs")
    fs = s3fs.S3FileSystem(
        key=ACCESS,
        secret=SECRET,
        client_kwargs={
            "endpoint_url": server.url,
            "region_name": "us-east-1",
            "verify": server.cert or True,
        },
    )
    fs.mkdir("fs-bucket")
    with fs.open("fs-bucket/dir/data.txt", "wb") as out:
        out.write(b"written by s3fs")
    assert fs.cat("fs-bucket/dir/data.txt") == b"written by s3fs"
    assert fs.ls("fs-bucket/dir", detail=False) == ["fs-bucket/dir/data.txt"]
    assert fs.info("fs-bucket/dir/data.txt")["size"] == 15
    fs.rm("fs-bucket", recursive=True)
    assert not fs.exists("fs-bucket/dir/data.txt")


# -- virtual-host addressing --------------------------------------------------------------
def _resolve_localhost(request, **_) -> None:
    """`*.localhost` needs no DNS here: send to 127.0.0.1, keep the signed Host header."""
    scheme, rest = request.url.split("://", 1)
    host, _, path = rest.partition("/")
    if host.split(":")[0].endswith(".localhost"):
        request.headers["Host"] = host
        request.url = f"{scheme}://127.0.0.1:{host.rsplit(':', 1)[1]}/{path}"


def test_virtual_host_addressing(server):
    port = server.url.rsplit(":", 1)[1]
    scheme = server.url.split("://")[0]
    s3 = boto3.client(
        "s3",
        endpoint_url=f"{scheme}://localhost:{port}",
        region_name="us-east-1",
        aws_access_key_id=ACCESS,
        aws_secret_access_key=SECRET,
        verify=server.cert or True,
        config=Config(s3={"addressing_style": "virtual"}),
    )
    s3.meta.events.register_last("before-send.s3", _resolve_localhost)
    s3.create_bucket(Bucket="virtual-bucket")
    s3.put_object(Bucket="virtual-bucket", Key="dir/v.txt", Body=b"virtual")
    assert s3.get_object(Bucket="virtual-bucket", Key="dir/v.txt")["Body"].read() == b"virtual"
    listed = s3.list_objects_v2(Bucket="virtual-bucket")
    assert [o["Key"] for o in listed["Contents"]] == ["dir/v.txt"]
    path_style = client(server)
    assert path_style.get_object(Bucket="virtual-bucket", Key="dir/v.txt")["Body"].read() == (
        b"virtual"
    )


def test_presign_endpoint_and_cli(server, s3, bucket):
    from click.testing import CliRunner

    from specmock.cli import main

    s3.put_object(Bucket=bucket, Key="minted.txt", Body=b"minted")
    with http(server) as web:
        answer = web.post(
            server.url + "/_specmock/presign", json={"bucket": bucket, "key": "minted.txt"}
        )
        assert answer.status_code == 200
        assert web.get(answer.json()["url"]).content == b"minted"
        result = CliRunner().invoke(
            main,
            [
                "s3",
                "presign",
                bucket,
                "up.txt",
                "--url",
                server.url,
                "--method",
                "PUT",
                "--sigv2",
                "--insecure",
            ],
        )
        assert result.exit_code == 0, result.output
        assert web.put(result.output.strip(), content=b"put via cli").status_code == 200
    assert s3.get_object(Bucket=bucket, Key="up.txt")["Body"].read() == b"put via cli"


def test_sigv2_header_auth(server, bucket):
    legacy = client(server, signature_version="s3")
    legacy.put_object(Bucket=bucket, Key="v2", Body=b"signed the old way")
    assert legacy.get_object(Bucket=bucket, Key="v2")["Body"].read() == b"signed the old way"
    with pytest.raises(ClientError) as exc:
        client(server, secret="wrong", signature_version="s3").get_object(Bucket=bucket, Key="v2")
    assert code(exc) == "SignatureDoesNotMatch"


def test_single_put_larger_than_the_engine_body_limit(s3, bucket):
    data = os.urandom(12 * MiB)  # specmock's default limit for parsed bodies is 10 MiB
    s3.put_object(Bucket=bucket, Key="large", Body=data)
    tail = s3.get_object(Bucket=bucket, Key="large", Range=f"bytes={11 * MiB}-")
    assert tail["Body"].read() == data[11 * MiB :]
    assert s3.get_object(Bucket=bucket, Key="large")["Body"].read() == data


def test_list_objects_v1_with_delimiter_pages_by_next_marker(s3, bucket):
    for key in ("a/1", "a/2", "b/1", "c"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    first = s3.list_objects(Bucket=bucket, Delimiter="/", MaxKeys=2)
    assert [p["Prefix"] for p in first["CommonPrefixes"]] == ["a/", "b/"]
    assert first["IsTruncated"] is True
    rest = s3.list_objects(Bucket=bucket, Delimiter="/", Marker=first["NextMarker"])
    assert [o["Key"] for o in rest["Contents"]] == ["c"]
    assert "CommonPrefixes" not in rest


def test_response_header_overrides_in_presigned_links(s3, server, bucket):
    s3.put_object(Bucket=bucket, Key="report.bin", Body=b"report")
    url = s3.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": bucket,
            "Key": "report.bin",
            "ResponseContentType": "text/csv",
            "ResponseContentDisposition": 'attachment; filename="r.csv"',
        },
    )
    with http(server) as web:
        answer = web.get(url)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv"
    assert answer.headers["content-disposition"] == 'attachment; filename="r.csv"'


def test_served_beside_other_specs_under_its_mount():
    with serve(["s3", "petstore"], quiet=True) as running:
        s3 = boto3.client(
            "s3",
            endpoint_url=running.url + "/s3",
            region_name="us-east-1",
            aws_access_key_id=ACCESS,
            aws_secret_access_key=SECRET,
        )
        s3.create_bucket(Bucket="mounted")
        s3.put_object(Bucket="mounted", Key="a/b", Body=b"under /s3")
        assert s3.get_object(Bucket="mounted", Key="a/b")["Body"].read() == b"under /s3"
        url = s3.generate_presigned_url("get_object", Params={"Bucket": "mounted", "Key": "a/b"})
        assert httpx.get(url).content == b"under /s3"


def _aws_cli() -> list[str]:
    """The AWS CLI: $SPECMOCK_AWS_CLI (CI installs it in a venv of its own, since it pins
    an exact botocore), `aws` on PATH, or the awscli module beside the tests."""
    found = os.environ.get("SPECMOCK_AWS_CLI") or shutil.which("aws")
    if found:
        return [found]
    pytest.importorskip("awscli")
    return [sys.executable, "-m", "awscli"]


def test_aws_cli(server, tmp_path):
    cli = _aws_cli()
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": ACCESS,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    if server.cert:
        env["AWS_CA_BUNDLE"] = server.cert

    def aws(*args: str) -> str:
        proc = subprocess.run(
            [*cli, "--endpoint-url", server.url, *args],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    small, large = tmp_path / "small.txt", tmp_path / "large.bin"
    small.write_text("from the aws cli")
    large.write_bytes(os.urandom(9 * MiB))  # above the CLI's 8 MiB multipart threshold
    aws("s3", "mb", "s3://cli-bucket")
    aws("s3", "cp", str(small), "s3://cli-bucket/dir/small.txt")
    aws("s3", "cp", str(large), "s3://cli-bucket/dir/large.bin")
    listing = aws("s3", "ls", "s3://cli-bucket", "--recursive")
    assert "dir/small.txt" in listing and "dir/large.bin" in listing
    assert aws("s3", "cp", "s3://cli-bucket/dir/small.txt", "-") == "from the aws cli"
    aws("s3", "cp", "s3://cli-bucket/dir/large.bin", str(tmp_path / "back.bin"))
    assert (tmp_path / "back.bin").read_bytes() == large.read_bytes()
    aws("s3", "rb", "s3://cli-bucket", "--force")
    assert "cli-bucket" not in aws("s3", "ls")
