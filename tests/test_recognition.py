"""Recognition with confidence: each operation's pattern, score and deciding features,
`specmock explain --format json`, and `--min-confidence` serving unsure ones without state."""

from __future__ import annotations

import logging
import re

import orjson
from click.testing import CliRunner

from specmock.cli import main
from specmock.generator import phrases
from specmock.generator.recognize import recognize, recognize_all
from specmock.runtime.factory import load_services
from tests.conftest import client_for

OK = {"200": {"description": "ok"}}


def _json(props: dict) -> dict:
    return {"application/json": {"schema": {"type": "object", "properties": props}}}


SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "shapes", "version": "1"},
    "paths": {
        "/files": {
            "post": {
                "operationId": "uploadFile",
                "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object"}}}},
                "responses": OK,
            }
        },
        "/files/{id}/content": {
            "get": {
                "operationId": "downloadFile",
                "parameters": [{"name": "id", "in": "path", "required": True}],
                "responses": {"200": {"description": "ok", "content": {"application/pdf": {}}}},
            }
        },
        "/reports": {
            "post": {
                "operationId": "startReport",
                "responses": {
                    "202": {
                        "description": "accepted",
                        "headers": {"Location": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/webhooks": {
            "post": {
                "operationId": "registerWebhook",
                "requestBody": {"content": _json({"url": {"type": "string"}})},
                "responses": OK,
            }
        },
        "/contacts/batch": {
            "post": {
                "operationId": "batchContacts",
                "requestBody": {
                    "content": {"application/json": {"schema": {"type": "array", "items": {}}}}
                },
                "responses": OK,
            }
        },
        "/oauth/token": {
            "post": {
                "operationId": "issueToken",
                "requestBody": {"content": _json({"grant_type": {"type": "string"}})},
                "responses": {"200": {"description": "ok", "content": _json({"access_token": {}})}},
            }
        },
        "/events": {
            "get": {
                "operationId": "listEvents",
                "parameters": [{"name": "starting_after", "in": "query"}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"type": "array"}}},
                    }
                },
            }
        },
    },
}


def _found() -> dict:
    (service,) = load_services([SPEC])
    return {op.operation_id: recognize(op, weighed=False) for op in service.operations}


def test_each_pattern_is_recognized_with_its_features():
    found = _found()
    expected = {
        "uploadFile": "upload",
        "downloadFile": "download",
        "startReport": "async-job",
        "registerWebhook": "webhook",
        "batchContacts": "batch",
        "issueToken": "auth",
        "listEvents": "list",
    }
    assert {k: v.pattern for k, v in found.items()} == expected
    assert "request body multipart/form-data" in found["uploadFile"].features
    assert "answers application/pdf" in found["downloadFile"].features
    assert "202 carries a Location to poll" in found["startReport"].features
    assert "answers an access_token" in found["issueToken"].features
    assert found["listEvents"].pagination == "cursor"
    for rec in found.values():
        assert 0 < rec.confidence <= 1 and rec.features


def test_more_evidence_means_more_confidence():
    (petstore,) = load_services(["petstore"])
    scores = {op.operation_id: recognize(op) for op in petstore.operations}
    assert scores["showPetById"].pattern == "read"
    found = _found()
    # a path shape and a verb agreeing beat one media type alone
    assert scores["showPetById"].confidence > found["registerWebhook"].confidence


def test_x_specmock_kind_still_decides():
    spec = orjson.loads(orjson.dumps(SPEC))
    spec["paths"]["/files"]["post"]["x-specmock-kind"] = "action"
    (service,) = load_services([spec])
    op = next(o for o in service.operations if o.operation_id == "uploadFile")
    assert recognize(op).as_dict() == {
        "pattern": "action",
        "confidence": 1.0,
        "features": ["x-specmock-kind"],
    }


def test_explain_json_gives_scores():
    result = CliRunner().invoke(main, ["explain", "petstore", "--format", "json"])
    assert result.exit_code == 0, result.output
    (service,) = orjson.loads(result.output)["services"]
    ops = {o["operationId"]: o for o in service["operations"]}
    assert ops["createPet"]["pattern"] == "create"
    assert ops["createPet"]["stateful"] is True
    assert 0.5 < ops["createPet"]["confidence"] <= 1
    assert "POST on a collection path of /pets" in ops["createPet"]["features"]
    text = CliRunner().invoke(main, ["explain", "petstore"]).output
    assert re.search(r"pattern create \(confidence 0\.\d\d: POST on a collection path", text)


def test_min_confidence_serves_unsure_operations_without_state(caplog):
    sure = client_for("petstore")
    created = sure.post("/pets", json={"name": "Rex"}).json()
    assert sure.get(f"/pets/{created['id']}").json()["name"] == "Rex"  # from the store
    (petstore,) = load_services(["petstore"])
    found = {op.operation_id: recognize(op).confidence for op in petstore.operations}
    above = round(max(found["createPet"], found["showPetById"]) + 0.001, 3)  # both demoted
    with caplog.at_level(logging.WARNING, logger="specmock"):
        unsure = client_for("petstore", min_confidence=above)
    said = f"petstore:createPet recognized as create with confidence {found['createPet']:.3g}"
    assert f"{said} < {above}" in caplog.text
    unsure.post("/pets", json={"name": "Rex"})
    assert unsure.get("/pets/987654").status_code == 200  # generated: no store behind it
    kept = client_for("petstore", min_confidence=0.5)
    assert kept.get("/pets/987654").status_code == 404  # still stateful


