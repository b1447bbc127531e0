"""`POST /v1/embeddings`: unit vectors drawn from the input text, the model and the server
seed alone, so equal texts embed equally in every process and run (and different texts
almost orthogonally: cosine similarity is near 0, never a meaningful distance).

The length is the model's (text-embedding-3-small 1536, -3-large 3072) or `dimensions`;
`encoding_format: base64` sends little-endian float32 values in base64, which is what
the official SDKs ask for by default and decode.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
import struct
from typing import Any

from specmock import Context, Reply, override

from . import errors, models, tokens


def vector(text: str, model: str, dimensions: int, seed: int) -> list[float]:
    digest = hashlib.blake2b(f"{seed}\0{model}\0{text}".encode(), digest_size=8).digest()
    rng = random.Random(int.from_bytes(digest, "big"))
    values = [rng.gauss(0.0, 1.0) for _ in range(dimensions)]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    # rounded through float32, so the float and base64 forms carry the same numbers
    packed = struct.pack(f"<{dimensions}f", *(v / norm for v in values))
    return list(struct.unpack(f"<{dimensions}f", packed))


def _texts(given: Any) -> list[str]:
    """Inputs as texts: a string, strings, token ids, or lists of token ids."""
    if isinstance(given, str):
        return [given]
    if isinstance(given, list) and given and all(isinstance(i, int) for i in given):
        return [" ".join(map(str, given))]
    return [i if isinstance(i, str) else " ".join(map(str, i)) for i in given or []]


@override("openai:createEmbedding")
def create_embedding(ctx: Context) -> Reply:
    body = ctx.body or {}
    name = str(body.get("model", ""))
    entry = models.model(name)
    most = entry.dimensions or models.DEFAULT_DIMENSIONS  # any model name embeds
    dimensions = int(body.get("dimensions") or most)
    if dimensions < 1 or dimensions > most:
        message = f"dimensions must be between 1 and {most} for {name}"
        return errors.invalid(message, "dimensions")
    texts = _texts(body.get("input"))
    used = [tokens.count(t) for t in texts]
    longest = max(used, default=0)
    if longest > entry.context_window:
        return errors.context_length(entry.context_window, longest, "input")
    seed = ctx.rng.getrandbits(64)
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(texts):
        values = vector(text, name, dimensions, seed)
        encoded: Any = (
            base64.b64encode(struct.pack(f"<{dimensions}f", *values)).decode()
            if as_base64
            else values
        )
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    usage = {"prompt_tokens": sum(used), "total_tokens": sum(used)}
    return Reply({"object": "list", "data": data, "model": name, "usage": usage})
