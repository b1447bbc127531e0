"""The wheel carries the bundled specs, so `specmock serve petstore` works after install."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from .conftest import ROOT


def test_wheel_contains_bundled_specs_and_entry_point(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (wheel,) = tmp_path.glob("specmock-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    specs = sorted(p.name for p in (ROOT / "specs").glob("*.yaml"))
    for spec in specs:
        assert f"specmock/_specs/{spec}" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry).decode()
    assert "specmock = specmock.cli:main" in text
    assert "specmock = specmock.testing" in text


def test_ruff_is_clean():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "specmock", "tests", "bench"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:]
