"""Where specs come from: a file, a folder of files, or a bundled name like `petstore`."""

from __future__ import annotations

from pathlib import Path

from .errors import Problem, SpecError

SUFFIXES = (".yaml", ".yml", ".json")


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
