"""The models the mock serves: names, context windows, embedding sizes.

Context windows and embedding dimensions are the published ones. A model not listed is
still answered (a mock should not fail a test over a new model name) with the default
window below; `GET /v1/models` lists only these.
"""

from __future__ import annotations

from dataclasses import dataclass

CREATED = 1_700_000_000  # one fixed `created` for every listed model (same bytes each run)
DEFAULT_WINDOW = 128_000
DEFAULT_DIMENSIONS = 1536  # what a model the catalogue does not know embeds into


@dataclass(frozen=True)
class Model:
    id: str
    context_window: int = DEFAULT_WINDOW
    max_output: int = 16_384
    dimensions: int = 0  # an embedding model's vector length; 0 for chat models
    owned_by: str = "openai"


CATALOGUE: dict[str, Model] = {
    m.id: m
    for m in (
        Model("gpt-4o", 128_000, 16_384),
        Model("gpt-4o-mini", 128_000, 16_384),
        Model("gpt-4.1", 1_047_576, 32_768),
        Model("gpt-4.1-mini", 1_047_576, 32_768),
        Model("gpt-4.1-nano", 1_047_576, 32_768),
        Model("gpt-5", 400_000, 128_000),
        Model("gpt-5-mini", 400_000, 128_000),
        Model("o4-mini", 200_000, 100_000),
        Model("gpt-4-turbo", 128_000, 4_096),
        Model("gpt-4", 8_192, 8_192),
        Model("gpt-3.5-turbo", 16_385, 4_096),
        Model("gpt-3.5-turbo-instruct", 4_096, 4_096),
        Model("text-embedding-3-small", 8_191, 0, 1536),
        Model("text-embedding-3-large", 8_191, 0, 3072),
        Model("text-embedding-ada-002", 8_191, 0, 1536),
    )
}


def model(name: str) -> Model:
    """The catalogue entry, or a chat model with the default window."""
    found = CATALOGUE.get(name)
    if found is not None:
        return found
    if name.startswith("text-embedding"):
        return Model(name, 8_191, 0, DEFAULT_DIMENSIONS)
    return Model(name)


def listing() -> dict[str, object]:
    """The `GET /v1/models` body."""
    return {"object": "list", "data": [described(m) for m in CATALOGUE.values()]}


def described(entry: Model) -> dict[str, object]:
    return {"id": entry.id, "object": "model", "created": CREATED, "owned_by": entry.owned_by}
