"""Reference app for bench/throughput.py: bare Starlette, no contract work at all.

Same routes as the petstore GET /pets/{petId} and POST /pets, so the load is identical.
Launched with `uvicorn bare_app:create --factory --app-dir bench`.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

PET = {"id": 1, "name": "Rex", "tag": "dog", "status": "available"}


async def get_pet(request: Request) -> JSONResponse:
    """Return a fixed small JSON object."""
    return JSONResponse(PET)


async def create_pet(request: Request) -> JSONResponse:
    """Read the JSON body and send it back."""
    return JSONResponse(await request.json(), status_code=201)


def create() -> Starlette:
    """uvicorn --factory entry point."""
    return Starlette(
        routes=[
            Route("/pets/{petId}", get_pet, methods=["GET"]),
            Route("/pets", create_pet, methods=["POST"]),
        ]
    )
