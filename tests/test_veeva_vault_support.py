"""Shared helpers for the veeva_vault tests: a logged-in client on a live server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

ADMIN = "admin@specmock.example"
PASSWORD = "specmock"
VERSION = "v25.1"
TYPE = "general__c"
LIFECYCLE = "general_lifecycle__c"


@dataclass
class Vault:
    """What an integration holds: the base URL and a session id."""

    root: str
    session: str = ""

    @property
    def api(self) -> str:
        return f"{self.root}/api/{VERSION}"

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": self.session, "Accept": "application/json", **extra}

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        url = path if path.startswith("http") else self.api + path
        return requests.request(method, url, headers=headers, timeout=10, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """A call that must succeed: HTTP 200 and responseStatus SUCCESS."""
        response = self.call(method, path, **kwargs)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["responseStatus"] == "SUCCESS", body
        return body

    def fails(self, method: str, path: str, error: str, **kwargs: Any) -> dict[str, Any]:
        """A call that must fail the Vault way: HTTP 200, FAILURE, the given error type."""
        response = self.call(method, path, **kwargs)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["responseStatus"] == "FAILURE", body
        assert body["errors"][0]["type"] == error, body
        assert body["errors"][0]["message"]
        assert response.headers["X-VaultAPI-Status"] == "FAILURE"
        return body

    def create(self, name: str, content: bytes | None = None, **fields: str) -> int:
        data = {"name__v": name, "type__v": TYPE, "lifecycle__v": LIFECYCLE, **fields}
        files = {"file": (f"{name}.txt", content, "text/plain")} if content is not None else None
        if files is None:
            body = self.ok("POST", "/objects/documents", data=data)
        else:
            body = self.ok("POST", "/objects/documents", data=data, files=files)
        assert body["responseMessage"] == "successfully created document"
        return int(body["id"])


def login(root: str, username: str = ADMIN, password: str = PASSWORD) -> Vault:
    response = requests.post(
        f"{root}/api/{VERSION}/auth",
        data={"username": username, "password": password},
        timeout=10,
    )
    body = response.json()
    assert body["responseStatus"] == "SUCCESS", body
    return Vault(root, body["sessionId"])


def clock(root: str, **command: Any) -> None:
    """Drive the server's virtual clock (freeze, advance) through the admin API."""
    response = requests.post(f"{root}/__specmock/clock", json=command, timeout=10)
    assert response.status_code == 200, response.text
