"""The console at /__specmock/ui, driven in a real headless Chromium.

Needs Debian's chromium (`apt-get install chromium`) and Playwright from PyPI; the page
talks only to the admin API of a real specmock server on loopback. Screenshots go to
the test's tmp dir (and to $SPECMOCK_SHOTS when set, which is how docs/img is made).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest

from specmock import create_app
from specmock.testing import serve_asgi

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, errors


def shot(page: Any, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    if os.environ.get("SPECMOCK_SHOTS"):
        page.screenshot(path=str(Path(os.environ["SPECMOCK_SHOTS"]) / f"{name}.png"))


@pytest.fixture
def server() -> Iterator[str]:
    with serve_asgi(create_app("petstore", seed=7, quiet=True)) as url:
        yield url


def test_a_request_appears_live_and_opens_with_both_sides(page: Any, server: str, tmp_path: Path):
    page.goto(f"{server}/__specmock/ui#journal")
    page.wait_for_selector("#live.on")
    assert page.locator("#journal-table tbody tr", has_text="/pets").count() == 0
    httpx.get(f"{server}/pets", params={"limit": 2}).raise_for_status()
    httpx.get(f"{server}/pets/not-a-number")
    row = page.locator("#journal-table tbody tr", has_text="/pets?limit=2")
    row.wait_for()
    assert "petstore:listPets" in row.inner_text()
    page.locator("#journal-table tbody tr", has_text="/pets/not-a-number").click()
    detail = page.locator("#entry-detail")
    assert "showPetById" in detail.inner_text()
    assert "/petId" in page.locator("#findings").inner_text()  # the finding's pointer
    page.click("#copy-curl")
    assert page.inner_text("#curl").startswith(f"curl -X GET '{server}/pets/not-a-number'")
    page.click("#replay")
    page.wait_for_function("document.querySelectorAll('#journal-table tbody tr').length === 3")
    shot(page, tmp_path, "console-journal")
    page.click("button[data-tab=services]")
    calls = page.locator("tr[data-operation=listPets] .calls")
    sync_api.expect(calls).to_have_text("1")


def test_a_fault_added_in_the_page_fails_the_next_request(page: Any, server: str, tmp_path: Path):
    page.goto(f"{server}/__specmock/ui#faults")
    form = page.locator("#fault-form")
    form.locator("input[name=id]").fill("broken-list")
    form.locator("input[name=operation]").fill("listPets")
    form.locator("input[name=status]").fill("400")
    page.click("#fault-add")
    page.locator("tr[data-rule=broken-list]").wait_for()
    assert httpx.get(f"{server}/pets").status_code == 400
    page.click("button[data-tab=journal]")
    page.locator("#journal-table tbody tr", has_text="status 400").wait_for()
    page.click("button[data-tab=faults]")
    sync_api.expect(page.locator("tr[data-rule=broken-list] td").nth(2)).to_have_text("1")
    shot(page, tmp_path, "console-faults")
    page.locator("tr[data-rule=broken-list] button.remove").click()
    page.locator("tr[data-rule=broken-list]").wait_for(state="detached")
    assert httpx.get(f"{server}/pets").status_code == 200


def test_a_state_item_is_edited_and_deleted(page: Any, server: str, tmp_path: Path):
    created = httpx.post(f"{server}/pets", json={"name": "Rex"}).json()
    key = str(created["id"])
    page.goto(f"{server}/__specmock/ui#state")
    row = page.locator(f"#items tr[data-key='{key}']")
    row.locator("button.edit").click()
    edited = {**created, "name": "Rex the Second"}
    row.locator("textarea").fill(str(edited).replace("'", '"'))
    row.locator("button.edit").click()
    sync_api.expect(page.locator(f"#items tr[data-key='{key}'] pre")).to_contain_text(
        "Rex the Second"
    )
    assert httpx.get(f"{server}/pets/{key}").json()["name"] == "Rex the Second"
    shot(page, tmp_path, "console-state")
    page.locator(f"#items tr[data-key='{key}'] button.delete").click()
    page.locator(f"#items tr[data-key='{key}']").wait_for(state="detached")
    assert httpx.get(f"{server}/pets/{key}").status_code == 404


def test_clock_and_traffic_controls(page: Any, server: str):
    page.goto(f"{server}/__specmock/ui#clock")
    page.click("text=Freeze")
    sync_api.expect(page.locator("#clock-now")).to_contain_text("frozen")
    before = httpx.get(f"{server}/__specmock/clock").json()["epoch"]
    page.click("text=+1 day")
    page.wait_for_function(
        f"fetch('/__specmock/clock').then(r => r.json()).then(c => c.epoch >= {before} + 86400)"
    )
    page.select_option("#mode", "proxy")
    page.click("text=Apply")
    assert page.locator("#clock .error").inner_text()  # proxy without an upstream is refused
    assert httpx.get(f"{server}/__specmock/mode").json()["mode"] == "mock"


def test_the_inbox_says_what_to_serve_when_no_provider_is_served(page: Any, server: str):
    page.goto(f"{server}/__specmock/ui#inbox")
    sync_api.expect(page.locator("#inbox")).to_contain_text("No email, SMS or LLM service")


def test_the_inbox_lists_and_opens_a_captured_email(page: Any, tmp_path: Path):
    """Read through the Mailpit-shaped API of a service named email (here a small spec)."""
    spec = Path(__file__).parent / "specs" / "mailpit_inbox.yaml"
    with serve_asgi(create_app([spec, "petstore"], seed=1, quiet=True)) as url:
        page.goto(f"{url}/__specmock/ui#inbox")
        row = page.locator("#email tr[data-message=m-1]")
        sync_api.expect(row).to_contain_text("Your order shipped")
        assert "shop@example.com" in row.inner_text()
        row.click()
        view = page.locator("#message-view")
        sync_api.expect(view).to_contain_text("Parcel 42 is on its way.")
        assert "ann@example.com" in view.inner_text()
        shot(page, tmp_path, "console-inbox")


CHAIN = ["edge", "api", "orders", "stock", "db"]


def test_the_mesh_graph_and_a_trace_waterfall(page: Any, tmp_path: Path):
    from specmock.mesh import load_mesh

    doc = {
        "services": {n: {"operations": {f"get_{n}": f"GET /{n}/{{id}}"}} for n in CHAIN},
        "calls": [{"from": f"{a}:get_{a}", "to": f"{b}:get_{b}"} for a, b in pairwise(CHAIN)],
    }
    with serve_asgi(load_mesh(doc, seed=1)) as url:
        trace = "4bf92f3577b34da6a3ce929d0e0e4736"
        header = {"traceparent": f"00-{trace}-00f067aa0ba902b7-01"}
        httpx.get(f"{url}/edge/edge/7", headers=header).raise_for_status()
        httpx.put(
            f"{url}/__specmock/mesh/breakers/stock->db", json={"state": "open"}
        ).raise_for_status()
        page.goto(f"{url}/__specmock/ui#mesh")
        page.locator("#mesh-graph").wait_for()
        names = page.locator("#mesh-graph g.node").evaluate_all(
            "nodes => nodes.map(n => n.dataset.service)"
        )
        assert sorted(names) == sorted(CHAIN)
        edge = page.locator("#mesh-graph line[data-edge='stock->db']")
        assert edge.get_attribute("data-state") == "open"
        page.locator(f"tr[data-trace='{trace}']").click()
        page.locator("#waterfall g.span").first.wait_for()
        assert page.locator("#waterfall g.span").count() >= len(CHAIN)
        shot(page, tmp_path, "console-mesh")
        page.close()


def test_the_index_links_a_reference_that_renders_offline(page: Any, tmp_path: Path):
    from specmock.runtime.docs import ServedDocs

    requested: list[str] = []
    blocked: set[str] = set()  # refused by the page's Content-Security-Policy, never sent
    page.on("request", lambda request: requested.append(request.url))
    page.on("requestfailed", lambda r: r.failure == "csp" and blocked.add(r.url))
    app = create_app(["petstore", "s3"], seed=1, quiet=True)
    with serve_asgi(ServedDocs(app)) as url:
        page.goto(f"{url}/")
        page.click("a[href='/petstore/docs']")
        page.get_by_text("List pets").first.wait_for()
        assert page.locator("text=Add a pet").count() >= 1
        shot(page, tmp_path, "docs-reference")
        page.goto(f"{url}/")
        page.click("a[href='/__specmock/ui']")
        page.locator("[data-service=s3]").wait_for()
    elsewhere = [
        u for u in requested if not u.startswith((url, "blob:", "data:")) and u not in blocked
    ]
    assert requested and not elsewhere, elsewhere


def test_a_rule_is_edited_as_json_and_a_scenario_switched(page: Any):
    scenarios = {"slow-list": {"faults": [{"id": "slow", "operation": "listPets", "status": 400}]}}
    app = create_app("petstore", seed=7, quiet=True, scenarios=[scenarios])
    with serve_asgi(app) as url:
        httpx.post(
            f"{url}/__specmock/faults", json={"id": "r1", "operation": "showPetById", "status": 404}
        ).raise_for_status()
        page.goto(f"{url}/__specmock/ui#faults")
        page.locator("tr[data-rule=r1] button", has_text="Edit").click()
        edited = {"id": "r1", "operation": "listPets", "status": 400}
        page.fill("#fault-json", str(edited).replace("'", '"'))
        page.click("#fault-save")
        sync_api.expect(page.locator("tr[data-rule=r1]")).to_contain_text("listPets")
        assert httpx.get(f"{url}/pets").status_code == 400
        assert httpx.get(f"{url}/__specmock/faults").json()[0]["operation"] == "listPets"
        page.locator("#scenarios li", has_text="slow-list").locator("button").click()
        sync_api.expect(page.locator("#scenarios")).to_contain_text("slow-list (active)")
        assert [r["id"] for r in httpx.get(f"{url}/__specmock/faults").json()] == ["slow"]
