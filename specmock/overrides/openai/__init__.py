"""The bundled `openai` service: a deterministic LLM behind OpenAI's own contract (see
docs/openai.md). Chat completions, Responses, embeddings, legacy completions and the
model list are answered here; every other operation by the engine from the spec.

The runtime collects handlers from this package's namespace only, so they are imported here.
"""

from .chat import create_chat_completion
from .completions import create_completion, list_models, retrieve_model
from .embeddings import create_embedding
from .errors import refused
from .responses import create_response

__all__ = [
    "create_chat_completion",
    "create_completion",
    "create_embedding",
    "create_response",
    "list_models",
    "refused",
    "retrieve_model",
]
