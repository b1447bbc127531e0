"""What an operation is, with how sure specmock is and why.

The classifier in `resources.py` decides a Role (what state does); this module weighs
the evidence for a wider set of patterns (CRUD verbs, auth, search, upload, download,
batch, async job, webhook registration) and says which features decided it. Each
feature adds weight to one pattern; a pattern's score is 1 - prod(1 - weight), and the
rules' own choice is the best score, sure by how far it leads the runner-up. Weights
learned from labelled operations (`learned.py`) then weigh that evidence with the words
and shapes it came from; their choice and its probability are what is reported, so an
operation that looks like two things is reported as unsure. `wording.py` splits paths and
names into words; `shapes.py` reads what bodies and answers hold."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from . import learned, phrases
from .heuristics import snake
from .plan import Operation, Service
from .shapes import (
    BINARY,
    answer_shape,
    answers_bytes,
    bare_list,
    fields_of,
    fields_only,
    has_binary,
    names_alike,
    pagination,
    raw,
    resolved,
    sends_bytes,
)
from .wording import NAMESPACE, ends_literal, last_segment, route, subject_segments, words

CRUD = ("create", "read", "list", "replace", "update", "delete")
PATTERNS = (
    *CRUD,
    "auth",
    "search",
    "upload",
    "download",
    "batch",
    "async-job",
    "webhook",
    "action",
)
FORCED = 1.0
_LEADING = (*CRUD, "auth", "search", "upload", "download", "action")  # an id's first word

_VERBS: dict[str, tuple[str, ...]] = {
    "create": ("create", "add", "new", "insert", "register", "post"),
    "read": ("get", "retrieve", "fetch", "show", "read", "describe", "find_by_id", "one"),
    "list": ("list", "all", "index", "browse", "enumerate"),
    "replace": ("replace", "put", "set", "upsert"),
    "update": ("update", "patch", "modify", "edit", "change"),
    "delete": ("delete", "remove", "destroy", "purge"),
    "auth": (
        "login",
        "logout",
        "token",
        "oauth",
        "authorize",
        "authenticate",
        "signin",
        "session",
        "keep",
        "revoke",
    ),
    "search": ("search", "query", "find", "lookup", "filter"),
    "upload": ("upload", "uploads", "import", "attach"),
    "download": ("download", "export", "content", "raw", "file", "blob"),
    "batch": ("batch", "bulk", "multi", "many", "multiple"),
    "async-job": (
        "job",
        "jobs",
        "build",
        "builds",
        "operation",
        "operations",
        "task",
        "tasks",
        "status",
        "poll",
        "async",
        "exports",
        "imports",
        "execution",
        "executions",
    ),
    "webhook": ("webhook", "webhooks", "hook", "hooks", "watch"),
    "action": (
        "send",
        "cancel",
        "run",
        "stop",
        "start",
        "fire",
        "trigger",
        "execute",
        "validate",
        "transition",
        "redrive",
        "retry",
        "extract",
        "wait",
        "count",
        "check",
    ),
}
_VERBS["action"] += tuple(sorted(phrases.DEEDS - set(_VERBS["action"])))  # and every deed
_CRUD_VERBS = {v for p in CRUD for v in _VERBS[p]} | set(_VERBS["search"])
_NOT_VERBS_SECOND = {"all", "one", "new", "index", "many", "multi", "content", "file"}  # nouns too
_WRITE_VERBS = {v for p in ("create", "replace", "update", "delete") for v in _VERBS[p]}
# the pattern a method implies when nothing else is known: a verb restating it adds little
_METHOD_DEFAULT = {"GET": "read", "HEAD": "read", "PUT": "replace", "PATCH": "update"}
_METHOD_DEFAULT["DELETE"] = "delete"
_UPLOAD_STEPS = ("start", "begin", "initiate", "resume", "commit", "complete", "finish")
_HOOK_WORDS = {"webhook", "hook", "callback", "subscribe", "notification"}
_HOOK_WORDS |= {"event", "listener", "watch", "notify", "trigger"}
_PROCESSES = {"sync", "syncs", "destroy", "publish", "deploy", "upload"}
_ID_WORDS = {"id", "uuid", "guid", "key", "sid", "digest", "name", "slug", "hash", "number", "code"}
_CREDENTIALS = {"token", "tokens", "auth", "authentication", "login", "signin"}
_AUTH_WORDS = {"login", "logout", "token", "tokens", "oauth", "auth", "signin", "authorize"}
_JOB_NOUNS = {"job", "task", "operation", "execution", "migration"}
_JOB_IDS = {f"{noun}_id" for noun in _JOB_NOUNS} | {"job", "task"}
_HOOKS = ("webhook", "webhooks", "hook", "hooks")  # not subscriptions: Stripe's are billing
_PHRASE_WEIGHT = {"action": 0.45}
_RESTATED = {("POST", "create"), ("PUT", "update")}  # what else a method is commonly said to do
_JOBS = ("job", "jobs", "task", "tasks", "operation", "operations", "export", "exports")
_JOBS += (
    "build",
    "builds",
    "execution",
    "executions",
)  # a CI build runs, then is polled (CircleCI, Netlify)
# what a deed's path may name besides the deed, and which then decides
_NAMED_ELSE = {*_VERBS["batch"], *_JOBS, "async", "upload", "uploads"}
_LOOKUPS = ("find", "lookup")  # verbs of a search that a GET of a collection only restates
_CALLBACK_FIELDS = ("url", "callback_url", "callbackurl", "target_url", "endpoint", "uri")
_CALLBACK_FIELDS += ("address", "notification_url", "webhook_url", "hook_url", "event_url")
# words that end the object of an operationId: `getGroupsForUser` reads groups, not a user
_PREPOSITIONS = ("for", "by", "of", "in", "on", "from", "to", "with", "at", "under", "per")
# verbs an RPC path may start with; nouns that double as verbs (`content`, `file`) are left out
_PATH_VERBS = {v for p in (*CRUD, "auth", "search", "action", "upload") for v in _VERBS[p]}
_PATH_VERBS -= {"new", "one", "all", "index", "post", "put", "session", "token", "keep"}
_PATH_VERBS -= {"status", "count", "check", "wait", "filter", "import", "attach", "oauth"}
_PATH_VERBS -= {"upload", "uploads"}  # `/upload-tokens` is a noun
_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
# a name a feature quotes or ends in: `undoes 'approve'`, `on an item path of /pets`
_QUOTED = re.compile(r"'[^']*'|\[[^\]]*\]|(?<=path of ).*$")
# the pattern a verb names first: `list` -> list, `search` -> search
_PATTERN_OF = {verb: p for p, verbs in reversed(_VERBS.items()) for verb in verbs}


@dataclass
class Recognition:
    pattern: str
    confidence: float
    features: list[str] = field(default_factory=list)
    pagination: str | None = None  # cursor | offset | page | link, for lists

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "pattern": self.pattern,
            "confidence": self.confidence,
            "features": self.features,
        }
        if self.pagination:
            out["pagination"] = self.pagination
        return out


class _Evidence:
    def __init__(self) -> None:
        self.weights: dict[str, list[float]] = {}
        self.why: dict[str, list[str]] = {}

    def add(self, pattern: str, weight: float, feature: str) -> None:
        self.weights.setdefault(pattern, []).append(weight)
        self.why.setdefault(pattern, []).append(feature)

    def score(self, pattern: str) -> float:
        left = 1.0
        for w in self.weights.get(pattern, ()):
            left *= 1 - w
        return 1 - left


def edited_collections(service: Service) -> frozenset[str]:
    """The collections of a spec whose items clients replace (PUT): records, where a job is
    only ever started, polled and at most PATCHed to a new state. Asana's `/tasks/{gid}` is
    PUT, so `/tasks/{gid}/addFollowers` works on a record; Cloud Tasks' tasks are not."""
    replaced = {
        words(op.role.resource.name)[-1]
        for op in service.operations
        if op.role is not None
        and op.role.resource is not None
        and words(op.role.resource.name)
        and op.role.kind == "replace"
    }
    # a PUT of the collection path itself, the record named in the body (Avaza's `/api/Task`)
    put = {words(last_segment(op))[-1] for op in service.operations if _puts_a_job(op)}
    return frozenset(replaced | put)


