"""Twilio's error body and the catalogue of numbers that fail on purpose.

Every REST error Twilio answers has one shape:
`{"code": 21211, "message": "...", "more_info": "https://www.twilio.com/docs/errors/21211",
"status": 400}`; the `twilio` client raises it as `TwilioRestException` with `.code`.

Designated numbers make failures reproducible without faults or fixtures:

- Twilio's own test-credential numbers refuse a create at once (400): To `+15005550001`
  (21211), `+15005550002` (21612), `+15005550003` (21408), `+15005550004` (21610),
  `+15005550009` (21614); From `+15005550001` (21212), `+15005550007` (21606),
  `+15005550008` (21611).
- `+150055` followed by a delivery error code accept the message and end it later, on the
  clock: `+15005530003` goes `undelivered` with 30003, `+15005530008` `failed` with 30008.

`--option twilio_fail_numbers=+15551234567=30003,+15557654321=21211` adds more.
"""

from __future__ import annotations

from dataclasses import dataclass

from specmock import (
    Catalogue,
    Context,
    Failure,
    NamedError,
    Reply,
    register_catalogue,
    rejected,
    standard_presets,
)

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"
# where a refusal has no Twilio code of its own (a field of the wrong type), `code` is the
# HTTP status, as the twilio client assumes when a body has none, and this page explains
GENERAL_INFO = "https://www.twilio.com/docs/usage/twilios-response"


@dataclass(frozen=True)
class TwilioError(Exception):
    """An error answer: Twilio's code, the HTTP status and a sentence."""

    code: int
    status: int
    message: str

    def body(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": MORE_INFO.format(code=self.code) if self.code >= 10000 else GENERAL_INFO,
            "status": self.status,
        }


def reply(error: TwilioError) -> Reply:
    return Reply(error.body(), status=error.status)


# -- refused when the message is created (HTTP 400) -----------------------------------------
REFUSALS: dict[int, str] = {
    21211: "The 'To' number {to} is not a valid phone number.",
    21212: "The 'From' number {from_} is not a valid phone number, shortcode, "
    "or alphanumeric sender ID.",
    21408: "Permission to send an SMS has not been enabled for the region indicated by "
    "the 'To' number: {to}.",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21606: "The From phone number {from_} is not a valid, SMS-capable inbound phone number "
    "or short code for your account.",
    21610: "Attempt to send to unsubscribed recipient {to}.",
    21611: "This 'From' number {from_} has exceeded the maximum number of queued messages.",
    21612: "The 'To' phone number {to} is not currently reachable using the 'From' phone "
    "number {from_} via SMS.",
    21614: "'To' number {to} is not a valid mobile number.",
}

# -- accepted, then ended by the carrier: final status and the message's error_message ------
DELIVERY_FAILURES: dict[int, tuple[str, str]] = {
    30003: ("undelivered", "Unreachable destination handset"),
    30004: ("undelivered", "Message blocked"),
    30005: ("undelivered", "Unknown destination handset"),
    30006: ("undelivered", "Landline or unreachable carrier"),
    30007: ("undelivered", "Carrier violation"),
    30008: ("failed", "Unknown error"),
}

TO_NUMBERS: dict[str, int] = {
    "+15005550001": 21211,
    "+15005550002": 21612,
    "+15005550003": 21408,
    "+15005550004": 21610,
    "+15005550009": 21614,
    **{f"+150055{code}": code for code in DELIVERY_FAILURES},
}
FROM_NUMBERS: dict[str, int] = {
    "+15005550001": 21212,
    "+15005550007": 21606,
    "+15005550008": 21611,
}


def designated(ctx: Context) -> tuple[dict[str, int], dict[str, int]]:
    """The To and From numbers that fail, with `twilio_fail_numbers` added to To's."""
    to_numbers = dict(TO_NUMBERS)
    for pair in (ctx.option("twilio_fail_numbers") or "").split(","):
        number, _, code = pair.strip().rpartition("=")
        if number and code.isdigit() and (int(code) in REFUSALS or int(code) in DELIVERY_FAILURES):
            to_numbers[number] = int(code)
    return to_numbers, FROM_NUMBERS


def refusal(code: int, to: str = "", from_: str = "") -> TwilioError:
    return TwilioError(code, 400, REFUSALS[code].format(to=to, from_=from_))


def not_found(path: str) -> TwilioError:
    return TwilioError(20404, 404, f"The requested resource {path} was not found")


# -- requests specmock refuses before a handler runs ---------------------------------------
_INVALID = {"To": 21211, "From": 21212}
_MISSING = {"To": 21604}
_STATUS_CODES = {401: 20003, 404: 20404, 405: 20004, 429: 20429}


@rejected("twilio")
async def rejected_request(ctx: Context) -> Reply:
    """Validation, credentials and size refusals in Twilio's body, naming field and rule."""
    status = ctx.rejection_status or 400
    detail = "; ".join(
        f"{v.get('in', '')} {v.get('pointer', '')}: {v.get('message', '')}".strip()
        for v in ctx.violations
    )
    if status == 401:
        return reply(
            TwilioError(20003, 401, f"Authenticate: {detail}" if detail else "Authenticate")
        )
    if any(v.get("in") == "path" for v in ctx.violations):  # not a SID Twilio could have
        return reply(TwilioError(20404, 404, f"The requested resource was not found: {detail}"))
    code = _STATUS_CODES.get(status, status)
    for violation in ctx.violations:
        field = violation.get("pointer", "").lstrip("/").split("/")[0]
        if violation.get("in") != "body":
            continue
        table = _MISSING if violation.get("rule") == "required" else _INVALID
        code = table.get(field, code)
    return reply(TwilioError(code, status, detail or "The request was refused."))


# -- named errors for faults and scenarios (`X-Specmock-Fault: too_many_requests`) ----------
ERRORS = (
    NamedError("authenticate", 401, 20003, "Authenticate"),
    NamedError("not_found", 404, 20404, "The requested resource was not found"),
    NamedError("method_not_allowed", 405, 20004, "Method not allowed"),
    NamedError("too_many_requests", 429, 20429, "Too Many Requests", True, {"Retry-After": "1"}),
    NamedError("internal_error", 500, 20500, "An internal server error has occurred", True),
    NamedError("service_unavailable", 503, 20503, "Service is unavailable. Try again", True),
    *(
        NamedError(f"error_{code}", 400, code, text.format(to="+15005550001", from_="+15005550007"))
        for code, text in REFUSALS.items()
    ),
)


def render(failure: Failure) -> Reply:
    """Twilio's error body for an injected error or a refusal specmock makes itself."""
    error = failure.error
    code = error.code if isinstance(error.code, int) else error.status
    body = TwilioError(code, error.status, failure.message).body()
    return Reply(body, error.status)  # the engine adds the error's headers (Retry-After)


CATALOGUE = register_catalogue(
    Catalogue(
        "twilio",
        ERRORS,
        render,
        presets=standard_presets(
            "twilio", "too_many_requests", "service_unavailable", "internal_error"
        ),
        statuses={
            401: "authenticate",
            404: "not_found",
            405: "method_not_allowed",
            429: "too_many_requests",
            500: "internal_error",
            503: "service_unavailable",
        },
    )
)
