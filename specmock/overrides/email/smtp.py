"""The SMTP listener: aiosmtpd in the app's own event loop, every message into the inbox.

It speaks what mail libraries use: EHLO, SIZE, 8BITMIME, SMTPUTF8, AUTH PLAIN/LOGIN
(any credentials, over plain text too: this is a test server), and STARTTLS when a
certificate is configured. A message is stored (and waiters woken) before the client
hears 250, so whatever a test reads after sending is already there.

Faults come from the same rules as HTTP (`Faults.decide`), matched with
method `SMTP`, the command as operation (`MAIL`, `RCPT`, `DATA`), the envelope as body
(`from`, `to`, `subject`) and, for DATA, the message's headers. A rule's `status`
becomes the SMTP reply (421 also closes the connection), its `latency` a slow reply,
and `reset`/`empty`/`truncated`/`malformed` drop the connection without a reply;
`timeout` holds it `seconds` and then drops it.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from specmock import FaultDecision as Decision
from specmock import FaultTarget, SpecmockApp

from .inbox import Inbox

log = logging.getLogger("specmock")


def _not_login_data(record: logging.LogRecord) -> bool:
    """aiosmtpd 1.4 warns about its own `Session.login_data` on every successful AUTH."""
    return not str(record.msg).startswith("Session.login_data is deprecated")


logging.getLogger("mail.log").addFilter(_not_login_data)
SERVICE = "email"
_HEADERS = BytesHeaderParser()
REPLIES = {
    421: "4.3.2 Service not available, closing transmission channel",
    450: "4.2.1 Mailbox unavailable, try again later",
    451: "4.3.0 Requested action aborted: local error in processing",
    452: "4.5.3 Insufficient system storage",
    550: "5.1.1 Mailbox unavailable",
    552: "5.3.4 Message size exceeds fixed maximum message size",
    554: "5.0.0 Transaction failed",
}
_DROPS = ("reset", "empty", "truncated", "malformed")


def reply_text(status: int) -> str:
    return f"{status} {REPLIES.get(status, 'Failure injected by specmock')}"


@dataclass
class Capture:
    """aiosmtpd's handler: fault rules before each command, the inbox at DATA."""

    app: SpecmockApp
    inbox: Inbox

    def _count(self, command: str, reply: str, started: float) -> None:
        """SMTP in the app's metrics beside HTTP: operation `SMTP <command>`, method SMTP,
        the reply code as status (so /__specmock/metrics and provider counters see it)."""
        status = int(reply[:3]) if reply[:3].isdigit() else 0
        seconds = time.perf_counter() - started
        self.app.metrics.observe(SERVICE, f"SMTP {command}", "SMTP", status, seconds, False, False)

    async def _fault(
        self,
        command: str,
        server: SMTP,
        envelope: Envelope,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> str | None:
        """The reply a fault rule asks for, after its delay; None to carry on."""
        faults = self.app.faults
        if not faults.rules:
            return None
        target = FaultTarget(SERVICE, command, "SMTP", command, command, headers or {}, body)
        decision = faults.decide(target)
        if decision is None:
            return None
        if decision.delay_ms:
            await asyncio.sleep(decision.delay_ms / 1000)
        transport = server.transport
        if decision.fault == "timeout":
            await asyncio.sleep(decision.seconds)
            decision.fault = "reset"
        if decision.fault in _DROPS and transport is not None:
            transport.abort()
            return "421 connection dropped"  # never sent: the transport is gone
        if decision.fault == "dribble":
            await asyncio.sleep(decision.seconds)
        if decision.status is not None:
            if decision.status == 421 and transport is not None:
                asyncio.get_running_loop().call_later(0.05, transport.close)
            return reply_text(decision.status)
        return None

    def at_connect(self) -> Refusal | None:
        """A CONNECT rule's refusal of a new connection (its status, a drop or a hold)."""
        if not self.app.faults.rules:
            return None
        target = FaultTarget(SERVICE, "CONNECT", "SMTP", "CONNECT", "CONNECT", {}, {})
        decision = self.app.faults.decide(target)
        if decision is None or (decision.status is None and decision.fault in (None, "dribble")):
            return None  # latency and dribble have no reply to slow down before the greeting
        self._count("CONNECT", str(decision.status or 0), time.perf_counter())
        return Refusal(decision)

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        started = time.perf_counter()
        refused = await self._fault("MAIL", server, envelope, {"from": address})
        if refused:
            self._count("MAIL", refused, started)
            return refused
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        body = {"from": envelope.mail_from, "to": address}
        started = time.perf_counter()
        refused = await self._fault("RCPT", server, envelope, body)
        if refused:
            self._count("RCPT", refused, started)
            return refused
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        started = time.perf_counter()
        reply = await self._data(session, envelope, server)
        self._count("DATA", reply, started)
        return reply

    async def _data(self, session: Session, envelope: Envelope, server: SMTP) -> str:
        raw = envelope.original_content or envelope.content
        data = raw if isinstance(raw, bytes) else str(raw).encode("utf-8")
        if self.app.faults.rules:
            parsed = _HEADERS.parsebytes(data)
            headers = {k.lower(): str(v) for k, v in parsed.items()}
            body = {
                "from": envelope.mail_from,
                "to": envelope.rcpt_tos[0] if envelope.rcpt_tos else "",
                "subject": headers.get("subject", ""),
            }
            refused = await self._fault("DATA", server, envelope, body, headers)
            if refused:
                return refused
        login = getattr(session.auth_data, "login", None)
        username = login.decode("utf-8", "replace") if isinstance(login, bytes) else ""
        try:
            record = await self.inbox.capture(
                data, envelope.mail_from or "", list(envelope.rcpt_tos), "smtp", username
            )
        except Exception:  # a message the parser chokes on must not kill the session
            log.exception("could not capture a message from %s", envelope.mail_from)
            return "451 4.3.0 Message could not be stored"
        return f"250 2.0.0 OK queued as {record['ID']}"


class Refusal(asyncio.Protocol):
    """A connection refused by a CONNECT rule: its reply instead of the greeting, then
    closed; or dropped at once (`reset` and the like); or held `seconds` (`timeout`)."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision

    def connection_made(self, transport: Any) -> None:  # asyncio's or uvloop's transport
        decision, loop = self.decision, asyncio.get_running_loop()
        if decision.fault == "timeout":
            loop.call_later(decision.seconds, transport.abort)
        elif decision.fault is not None and decision.status is None:
            transport.abort()
        else:
            reply = f"{reply_text(decision.status or 421)}\r\n".encode()
            loop.call_later(decision.delay_ms / 1000, _say_and_close, transport, reply)


def _say_and_close(transport: Any, reply: bytes) -> None:
    if not transport.is_closing():
        transport.write(reply)
        transport.close()


def _accept_any(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    """Every login succeeds; the user name is kept on the message (Mailpit's Username)."""
    return AuthResult(success=True, handled=False, auth_data=auth_data)


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@dataclass
class Listener:
    """One SMTP server bound to a port for the app's lifetime."""

    capture: Capture
    host: str = "127.0.0.1"
    port: int = 2525
    tls: ssl.SSLContext | None = None
    size_limit: int = 25 * 1024 * 1024
    server: asyncio.AbstractServer | None = None

    def _protocol(self) -> asyncio.Protocol:
        refusal = self.capture.at_connect()
        if refusal is not None:
            return refusal
        return SMTP(
            self.capture,
            hostname="specmock",
            ident="specmock ESMTP",
            data_size_limit=self.size_limit,
            enable_SMTPUTF8=True,
            decode_data=False,
            authenticator=_accept_any,
            auth_require_tls=False,
            tls_context=self.tls,
            require_starttls=False,
        )

    async def start(self) -> int:
        """Bind and serve; the port actually bound (useful when asked for port 0)."""
        loop = asyncio.get_running_loop()
        try:
            self.server = await loop.create_server(self._protocol, self.host, self.port)
        except OSError as exc:
            where = f"{self.host}:{self.port}"
            reason = exc.strerror or str(exc)
            raise OSError(f"smtp_port (--smtp-port): cannot listen on {where}: {reason}") from exc
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
