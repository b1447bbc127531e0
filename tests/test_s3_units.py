"""Pieces of the s3 service that are easiest to pin down alone: aws-chunked decoding,
byte ranges, bucket names and the listing walk."""

from __future__ import annotations

import pytest

from specmock.overrides.s3.buckets import name_problem
from specmock.overrides.s3.chunked import AwsChunked
from specmock.overrides.s3.common import S3Error
from specmock.overrides.s3.listing import walk
from specmock.overrides.s3.objects import byte_range

FRAMED = (
    b"5;chunk-signature=abc\r\nhello\r\n"
    b"6;chunk-signature=def\r\n world\r\n"
    b"0;chunk-signature=000\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"
)


@pytest.mark.parametrize("piece", [1, 2, 7, len(FRAMED)])
def test_aws_chunked_in_any_pieces(piece):
    decoder = AwsChunked()
    out = b"".join(decoder.feed(FRAMED[i : i + piece]) for i in range(0, len(FRAMED), piece))
    assert out == b"hello world"
    assert decoder.done
    assert decoder.trailers == {"x-amz-checksum-crc32": "AAAAAA=="}


def test_aws_chunked_refuses_a_bad_size_line():
    with pytest.raises(S3Error) as exc:
        AwsChunked().feed(b"zz\r\nhello\r\n")
    assert exc.value.code == "InvalidChunkSizeError"


def test_unfinished_chunked_body_is_not_done():
    decoder = AwsChunked()
    assert decoder.feed(b"5\r\nhel") == b"hel"
    assert not decoder.done


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-4", 10, (0, 4)),
        ("bytes=5-", 10, (5, 9)),
        ("bytes=-3", 10, (7, 9)),
        ("bytes=8-100", 10, (8, 9)),
        ("bytes=-30", 10, (0, 9)),
        ("bytes=4-2", 10, None),  # ignored, as HTTP says
        ("items=0-1", 10, None),
        ("bytes=0-1,4-5", 10, None),  # several ranges: the whole object
        (None, 10, None),
    ],
)
def test_byte_ranges(header, size, expected):
    assert byte_range(header, size) == expected


@pytest.mark.parametrize("header", ["bytes=10-", "bytes=-0"])
def test_unsatisfiable_ranges(header):
    with pytest.raises(S3Error) as exc:
        byte_range(header, 10)
    assert (exc.value.code, exc.value.status) == ("InvalidRange", 416)


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("my-bucket.v2", True),
        ("abc", True),
        ("ab", False),
        ("a" * 64, False),
        ("My-Bucket", False),
        ("my..bucket", False),
        ("my.-bucket", False),
        ("10.0.0.1", False),
        ("xn--bucket", False),
        ("bucket-s3alias", False),
        ("bucket-", False),
    ],
)
def test_bucket_names(name, ok):
    assert (name_problem(name) is None) is ok


def test_walk_rolls_up_at_the_delimiter_and_pages():
    records = [{"Key": k} for k in ("a/1", "a/2", "b", "c/x/1", "c/y")]
    page = walk(records, "", "/", "", 2)
    assert (page.prefixes, [r["Key"] for r in page.contents]) == (["a/"], ["b"])
    assert page.truncated and page.last == "b"
    rest = walk(records, "", "/", page.last, 2)
    assert rest.prefixes == ["c/"] and not rest.truncated
    inside = walk(records, "c/", "/", "", 10)
    assert inside.prefixes == ["c/x/"] and [r["Key"] for r in inside.contents] == ["c/y"]
