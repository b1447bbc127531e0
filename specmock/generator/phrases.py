"""What an operation's own sentence says it does.

Names are terse and follow each vendor's habit (`post-payments`, `Blob_Delete`,
`addFollowersForTask`); the summary, or the description's first sentence, is English
written for a reader: it opens with the deed (`Delete a meeting recording file`,
`Returns a list of files`, `Cancels a job`) and names one thing or many. A reader of
a spec labels an operation from that sentence first, so recognition reads it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# the verb a sentence opens with, by the pattern it names; read verbs say list when their
# object is many, create and delete verbs say batch
_OPENERS: dict[str, tuple[str, ...]] = {
    "read": (
        *("get", "retrieve", "return", "fetch", "show", "view", "read", "describe", "obtain"),
        *("check", "determine"),  # `Determines if the user has set a password`: a read
    ),
    "list": ("list", "enumerate", "browse"),
    "create": ("create", "add", "insert", "register", "define", "make", "append", "post", "new"),
    "replace": ("replace", "overwrite", "upsert", "put"),
    "update": ("update", "modify", "edit", "change", "patch", "rename"),
    "delete": ("delete", "remove", "destroy", "erase", "detach", "unregister", "unlink"),
    "search": ("search", "find", "query", "lookup"),
    "upload": ("upload",),
    "download": ("download",),
    "auth": ("authenticate", "login", "logout", "signin", "signout"),
    "webhook": ("watch", "subscribe", "unsubscribe"),
}
# deeds: a verb that is none of the above names an action on its object
DEEDS = frozenset(
    """send resend cancel revoke reset copy move lock unlock restore recover promote demote
pause resume refund capture retry validate verify test publish unpublish activate deactivate enable
disable suspend unsuspend transfer reboot restart regenerate rotate submit accept reject
approve decline toggle seek skip mount unmount start stop run trigger execute fire close
reopen merge assign unassign follow unfollow mark undo clone duplicate apply convert preview
render notify invite ping request schedule confirm void finalize pay charge share unshare
pin unpin star unstar mute unmute join leave kick ban unban block unblock forward reply react
acknowledge resolve dismiss escalate flush invalidate reindex scan classify translate
transcribe calculate count archive unarchive revert rollback deploy redeploy abort
sort reorder attach link map unmap book reserve reload refresh play begin initiate terminate
kill halt shutdown wake like unlike favorite unfavorite favourite unfavourite vote upvote
downvote repost reblog unreblog bookmark unbookmark""".split()  # noqa: SIM905  (a word list reads as one)
)
_KNOWN = {v for verbs in _OPENERS.values() for v in verbs} | DEEDS  # what opens a sentence
# every verb this module knows, and steps that finish what another verb began
VERBS = _KNOWN | {"commit", "complete", "finish", "begin", "initiate", "generate", "process"}
_ONE = {"a", "an", "one", "single"}
_CREDENTIALS = {"token", "tokens", "auth", "authentication", "login"}  # `Start phone auth`
_SECRETS = {"password", "passwords", "passcode", "pin"}
_DOERS = {"perform", "performs", "do", "does"}  # verbs that take a deed
_DETERMINERS = {"the", "existing", "this", "that", "your", "my", "its", "specified", "current"}
_DETERMINERS |= {"specific", "given", "particular"}  # `a given file`, `specific posts`
_MANY = {"all", "every", "multiple", "many", "several", "some", "bulk", "batch"}
_UP_TO = {"up", "to"}
_GROUPS = {"list", "collection", "set", "page", "batch", "group"}  # `a set of`: many
_NUMBERS = {"two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "hundred"}
_ENDS_OBJECT = {"of", "for", "from", "in", "on", "by", "to", "with", "at", "under", "per"}
_ENDS_OBJECT |= {"within", "into", "as", "via", "using", "that", "which", "where", "and", "or"}
_ENDS_OBJECT |= {"if", "when", "belonging", "associated", "based", "matching", "across"}
_SKIPPED = {"deprecated", "beta", "preview", "experimental", "permanently", "asynchronously"}
_SKIPPED |= {"immediately", "selectively", "please", "note", "use", "this", "method", "endpoint"}
_SKIPPED |= {"operation", "api", "call", "you", "can", "to", "will", "lets", "allows"}
_ONE_THING = {"attributes", "settings", "details", "options", "preferences", "status"}
_ONE_THING |= {"statistics", "stats", "metrics", "analytics", "contents", "permissions"}
_ONE_THING |= {"news", "access", "address", "process", "series", "analysis", "info"}
_WORD = re.compile(r"[A-Za-z]+(?:\(s\))?")


@dataclass(frozen=True)
class Phrase:
    """The deed a sentence opens with, the pattern it names and its object's number."""

    verb: str
    pattern: str
    many: bool
    text: str
    token: bool = False  # the object is a credential: `Request an access token`
    bulk: bool = False  # a batch or bulk is named: `Send a batch of email`
    upload: bool = False  # a step of an upload: `Restart an upload session`
    later: bool = False  # asynchronous: `Starts an asynchronous task to move messages`
    counted: bool = False  # many, said outright: `a list of`, `all`, `one or more`, `up to ten`


