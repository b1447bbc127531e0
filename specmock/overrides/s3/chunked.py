"""The `aws-chunked` content encoding, decoded incrementally.

boto3 streams uploads over https as `<hex size>[;chunk-signature=...]\\r\\n<bytes>\\r\\n`
chunks ending with a zero-size chunk and trailing headers (`x-amz-checksum-crc32:...`).
The decoder takes the body in whatever pieces the server receives it and hands back the
payload bytes, keeping the trailers.
"""

from __future__ import annotations

from .common import S3Error


class AwsChunked:
    def __init__(self) -> None:
        self._buffer = bytearray()
        self._left = 0  # payload bytes still due in the current chunk
        self._crlf = False  # the CRLF after a chunk's payload is due
        self.trailers: dict[str, str] = {}
        self.done = False

    def feed(self, data: bytes) -> bytes:
        self._buffer += data
        out = bytearray()
        while not self.done:
            if self._left:
                take = min(self._left, len(self._buffer))
                if not take:
                    break
                out += self._buffer[:take]
                del self._buffer[:take]
                self._left -= take
                if self._left:
                    break
                self._crlf = True
            if self._crlf:
                if len(self._buffer) < 2:
                    break
                del self._buffer[:2]
                self._crlf = False
            line_end = self._buffer.find(b"\r\n")
            if line_end < 0:
                break
            line = bytes(self._buffer[:line_end])
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise S3Error("InvalidChunkSizeError", 400, "malformed aws-chunked body") from None
            if size == 0:
                if not self._trailers(line_end):
                    break
                continue
            del self._buffer[: line_end + 2]
            self._left = size
        return bytes(out)

    def _trailers(self, line_end: int) -> bool:
        """The zero chunk, trailers and the final empty line; False until all have arrived."""
        end = self._buffer.find(b"\r\n\r\n", line_end)
        if end < 0:
            return False
        block = bytes(self._buffer[line_end + 2 : end])
        for row in block.decode("latin-1").split("\r\n"):
            name, sep, value = row.partition(":")
            if sep:
                self.trailers[name.strip().lower()] = value.strip()
        self._buffer.clear()
        self.done = True
        return True
