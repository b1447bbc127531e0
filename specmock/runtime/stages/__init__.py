"""The request path's stages, one concept a module; `runtime/pipeline.py` orders them.

A stage is `async def stage(x: Exchange) -> Outgoing | None`: it fills in its part
of the exchange and lets the request go on (None), or answers it (an Outgoing).
"""