def deed(word: str) -> bool:
    """A deed, or one done again (`retest`, `rerun`, `rescan`)."""
    return word in DEEDS or (word[:2] == "re" and word[2:] in DEEDS and word not in VERBS)


def plural(word: str) -> bool:
    """An English plural, roughly: `messages`, `types`, `node(s)`; not `status`, nor the
    plurals that name one thing's parts (`attributes`, `settings`, `statistics`)."""
    if word in _ONE_THING:
        return False
    if word.endswith("(s)"):
        return True
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))


def read(summary: str, description: str) -> Phrase | None:
    """The summary's deed, else the description's first sentence's; None when neither
    opens with a verb this module knows."""
    text = summary or _first_sentence(description)
    tokens = [w.lower() for w in _WORD.findall(text.split(":", 1)[-1] if ":" in text else text)]
    while tokens and tokens[0] in _SKIPPED:
        tokens = tokens[1:]
    if not tokens:
        return None
    verb, rest = _base(tokens[0]), tokens[1:]
    if verb in ("log", "sign") and rest[:1] in (["in"], ["out"]):
        verb, rest = verb + rest[0], rest[1:]
    if verb in _DOERS and rest:  # `Performs a track search`: the deed is the noun
        verb, rest = _deed_of(_head([w for w in rest if w not in _ONE | _DETERMINERS])), []
    pattern = next((p for p, verbs in _OPENERS.items() if verb in verbs), None)
    if pattern in ("update", "replace") and _head(rest) in _SECRETS:
        pattern = "action"  # `Sets the password`: a deed on a credential
    if pattern == "read" and [w for w in rest if w not in _DETERMINERS][:1] in (
        ["newly"],
        ["created"],
    ):
        pattern = "create"  # `Returns the newly created comment`
    if pattern is None and deed(verb):
        pattern = "action"
    if pattern is None:
        return None
    head = set(rest[: next((i for i, w in enumerate(rest) if w in _ENDS_OBJECT), len(rest))])
    credential = bool(head & {"token", "tokens"}) or _head(rest) in _CREDENTIALS
    token = credential and pattern in ("read", "create", "action", "delete")
    bulk = bool(set(tokens) & {"batch", "bulk"})
    upload = "upload" in head
    later = bool(set(tokens) & {"asynchronous", "asynchronously", "async"})
    number = _number(rest)
    if pattern == "read" and _head(rest) == "list":
        number = max(number, 1)  # `Get crew list by ID`
    return Phrase(verb, pattern, number > 0, text, token, bulk, upload, later, number > 1)


def _deed_of(noun: str) -> str:
    """The verb a noun names: `search` -> `search`, `calculations` -> `calculate`."""
    noun = noun.removesuffix("s")
    if noun.endswith("ation") and noun[:-5] + "ate" in _KNOWN:
        return noun[:-5] + "ate"
    return _base(noun)


def _first_sentence(text: str) -> str:
    """What a description opens with, which names the deed (`Creates a task.`), without
    markup; bounded, since descriptions run to pages."""
    plain = re.sub(r"<[^>]{0,200}>", "", text[:2000]).strip()  # Stripe's and AWS's `<p>`
    return re.split(r"(?<=[.!?])\s|\n\s*\n", plain, maxsplit=1)[0][:200]


def _base(word: str) -> str:
    """`creates` -> `create`, `retrieves` -> `retrieve`, `lists` -> `list`, `patches` ->
    `patch`: the third person a description opens with, as the imperative a summary does."""
    for cut in ("es", "s"):
        if word.endswith(cut) and word[: -len(cut)] in _KNOWN and word != "news":
            return word[: -len(cut)]
    return word


def _number(rest: list[str]) -> int:
    """How many the object is: 0 one; 1 a plural head noun before the first word that ends
    the object (`Get stories from a task`, `Delete meeting recordings`); 2 many, counted
    outright (`a list of`, `all`, `one or more`, `up to ten`)."""
    while rest[:1] and (rest[0] in _UP_TO or rest[:2] == ["one", "or"]):
        rest = rest[2:] if rest[0] == "one" else rest[1:]
        if rest[:1] == ["more"] or set(rest[:1]) & _NUMBERS:
            return 2
    if rest[:1] and rest[0] in _ONE:
        counted = (rest[1:2] and rest[1] in _GROUPS and rest[2:3] == ["of"]) or _head(
            rest[1:]
        ).endswith("(s)")
        return 2 if counted else 0
    if (rest[:1] and rest[0] in _MANY) or rest[:2] in (["list", "of"], ["collection", "of"]):
        return 2
    while rest[:1] and rest[0] in _DETERMINERS:
        rest = rest[1:]
    return 1 if plural(_head(rest)) else 0


def _head(rest: list[str]) -> str:
    """The object's last noun: before the first word that ends the object, or a participle
    after it (`the comments posted on a track`)."""
    cut = next(
        (i for i, w in enumerate(rest) if w in _ENDS_OBJECT or (i and w.endswith("ed"))),
        len(rest),
    )
    return rest[cut - 1] if cut else ""