def _puts_a_job(op: Operation) -> bool:
    """A PUT of a path ending in one job word (`PUT /api/Task`): its records are edited."""
    last = words(last_segment(op))
    return op.method == "PUT" and ends_literal(op.path) and last in ([j] for j in _JOBS)


def recognize_all(service: Service, weighed: bool = True) -> dict[int, Recognition]:
    """Every operation's recognition, keyed by `id(operation)`, with what the whole spec says
    about its collections."""
    edited = edited_collections(service)
    return {id(op): recognize(op, edited, weighed) for op in service.operations}


def recognize(
    op: Operation, edited: frozenset[str] = frozenset(), weighed: bool = True
) -> Recognition:
    """What one operation is; `edited` names the collections its spec lets clients edit
    (see `edited_collections`). `weighed=False` gives the rules' own ranking, without the
    learned weights (`learned.py`)."""
    forced = op.extensions.get("x-specmock-kind")
    if isinstance(forced, str) and forced in (*PATTERNS, "none"):
        return Recognition(forced, FORCED, ["x-specmock-kind"], pagination(op))
    ev, n, said = _evidence(op, edited)
    best, confidence = _ruled(ev)
    if weighed:
        found = learned.weigh(_cues(op, ev, n, said, best))
        best, confidence = found.pattern, round(found.probability, 3)
        why = [*ev.why.get(best, ()), _weighed_by(found)]
    else:
        why = ev.why.get(best, ["no deciding feature"])
    paging = pagination(op) if best in ("list", "search") else None
    return Recognition(best, confidence, why, paging)


def _weighed_by(found: learned.Weighed) -> str:
    """The learned cues that raised the pattern most, other than the rules' own evidence
    (listed already)."""
    raised = [cue for cue in found.cues if not cue.startswith("rule ")][:2]
    return f"weighed: {'; '.join(raised)}" if raised else "weighed"


def cues(op: Operation, edited: frozenset[str] = frozenset()) -> dict[str, float]:
    """What the learned weights are given for `op`: the rules' evidence and choice, and the
    words and shapes it was drawn from (bench/train_recognition.py fits the weights to
    these)."""
    ev, n, said = _evidence(op, edited)
    return _cues(op, ev, n, said, _ruled(ev)[0])


def _evidence(
    op: Operation, edited: frozenset[str]
) -> tuple[_Evidence, _Names, phrases.Phrase | None]:
    ev = _Evidence()
    n, said = _names(op), phrases.read(op.summary, op.description)  # read once, used thrice
    _from_role(op, ev, n, said)
    _from_names(op, ev, n, edited)
    _from_media(op, ev)
    _from_statuses(op, ev)
    _from_job_answer(op, ev)
    _from_phrase(op, ev, n, said)
    return ev, n, said


def _ruled(ev: _Evidence) -> tuple[str, float]:
    """The rules' own choice: the best-scored pattern, sure by how far it leads."""
    ranked = sorted(ev.weights, key=lambda p: (-ev.score(p), PATTERNS.index(p)))
    if not ranked:
        return "action", 0.2
    best = ranked[0]
    second = ev.score(ranked[1]) if len(ranked) > 1 else 0.0
    return best, round(max(0.05, min(1.0, ev.score(best) - 0.5 * second)), 3)


