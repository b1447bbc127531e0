"""Serving begins with what is loaded moved out of the garbage collector's full scans."""

from __future__ import annotations

import gc

import httpx

from specmock.testing import serve


def test_what_is_loaded_at_start_up_is_frozen():
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with serve("petstore", seed=1, quiet=True, stateful=False) as server:
        assert gc.get_freeze_count() > 1000
        assert httpx.get(server.url + "/pets/1").status_code == 200
