"""What the model "says": text, JSON for a schema, or tool calls, decided once per request
and then only framed by each endpoint (chat, Responses, completions, stream or not), so a
streamed reply assembles to exactly the unstreamed one.

Order of decision: a matching rule; a conversation ending in tool results gets a final
answer; `tool_choice` (`none`, `required`, a named function); with tools offered and
`auto`, the tools named in the last user message are called (all of them when parallel
calls are allowed), else one chosen by the seed; a `json_schema` format gets JSON
generated from the schema; otherwise seeded text sized by the token limit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import orjson

from specmock import fake_value, schema_validator

from . import rules, text, tokens


@dataclass
class Tool:
    name: str
    parameters: dict[str, Any] | None


@dataclass
class Prompt:
    """A chat or Responses request, reduced to what decides the answer."""

    model: str
    body: dict[str, Any]
    last_user: str
    prompt_tokens: int
    tools: list[Tool] = field(default_factory=list)
    tool_choice: Any = "auto"
    parallel: bool = True
    schema: dict[str, Any] | None = None
    json_object: bool = False
    limit: int | None = None
    tool_results: list[str] | None = None  # set when the conversation ends in tool results


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text, as the API sends it


@dataclass
class Answer:
    pieces: list[str]  # the content as streamed; joined, the whole content
    tool_calls: list[ToolCall]
    finish: str  # stop | length | tool_calls
    prompt_tokens: int
    completion_tokens: int
    fault: dict[str, Any] = field(default_factory=dict)

    @property
    def content(self) -> str | None:
        return "".join(self.pieces) if self.pieces or not self.tool_calls else None

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class Refusal(ValueError):
    """The request cannot be answered as asked (400 naming the parameter)."""

    def __init__(self, message: str, param: str | None = None):
        super().__init__(message)
        self.param = param


def compose(prompt: Prompt, seed: int, rules_file: str | None) -> Answer:
    rule = rules.find(rules_file, prompt.body, prompt.last_user)
    fault = dict(rule.fault) if rule else {}
    if rule and rule.tool_calls:
        calls = [_ruled_call(prompt, seed, i, c) for i, c in enumerate(rule.tool_calls)]
        return _calls(prompt, calls, fault)
    if rule and rule.reply is not None:
        reply = rules.render(rule.reply, prompt.body, prompt.last_user)
        return _text(prompt, text.split(reply), "stop", fault)
    if prompt.tool_results is not None:
        joined = "; ".join(r for r in prompt.tool_results if r)[:400]
        return _text(prompt, text.split(f"Mock answer from the tool results: {joined}"), "stop")
    chosen = _chosen_tools(prompt, seed)
    if chosen:
        calls = [
            ToolCall(text.ident("call_", seed + i), tool.name, _arguments(tool, seed + i))
            for i, tool in enumerate(chosen)
        ]
        return _calls(prompt, calls, fault)
    if prompt.schema is not None:
        try:
            value = fake_value(prompt.schema, seed)
        except ValueError as exc:
            raise Refusal(f"response_format.json_schema.schema: {exc}", "response_format") from None
        return _text(prompt, text.split(orjson.dumps(value).decode()), "stop", fault)
    if prompt.json_object:
        pieces, cut = text.words(seed, prompt.limit)
        value = orjson.dumps({"mock": True, "reply": "".join(pieces)}).decode()
        return _text(prompt, text.split(value), "stop", fault)
    pieces, cut = text.words(seed, prompt.limit)
    return _text(prompt, pieces, "length" if cut else "stop", fault)


def _text(prompt: Prompt, pieces: list[str], finish: str, fault: dict | None = None) -> Answer:
    used = sum(tokens.count(p) for p in pieces)
    return Answer(pieces, [], finish, prompt.prompt_tokens, used, fault or {})


def _calls(prompt: Prompt, calls: list[ToolCall], fault: dict[str, Any]) -> Answer:
    used = sum(tokens.count(c.name) + tokens.count(c.arguments) for c in calls)
    return Answer([], calls, "tool_calls", prompt.prompt_tokens, used, fault)


def _chosen_tools(prompt: Prompt, seed: int) -> list[Tool]:
    if not prompt.tools:
        return []
    choice = prompt.tool_choice
    if choice == "none":
        return []
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") or choice.get("name")
        named = [t for t in prompt.tools if t.name == name]
        if not named:
            raise Refusal(
                f"tool_choice names {name!r}, which is not among the tools", "tool_choice"
            )
        return named
    said = prompt.last_user.lower()
    mentioned = [
        t
        for t in prompt.tools
        if t.name.lower() in said or t.name.replace("_", " ").lower() in said
    ]
    if not mentioned:
        mentioned = [random.Random(seed).choice(prompt.tools)]
    return mentioned if prompt.parallel else mentioned[:1]


def _arguments(tool: Tool, seed: int) -> str:
    if not tool.parameters:
        return "{}"
    try:
        value = fake_value(tool.parameters, seed)
    except ValueError as exc:
        raise Refusal(f"tools: parameters of {tool.name!r}: {exc}", "tools") from None
    return orjson.dumps(value).decode()


def _ruled_call(prompt: Prompt, seed: int, index: int, call: dict[str, Any]) -> ToolCall:
    tool = next((t for t in prompt.tools if t.name == call["name"]), None)
    arguments = rules.render_value(call.get("arguments") or {}, prompt.body, prompt.last_user)
    fits = tool is None or not tool.parameters
    if not fits and not schema_validator(tool.parameters).is_valid(arguments):
        raise Refusal(
            f"llm_rules: arguments {arguments!r} for {call['name']!r} do not fit the "
            "tool's parameters",
            "tools",
        )
    return ToolCall(
        text.ident("call_", seed + index), call["name"], orjson.dumps(arguments).decode()
    )