def _cues(
    op: Operation, ev: _Evidence, n: _Names, said: phrases.Phrase | None, best: str
) -> dict[str, float]:
    """Named numbers for the learned weights: the rules' scores, choice and evidence; the
    method with the path's, operationId's and summary's words; the answer's shape and
    description; and how much of a record the body is (`_body_cues`)."""
    m, role = op.method, op.role
    kind = role.kind if role else None
    item = bool(role and role.resource and role.resource.item)
    found = {f"rule {p} scored": ev.score(p) for p in ev.weights}
    found |= {f"rules chose {best}": 1.0, f"rules chose {best} for {m}": 1.0}
    found |= {f"rule {p}: {_general(why)}": 1.0 for p in ev.why for why in ev.why[p]}
    last = n.last_words[-1] if n.last_words else ""
    found |= {
        m: 1.0,
        f"{m} classified {kind}, item {item}": 1.0,
        f"{m} answering {answer_shape(op)}": 1.0,
        f"{m} ending in a literal: {ends_literal(op.path)}": 1.0,
        f"{m} last path word for {_PATTERN_OF.get(last)}": 1.0,
        f"{m} operationId verb for {_PATTERN_OF.get(n.first)}": 1.0,
        f"{m} object plural: {n.many}": 1.0,
        f"{m} summary says many: {bool(said and said.many)}": 1.0,
        f"{m} paged: {pagination(op) is not None}": 1.0,
        f"{m} bare list: {bare_list(op)}": 1.0,
    }
    found |= {f"operationId word: {w}": 0.5 for w in words(op.operation_id or "")}
    found |= {f"summary word: {w}": 0.5 for w in words(op.summary or "")}
    found |= {f"{m} last path word: {w}": 1.0 for w in n.last_words}
    success = op.success
    if success is not None:
        found |= {f"answer description word: {w}": 0.5 for w in words(success.description)[:12]}
    return found | _body_cues(op)


def _body_cues(op: Operation) -> dict[str, float]:
    """How much of a record the request body is: all its fields required (a replace), none
    (an update), the very schema the answer has."""
    media = next(iter(op.body.content.values()), None) if op.body else None
    if media is None or not isinstance(media.schema, dict):
        return {f"{op.method} body: none": 1.0}
    schema = resolved(op, media.schema, "request")
    fields, required = fields_of(schema), schema.get("required")
    required = required if isinstance(required, list) else []
    answer = next(iter(op.success.content.values()), None) if op.success else None
    answered = answer.schema if answer is not None and isinstance(answer.schema, dict) else {}
    same = "$ref" in media.schema and media.schema["$ref"] == answered.get("$ref")
    share = len(required) / len(fields) if fields else 0.0
    return {
        f"{op.method} body fields: {_bucket(len(fields))}": 1.0,
        f"{op.method} body required: {_bucket(len(required))}": 1.0,
        f"{op.method} body required share": share,
        f"{op.method} body is the answer's schema: {same}": 1.0,
    }


def _bucket(n: int) -> str:
    return "0" if n == 0 else "1-2" if n <= 2 else "3-9" if n <= 9 else "10+"


def _general(feature: str) -> str:
    """A feature without the names it quotes: `DELETE undoes 'approve'` -> `DELETE undoes …`,
    so that what it says of one API's operations is learned for others."""
    return _QUOTED.sub("…", feature)


def _from_role(op: Operation, ev: _Evidence, n: _Names, said: phrases.Phrase | None) -> None:
    """The path shape and method, as the state classifier read them."""
    role = op.role
    if role is None:
        return
    answer = answer_shape(op) if op.method == "GET" else None
    # an item path answered with an array, where the names say one (Anchore's image)
    one = role.kind == "read" and answer in ("array", "wrapped") and _named_one(op, n, said)
    if role.kind in CRUD and role.resource is not None:
        shape = "an item path" if role.kind not in ("create", "list") else "a collection path"
        weight = 0.55 if role.resource.item else 0.3
        if role.kind == "read" and answer in ("array", "wrapped") and not one:
            weight = 0.25  # the answer says many, whatever the path says (`/top/{topic}`)
        ev.add(role.kind, weight, f"{op.method} on {shape} of {role.resource.collection}")
    elif role.kind == "list" and (bare_list(op) or pagination(op) or answer == "wrapped"):
        ev.add("list", 0.4, f"{op.method} returning a list")
    elif role.kind == "list":  # a GET with no list in its answer and no page to ask for
        ev.add("read", 0.4, f"{op.method} of one document (no list in the answer)")
    elif role.kind in ("auth", "search"):
        weight = 0.3 if role.kind == "auth" and _only_sessions(op) else 0.5
        ev.add(role.kind, weight, f"classified {role.kind} by its path")
    elif role.kind == "action" and op.method == "POST" and not ends_literal(op.path):
        ev.add("update", 0.4, "POST to one item changes it")  # Stripe's, Twilio's updates
    elif role.kind == "action":
        ev.add("action", 0.25, f"{op.method} on a path that is no collection")
    if op.method == "PATCH" and role.kind not in CRUD:
        ev.add("update", 0.25, "PATCH changes part of it")
    if op.method == "DELETE" and role.kind not in CRUD:
        _from_delete(op, ev)
    if op.method == "HEAD":
        ev.add("read", 0.75, "HEAD reads an item's headers")
    elif op.method == "GET" and role.kind not in ("list", "read"):
        ev.add("read", 0.3, "GET of one document")
    if answer == "array" and one:
        ev.add("list", 0.3, "GET answering an array, though one is named")
    elif answer == "array":
        ev.add("list", 0.6, "GET answering an array of records")
    elif op.method == "GET" and (bare_list(op) or answer == "wrapped"):
        ev.add("list", 0.5, "GET answering a list of items")
    if role.kind in ("list", "search") and pagination(op):
        ev.add(role.kind, 0.2, f"{pagination(op)} pagination parameters")


def _named_one(op: Operation, n: _Names, said: phrases.Phrase | None) -> bool:
    """Both the operationId and the summary name one thing (`get_image`, `Get image
    metadata`), whatever shape the answer takes."""
    return said is not None and not said.many and not n.many and _names_one(op.path)


