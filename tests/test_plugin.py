"""The pytest plugin the package installs: a live server per test, torn down after."""

from __future__ import annotations

import httpx


def test_specmock_server_fixture_serves_on_a_free_port(specmock_server):
    first = specmock_server("petstore", seed=3, stateful=False)
    second = specmock_server("petstore", seed=3, stateful=False)
    assert first.url != second.url
    a = httpx.get(first.url + "/pets/4")
    b = httpx.get(second.url + "/pets/4")
    assert a.status_code == 200 and a.content == b.content
    assert first.app.settings.strict  # strict by default in tests
