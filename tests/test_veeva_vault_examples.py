"""The examples stored in specs/veeva_vault.yaml are what the live service answers.

Each named example has a scenario that produces it on a fresh server (seed 1); the two are
compared field for field, except values that differ by nature between runs (session ids,
absolute URLs carrying the server's port).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
import yaml

from .conftest import SPECS
from .test_veeva_vault_support import ADMIN, LIFECYCLE, TYPE, VERSION, Vault, login

VOLATILE = {"sessionId", "url"}
PAGE_QUERY = "SELECT id, name__v FROM documents WHERE name__v LIKE 'Example%' PAGESIZE 2"


def stored_examples() -> dict[str, Any]:
    """Every named example of every response, by name (names are unique in the spec)."""
    spec = yaml.safe_load((SPECS / "veeva_vault.yaml").read_text())
    found: dict[str, Any] = {}
    responses = [
        r
        for path in spec["paths"].values()
        for op in path.values()
        for r in op["responses"].values()
    ]
    responses += spec["components"]["responses"].values()
    for response in responses:
        for media in (response.get("content") or {}).values():
            for name, example in (media.get("examples") or {}).items():
                found[name] = example["value"]
    return found


def _auth(root: str, **form: str) -> Any:
    return requests.post(f"{root}/api/{VERSION}/auth", data=form, timeout=10).json()


CREATED: list[Any] = []  # the answer to the first create, kept for the "created" example


def _setup(root: str) -> Vault:
    vault = login(root)
    for name in ("Example protocol", "Example brochure", "Example label"):
        fields = {"name__v": name, "type__v": TYPE, "lifecycle__v": LIFECYCLE}
        files = {"file": (f"{name}.pdf", b"%PDF")}
        CREATED.append(vault.ok("POST", "/objects/documents", data=fields, files=files))
    return vault


SCENARIOS: dict[str, Callable[[str, Vault], Any]] = {
    "success": lambda root, vault: _auth(root, username=ADMIN, password="specmock"),
    "wrong_password": lambda root, vault: _auth(root, username=ADMIN, password="nope"),
    "no_password": lambda root, vault: _auth(root, username=ADMIN),
    "created": lambda root, vault: CREATED[0],
    "draft": lambda root, vault: vault.ok(
        "GET", "/objects/documents/1/versions/0/1/lifecycle_actions"
    ),
    "page": lambda root, vault: vault.ok("POST", "/query", data={"q": PAGE_QUERY}),
    "syntax_error": lambda root, vault: vault.call(
        "POST", "/query", data={"q": "SELECT FROM"}
    ).json(),
    "invalid_session": lambda root, vault: requests.post(
        f"{root}/api/{VERSION}/keep-alive", timeout=10
    ).json(),
}


def _same(stored: Any, live: Any, where: str = "") -> list[str]:
    """Differences between a stored example and a live body, volatile values aside."""
    if isinstance(stored, dict) and isinstance(live, dict):
        out = []
        if set(stored) != set(live):
            out.append(f"{where or '/'}: keys {sorted(stored)} != {sorted(live)}")
        for key in set(stored) & set(live):
            if key in VOLATILE:
                if type(stored[key]) is not type(live[key]):
                    out.append(f"{where}/{key}: type differs")
                continue
            out += _same(stored[key], live[key], f"{where}/{key}")
        return out
    if isinstance(stored, list) and isinstance(live, list):
        if len(stored) != len(live):
            return [f"{where}: {len(stored)} items != {len(live)}"]
        pairs = enumerate(zip(stored, live, strict=True))
        return [d for i, (s, v) in pairs for d in _same(s, v, f"{where}/{i}")]
    return [] if stored == live else [f"{where}: {stored!r} != {live!r}"]


@pytest.fixture(scope="module")
def live():
    from specmock.testing import serve

    with serve("veeva_vault", seed=1, strict=True, quiet=True) as server:
        yield server.url, _setup(server.url)


def test_every_stored_example_has_a_scenario():
    assert set(stored_examples()) == set(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_stored_example_matches_the_live_answer(live, name: str):
    root, vault = live
    assert _same(stored_examples()[name], SCENARIOS[name](root, vault)) == []