def _names_one(path: str) -> bool:
    """The path ends in an identifier of what precedes it (`/images/{imageDigest}`,
    `/phones/{contactId}`), not in a filter (`/Calendar/Show/{Name}/{Year}`)."""
    segments = [s for s in route(path).split("/") if s]
    if len(segments) < 2 or not segments[-1].startswith("{") or "{" in segments[-2]:
        return False
    param = segments[-1].strip("{}")
    said = words(param)
    return (bool(said) and said[-1] in _ID_WORDS) or names_alike(param, segments[-2])


@dataclass
class _Names:
    """The words an operation is named with, and the verb they lead with."""

    id_words: list[str]  # the operationId's
    path_words: list[str]  # the path's subject segments'
    path_heads: list[str]  # the last word of each subject segment
    last_words: list[str]  # the last literal segment's
    first: str  # the verb
    many: bool  # its object is plural
    named_by_path: bool  # the operationId is only the method and the path
    restated: bool  # the verb only says what the method does
    qualifiers: list[str]  # words after the verb that qualify it (`sendEmailBatch`)
    # an export or import whose bytes go elsewhere (to storage, answered 202) is a job: its
    # words weigh less when no file is in the body or the answer
    moves: dict[str, bool]


def _names(op: Operation) -> _Names:
    id_words = words(op.operation_id)
    segments = subject_segments(op.path)
    last_words = words(last_segment(op))
    first = _verb(op.operation_id)
    many = _many(id_words, first)
    named_by_path = first == op.method.lower() and _only_path(id_words[1:], op.path)
    # a GET changes nothing: `GET .../pullrequests/{id}/patch` ends in a noun
    verb = (
        last_words[0]
        if last_words and not (op.method == "GET" and last_words[0] in _WRITE_VERBS)
        else ""
    )
    if named_by_path and verb in _PATH_VERBS and ends_literal(op.path) and not _items_below(op):
        # RPC paths (`/sendMessage`, `/updates/{id}/destroy`, `{name}:pause`) name the verb;
        # their other words count once, as path words
        first, many = last_words[0], _many(last_words, last_words[0])
        id_words, named_by_path = [first], False
    # the author's own verb outweighs the path's shape, unless it only restates the method
    restated = first == op.method.lower() or first in _VERBS.get(
        _METHOD_DEFAULT.get(op.method, ""), ()
    )
    if _looks_up(op, first):
        first = "get"  # `findContacts` by GET of a collection: its filters make no search
    if op.method in ("DELETE", "GET") and first in _VERBS["action"]:
        restated = True  # `Blob_CancelUpload` by DELETE: the method says what goes; a GET
        # that `check`s or `count`s reads
    if op.method == "PUT" and first in _VERBS["update"] and _patched(op):
        restated = True  # `events.update` by PUT beside `events.patch`: the whole record
    if first in _VERBS["create"] and "or" in id_words and set(id_words) & set(_VERBS["update"]):
        first, restated = "upsert", False  # `FirewallRules_CreateOrUpdate`: one or the other
    if op.method == "PATCH" and first in _VERBS["replace"]:
        first = "update"  # `set_endpoint_transformation` by PATCH: a part, never the whole
    if first in (*_VERBS["update"], *_VERBS["replace"]) and "password" in {*id_words, *last_words}:
        first = "reset"  # `changePassword`, `/Password/Set`: a deed on a credential
    said = {*id_words, *last_words, *(w for s in segments for w in words(s))}
    if first in _VERBS["action"] and _CREDENTIALS & said and "password" not in said:
        first = "token"  # `requestAccessToken`, `/start_phone_number_auth`: a deed on a
        # credential is auth
    return _Names(
        id_words,
        [w for s in segments for w in words(s)],
        [words(s)[-1] for s in segments if words(s)],
        last_words,
        first,
        many,
        named_by_path,
        restated,
        _unnamed(_versioned(id_words))[1:] + _batch_first(id_words),
        {
            "upload": sends_bytes(op),
            "download": op.method == "GET" or answers_bytes(op),
        },
    )


def _from_delete(op: Operation, ev: _Evidence) -> None:
    """A DELETE on a path that is no item: of a collection, of a deed (which undoes it), or
    of one thing."""
    last = words(last_segment(op)) if ends_literal(op.path) else []
    if last and phrases.plural(last[-1]):
        ev.add("batch", 0.3, "DELETE of a whole collection")  # `/users/{id}/sessions`
    elif _deed(last[:1]):
        ev.add("action", 0.5, f"DELETE undoes {last[0]!r}")  # `/pullrequests/{id}/approve`
    else:
        ev.add("delete", 0.3, "DELETE of one thing")


def _from_names(op: Operation, ev: _Evidence, n: _Names, edited: frozenset[str]) -> None:
    """Verbs in the operationId, nouns in the path."""
    n = replace(n)  # its verb is set aside below; the other stages read it as named
    if n.first == "post" and n.named_by_path and not _posts_to_noun(op):
        n.first = ""  # `post-payments-{id}-captures`: the method and the path, no verb
    elif n.first in _VERBS["read"] and n.many and op.method == "POST":
        ev.add("list", 0.5, f"RPC {n.first} of many")  # `/getChatAdministrators`
        n.first = ""
    elif n.first in _VERBS["read"] and n.many and answer_shape(op) in ("array", "wrapped", None):
        n.first = ""  # `getGroupsForUser`: a get of many is a list, weighed by _from_number
    for pattern, verbs in _VERBS.items():
        _from_words(op, ev, n, pattern, verbs, edited)
    _from_last_word(op, ev, n, edited)
    _from_number(op, ev, n.id_words, n.last_words, n.first, n.many)


