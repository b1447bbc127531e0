"""Object bytes live in files beside the state store; the store keeps only their metadata.

With `--state sqlite:///x.db` the files go to `x.db.s3-blobs/` and survive restarts with
the database; with the in-memory store they go to a temporary folder for the process
(`SPECMOCK_S3_BLOBS` names another). Uploads are written as they arrive and read back in
chunks, so a large object is never held in memory, let alone twice.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import os
import shutil
import tempfile
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from specmock import Store

from .chunked import AwsChunked
from .common import S3Error

CHUNK = 256 * 1024
_TEMP: dict[int, Path] = {}
ALGORITHMS = ("CRC32", "CRC32C", "SHA1", "SHA256")


def folder(store: Store) -> Path:
    """Where this store's blobs live (created on first use)."""
    explicit = os.environ.get("SPECMOCK_S3_BLOBS")
    path = getattr(store, "path", None)
    if explicit:
        found = Path(explicit)
    elif isinstance(path, str) and path not in ("", ":memory:"):
        found = Path(path + ".s3-blobs")
    else:
        found = _TEMP.get(id(store)) or _temp(id(store))
    found.mkdir(parents=True, exist_ok=True)
    return found


def _temp(key: int) -> Path:
    made = Path(tempfile.mkdtemp(prefix="specmock-s3-"))
    atexit.register(shutil.rmtree, made, True)
    _TEMP[key] = made
    return made


class Digests:
    """MD5 (the ETag), SHA-256 (the signed payload hash) and the checksum a client asked for."""

    def __init__(self, algorithm: str | None):
        self.md5 = hashlib.md5()
        self.sha256 = hashlib.sha256()
        self.algorithm = algorithm if algorithm in ALGORITHMS else None
        self._crc = 0
        self._crc32c = _crc32c() if self.algorithm == "CRC32C" else None
        self._sha1 = hashlib.sha1() if self.algorithm == "SHA1" else None
        self.size = 0

    def update(self, data: bytes) -> None:
        self.md5.update(data)
        self.sha256.update(data)
        self.size += len(data)
        if self.algorithm == "CRC32":
            self._crc = zlib.crc32(data, self._crc)
        elif self._crc32c is not None:
            self._crc32c.update(data)
        elif self._sha1 is not None:
            self._sha1.update(data)

    def checksum(self) -> str | None:
        """The base64 checksum of what was read, for the algorithm asked for."""
        if self.algorithm == "CRC32":
            return base64.b64encode(self._crc.to_bytes(4, "big")).decode()
        if self.algorithm == "SHA256":
            return base64.b64encode(self.sha256.digest()).decode()
        if self._sha1 is not None:
            return base64.b64encode(self._sha1.digest()).decode()
        if self._crc32c is not None:
            return self._crc32c.value()
        return None


class _Crc32c:
    def __init__(self, module: Any):
        self._module = module
        self._crc = 0

    def update(self, data: bytes) -> None:
        self._crc = self._module.crc32c(data, self._crc)

    def value(self) -> str:
        return base64.b64encode(self._crc.to_bytes(4, "big")).decode()


def _crc32c() -> _Crc32c | None:
    try:
        from awscrt import checksums  # botocore's optional accelerator
    except ImportError:
        return None
    return _Crc32c(checksums)


async def receive(
    store: Store, name: str, stream: AsyncIterator[bytes] | None, headers: dict[str, str]
) -> tuple[Digests, dict[str, str]]:
    """Write the request body to blob `name`: its digests and any trailing checksum headers.

    `aws-chunked` framing (boto3 over https) is removed before anything is stored.
    """
    algorithm = _algorithm(headers)
    digests = Digests(algorithm)
    decoder = AwsChunked() if _is_chunked(headers) else None
    path = folder(store) / name
    with open(path, "wb") as out:
        async for piece in stream or _nothing():
            data = decoder.feed(piece) if decoder else piece
            if data:
                digests.update(data)
                out.write(data)
    if decoder is not None and not decoder.done:
        path.unlink(missing_ok=True)
        raise S3Error("IncompleteBody", 400, "The aws-chunked body ended before its last chunk")
    return digests, decoder.trailers if decoder else {}


async def _nothing() -> AsyncIterator[bytes]:
    if False:  # pragma: no cover - an empty async generator
        yield b""


def _is_chunked(headers: dict[str, str]) -> bool:
    encoding = headers.get("content-encoding", "")
    return "aws-chunked" in encoding or headers.get("x-amz-content-sha256", "").startswith(
        "STREAMING-"
    )


def _algorithm(headers: dict[str, str]) -> str | None:
    named = headers.get("x-amz-sdk-checksum-algorithm") or headers.get("x-amz-checksum-algorithm")
    if named:
        return named.upper()
    for algorithm in ALGORITHMS:
        if f"x-amz-checksum-{algorithm.lower()}" in headers:
            return algorithm
    trailer = headers.get("x-amz-trailer", "")
    if trailer.startswith("x-amz-checksum-"):
        return trailer[len("x-amz-checksum-") :].upper()
    return None


async def read(
    store: Store, name: str, start: int = 0, end: int | None = None
) -> AsyncIterator[bytes]:
    """Bytes start..end (inclusive) of a blob, a chunk at a time."""
    with open(folder(store) / name, "rb") as src:
        for data in _chunks(src, start, end):
            yield data


def _chunks(src: BinaryIO, start: int, end: int | None) -> Iterator[bytes]:
    """Bytes start..end (inclusive) of an open file, at most CHUNK at a time."""
    src.seek(start)
    left = None if end is None else end - start + 1
    while left is None or left > 0:
        data = src.read(CHUNK if left is None else min(CHUNK, left))
        if not data:
            return
        if left is not None:
            left -= len(data)
        yield data


def copy(
    store: Store, source: str, target: str, start: int = 0, end: int | None = None
) -> tuple[str, int]:
    """Copy (part of) a blob; the copy's MD5 hex and size."""
    md5 = hashlib.md5()
    size = 0
    base = folder(store)
    with open(base / source, "rb") as src, open(base / target, "wb") as out:
        for data in _chunks(src, start, end):
            md5.update(data)
            size += len(data)
            out.write(data)
    return md5.hexdigest(), size


def concatenate(store: Store, sources: list[str], target: str) -> int:
    base = folder(store)
    size = 0
    with open(base / target, "wb") as out:
        for name in sources:
            with open(base / name, "rb") as src:
                size += shutil.copyfileobj(src, out, CHUNK) or 0
    return (base / target).stat().st_size


def remove(store: Store, name: str | None) -> None:
    if name:
        (folder(store) / name).unlink(missing_ok=True)
