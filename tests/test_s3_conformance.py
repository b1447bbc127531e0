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
    ("get_bucket_logging", {}),
    ("get_bucket_cors", {}),
    ("get_bucket_lifecycle_configuration", {}),
    ("put_bucket_lifecycle_configuration", {"LifecycleConfiguration": {"Rules": []}}),
    ("get_bucket_website", {}),
    ("get_bucket_notification_configuration", {}),
    (
        "put_bucket_cors",
        {
            "CORSConfiguration": {
                "CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]
            }
        },
    ),
    ("get_object_torrent", {"Key": "k"}),
    ("get_bucket_encryption", {}),
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


def test_an_unserved_put_does_not_create_a_bucket(s3):
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_website(
            Bucket="never-created-by-website",
            WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}},
        )
    assert error(exc) == ("NotImplemented", 501)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "never-created-by-website" not in names


# -- listings ------------------------------------------------------------------------------
def test_max_keys_zero_is_an_empty_page_that_is_not_truncated(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a", Body=b"1")
    for listing in (
        s3.list_objects_v2(Bucket=bucket, MaxKeys=0),
        s3.list_objects(Bucket=bucket, MaxKeys=0),
    ):
        assert listing["IsTruncated"] is False and "Contents" not in listing
        assert listing["MaxKeys"] == 0


def test_an_empty_continuation_token_is_echoed(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a", Body=b"1")
    listing = s3.list_objects_v2(Bucket=bucket, ContinuationToken="")
    assert listing["ContinuationToken"] == ""
    assert [o["Key"] for o in listing["Contents"]] == ["a"]


def test_v1_prefix_comes_back_as_sent(s3, bucket):
    s3.put_object(Bucket=bucket, Key="dir one/ü.txt", Body=b"1")
    listing = s3.list_objects(Bucket=bucket, Prefix="dir one/")
    assert listing["Prefix"] == "dir one/"  # botocore does not decode v1's Prefix
    assert [o["Key"] for o in listing["Contents"]] == ["dir one/ü.txt"]
    assert s3.list_objects_v2(Bucket=bucket, Prefix="dir one/")["Prefix"] == "dir one/"


def test_list_buckets_pages_by_max_buckets(server):
    s3 = client(server)
    names = [f"pages-{i}-{os.getpid()}" for i in range(3)]
    for name in names:
        s3.create_bucket(Bucket=name)
    seen, token = [], None
    while True:
        kwargs = {"MaxBuckets": 2, "Prefix": "pages-"}
        page = s3.list_buckets(**kwargs, **({"ContinuationToken": token} if token else {}))
        assert len(page["Buckets"]) <= 2
        seen += [b["Name"] for b in page["Buckets"]]
        token = page.get("ContinuationToken")
        if not token:
            break
    assert [n for n in seen if n in names] == names
    assert all(n.startswith("pages-") for n in seen)


# -- digests and multipart -----------------------------------------------------------------
def test_a_malformed_content_md5_is_invalid_digest_a_wrong_one_bad_digest(s3, bucket):
    import base64
    import hashlib

    def put(md5: str) -> None:
        s3.put_object(Bucket=bucket, Key="d", Body=b"body", ContentMD5=md5)

    with pytest.raises(ClientError) as exc:
        put(base64.b64encode(b"short").decode())  # base64, but not 16 bytes
    assert error(exc) == ("InvalidDigest", 400)
    with pytest.raises(ClientError) as exc:
        put("not base64!")
    assert error(exc) == ("InvalidDigest", 400)
    with pytest.raises(ClientError) as exc:
        put(base64.b64encode(hashlib.md5(b"other").digest()).decode())
    assert error(exc) == ("BadDigest", 400)
    put(base64.b64encode(hashlib.md5(b"body").digest()).decode())


def _multipart(s3, bucket: str, key: str, parts: list[bytes]) -> tuple[str, dict]:
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    done = [
        {"PartNumber": n, "ETag": s3.upload_part(
            Bucket=bucket, Key=key, UploadId=upload, PartNumber=n, Body=data)["ETag"]}
        for n, data in enumerate(parts, 1)
    ]  # fmt: skip
    return upload, {"Parts": done}


def test_completing_a_completed_upload_answers_the_same_result(s3, bucket):
    upload, parts = _multipart(s3, bucket, "twice", [b"x" * 5 * 1024 * 1024, b"tail"])
    first = s3.complete_multipart_upload(
        Bucket=bucket, Key="twice", UploadId=upload, MultipartUpload=parts
    )
    again = s3.complete_multipart_upload(
        Bucket=bucket, Key="twice", UploadId=upload, MultipartUpload=parts
    )
    assert again["ETag"] == first["ETag"] and first["ETag"].endswith('-2"')
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="twice", UploadId="no-such-upload", MultipartUpload=parts
        )
    assert error(exc) == ("NoSuchUpload", 404)


def test_part_number_reads_one_part(s3, bucket):
    head, tail = b"a" * 5 * 1024 * 1024, b"the tail"
    upload, parts = _multipart(s3, bucket, "parts", [head, tail])
    s3.complete_multipart_upload(Bucket=bucket, Key="parts", UploadId=upload, MultipartUpload=parts)
    second = s3.get_object(Bucket=bucket, Key="parts", PartNumber=2)
    assert second["Body"].read() == tail
    assert second["PartsCount"] == 2
    assert (
        second["ContentRange"]
        == f"bytes {len(head)}-{len(head) + len(tail) - 1}/{len(head) + len(tail)}"
    )
    assert second["ResponseMetadata"]["HTTPStatusCode"] == 206
    first = s3.head_object(Bucket=bucket, Key="parts", PartNumber=1)
    assert first["ContentLength"] == len(head) and first["PartsCount"] == 2
    s3.put_object(Bucket=bucket, Key="single", Body=b"one piece")
    assert s3.get_object(Bucket=bucket, Key="single", PartNumber=1)["Body"].read() == b"one piece"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="single", PartNumber=2)
    assert error(exc) == ("InvalidPartNumber", 416)