def _from_words(
    op: Operation,
    ev: _Evidence,
    n: _Names,
    pattern: str,
    verbs: tuple[str, ...],
    edited: frozenset[str],
) -> None:
    """One pattern's verbs: leading the operationId, later in it, or in the path."""
    if pattern == "async-job" and op.method == "GET" and _status_of_thing(n, verbs):
        return  # `/system/status`: the status of a thing; `/syncs/{id}/status`: of a deed
    # `getDetailsSingleBatch` of `/batches/{id}`, `/filter/{id}/columns`: kept as records
    kept = pattern in ("batch", "search") and _kept(op.path, pattern)
    if n.first in verbs and pattern in _LEADING:
        weight = (0.3 if n.restated else 0.6) if n.moves.get(pattern, True) else 0.3
        ev.add(pattern, weight, f"operationId starts with {n.first!r}")
    elif pattern == "async-job" and n.first in (*_VERBS["list"], *_VERBS["search"]):
        return  # `ListMessageMoveTasks`: a list of jobs, not one started or polled
    elif pattern == "action" and (op.method == "GET" or n.first in _CRUD_VERBS):
        return  # `ListMessageMoveTasks`, `/contacts/count`: a deed named aside
    elif kept:
        pass
    elif pattern not in CRUD and any(w in verbs for w in n.qualifiers):
        # `sendEmailBatch`: a batch qualifies whatever verb it follows
        ev.add(pattern, 0.65 if pattern == "batch" else 0.3, f"operationId names {pattern}")
    if pattern == "download":  # what is answered is named last: /files/{id}/copy is not
        json_answer = answer_shape(op) in ("record", "wrapped")
        if any(w in verbs for w in n.last_words) and not json_answer and n.moves[pattern]:
            ev.add(pattern, 0.55, "the last path word names a download")
    elif pattern == "async-job" and op.method in ("PUT", "PATCH") and "status" in n.last_words:
        ev.add("action", 0.45, "sets a status: a deed, not a job")
    elif pattern == "async-job" and (_edited(op) or _only_edited(n.path_heads, verbs, edited)):
        return  # records a client replaces are no jobs (Google Tasks' tasks)
    elif pattern == "async-job" and not any(w in verbs for w in n.path_heads):
        return  # `/build-cache` is a cache, `/builds/{id}` a build
    elif pattern == "upload" and op.method in ("GET", "HEAD", "DELETE"):
        return  # `GET /uploads/{id}` reads one
    elif pattern == "batch" and not _batch_segment(op.path):
        return  # `/batchAccounts/{name}`: a batch account is one thing
    elif kept and pattern == "search":  # a kept batch still counts where a segment names one
        return
    elif pattern == "webhook" and not ends_literal(op.path):
        return  # `/webhooks/{id}`: one registered, now read or changed
    elif pattern == "auth" and _kept_credential(op, n):
        return  # `DELETE /token/{id}`, `GET /oauth/token/{id}/organization`: a record
    elif pattern not in CRUD and any(w in verbs for w in n.path_words if w != n.first):
        ev.add(pattern, 0.45, f"path word for {pattern}")  # other than the verb, counted
        if pattern == "async-job" and op.method == "GET" and not _lists_jobs(op, n.last_words):
            ev.add(pattern, 0.4, "GET polls a job or its status")


def _status_of_thing(n: _Names, verbs: tuple[str, ...]) -> bool:
    """`status` is the only job word, and no deed or process is named beside it."""
    said = {*n.id_words, *n.path_words}
    alone = said & set(verbs) <= {"status"}
    return alone and not any(phrases.deed(w) or w in _PROCESSES for w in said)


def _from_last_word(op: Operation, ev: _Evidence, n: _Names, edited: frozenset[str]) -> None:
    """What the path ends with: a job started, a webhook added, something asynchronous."""
    last = n.last_words[-1] if n.last_words else ""
    if any(seg in ("search", "query") for seg in route(op.path).lower().split("/")):
        ev.add("search", 0.6, "a search endpoint")  # `/2/tweets/search/recent`
    named_else = set(n.last_words) & _NAMED_ELSE or set(n.path_words) & _AUTH_WORDS
    named_else = named_else or _items_below(op)  # `/request` over `/request/{id}`: a noun
    if op.method != "GET" and _deed(n.last_words[:1]) and ends_literal(op.path) and not named_else:
        ev.add("action", 0.5, f"the path ends in the deed {n.last_words[0]!r}")  # `/activate`
        if n.last_words[1:] and n.last_words[-1] in ("all", "multiple"):
            ev.add("batch", 0.6, f"the deed is done to {n.last_words[-1]}")  # `/closeAll`
    elif op.method == "GET" and n.last_words == ["all"] and "search" not in n.path_words:
        ev.add("list", 0.6, "GET of /all")  # `/contacts/all`
    elif _deed_between(op):
        ev.add("action", 0.5, "the path names a deed between its nouns")
    if op.method == "GET" and last == "count" and ends_literal(op.path):
        ev.add("read", 0.6, "GET of a count")  # `/domains/count`: one number, not the list
    elif op.method in ("GET", "POST") and n.last_words == ["list"]:
        ev.add("list", 0.6, f"{op.method} of a /list")  # `/subscriptions/list`
    if op.method == "POST" and _under_actions(op.path):
        ev.add("action", 0.7, "POST to one of the actions")  # `/servers/{id}/actions/poweroff`
    if "async" in n.id_words or "async" in n.last_words:
        ev.add("async-job", 0.7, "named asynchronous")
    if op.method == "POST" and last in _HOOKS and n.last_words[0] not in _PATH_VERBS:
        # not `/deleteWebhook`, a deed on one
        ev.add("webhook", 0.7, f"POST adds one of the {last}: registers a callback")
    reading = n.first in (*_VERBS["list"], *_VERBS["read"], *_VERBS["search"])
    jobs = last in _JOBS and not _edited(op) and last not in edited
    if op.method == "POST" and jobs and not reading and ends_literal(op.path):
        ev.add("async-job", 0.6, f"POST starts one of the {last}")
    if n.first in _VERBS["search"] and (answer_shape(op) in ("array", "wrapped") or bare_list(op)):
        ev.add("search", 0.6, "a search answering a list")