def test_the_labelled_bundled_operations_stay_recognized():
    """bench/recognition.py's tuning set (bundled specs only): the accuracy measured when
    the features were last changed, so a feature that breaks others shows here."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
    try:
        from recognition import recognized
    finally:
        sys.path.pop(0)
    found = recognized(["tuning"], weighed=False)
    right = sum(truth == guess for truth, guess, _ in found.values())
    assert len(found) == 225
    assert right >= 197  # 0.88


def _op(op_id: str, responses: dict, body: dict | None = None) -> dict:
    out: dict = {"operationId": op_id, "responses": responses}
    if body is not None:
        out["requestBody"] = {"content": body}
    return out


def _answer(schema: dict) -> dict:
    return {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}


RECORD = {"type": "object", "properties": {"id": {"type": "string"}, "name": {}, "size": {}}}
ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
FORM = {"multipart/form-data": {"schema": {"type": "object", "properties": {"text": {}}}}}
FILE_FORM = {
    "multipart/form-data": {
        "schema": {"type": "object", "properties": {"photo": {"format": "binary"}}}
    }
}
STYLES = {
    "openapi": "3.1.0",
    "info": {"title": "styles", "version": "1"},
    "paths": {
        # a list under an item-like path, told by the answer: one array named like the path
        "/user/{id}/articles": {
            "parameters": ID,
            "get": _op(
                "get/user/{id}/articles",
                _answer({"type": "object", "properties": {"user_articles": {"type": "array"}}}),
            ),
        },
        "/top_writer/{id}": {
            "parameters": ID,
            "get": _op("topWriter", _answer({"type": "array", "items": RECORD})),
        },
        # the same path shape answering one record stays a read
        "/writer/{id}": {"parameters": ID, "get": _op("get/writer/{id}", _answer(RECORD))},
        # every alternative of the answer a list
        "/channels": {
            "get": _op(
                "getMetadataOfAllChannels",
                _answer({"oneOf": [{"type": "array", "items": RECORD}, {"type": "array"}]}),
            )
        },
        # a get of many things is a list; a dotted id's verb is in its last part
        "/users/{id}/groups": {"parameters": ID, "get": _op("getGroupsForUser", OK)},
        "/v1/{id}:getIamPolicy": {
            "parameters": ID,
            "post": _op("api.projects.secrets.getIamPolicy", _answer(RECORD)),
        },
        "/v1/{id}:addVersion": {
            "parameters": ID,
            "post": _op("api.projects.secrets.addVersion", _answer(RECORD)),
        },
        # an operationId that is only the method and the path names no verb
        "/payments/{id}/captures": {
            "parameters": ID,
            "post": _op("post-payments-id-captures", _answer(RECORD), _json({"amount": {}})),
        },
        "/payments": {"post": _op("post-payments", _answer(RECORD), _json({"amount": {}}))},
        # a DELETE's body names what goes, no upload; of a plural, it removes them all
        "/users/{id}/sessions": {
            "parameters": ID,
            "delete": _op(
                "clearUserSessions",
                {"204": {"description": "gone"}},
                {"application/octet-stream": {}},
            ),
        },
        "/email/batch": {
            "post": _op("sendEmailBatch", _answer(RECORD), _json({"messages": {"type": "array"}}))
        },
        # RPC paths name the verb when the operationId is only the method and the path
        "/deleteWebhook": {"post": {"responses": OK}},
        "/getChatAdministrators": {"post": {"responses": OK}},
        "/updates/{id}/destroy{format}": {
            "parameters": [*ID, {"name": "format", "in": "path", "required": True}],
            "post": {"responses": OK},
        },
        # multipart beside JSON carries fields; with a binary field it carries a file
        "/sendNote": {"post": _op("sendNote", OK, {**_json({"text": {}}), **FORM})},
        "/attachments": {
            "post": _op("post-attachments", OK, {**_json({"photo": {}}), **FILE_FORM})
        },
        # `Resource_Verb` operationIds; a HEAD reads whatever its operationId says
        "/blobs/{id}": {
            "parameters": ID,
            "delete": _op("Blob_Delete", {"202": {"description": "gone"}}),
            "head": _op("Blob_Check", OK),
        },
        # Azure's `{"value": [...], "nextLink": ...}` lists; scopes in front say where, not what
        "/subscriptions/{id}/providers/x/vaults": {
            "parameters": ID,
            "get": _op(
                "Vaults_ListBySubscription",
                _answer({"type": "object", "properties": {"value": {"type": "array"}}}),
            ),
        },
        "/subscriptions/{id}/vaults/{name}/failover": {
            "parameters": [*ID, {"name": "name", "in": "path", "required": True}],
            "post": _op("Vaults_Failover", OK),
        },
        # a query action named in the fragment; a batch named last qualifies the verb; a
        # get of one thing's attributes is a read; a POST listing jobs starts none
        "/#Action=DeleteMessageBatch": {"post": _op("POST_DeleteMessageBatch", OK)},
        "/#Action=GetQueueAttributes": {"post": _op("POST_GetQueueAttributes", OK)},
        "/#Action=ListMessageMoveTasks": {"post": _op("POST_ListMessageMoveTasks", OK)},
        # Azure's create-or-update PUT; an export whose bytes go to storage is a job
        "/caches/{id}/rules/{name}": {
            "parameters": [*ID, {"name": "name", "in": "path", "required": True}],
            "put": _op("FirewallRules_CreateOrUpdate", _answer(RECORD), _json({"ip": {}})),
        },
        "/caches/{id}/export": {
            "parameters": ID,
            "post": _op(
                "Redis_ExportData",
                {
                    "202": {
                        "description": "queued",
                        "headers": {"Location": {"schema": {"type": "string"}}},
                    }
                },
                _json({"container": {}}),
            ),
        },
        # a DELETE of a literal sub-path removes that one thing; a build is a job
        "/droplets/{id}/destroy/dangerous": {
            "parameters": ID,
            "delete": _op("droplets_destroy_dangerous", {"202": {"description": "queued"}}),
        },
        "/sites/{id}/builds": {"parameters": ID, "post": _op("createSiteBuild", _answer(RECORD))},
        # PUT beside PATCH on one item replaces it, whatever the operationId calls it
        "/events/{id}": {
            "parameters": ID,
            "put": _op("events.update", _answer(RECORD), _json({"name": {}})),
            "patch": _op("events.patch", _answer(RECORD), _json({"name": {}})),
            "get": _op("events.get", _answer(RECORD)),
        },
    },
}


def test_naming_styles_and_answer_shapes():
    """Styles the held-out specs taught: lists under item paths and without list names,
    `get...For...`, Google's `resource.verb` and Azure's `Resource_Verb`, method-and-path
    operationIds and RPC paths, parameters glued to words, multipart beside JSON, bodies on
    DELETEs, a batch qualifying another verb, scopes in front of a path, PUT beside PATCH,
    actions named in a fragment, create-or-update, exports whose bytes go elsewhere, builds."""
    (service,) = load_services([STYLES])
    found = {(op.method, op.path): recognize(op, weighed=False) for op in service.operations}
    patterns = {f"{m} {p}": r.pattern for (m, p), r in found.items()}
    assert patterns == {
        "GET /user/{id}/articles": "list",
        "GET /top_writer/{id}": "list",
        "GET /writer/{id}": "read",
        "GET /channels": "list",
        "GET /users/{id}/groups": "list",
        "POST /v1/{id}:getIamPolicy": "read",
        "POST /v1/{id}:addVersion": "create",
        "POST /payments/{id}/captures": "action",
        "POST /payments": "create",
        "DELETE /users/{id}/sessions": "batch",
        "POST /email/batch": "batch",
        "POST /deleteWebhook": "delete",
        "POST /getChatAdministrators": "list",
        "POST /updates/{id}/destroy{format}": "delete",
        "POST /sendNote": "action",
        "POST /attachments": "upload",
        "DELETE /blobs/{id}": "delete",
        "HEAD /blobs/{id}": "read",
        "GET /subscriptions/{id}/providers/x/vaults": "list",
        "POST /subscriptions/{id}/vaults/{name}/failover": "action",
        "POST /#Action=DeleteMessageBatch": "batch",
        "POST /#Action=GetQueueAttributes": "read",
        "POST /#Action=ListMessageMoveTasks": "list",
        "PUT /caches/{id}/rules/{name}": "replace",
        "POST /caches/{id}/export": "async-job",
        "DELETE /droplets/{id}/destroy/dangerous": "delete",
        "POST /sites/{id}/builds": "async-job",
        "PUT /events/{id}": "replace",
        "PATCH /events/{id}": "update",
        "GET /events/{id}": "read",
    }
    assert "GET answering an array of records" in found["GET", "/top_writer/{id}"].features
    assert "operationId starts with 'get'" in found["POST", "/v1/{id}:getIamPolicy"].features


def _said(summary: str, extra: dict | None = None) -> dict:
    return {"summary": summary, **(extra or {})}


WORDS = {
    "openapi": "3.1.0",
    "info": {"title": "words", "version": "1"},
    "paths": {
        "/tasks/{id}": {
            "parameters": ID,
            "put": {**_op("updateTask", _answer(RECORD), _json({"name": {}})), "summary": "x"},
        },
        "/tasks/{id}/stories": {
            "parameters": ID,
            "get": _said(
                "Get stories from a task",
                _op("getStoriesForTask", _answer({"type": "object", "properties": {
                    "data": {"type": "array", "items": RECORD}}})),
            ),
        },
        "/tasks/{id}/addFollowers": {
            "parameters": ID,
            "post": _said(
                "Add followers to a task",
                _op("addFollowersForTask", _answer(RECORD), _json({"followers": {}})),
            ),
        },
        "/tasks/{id}/subtasks": {
            "parameters": ID,
            "post": _op("createSubtaskForTask", _answer(RECORD), _json({"name": {}})),
        },
        "/meetings/{id}/status": {
            "parameters": ID,
            "put": _said("Update meeting status", _op("meetingStatus", OK, _json({"a": {}}))),
        },
        "/issues/{id}/comments": {
            "parameters": ID,
            "post": _said(
                "Create an issue comment",
                _op("issues/create-comment", _answer(RECORD), _json({"body": {}})),
            ),
        },
        "/issues/{id}/assignees/{name}": {
            "parameters": [*ID, {"name": "name", "in": "path", "required": True}],
            "get": _said("Check if a user can be assigned to a issue", _op("issues/check", OK)),
        },
        "/uploads/{id}": {
            "parameters": ID,
            "delete": _said("Cancel an upload", _op("Blob_CancelUpload", OK)),
        },
        "/keys/{id}/requestToken": {
            "parameters": ID,
            "post": _said("Request an access token", _op("requestAccessToken", OK)),
        },
        "/channels/{id}/webhooks": {
            "parameters": ID,
            "post": _op("CreateChannelWebhook", _answer(RECORD), _json({"target": {}})),
        },
        "/files/upload_sessions": {
            "post": _said("Create upload session", _op("post_files_upload_sessions", OK)),
        },
        "/invoices/{id}": {
            "parameters": ID,
            "get": _op("GetInvoicesInvoice", _answer(RECORD)),
            "post": {
                **_op("PostInvoicesInvoice", _answer(RECORD), _json({"memo": {}})),
                "description": "<p>Draft invoices are fully editable.</p>",
            },
        },
        "/invoices/{invoice}/finalize": {
            "parameters": [{**ID[0], "name": "invoice"}],
            "post": _op("PostInvoicesInvoiceFinalize", _answer(RECORD)),
        },
        "/contacts/count": {"get": _said("Get Total Contact Count", _op("getCount", OK))},
        "/contacts/exports": {
            "get": _said("Get All Existing Exports", _op("listExports", _answer(RECORD))),
        },
        "/contacts/exports/{id}": {
            "parameters": ID,
            "get": _said("Export Contacts Status", _op("GET_contacts-exports-id", _answer(RECORD))),
        },
        "/interactions/publishAsync/{id}": {
            "parameters": ID,
            "post": _said("Publish a version", _op("publishJourney", OK)),
        },
        "/queues/messages/batch-delete": {
            "post": {
                **_op("removeMessages", OK, _json({"ids": {}})),
                "description": "<p>Deletes up to ten messages from the queue.</p>",
            },
        },
        "/pulls/{id}/approve": {
            "parameters": ID,
            "post": _said("Approve a pull request", _op("post-pulls-id-approve", OK)),
            "delete": _said("Unapprove a pull request", _op("delete-pulls-id-approve", OK)),
        },
        "/pulls/{id}/patch": {
            "parameters": ID,
            "get": _op("get-pulls-id-patch", {"200": {"description": "ok",
                                                      "content": {"text/plain": {}}}}),
        },
        "/envelopes/{id}/recipients": {
            "parameters": ID,
            "get": _said("Gets the recipients", _op("Recipients_Get", {"200": {
                "description": "ok", "content": {"*/*": {"schema": RECORD}}}})),
            "post": _said("Adds one or more recipients to an envelope.",
                          _op("Recipients_Post", OK, _json({"signers": {}}))),
        },
        "/mrs/{id}/comments": {
            "parameters": ID,
            "post": _op("post-mrs-id-comments", _answer(RECORD), _json({"body": {}})),
        },
        "/payments/{id}/captures": {
            "parameters": ID,
            "post": _op("post-payments-id-captures", _answer(RECORD), _json({"amount": {}})),
        },
        "/mrs/{id}/versions": {
            "parameters": ID,
            "get": _said("Get a list of merge request diff versions",
                         _op("get-mrs-id-versions", _answer(RECORD))),
        },
        "/servers/{id}/actions/poweroff": {
            "parameters": ID,
            "post": _said("Power off a Server", _op("post-servers-id-actions-poweroff", OK)),
        },
        "/folders": {
            "post": _said("Create folder", _op("PostFolders", _answer(RECORD), {
                "multipart/form-data": {"schema": {"type": "object", "properties": {
                    "path": {"type": "string"}, "mkdir_parents": {"type": "boolean"}}}}})),
        },
        "/locks/{id}": {
            "parameters": ID,
            "post": _said("Create Lock", _op("PostLocksPath", _answer(RECORD))),
        },
        "/orders/batch-retrieve": {
            "post": _op("BatchRetrieveOrders", _answer(RECORD), _json({"ids": {}})),
        },
        "/repos/{id}/labels": {
            "parameters": ID,
            "delete": _op("issueClearLabels", OK),
            "post": _op("issueAddLabel", _answer(RECORD), _json({"labels": {}})),
        },
        "/video/uploads": {
            "post": _said("Create a new direct upload URL",
                          _op("create-direct-upload", _answer(RECORD), _json({"a": {}}))),
        },
        "/video/uploads/{id}/cancel": {
            "parameters": ID,
            "put": _said("Cancel a direct upload", _op("cancel-direct-upload", OK)),
        },
        "/accounts/get": {
            "post": _said(
                "Retrieve accounts", _op("accountsGet", _answer(RECORD), _json({"a": {}}))
            ),
        },
        "/t/{id}/posts.json": {
            "parameters": ID,
            "get": _op("getTopicPosts", _answer({"type": "array", "items": RECORD})),
        },
        "/providers/Microsoft.Batch/batchAccounts/{id}": {
            "parameters": ID,
            "get": _op("BatchAccount_Get", _answer(RECORD)),
        },
        "/sms/cancel-all": {
            "put": _said("Cancel all Scheduled Messages", _op("cancelAll", OK)),
        },
        "/rooms/{id}/groups": {
            "parameters": ID,
            "delete": _said("Revoke granted group(s) from room", _op("revokeRoomGroups", OK)),
        },
        "/Sessions/Playing": {
            "post": _said("Play an item in a session.", _op("ReportPlaying", OK)),
        },
        "/#X-Amz-Target=States.StartExecution": {
            "post": _op("StartExecution", _answer(RECORD), _json({"input": {}})),
        },
        "/endpoints/{id}/transformation": {
            "parameters": ID,
            "patch": _op("set_endpoint_transformation", OK, _json({"code": {}})),
        },
        "/tweets/search/recent": {
            "get": _op("tweetsRecentSearch", _answer({"type": "array", "items": RECORD})),
        },
        "/containers/create": {
            "post": _said("Create a container", _op("ContainerCreate", _answer(RECORD), {
                "application/json": {"schema": RECORD},
                "application/octet-stream": {"schema": {"type": "string"}}})),
        },
        "/containers/{id}/export": {
            "parameters": ID,
            "get": _op("ContainerExport", {"200": {"description": "ok",
                                                  "content": {"application/x-tar": {}}}}),
        },
        "/apis/batch/v1/cronjobs/{id}": {
            "parameters": ID,
            "get": _op("readBatchV1NamespacedCronJob", _answer(RECORD)),
        },
        "/api/v1/configmaps": {
            "delete": {**_op("deleteCoreV1CollectionConfigMap", OK),
                       "description": "delete collection of ConfigMap"},
        },
        "/__admin/requests/remove": {
            "post": _said("Remove requests by criteria",
                          _op("post-__admin-requests-remove", OK, _json({"url": {}}))),
        },
        "/customers/me/activate": {
            "put": _op("customerAccountManagementV1ActivatePut", OK, _json({"key": {}})),
        },
        "/creditmemos/{id}/unapply": {
            "parameters": ID,
            "put": _op("PUT_UnapplyCreditMemo", OK, _json({"items": {}})),
        },
        "/alerts/closeAll": {
            "post": _said("Close all acknowledged alerts.", _op("post-alerts-closeAll", OK)),
        },
        "/symbol_uploads": {
            "post": {**_op("symbolUploads_create", _answer(RECORD), _json({"type": {}})),
                     "description": "Begins the symbol upload process for a new set."},
        },
        "/renders/{id}": {
            "parameters": ID,
            "post": _op("post-renders-id", _answer({
                "type": "object", "properties": {"job_id": {"type": "string"}}})),
        },
        "/reports/{id}/pdf": {
            "parameters": ID,
            "post": _said("Render a report as PDF", _op("renderReport", _answer({
                "type": "object", "properties": {"job_id": {"type": "string"}}}))),
        },
        "/customers/count.json": {
            "get": _said("Count all Customers.", _op("get-customers-count", _answer(RECORD))),
        },
        "/v2/bulk_jobs": {
            "get": _said("List bulk jobs", _op("get-v2-bulk_jobs", _answer(
                {"type": "object", "properties": {"data": {"type": "array", "items": RECORD}}}))),
        },
        "/calendars/{id}/clear": {
            "parameters": ID,
            "post": {**_op("clear", OK), "description": "Clears a calendar.\n\nMore words."},
        },
    },
}  # fmt: skip


def test_the_summary_and_the_whole_spec_are_read():
    """A summary's opening deed and its object's number; a collection the spec lets clients
    PUT is records, not jobs (Asana's tasks); a status set by PUT is a deed; GitHub's
    `group/verb-object` operationIds."""
    (service,) = load_services([WORDS])
    found = {(op.method, op.path): rec for op in service.operations
             for rec in [recognize_all(service, weighed=False)[id(op)]]}  # fmt: skip
    patterns = {f"{m} {p}": r.pattern for (m, p), r in found.items()}
    assert patterns == {
        "PUT /tasks/{id}": "update",
        "GET /tasks/{id}/stories": "list",
        "POST /tasks/{id}/addFollowers": "batch",
        "POST /tasks/{id}/subtasks": "create",
        "PUT /meetings/{id}/status": "action",
        "POST /issues/{id}/comments": "create",
        "GET /issues/{id}/assignees/{name}": "read",
        "DELETE /uploads/{id}": "delete",
        "POST /keys/{id}/requestToken": "auth",
        "POST /calendars/{id}/clear": "action",
        "POST /channels/{id}/webhooks": "webhook",
        "POST /files/upload_sessions": "upload",
        "GET /invoices/{id}": "read",
        "POST /invoices/{id}": "update",
        "POST /invoices/{invoice}/finalize": "action",
        "GET /contacts/count": "read",
        "GET /contacts/exports": "list",
        "GET /contacts/exports/{id}": "async-job",
        "POST /interactions/publishAsync/{id}": "async-job",
        "POST /queues/messages/batch-delete": "batch",
        "POST /pulls/{id}/approve": "action",
        "DELETE /pulls/{id}/approve": "action",
        "GET /pulls/{id}/patch": "read",  # a GET changes nothing: `patch` is a noun
        "GET /envelopes/{id}/recipients": "list",
        "POST /envelopes/{id}/recipients": "batch",
        "POST /mrs/{id}/comments": "create",
        "POST /payments/{id}/captures": "action",
        "GET /mrs/{id}/versions": "list",
        "POST /servers/{id}/actions/poweroff": "action",
        "POST /folders": "create",
        "POST /locks/{id}": "create",
        "POST /orders/batch-retrieve": "batch",
        "DELETE /repos/{id}/labels": "batch",
        "POST /repos/{id}/labels": "create",
        "POST /accounts/get": "list",
        "GET /t/{id}/posts.json": "list",
        "GET /providers/Microsoft.Batch/batchAccounts/{id}": "read",
        "PUT /sms/cancel-all": "batch",
        "DELETE /rooms/{id}/groups": "batch",
        "POST /Sessions/Playing": "action",
        "POST /#X-Amz-Target=States.StartExecution": "async-job",
        "PATCH /endpoints/{id}/transformation": "update",
        "GET /tweets/search/recent": "search",
        "POST /containers/create": "create",
        "GET /containers/{id}/export": "download",
        "GET /apis/batch/v1/cronjobs/{id}": "read",
        "DELETE /api/v1/configmaps": "batch",
        "POST /__admin/requests/remove": "batch",
        "PUT /customers/me/activate": "action",
        "PUT /creditmemos/{id}/unapply": "action",
        "POST /alerts/closeAll": "batch",
        "POST /symbol_uploads": "upload",
        "POST /reports/{id}/pdf": "action",
        "POST /renders/{id}": "async-job",
        "GET /customers/count.json": "read",
        "GET /v2/bulk_jobs": "list",
        "POST /video/uploads": "upload",
        "PUT /video/uploads/{id}/cancel": "action",
    }
    stories = found["GET", "/tasks/{id}/stories"]
    assert "its summary opens with 'get' of many" in stories.features
    assert "sets a status: a deed, not a job" in found["PUT", "/meetings/{id}/status"].features
    subtask = next(op for op in service.operations if op.operation_id == "createSubtaskForTask")
    assert recognize(subtask, weighed=False).pattern == "async-job"  # alone, `tasks` reads as jobs
    clear = found["POST", "/calendars/{id}/clear"]
    assert "its summary opens with 'clear'" not in clear.features  # not a known deed


RECORDS = {"type": "array", "items": RECORD}
PAGED = {"type": "object", "properties": {"collection": RECORDS, "next_href": {}}}
CSV_TOO = {  # one record, as JSON or as CSV
    "200": {
        "description": "ok",
        "content": {
            "application/json": {"schema": RECORD},
            "text/csv": {"schema": RECORD},
        },
    }
}
CHANGES = {"type": "object", "properties": {"result": RECORDS, "details": {}}}
NULLABLE_PAGE = {  # 3.0's nullable array, and counts beside it
    "type": "object",
    "properties": {
        "count": {"type": "integer"},
        "data": {"type": "array", "nullable": True, "items": RECORD},
        "hasMore": {"type": "boolean"},
        "url": {"type": "string"},
    },
}
SWAGGER_FILE = {"type": "object", "format": "file"}  # Swagger 2's `type: file`, converted
HABITS = {
    "openapi": "3.1.0",
    "info": {"title": "habits", "version": "1"},
    "paths": {
        "/feeds/{id}": {
            "parameters": ID,
            "get": _said("Get feed by feed key", _op("getFeed", CSV_TOO)),
        },
        "/files/{id}": {
            "parameters": ID,
            "get": {
                "operationId": "File_Get",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": SWAGGER_FILE},
                            "application/octet-stream": {"schema": SWAGGER_FILE},
                        },
                    }
                },
            },
        },
        "/images/{id}": {
            "parameters": ID,
            "get": _said("Get image metadata", _op("get_image", _answer(RECORDS))),
        },
        "/domains/count": {"get": _op("Domains_Count", _answer(RECORD))},
        "/contacts": {
            "get": _said("Find contacts", _op("findContacts", _answer(RECORDS))),
        },
        "/contacts/{id}": {
            "parameters": ID,
            "get": _said("Find a specific contact", _op("findContact", _answer(RECORD))),
        },
        "/tracks/{id}/comments": {
            "parameters": ID,
            "get": _said(
                "Returns the comments posted on the track.",
                _op("get/tracks/{id}/comments", _answer({"oneOf": [PAGED, RECORDS]})),
            ),
            "post": _said(
                "Returns the newly created comment on success",
                _op("post/tracks/{id}/comments", _answer(RECORD), _json({"body": {}})),
            ),
        },
        "/tracks/{id}/reposters": {
            "parameters": ID,
            "get": _said(
                "Returns a collection of track's reposters.",
                _op("get/tracks/{id}/reposters", _answer(PAGED)),
            ),
        },
        "/likes/tracks/{id}": {
            "parameters": ID,
            "post": _said("Likes a track.", _op("post/likes/tracks/{id}", OK)),
        },
        "/findings/{id}": {
            "parameters": ID,
            "put": _said(
                "Update finding", _op("put/findings/{id}", _answer(RECORD), _json({"a": {}}))
            ),
        },
        "/findings/{id}/retest": {
            "parameters": ID,
            "post": _said("Retest finding", _op("post/findings/{id}/retest", OK)),
        },
        "/request": {
            "post": _said("Create a request", _op("post/request", _answer(RECORD), _json({}))),
        },
        "/request/{id}": {
            "parameters": ID,
            "get": _said("Show details about a request", _op("get/request/{id}", OK)),
        },
        "/storage/files": {
            "post": _said(
                "Create File",
                _op(
                    "storageCreateFile",
                    _answer(RECORD),
                    {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "file": {"type": "string"},
                                    "read": {"type": "string"},
                                },
                            }
                        }
                    },
                ),
            ),
        },
        "/media-files": {
            "post": _said(
                "Create a new product media file",
                _op(
                    "post_media_files", OK, _json({"file": {"type": "string", "format": "binary"}})
                ),
            ),
        },
        "/jobs/{id}/terminate": {
            "parameters": ID,
            "post": _said("Terminates the specified job", _op("Job_Terminate", OK)),
        },
        "/person/{id}/token/{tokenId}": {
            "parameters": [*ID, {"name": "tokenId", "in": "path", "required": True}],
            "delete": _said("Delete a token of a person.", _op("delete/person/token", OK)),
        },
        "/oauth/token/{id}/organization": {
            "parameters": ID,
            "get": _said("Get the organization for a token", _op("fetchTokenOrg", OK)),
        },
        "/batches/{batchUuid}": {
            "parameters": [{"name": "batchUuid", "in": "path", "required": True}],
            "get": _said("Get details of a single Batch", _op("getDetailsSingleBatch", OK)),
        },
        "/start_phone_number_auth": {
            "post": _said("Starts phone number auth.", _op("post/start_phone_number_auth", OK)),
        },
        "/changelog/zone/{zoneKey}": {
            "parameters": [{"name": "zoneKey", "in": "path", "required": True}],
            "get": _said(
                "get changes in a specified zone",
                _op("get/changelog/zone", _answer(CHANGES)),
            ),
        },
        "/groups/{id}/additem": {
            "parameters": ID,
            "post": _said(
                "Add Subscription item by groupId",
                _op("Additemsubscription-groupId", _answer(RECORD), _json({"url": {}})),
            ),
        },
        "/subscriptions/list": {
            "get": _said("Get Subscription List", _op("GetSubscriptionList", OK)),
        },
        "/services/{id}/targets": {
            "parameters": ID,
            "patch": _said(
                "Update a service's targets",
                _op(
                    "updateServiceTargets",
                    OK,
                    {"application/json": {"schema": {"type": "array", "items": {}}}},
                ),
            ),
        },
        "/Calendar/Show/{Name}/{Year}": {
            "parameters": [
                {"name": "Name", "in": "path", "required": True},
                {"name": "Year", "in": "path", "required": True},
            ],
            "get": _said("Get Calendar by showname", _op("CalendarByShow_Get", _answer(RECORDS))),
        },
        "/users/{id}/change_password": {
            "parameters": ID,
            "post": _said("Change Password", _op("changePassword", OK, _json({"new": {}}))),
        },
        "/appointments": {
            "get": _said("Get Appointments", _op("get/appointments", _answer(NULLABLE_PAGE))),
        },
        "/system/status": {"get": _said("Get server status", _op("getStatus", OK))},
        "/syncs/{id}/status": {
            "parameters": ID,
            "get": _said("Get sync status", _op("getSyncStatus", OK)),
        },
        "/api/Task": {
            "post": _said("Create a Task", _op("Task_Post", _answer(RECORD), _json({"a": {}}))),
            "put": _said("Update a Task", _op("Task_Put", _answer(RECORD), _json({"a": {}}))),
        },
        "/groups/{id}/addContact/{contactId}": {
            "parameters": [*ID, {"name": "contactId", "in": "path", "required": True}],
            "post": _said("addContact", _op("post/groups/addContact", OK)),
        },
        "/contacts/all": {"get": _op("get/contacts/all", _answer(RECORD))},
        "/customers/{id}/orders": {
            "parameters": ID,
            "get": _said("Find orders of the customer", _op("getCustomersOrders", OK)),
        },
        "/articles/{id}": {
            "parameters": ID,
            "get": _said(
                "Published article by id",
                _op("getArticleById", _answer({"type": "object", "items": RECORD})),
            ),
        },
        "/filter/{id}/columns": {
            "parameters": ID,
            "put": {**_op("put/filter/{id}/columns", OK, _json({"a": {}})), "summary": ""},
        },
        "/webhooks/feed/:token": {
            "post": _said("Send data to a feed via webhook URL.", _op("createWebhookFeedData", OK)),
        },
    },
}


def test_answers_forms_and_nouns_are_read():
    """Habits of specs: CSV beside JSON is one record spelled twice; a file in a form field
    or a JSON body is an upload; `find` by GET of a collection only lists; an item path
    answered with an array still reads when both names say one; a collection's path word
    is a noun whatever verb it spells; `/:token` is a parameter."""
    (service,) = load_services([HABITS])
    found = recognize_all(service, weighed=False)
    patterns = {f"{op.method} {op.path}": found[id(op)].pattern for op in service.operations}
    assert patterns == {
        "GET /feeds/{id}": "read",
        "GET /files/{id}": "download",
        "GET /images/{id}": "read",
        "GET /domains/count": "read",
        "GET /contacts": "list",
        "GET /contacts/{id}": "read",
        "GET /tracks/{id}/comments": "list",
        "POST /tracks/{id}/comments": "create",
        "GET /tracks/{id}/reposters": "list",
        "POST /likes/tracks/{id}": "action",
        "PUT /findings/{id}": "replace",
        "POST /findings/{id}/retest": "action",
        "POST /request": "create",
        "GET /request/{id}": "read",
        "POST /storage/files": "upload",
        "POST /media-files": "upload",
        "POST /jobs/{id}/terminate": "action",
        "DELETE /person/{id}/token/{tokenId}": "delete",
        "GET /oauth/token/{id}/organization": "read",
        "GET /batches/{batchUuid}": "read",
        "POST /start_phone_number_auth": "auth",
        "GET /changelog/zone/{zoneKey}": "list",
        "POST /groups/{id}/additem": "action",  # no hook named: a URL is only an address
        "GET /subscriptions/list": "list",
        "PATCH /services/{id}/targets": "update",
        "GET /Calendar/Show/{Name}/{Year}": "list",
        "POST /users/{id}/change_password": "action",
        "GET /appointments": "list",
        "GET /system/status": "read",
        "GET /syncs/{id}/status": "async-job",
        "POST /api/Task": "create",
        "PUT /api/Task": "replace",
        "POST /groups/{id}/addContact/{contactId}": "action",
        "GET /contacts/all": "list",
        "GET /customers/{id}/orders": "list",
        "GET /articles/{id}": "read",  # an object that also says `items` is no array
        "PUT /filter/{id}/columns": "replace",  # a filter kept as a record is no search
        "POST /webhooks/feed/:token": "create",
    }


def test_phrases_read_the_deed_and_how_many():
    cases = {
        ("Creates a task.", ""): ("create", False),
        ("", "Returns a list of files."): ("read", True),
        ("Get the calendars on the user's list", ""): ("read", True),
        ("Get a file", ""): ("read", False),
        ("Get meeting recording settings", ""): ("read", False),
        ("Reboot specified Redis node(s).", ""): ("action", True),
        ("Deprecated: List pets", ""): ("list", True),
        ("", "Use this method to send a message."): ("action", False),
        ("Delete meeting recordings", ""): ("delete", True),
        ("Log in a user", ""): ("auth", False),
        ("", "Deletes up to ten messages from the specified queue."): ("delete", True),
        ("Add one or more recipients", ""): ("create", True),
        ("Returns a collection of playlist's reposters.", ""): ("read", True),
        ("Returns the comments posted on the track.", ""): ("read", True),
        ("Returns the newly created comment", ""): ("create", False),
        ("Performs a track search based on a query", ""): ("search", False),
        ("Retest finding", ""): ("action", False),
        ("Removes a tag", ""): ("delete", False),  # `remove` is no `re-move`
        ("Get crew list by ID", ""): ("read", True),
        ("Perform calculations", ""): ("action", False),
        ("Determines if the user has set a password", ""): ("read", False),
        ("Map a public route to a group", ""): ("action", False),
        ("Change a user's password", ""): ("action", False),
        ("Book Appointment", ""): ("action", False),
        ("Reload dynamic groups", ""): ("action", True),
    }
    assert phrases.read("News Feed Card Analytics", "") is None  # news are no new
    for (summary, description), (pattern, many) in cases.items():
        said = phrases.read(summary, description)
        assert said is not None and (said.pattern, said.many) == (pattern, many), summary
    assert phrases.read("Meeting status", "") is None  # no deed
    assert phrases.read("", "") is None
    assert phrases.read("Restart an upload session", "").upload  # type: ignore[union-attr]
    assert phrases.read("Send a batch of email", "").bulk  # type: ignore[union-attr]
    assert phrases.read("Request an access token", "").token  # type: ignore[union-attr]
    assert phrases.read("Starts phone number auth.", "").token  # type: ignore[union-attr]
    assert not phrases.read("Get a patient's authentication modes", "").token  # type: ignore[union-attr]
