"""Which optional install brings which module, so a missing one is named with its extra.

`pip install specmock` brings what `specmock serve` needs for plain specs; stores, mesh
mode, TLS certificates and the bundled services built on heavy clients are extras.
"""

from __future__ import annotations

EXTRAS = {
    "redis": "redis",  # --state redis://
    "pymysql": "mysql",  # --state mysql://
    "aiohttp": "mesh",  # specmock mesh
    "opentelemetry": "mesh",  # specmock mesh --otlp
    "cryptography": "tls",  # --tls-port without --tls-cert
    "botocore": "s3",  # the bundled s3 service
    "sqlglot": "sql",  # the bundled salesforce_cdp and veeva_vault services
    "aiosmtpd": "email",  # the bundled email service's SMTP listener (--smtp-port)
    "jinja2": "llm",  # the bundled openai service (rules file templates)
    "jsonpath_ng": "llm",  # the bundled openai service (rules file JSONPath matches)
}


def missing(exc: ImportError) -> str | None:
    """A one-line hint for a module an extra would have installed, else None."""
    name = (exc.name or "").split(".")[0]
    extra = EXTRAS.get(name)
    if extra is None:
        return None
    return f"{name} is not installed; it comes with: pip install 'specmock[{extra}]'"