def _deed_between(op: Operation) -> bool:
    """A verb and its object spelled as a segment before a parameter (`/groups/{id}/
    addContact/{contactId}`), or a deed followed by what it is done to (`/ships/{id}/scan/
    waypoints`): RPC in REST clothing."""
    segments = [s for s in route(op.path).split("/") if s]
    for i, segment in enumerate(segments[:-1]):
        said = words(segment)
        if "{" in segment or not said:
            continue
        writes = said[0] in _CRUD_VERBS and said[0] not in _VERBS["read"]
        one = not phrases.plural(said[-1]) and said[-1] not in _NAMED_ELSE  # not `merge_requests`
        if "{" in segments[i + 1] and len(said) > 1 and one and (writes or _deed(said)):
            return True  # `addContact/{contactId}`
        after = segments[i + 1 :]
        if (
            op.method != "GET"
            and len(said) == 1
            and _deed(said)
            and not any("{" in s for s in after)
        ):
            return True  # `scan/waypoints`
    return False


def _only_sessions(op: Operation) -> bool:
    """The path says auth only by `session(s)`: playback, payment or upload sessions too."""
    said = {w for s in route(op.path).split("/") for w in words(s)}
    return bool(said & {"session", "sessions"}) and not said & _AUTH_WORDS


@lru_cache(maxsize=4096)  # a pure function of the path, asked once per pattern
def _batch_segment(path: str) -> bool:
    """A segment names a batch (`/email/batch`, `/batchWithTemplates`, `/bulk-delete`), not
    a collection of things called batches something (`/batchAccounts/{name}`)."""
    segments = [s for s in route(path).split("/") if s]
    return any(
        set(_unnamed(words(s))) & set(_VERBS["batch"])
        and not NAMESPACE.match(s)
        and not (i + 1 < len(segments) and segments[i + 1].startswith("{"))
        and not (i + 1 < len(segments) and re.fullmatch(r"v\d+\w*", segments[i + 1]))
        for i, s in enumerate(segments)
    )


@lru_cache(maxsize=4096)  # a pure function of the path, asked once per pattern
def _kept(path: str, pattern: str) -> bool:
    """The path keeps the pattern's things as records, each at its own path (`/batches/
    {batchUuid}`, `/filter/{id}`): its word names that record, not many things done at once
    or a search."""
    segments = [s for s in route(path).split("/") if s]
    return any(
        {w.removesuffix("es") for w in words(s)} & set(_VERBS[pattern])
        and segments[i + 1].startswith("{")
        for i, s in enumerate(segments[:-1])
    )


def _unnamed(found: list[str]) -> list[str]:
    """Words without a batch that names a kind of thing (`bulk_jobs`, `batchAccounts`): a
    batch word followed by a plural noun."""
    batch = _VERBS["batch"]
    return [
        w
        for i, w in enumerate(found)
        if not (w in batch and i + 1 < len(found) and phrases.plural(found[i + 1]))
    ]


def _versioned(found: list[str]) -> list[str]:
    """Words without an API group named before a version (`readBatchV1NamespacedJob`,
    `/apis/batch/v1/...`): Kubernetes' batch group holds jobs, one at a time."""
    return [w for i, w in enumerate(found) if found[i + 1 : i + 2] != ["v"]]


def _batch_first(ids: list[str]) -> list[str]:
    """`BatchRetrieveOrders` leads with its batch, a verb follows; `BatchAccount_Get` names
    a product called Batch."""
    return ids[:1] if len(ids) > 1 and ids[0] in _VERBS["batch"] and ids[1] in _CRUD_VERBS else []


def _deed(found: list[str]) -> bool:
    """A deed verb, or one undone (`unapply`, `unpost`)."""
    word = found[0] if found else ""
    return phrases.deed(word) or (word[:2] == "un" and word[2:] in phrases.VERBS)


def _kept_credential(op: Operation, n: _Names) -> bool:
    """A GET or DELETE of one kept credential, or of something beside one: tokens listed,
    read and deleted like any record; only the path's end asks for one to be issued."""
    if op.method not in ("GET", "DELETE"):
        return False
    return not ends_literal(op.path) or not set(n.last_words) & {*_AUTH_WORDS, "session"}


def _looks_up(op: Operation, verb: str) -> bool:
    """`find` or `lookup` said of a GET of a collection or an item, which only lists or
    reads it (Callfire's `findContacts`)."""
    searched = "search" in words(route(op.path))
    return op.method == "GET" and verb in _LOOKUPS and not searched


def _items_below(op: Operation) -> bool:
    """The path is a collection whose items the spec addresses (`/request` beside
    `/request/{id}`), so its last word is a noun, whatever verb it spells."""
    resource = op.role.resource if op.role else None
    return resource is not None and resource.item is not None and resource.collection == op.path


def _under_actions(path: str) -> bool:
    """The path names one of a thing's actions: `/servers/{id}/actions/poweroff`,
    `/droplets/{id}/actions` (the action named in the body)."""
    segments = [s for s in route(path).split("/") if s]
    return "actions" in segments[-2:] and not segments[-1].startswith("{")


def _lists_jobs(op: Operation, last: list[str]) -> bool:
    """`GET /contacts/exports`: the jobs themselves, listed, not one polled."""
    return bool(last) and phrases.plural(last[-1]) and ends_literal(op.path)


def _only_edited(heads: list[str], verbs: tuple[str, ...], edited: frozenset[str]) -> bool:
    """Every job word among the path's nouns names a collection clients edit."""
    named = {w for w in heads if w in verbs}
    return bool(named) and named <= edited


def _patched(op: Operation) -> bool:
    """The operation's collection also has items a client PATCHes."""
    resource = op.role.resource if op.role is not None else None
    return resource is not None and "update" in resource.kinds


def _only_path(rest: list[str], path: str) -> bool:
    """The operationId's words after its method are the path's words, nothing more."""
    return set(rest) <= set(words(path))


