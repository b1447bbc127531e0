"""The request path's stages, one concept a module; `runtime/pipeline.py` orders them.

A stage is a plain function `stage(x: Exchange)` that fills in its part of the
exchange and returns None (the request goes on), an Outgoing (the answer), or, only
when it must wait (read the body, sleep an injected delay, forward, answer), an
awaitable of either. Most requests wait in one or two stages, not in every one.
"""
