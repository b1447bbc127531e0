"""The SFMC SOAP endpoint (`/Service.asmx`): Retrieve, Create, Update, Delete, Describe.

One handler reads the envelope, checks the token in its header (the same access tokens the
REST API issues: `fueloauth`, or `oAuth/oAuthToken` beside a WS-Security header) and hands
each object to its kind in `soapobjects`. Objects share storage with the REST API: a data
extension or row created here is read over REST and the other way round. Per-object
problems come back as `StatusCode` Error results (OverallStatus `Has Errors` or `Error`),
as the vendor reports them; only a bad envelope, an unknown operation or a failed login is
a SOAP fault (HTTP 500, as SOAP 1.1 requires).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from specmock import Context, Reply, override

from .common import live_token, new_id
from .errors import soap_fault
from .soapobjects import KINDS, UNSUPPORTED, Outcome
from .soapretrieve import describe, retrieve
from .soapxml import EnvelopeError, envelope, many, read

WSDL = Path(__file__).with_name("etframework.wsdl")
MAX_ENVELOPE = 10 * 1024 * 1024
_OPERATIONS = {
    "RetrieveRequestMsg": "Retrieve",
    "CreateRequest": "Create",
    "UpdateRequest": "Update",
    "DeleteRequest": "Delete",
    "DefinitionRequestMsg": "Describe",
}


async def _body(ctx: Context) -> bytes:
    data = bytearray()
    if ctx.stream is None:
        return ctx.raw_body
    async for chunk in ctx.stream:
        data += chunk
        if len(data) > MAX_ENVELOPE:
            raise EnvelopeError(f"the envelope is larger than {MAX_ENVELOPE} bytes")
    return bytes(data)


def _token(headers: dict[str, Any]) -> str:
    """The access token of `fueloauth`, or of `oAuth/oAuthToken` (the legacy header)."""
    value = headers.get("fueloauth")
    if isinstance(value, str):
        return value
    legacy = headers.get("oAuth")
    if isinstance(legacy, dict) and isinstance(legacy.get("oAuthToken"), str):
        return legacy["oAuthToken"]
    return ""


def _overall(results: list[dict[str, Any]]) -> str:
    failed = sum(1 for r in results if r["StatusCode"] != "OK")
    if not failed:
        return "OK"
    return "Error" if failed == len(results) else "Has Errors"


async def serve_soap(ctx: Context) -> Reply:
    actor = ctx.base_url.rstrip("/") + "/Service.asmx"
    try:
        headers, name, payload = read(await _body(ctx))
    except EnvelopeError as problem:
        return soap_fault("Client", str(problem), actor)
    operation = _OPERATIONS.get(name)
    if operation is None:
        known = ", ".join(_OPERATIONS)
        return soap_fault("Client", f"{name} is not an operation served here ({known})", actor)
    if await live_token(ctx, _token(headers)) is None:
        return soap_fault("Security", "Login Failed", actor)
    request_id = await new_id(ctx)
    if operation == "Describe":
        requests = payload.get("DescribeRequests")
        wanted = many(requests.get("ObjectDefinitionRequest")) if isinstance(requests, dict) else []
        types = [str(w.get("ObjectType") or "") for w in wanted if isinstance(w, dict)]
        definitions = [await describe(ctx, t) for t in types]
        body = {"ObjectDefinition": definitions, "RequestID": request_id}
        return _xml(envelope("DefinitionResponseMsg", body))
    if operation == "Retrieve":
        request = payload.get("RetrieveRequest")
        status, results = await retrieve(ctx, request if isinstance(request, dict) else {})
        body = {"OverallStatus": status, "RequestID": request_id}
        if results:
            body["Results"] = results
        return _xml(envelope("RetrieveResponseMsg", body))
    results = []
    for ordinal, obj in enumerate(many(payload.get("Objects"))):
        obj = obj if isinstance(obj, dict) else {}
        kind = KINDS.get(str(obj.get("@type", "")))
        if kind is None or operation not in kind.operations:
            what = obj.get("@type") or "an object without xsi:type"
            outcome = Outcome.error(f"{operation} of {what} is not supported here", UNSUPPORTED)
        else:
            outcome = await kind.operations[operation](ctx, obj)
        results.append(outcome.result(operation, ordinal))
    overall = _overall(results) if results else f"Error: a {name} needs at least one of Objects"
    body = {"Results": results, "RequestID": request_id, "OverallStatus": overall}
    return _xml(envelope(f"{operation}Response", body))


def _xml(data: bytes) -> Reply:
    return Reply(raw=data, media_type="text/xml; charset=utf-8")


@override("soapService")
async def soap_service(ctx: Context) -> Reply:
    return await serve_soap(ctx)


@override("soapServiceLower")
async def soap_service_lower(ctx: Context) -> Reply:
    """FuelSDK builds the endpoint as soap_instance_url + "service.asmx"."""
    return await serve_soap(ctx)


@override("getWsdl")
async def get_wsdl(ctx: Context) -> Reply:
    return Reply(raw=WSDL.read_bytes(), media_type="text/xml; charset=utf-8")