def _posts_to_noun(op: Operation) -> bool:
    """A POST to a noun adds one (`/payments`, `/user/heroku-key`, `/mrs/{id}/comments`); to
    deeds under an item (`/payments/{id}/captures`) or to a verb (`/orders/cancel`) it is a
    deed."""
    segments = [s for s in op.path.split("/") if s]
    last = words(segments[-1])[-1:] if segments and "{" not in segments[-1] else []
    if not last or any(last[0] in verbs for verbs in _VERBS.values()):
        return False  # `/orders/cancel`, `/{id}/retry`: a deed
    deed = last[0].removesuffix("s") in phrases.DEEDS  # `captures`, `refunds`; not `comments`
    return not (len(segments) > 1 and "{" in segments[-2] and deed)


def _many(id_words: list[str], verb: str) -> bool:
    """The operationId's object is plural: the words after the verb up to a preposition
    (`getGroupsForUser`: groups), the word before a verb that ends it (`accountsGet`), else
    the last word (`listPets`)."""
    if verb in id_words:
        after = id_words[id_words.index(verb) + 1 :]
        cut = next((i for i, w in enumerate(after) if w in _PREPOSITIONS), len(after))
        if after[:cut]:
            return phrases.plural(after[cut - 1])
        if not after and id_words.index(verb) > 0:  # `accountsGet`: the object, then the verb
            return phrases.plural(id_words[id_words.index(verb) - 1])
    return len(id_words) > 1 and phrases.plural(id_words[-1])


def _edited(op: Operation) -> bool:
    """The operation's collection has items a client replaces whole (PUT): records, not
    jobs, which are only ever moved along (a PATCH of their state, at most)."""
    resource = op.role.resource if op.role is not None else None
    return resource is not None and "replace" in resource.kinds


def _verb(operation_id: str) -> str:
    """The operationId's verb: the first word of its last part where parts name a resource
    and then a verb (`queues.getIamPolicy`, `Blob_Delete`, `issues/create-comment`); else
    its first word (`listPets`, `list_pets`); else its second (`issueAddLabel`); else its
    last word when only that one is a verb (`filesOne`)."""
    id_words = words(operation_id)
    if not id_words:
        return ""
    leading = {v for pattern in _LEADING for v in _VERBS.get(pattern, ())}
    methods = {v for pattern in CRUD for v in _VERBS[pattern]}
    grouped = _grouped(operation_id)
    parts = [p for p in re.split(r"[._/]" if grouped else r"[._]", operation_id) if p]
    last_part = words(parts[-1]) if len(parts) > 1 else []
    named_after = "." in operation_id or grouped or parts[-1][:1].isupper()
    if last_part and last_part[0] in leading and named_after:
        # `Blob_Delete`, `queues.getIamPolicy`, `issues/create-comment`: resource, then verb
        return last_part[0]
    if id_words[0] in leading and not (
        # `uploadSessionsOne`: a noun phrase, then the method
        len(id_words) > 2
        and phrases.plural(id_words[1])
        and id_words[-1] in methods
        and id_words[0] not in _HTTP_METHODS
    ):
        return id_words[0]
    if last_part and last_part[0] in leading:
        return last_part[0]
    if (
        len(id_words) > 2
        and id_words[1] in leading - _NOT_VERBS_SECOND
        and (
            id_words[0] not in phrases.VERBS  # `appendBlockChildren`, `commitUploadSession`
        )
    ):
        return id_words[1]  # `issueAddLabel`: the resource, then the verb, then its object
    if id_words[-1] in methods:
        return id_words[-1]
    return id_words[0]


def _grouped(operation_id: str) -> bool:
    """`issues/create-comment`: a group, a slash, then the operation's own name; not a
    method and a path (`get/article/{id}/content`, `post/deleteWebhook`)."""
    group, slash, name = operation_id.partition("/")
    return (
        bool(slash and name)
        and "/" not in name
        and "{" not in operation_id
        and (group.lower() not in _HTTP_METHODS)
    )


def _from_number(
    op: Operation, ev: _Evidence, id_words: list[str], last: list[str], first: str, many: bool
) -> None:
    """One thing or many: a plural object in the operationId or at the end of the path."""
    known_verb = any(first in verbs for verbs in _VERBS.values())
    if op.method == "GET" and not op.path.rstrip("/").endswith("}"):
        if many and first not in (*_VERBS["list"], *_VERBS["search"]):
            ev.add("list", 0.45, "operationId reads many")
        elif (not id_words[1:] or not known_verb) and last and phrases.plural(last[-1]):
            ev.add("list", 0.35, f"GET of the plural {last[-1]!r}")
    changes = (*_VERBS["create"], *_VERBS["update"], *_VERBS["delete"])
    restated = first == op.method.lower()  # `post-payments`: the method, then a collection
    if many and op.body is not None and first in changes and not restated:
        ev.add("batch", 0.5, f"{first} acts on many, given in the body")


