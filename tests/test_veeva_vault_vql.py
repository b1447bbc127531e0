"""VQL on the veeva_vault service: real queries over stored documents, users and records,
paged through the next_page / previous_page URLs the answers carry."""

from __future__ import annotations

import pytest

from specmock.overrides.veeva_vault import vql

from .test_veeva_vault_support import VERSION, Vault, login


@pytest.fixture(scope="module")
def vault(specmock_server_module) -> Vault:
    vault = login(specmock_server_module)
    for i in range(7):
        vault.create(
            f"Doc {i}",
            f"content {i}".encode() if i % 2 else None,
            title__v="even" if i % 2 == 0 else "odd",
        )
    vault.ok(
        "POST",
        "/vobjects/product__v",
        json=[
            {"name__v": "Cholecap", "launch_year__c": 2019},
            {"name__v": "Nyaxa", "launch_year__c": 2023},
        ],
    )
    return vault


@pytest.fixture(scope="module")
def specmock_server_module():
    from specmock.testing import serve

    with serve("veeva_vault", seed=1, strict=True, quiet=True) as server:
        yield server.url


def q(vault: Vault, text: str, **headers: str) -> dict:
    return vault.ok("POST", "/query", data={"q": text}, headers=headers)


def ids(body: dict) -> list[int]:
    return [row["id"] for row in body["data"]]


def test_pages_follow_next_and_previous_urls(vault: Vault):
    first = q(vault, "SELECT id, name__v FROM documents ORDER BY id PAGESIZE 3")
    details = first["responseDetails"]
    assert (details["pagesize"], details["pageoffset"], details["size"], details["total"]) == (
        3,
        0,
        3,
        7,
    )
    assert "previous_page" not in details
    assert details["next_page"].startswith(f"/api/{VERSION}/query/")
    seen, page = ids(first), first
    while "next_page" in page["responseDetails"]:
        page = vault.ok("POST", vault.root + page["responseDetails"]["next_page"])
        seen += ids(page)
    assert seen == list(range(1, 8))
    assert page["responseDetails"]["size"] == 1
    back = vault.ok("POST", vault.root + page["responseDetails"]["previous_page"])
    assert ids(back) == [4, 5, 6]
    assert page["data"][0] == {"id": 7, "name__v": "Doc 6"}


def test_pageoffset_limit_and_offset(vault: Vault):
    body = q(vault, "SELECT id FROM documents ORDER BY id PAGESIZE 2 PAGEOFFSET 4")
    assert ids(body) == [5, 6] and body["responseDetails"]["previous_page"]
    body = q(vault, "SELECT id FROM documents ORDER BY id DESC LIMIT 3 OFFSET 1")
    assert ids(body) == [6, 5, 4] and body["responseDetails"]["total"] == 3
    assert "next_page" not in body["responseDetails"]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("id = 3", [3]),
        ("id != 3 AND id < 3", [1, 2]),
        ("id > 5", [6, 7]),
        ("id >= 6 OR id <= 1", [1, 6, 7]),
        ("id IN (2, 4, 9)", [2, 4]),
        ("name__v LIKE 'doc 1%'", [2]),
        ("title__v = 'odd' AND (id = 2 OR id = 3 OR id = 5)", [2]),
        ("(title__v = 'even' OR id = 2) AND NOT id = 1", [2, 3, 5, 7]),
        ("filename__v IS NULL", [1, 3, 5, 7]),
        ("status__v = 'draft__c' AND type__v IN ('general__c')", [1, 2, 3, 4, 5, 6, 7]),
    ],
)
def test_where_clauses(vault: Vault, where: str, expected: list[int]):
    assert ids(q(vault, f"SELECT id FROM documents WHERE {where} ORDER BY id")) == expected


def test_order_by_text_descending(vault: Vault):
    body = q(vault, "SELECT name__v FROM documents ORDER BY name__v DESC PAGESIZE 2")
    assert [r["name__v"] for r in body["data"]] == ["Doc 6", "Doc 5"]


def test_describe_query_header(vault: Vault):
    body = q(vault, "SELECT id, name__v FROM documents", **{"X-VaultAPI-DescribeQuery": "true"})
    describe = body["queryDescribe"]
    assert describe["object"] == {
        "name": "documents",
        "label": "Document",
        "label_plural": "Documents",
    }
    assert [f["name"] for f in describe["fields"]] == ["id", "name__v"]
    assert "queryDescribe" not in q(vault, "SELECT id FROM documents")


def test_users_and_object_records(vault: Vault):
    users = q(vault, "SELECT id, username__sys FROM user__sys WHERE status__v = 'active__v'")
    assert "admin@specmock.example" in [u["username__sys"] for u in users["data"]]
    legacy = q(vault, "SELECT id, user_name__v FROM users WHERE id = 61001")
    assert legacy["data"] == [{"id": 61001, "user_name__v": "admin@specmock.example"}]
    products = q(vault, "SELECT id, name__v FROM product__v WHERE launch_year__c > 2020")
    assert products["data"] == [{"id": "00P000000000002", "name__v": "Nyaxa"}]


@pytest.mark.parametrize(
    "text",
    [
        "SELECT FROM documents",
        "SELECT id documents WHERE",
        "SELECT * FROM documents",
        "SELECT id FROM documents WHERE id ===",
        "SELECT id FROM documents PAGESIZE many",
        "SELECT id FROM nope__c",
        "SELECT nope__v FROM documents",
        "SELECT id FROM documents WHERE nope__v = 1",
        "SELECT id FROM documents d JOIN users u ON d.id = u.id",
        "DELETE FROM documents",
    ],
)
def test_bad_queries_are_syntax_errors(vault: Vault, text: str):
    vault.fails("POST", "/query", "INCORRECT_QUERY_SYNTAX_ERROR", data={"q": text})


def test_missing_q_and_unknown_page(vault: Vault):
    vault.fails("POST", "/query", "PARAMETER_REQUIRED", data={})
    vault.fails("POST", "/query/unknown", "INVALID_DATA")


def test_parser_lifts_vql_paging_words_from_tokens():
    statement = vql.parse("select id from documents where name__v = 'pagesize 9' pagesize 5")
    assert statement.pagesize == 5 and statement.fields == ["id"]
    assert vql.matches(statement.where, {"name__v": "pagesize 9"})
    with pytest.raises(vql.VqlError):
        vql.parse("")
