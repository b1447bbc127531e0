"""Problems found in a contract, reported with the file and JSON pointer they concern."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One defect in a spec: where it is and which rule it breaks."""

    file: str
    pointer: str
    reason: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}#{self.pointer}" if self.pointer else self.file
        return f"{where}: {self.severity}: {self.reason}"


class SpecError(Exception):
    """A contract that cannot be served. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def escape_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join_pointer(*tokens: object) -> str:
    return "".join("/" + escape_token(str(t)) for t in tokens)