def _from_media(op: Operation, ev: _Evidence) -> None:
    if op.body is not None and op.method not in ("GET", "HEAD"):  # a GET body is no upload
        sends = op.method != "DELETE"  # nor a DELETE's: it names what goes
        # multipart as one encoding beside JSON or a form carries fields, not files, unless
        # a field is binary (Telegram's methods take all three)
        plain = any("json" in m or "urlencoded" in m for m in op.body.content)
        for media_type, media in op.body.content.items():
            if media_type == "text/csv":
                ev.add("batch", 0.6, "request body is CSV rows")
            elif sends and media_type.startswith("multipart/") and plain:
                if has_binary(resolved(op, media.schema, "request")):
                    ev.add("upload", 0.75, f"request body {media_type} with a file")
            elif sends and media_type.startswith("multipart/") and fields_only(op, media):
                pass  # a form of plain fields, sent as multipart (Files.com's every POST)
            elif sends and (media_type.startswith("multipart/") or BINARY.match(media_type)):
                weight = 0.4 if plain else 0.75  # bytes as one choice beside JSON (Docker's)
                ev.add("upload", weight, f"request body {media_type}")
            elif sends and media_type == "*/*" and raw(op, media, "request"):
                ev.add("upload", 0.75, "request body is raw bytes of any type")
            schema = resolved(op, media.schema, "request")
            if sends and "json" in media_type and has_binary(schema):
                ev.add("upload", 0.6, "request body carries a file's bytes")  # Akeneo's
            if schema.get("type") == "array" and op.method == "PATCH":
                pass  # a JSON Patch: a list of changes to one thing (Otoroshi's `Patch`)
            elif schema.get("type") == "array":
                ev.add("batch", 0.45, "request body is an array")
            props = {k.lower() for k in fields_of(schema)}
            if props & set(_CALLBACK_FIELDS) and op.method == "POST" and _hooked(op):
                ev.add("webhook", 0.5, "request body carries a callback URL")
            if {"username", "password"} <= props or "grant_type" in props:
                ev.add("auth", 0.55, "request body carries credentials")
    success = op.success
    answers = success.content if success else {}
    json_too = any("json" in m for m in answers)
    for media_type, media in answers.items():
        if op.method not in ("GET", "POST"):
            pass  # a DELETE answering the bytes it removed is no download
        elif json_too and BINARY.match(media_type) and not raw(op, media, "response"):
            pass  # the same record as CSV beside JSON is another spelling (Adafruit's feeds)
        elif BINARY.match(media_type) or (media_type == "*/*" and raw(op, media, "response")):
            ev.add("download", 0.75, f"answers {media_type}")
        elif op.method == "GET" and media_type == "text/plain":
            ev.add("download", 0.5, f"GET answers raw {media_type}")
        schema = media.schema if isinstance(media.schema, dict) else {}
        props = {k.lower() for k in fields_of(schema)}
        if "access_token" in props or "accesstoken" in props:
            ev.add("auth", 0.6, "answers an access_token")


def _hooked(op: Operation) -> bool:
    """Hooks, callbacks, subscriptions or events are named: a URL in a body is then where
    to call back, and otherwise only an address (VTEX's subscription items)."""
    named = {*words(op.path), *words(op.operation_id), *words(op.summary)}
    return bool({w.removesuffix("s") for w in named} & _HOOK_WORDS)


def _from_phrase(op: Operation, ev: _Evidence, n: _Names, said: phrases.Phrase | None) -> None:
    """The deed the summary (or description) opens with, and how many it acts on; a deed
    the method already says (`Get a pet` by GET, `Create a pet` by POST) adds little."""
    if said is None:
        return
    pattern, what = said.pattern, f"its summary opens with {said.verb!r}"
    answer = answer_shape(op) if op.method == "GET" else None
    if pattern == "action" and op.method == "DELETE":
        pattern = "delete"  # `Cancel an upload` by DELETE: the method says what goes
    if pattern == "read" and (
        said.counted or (said.many and (answer != "record" or bare_list(op)))
    ):
        pattern, what = "list", what + " of many"
    elif said.many and (pattern == "delete" or (pattern == "create" and op.body is not None)):
        pattern, what = "batch", what + " of many"
    elif said.token and not _kept_credential(op, n):
        pattern, what = "auth", what + " of a token"
    elif pattern == "action" and said.counted and op.method != "GET":
        pattern, what = "batch", what + " of all"  # `Cancel all scheduled messages`
    elif said.upload and (pattern == "create" or said.verb in _UPLOAD_STEPS):
        pattern, what = "upload", what + " of an upload"  # `Commit upload session`
    if _looks_up(op, said.verb):
        plural = ends_literal(op.path) and phrases.plural(words(last_segment(op))[-1])
        many = pattern == "list" or said.many or plural
        pattern = "list" if many else "read"  # `Find contacts`, `Find a specific contact`
    restated = pattern == _METHOD_DEFAULT.get(op.method) or (op.method, pattern) in _RESTATED
    restated &= not (pattern == "create" and not ends_literal(op.path))  # POST to `/{path}`
    restated |= op.method == "GET" and pattern == "action"  # `Check if a user can...`: a read
    counted = said.counted or (what.endswith(" of many") and pattern == "batch")
    weight = 0.65 if counted and pattern in ("list", "batch") else 0.55
    if pattern == "search" and (answer in ("array", "wrapped") or bare_list(op)):
        weight = 0.65  # `Performs a track search`, answered with tracks
    ev.add(pattern, 0.2 if restated else _PHRASE_WEIGHT.get(pattern, weight), what)
    if said.bulk and not _kept(op.path, "batch"):
        ev.add("batch", 0.5, "its summary names a batch")
    if said.later:
        ev.add("async-job", 0.5, "its summary says asynchronous")


def _from_job_answer(op: Operation, ev: _Evidence) -> None:
    """A deed answered with a job to poll (`{"job_id": ...}`, a `MigrationJob`) started one."""
    success = op.success
    if op.method != "POST" or success is None or _edited(op):
        return  # a PUT or PATCH of a task edits a record called Task
    for media_type, media in success.content.items():
        if "json" not in media_type or not isinstance(media.schema, dict):
            continue
        named = str(media.schema.get("$ref", "")).rsplit("/", 1)[-1]
        props = {snake(k) for k in fields_of(resolved(op, media.schema, "response"))}
        if set(words(named)) & _JOB_NOUNS or props & _JOB_IDS:
            ev.add("async-job", 0.45, "answers a job to poll")
            return


def _from_statuses(op: Operation, ev: _Evidence) -> None:
    accepted = op.responses.get("202")
    if accepted is not None:
        headers = {h.lower() for h in accepted.headers}
        ev.add("async-job", 0.3, "declares 202 Accepted")
        if "location" in headers or "operation-location" in headers:
            ev.add("async-job", 0.6, "202 carries a Location to poll")