# -- versioning ----------------------------------------------------------------------------
def test_versioned_bucket_round_trip(s3, bucket):
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"before")  # the `null` version
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]
    assert len({v1, v2, "null"}) == 3
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two"
    assert s3.get_object(Bucket=bucket, Key="k", VersionId=v1)["Body"].read() == b"one"
    assert s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"before"
    assert s3.head_object(Bucket=bucket, Key="k", VersionId=v1)["VersionId"] == v1
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="k", VersionId="no-such-version")
    assert error(exc) == ("NoSuchVersion", 404)
    copied = s3.copy_object(
        Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "k", "VersionId": v1}
    )
    assert s3.get_object(Bucket=bucket, Key="copy")["Body"].read() == b"one"
    assert copied["VersionId"] not in (v1, v2)

    deleted = s3.delete_object(Bucket=bucket, Key="k")  # a delete marker
    assert deleted["DeleteMarker"] is True
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="k")
    assert error(exc) == ("NoSuchKey", 404)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["copy"]
    listing = s3.list_object_versions(Bucket=bucket, Prefix="k")
    assert [(v["VersionId"], v["IsLatest"]) for v in listing["Versions"]] == [
        (v2, False), (v1, False), ("null", False)]  # fmt: skip
    (marker,) = listing["DeleteMarkers"]
    assert marker["VersionId"] == deleted["VersionId"] and marker["IsLatest"] is True

    s3.delete_object(Bucket=bucket, Key="k", VersionId=deleted["VersionId"])  # undelete
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two"
    s3.delete_object(Bucket=bucket, Key="k", VersionId=v2)  # v1 becomes current
    assert s3.get_object(Bucket=bucket, Key="k")["VersionId"] == v1
    restored = s3.copy_object(  # an older version copied onto its own key: a new version
        Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "k", "VersionId": "null"}
    )
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"before"
    s3.delete_object(Bucket=bucket, Key="k", VersionId=restored["VersionId"])

    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert s3.put_object(Bucket=bucket, Key="k", Body=b"s1").get("VersionId") == "null"
    s3.put_object(Bucket=bucket, Key="k", Body=b"s2")  # replaces the null version
    ids = [v["VersionId"] for v in s3.list_object_versions(Bucket=bucket, Prefix="k")["Versions"]]
    assert ids == ["null", v1]
    assert s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"s2"

    with pytest.raises(ClientError) as exc:
        s3.delete_bucket(Bucket=bucket)
    assert error(exc) == ("BucketNotEmpty", 409)
    versions = s3.list_object_versions(Bucket=bucket)
    every = versions.get("Versions", []) + versions.get("DeleteMarkers", [])
    objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in every]
    s3.delete_objects(Bucket=bucket, Delete={"Objects": objects})
    s3.delete_bucket(Bucket=bucket)


