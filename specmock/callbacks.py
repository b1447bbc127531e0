"""Public API for services that notify their clients asynchronously.

An override that sends webhooks or callbacks builds on these: the `callbacks`
objects its spec declares, runtime expressions, a scheduler that delivers on the
app's clock with retries, backoff and dead letters, and HMAC signatures the
receiving side can verify.

    from specmock.callbacks import Scheduler, RetryPolicy, declared_callbacks
"""

from .runtime.callbacks import (
    DEFAULT_SECRET,
    LOOPBACK,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    DeclaredCallback,
    Delivery,
    RetryPolicy,
    Scheduler,
    canonical,
    declared_callbacks,
    expand,
    payload_errors,
    sign,
    trace_id_of,
    verify,
)

__all__ = [
    "DEFAULT_SECRET",
    "LOOPBACK",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "DeclaredCallback",
    "Delivery",
    "RetryPolicy",
    "Scheduler",
    "canonical",
    "declared_callbacks",
    "expand",
    "payload_errors",
    "sign",
    "trace_id_of",
    "verify",
]
