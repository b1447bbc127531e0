"""Where loading a spec has got to, for a progress line while a large spec compiles.

The loader and builder only set fields on a `Progress`; whoever shows it (the CLI's
stderr line) reads them from another thread, so the hot loops pay one attribute write.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Progress:
    """The current phase of loading, and operations done out of the total."""

    spec: str = ""
    phase: str = ""
    done: int = 0
    total: int = 0
    unit: str = "operations"

    def start(self, spec: str, phase: str, total: int = 0, unit: str = "operations") -> None:
        self.spec, self.phase, self.done, self.total, self.unit = spec, phase, 0, total, unit

    def line(self) -> str:
        count = f" {self.done}/{self.total} {self.unit}" if self.total else ""
        return f"specmock: {self.spec}: {self.phase}{count}"