# -- tagging and policies ------------------------------------------------------------------
def test_object_and_bucket_tagging_round_trip(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=bucket)
    assert error(exc) == ("NoSuchTagSet", 404)
    tags = [{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "test & more"}]
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == tags
    s3.delete_bucket_tagging(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=bucket)
    assert error(exc) == ("NoSuchTagSet", 404)

    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="a=1&b=two%20words")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [
        {"Key": "a", "Value": "1"}, {"Key": "b", "Value": "two words"}]  # fmt: skip
    assert s3.get_object(Bucket=bucket, Key="t")["TagCount"] == 2
    s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": tags[:1]})
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == tags[:1]
    with pytest.raises(ClientError) as exc:
        s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": tags[:1] * 2})
    assert error(exc) == ("InvalidTag", 400)
    s3.delete_object_tagging(Bucket=bucket, Key="t")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == []
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", Tagging="k=v")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"p")
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": etag["ETag"]}]})  # fmt: skip
    assert s3.get_object_tagging(Bucket=bucket, Key="mp")["TagSet"] == [{"Key": "k", "Value": "v"}]
    with pytest.raises(ClientError) as exc:
        s3.get_object_tagging(Bucket=bucket, Key="missing")
    assert error(exc) == ("NoSuchKey", 404)


def test_bucket_policy_round_trip(s3, bucket):
    import json

    with pytest.raises(ClientError) as exc:
        s3.get_bucket_policy(Bucket=bucket)
    assert error(exc) == ("NoSuchBucketPolicy", 404)
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*"}]})  # fmt: skip
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == policy
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_policy(Bucket=bucket, Policy="not json")
    assert error(exc) == ("MalformedPolicy", 400)
    s3.delete_bucket_policy(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_policy(Bucket=bucket)
    assert error(exc) == ("NoSuchBucketPolicy", 404)


# -- owners, public reads ------------------------------------------------------------------
@pytest.fixture(scope="module")
def shared(server: RunningServer) -> Iterator[RunningServer]:
    """A server with two key pairs, so two owners."""
    tls = server.url.startswith("https")
    keys = {"s3_keys": f"{ACCESS}:{SECRET},other:other-secret"}
    with serve("s3", tls=tls, quiet=True, strict=True, options=keys) as running:
        yield running


def test_each_key_pair_owns_its_buckets(shared):
    import json

    import httpx

    alice, bob = client(shared), client(shared, "other", "other-secret")
    name = f"owned-{os.getpid()}"
    alice.create_bucket(Bucket=name)
    alice.create_bucket(Bucket=name)  # the owner again, in us-east-1: 200
    alice.put_object(Bucket=name, Key="private", Body=b"secret")
    alice.put_object(Bucket=name, Key="open", Body=b"for all", ACL="public-read")
    with pytest.raises(ClientError) as exc:
        bob.create_bucket(Bucket=name)
    assert error(exc) == ("BucketAlreadyExists", 409)
    assert name not in [b["Name"] for b in bob.list_buckets()["Buckets"]]
    assert name in [b["Name"] for b in alice.list_buckets()["Buckets"]]
    for call in (
        lambda: bob.get_object(Bucket=name, Key="private"),
        lambda: bob.list_objects_v2(Bucket=name),
        lambda: bob.put_object(Bucket=name, Key="x", Body=b"x"),
        lambda: bob.delete_bucket(Bucket=name),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == ("AccessDenied", 403)
    assert bob.get_object(Bucket=name, Key="open")["Body"].read() == b"for all"

    import ssl

    verify = ssl.create_default_context(cafile=shared.cert) if shared.cert else True
    with httpx.Client(verify=verify, timeout=10) as anonymous:
        assert anonymous.get(f"{shared.url}/{name}/open").content == b"for all"
        refused = anonymous.get(f"{shared.url}/{name}/private")
        assert refused.status_code == 403 and b"<Code>AccessDenied</Code>" in refused.content
        assert anonymous.get(f"{shared.url}/{name}").status_code == 403
        policy = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
            "Resource": [f"arn:aws:s3:::{name}/*"]}]}  # fmt: skip
        alice.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
        assert anonymous.get(f"{shared.url}/{name}/private").content == b"secret"
        assert anonymous.get(f"{shared.url}/{name}").status_code == 403  # not ListBucket
        assert anonymous.put(f"{shared.url}/{name}/new", content=b"x").status_code == 403


