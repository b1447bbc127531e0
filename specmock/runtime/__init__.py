"""The serving side: ASGI app, routing, validation, responses, logs."""
