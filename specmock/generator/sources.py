"""Where specs come from: a file, a folder of files, or a bundled name like `petstore`."""

from __future__ import annotations

import re
from pathlib import Path

from .errors import Problem, SpecError

SUFFIXES = (".yaml", ".yml", ".json")
# `specmock serve mockmode`: every bundled spec that declares itself a mock-mode provider
MOCKMODE = "mockmode"
_PROVIDER_KEY = re.compile(r'^x-specmock-provider\s*:|"x-specmock-provider"\s*:', re.M)


def bundled_dir() -> Path:
    """The bundled specs: inside the wheel, or the checkout's top-level `specs/`."""
    packaged = Path(__file__).resolve().parent.parent / "_specs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "specs"


def bundled_names() -> list[str]:
    folder = bundled_dir()
    return (
        sorted(p.stem for p in folder.iterdir() if p.suffix in SUFFIXES) if folder.is_dir() else []
    )


def provider_specs() -> list[Path]:
    """Bundled specs declaring `x-specmock-provider` at their root (a top-level YAML key, or
    the key in a JSON document), found by reading the files rather than by a list."""
    found = []
    for name in bundled_names():
        path = _bundled(name)
        if _PROVIDER_KEY.search(path.read_text(encoding="utf-8", errors="replace")):
            found.append(path)
    return found


def expand(sources: list[str | Path]) -> list[Path]:
    """Turn CLI arguments into spec files, in a stable order."""
    files: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file())
            if not found:
                raise SpecError(
                    [Problem(str(path), "", "folder holds no .yaml, .yml or .json spec")]
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif str(source) == MOCKMODE:
            found = provider_specs()
            if not found:
                raise SpecError(
                    [Problem(MOCKMODE, "", "no bundled spec declares x-specmock-provider")]
                )
            files.extend(found)
        else:
            files.append(_bundled(str(source)))
    return files


def _bundled(name: str) -> Path:
    for suffix in SUFFIXES:
        candidate = bundled_dir() / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    known = ", ".join(bundled_names()) or "none"
    reason = f"no such file, folder or bundled spec (bundled: {known})"
    raise SpecError([Problem(name, "", reason)])