# -- ACLs -----------------------------------------------------------------------------------
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def _public(acl: dict) -> bool:
    return any(
        g["Grantee"].get("URI") == ALL_USERS and g["Permission"] == "READ" for g in acl["Grants"]
    )


def test_acls_round_trip_canned_and_grants(s3, bucket, shared):
    private = s3.get_bucket_acl(Bucket=bucket)
    assert [g["Permission"] for g in private["Grants"]] == ["FULL_CONTROL"]
    assert private["Grants"][0]["Grantee"]["Type"] == "CanonicalUser"
    assert private["Owner"]["ID"] == private["Grants"][0]["Grantee"]["ID"]
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert _public(s3.get_bucket_acl(Bucket=bucket))

    s3.put_object(Bucket=bucket, Key="o", Body=b"x")
    assert not _public(s3.get_object_acl(Bucket=bucket, Key="o"))
    s3.put_object_acl(Bucket=bucket, Key="o", GrantRead=f'uri="{ALL_USERS}"')
    acl = s3.get_object_acl(Bucket=bucket, Key="o")
    assert acl["Grants"] == [{"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}]
    # what GetObjectAcl answers can be put back as it is (xsi:type included)
    s3.put_object_acl(Bucket=bucket, Key="o", AccessControlPolicy={
        "Owner": acl["Owner"], "Grants": private["Grants"]})  # fmt: skip
    assert s3.get_object_acl(Bucket=bucket, Key="o")["Grants"] == private["Grants"]
    with pytest.raises(ClientError) as exc:
        s3.put_object_acl(Bucket=bucket, Key="o", ACL="everyone-please")
    assert error(exc)[1] == 400


def test_a_public_read_acl_opens_an_object_to_other_owners(shared):
    alice, bob = client(shared), client(shared, "other", "other-secret")
    name = f"acl-{os.getpid()}"
    alice.create_bucket(Bucket=name)
    alice.put_object(Bucket=name, Key="doc", Body=b"doc")
    with pytest.raises(ClientError) as exc:
        bob.get_object(Bucket=name, Key="doc")
    assert error(exc) == ("AccessDenied", 403)
    alice.put_object_acl(Bucket=name, Key="doc", ACL="public-read")
    assert bob.get_object(Bucket=name, Key="doc")["Body"].read() == b"doc"
    with pytest.raises(ClientError) as exc:
        bob.put_object_acl(Bucket=name, Key="doc", ACL="private")  # reading is all it grants
    assert error(exc) == ("AccessDenied", 403)


def test_get_object_attributes(s3, bucket):
    head, tail = b"a" * 5 * 1024 * 1024, b"tail"
    upload, parts = _multipart(s3, bucket, "mp", [head, tail])
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=parts
    )
    found = s3.get_object_attributes(
        Bucket=bucket,
        Key="mp",
        ObjectAttributes=["ETag", "ObjectParts", "ObjectSize", "StorageClass"],
    )
    assert found["ETag"] == done["ETag"].strip('"')
    assert found["ObjectSize"] == len(head) + len(tail) and found["StorageClass"] == "STANDARD"
    assert found["ObjectParts"]["TotalPartsCount"] == 2
    assert [p["Size"] for p in found["ObjectParts"]["Parts"]] == [len(head), len(tail)]
    s3.put_object(Bucket=bucket, Key="one", Body=b"12345")
    single = s3.get_object_attributes(Bucket=bucket, Key="one", ObjectAttributes=["ObjectSize"])
    assert single["ObjectSize"] == 5 and "ETag" not in single
    with pytest.raises(ClientError) as exc:
        s3.get_object_attributes(Bucket=bucket, Key="none", ObjectAttributes=["ETag"])
    assert error(exc) == ("NoSuchKey", 404)


# -- object lock ---------------------------------------------------------------------------
def test_object_lock_retention_and_legal_hold(s3, server):
    from datetime import UTC, datetime, timedelta

    name = f"locked-{next(_count)}-{os.getpid()}"
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})  # fmt: skip
    rule = s3.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]
    assert rule["Rule"]["DefaultRetention"] == {"Mode": "GOVERNANCE", "Days": 1}
    version = s3.put_object(Bucket=name, Key="k", Body=b"kept")["VersionId"]
    assert s3.get_object_retention(Bucket=name, Key="k")["Retention"]["Mode"] == "GOVERNANCE"
    with pytest.raises(ClientError) as exc:
        s3.delete_object(Bucket=name, Key="k", VersionId=version)
    assert error(exc) == ("AccessDenied", 403)
    s3.delete_object(Bucket=name, Key="k")  # a delete marker is always allowed

    later = datetime.now(UTC) + timedelta(days=30)
    held = s3.put_object(
        Bucket=name, Key="c", Body=b"c", ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=later, ObjectLockLegalHoldStatus="ON")  # fmt: skip
    head = s3.head_object(Bucket=name, Key="c")
    assert head["ObjectLockMode"] == "COMPLIANCE" and head["ObjectLockLegalHoldStatus"] == "ON"
    assert s3.get_object_legal_hold(Bucket=name, Key="c")["LegalHold"]["Status"] == "ON"
    s3.put_object_legal_hold(Bucket=name, Key="c", LegalHold={"Status": "OFF"})
    with pytest.raises(ClientError) as exc:  # COMPLIANCE: not even with the bypass
        s3.delete_object(Bucket=name, Key="c", VersionId=held["VersionId"],
                         BypassGovernanceRetention=True)  # fmt: skip
    assert error(exc) == ("AccessDenied", 403)
    with pytest.raises(ClientError) as exc:
        s3.put_object_retention(Bucket=name, Key="c", Retention={
            "Mode": "COMPLIANCE", "RetainUntilDate": later - timedelta(days=1)})  # fmt: skip
    assert error(exc) == ("AccessDenied", 403)
    s3.delete_object(Bucket=name, Key="k", VersionId=version, BypassGovernanceRetention=True)

    plain = f"unlocked-{next(_count)}-{os.getpid()}"
    s3.create_bucket(Bucket=plain)
    with pytest.raises(ClientError) as exc:
        s3.get_object_lock_configuration(Bucket=plain)
    assert error(exc) == ("ObjectLockConfigurationNotFoundError", 404)
