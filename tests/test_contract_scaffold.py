"""`specmock scaffold`: the written module imports, its test passes, and the test fails
once a handler answers outside the contract."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from click.testing import CliRunner

from specmock.cli import main
from specmock.contract.scaffold import snake

from .conftest import ROOT


def _pytest(folder) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def _scaffold(tmp_path, *ops: str):
    module = tmp_path / "pets.py"
    done = CliRunner().invoke(main, ["scaffold", "petstore", *ops, "-o", str(module)])
    assert done.exit_code == 0, done.output
    return module


def test_written_module_imports_and_its_test_passes(tmp_path):
    module = _scaffold(tmp_path, "showPetById", "createPet", "GET /pets")
    spec = importlib.util.spec_from_file_location("scaffolded_pets", module)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    assert callable(loaded.show_pet_by_id) and callable(loaded.create_pet)
    assert loaded.CreatePetBody.__required_keys__ == frozenset({"name"})
    assert loaded.CreatePetBody.__optional_keys__ == frozenset({"tag"})
    assert '@override("petstore:listPets")' in module.read_text()
    done = _pytest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout


def test_the_written_test_fails_when_a_handler_breaks_the_contract(tmp_path):
    module = _scaffold(tmp_path, "showPetById")
    text = module.read_text().replace("    return reply\n", '    return Reply({"id": "x"})\n')
    module.write_text(text)
    done = _pytest(tmp_path)
    assert done.returncode == 1
    assert "break the contract" in done.stdout


def test_unknown_operations_and_existing_files_are_refused(tmp_path):
    runner = CliRunner()
    done = runner.invoke(main, ["scaffold", "petstore", "feedPet", "-o", str(tmp_path / "x.py")])
    assert done.exit_code == 2
    assert "no operation 'feedPet' (known: listPets, createPet" in done.output
    _scaffold(tmp_path, "listPets")
    again = runner.invoke(
        main, ["scaffold", "petstore", "listPets", "-o", str(tmp_path / "pets.py")]
    )
    assert again.exit_code == 2 and "exists (--force replaces it)" in again.output


def test_names_become_python_names():
    assert snake("showPetById") == "show_pet_by_id"
    assert snake("get-2fa/code") == "get_2fa_code"
    assert snake("class") == "class_"
    assert snake("3d") == "op_3d"
