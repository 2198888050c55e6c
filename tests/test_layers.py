"""The import-linter contracts in pyproject.toml hold: scslab's modules import one way (docs/architecture.md, "Layers")."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = {"scslab.data", "scslab.templates"}
"""Packages of data files, without code: no layer needs them."""


def lint_imports(directory: Path, python_path: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` of this Python on the pyproject.toml in ``directory``, importing from ``python_path``."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(python_path), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()",
                           "--no-cache"], cwd=directory, env=environment, capture_output=True, text=True, timeout=60,
                          check=False)


def test_the_contracts_are_kept():
    result = lint_imports(ROOT, ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_module_is_in_a_layer():
    """A module left out of its container's layers could import anything: each one is named, but for a
    mechanism module that no other mechanism imports (a new sanction, say), which sits above them all."""
    graph = grimp.build_graph("scslab")
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    for contract in contracts:
        [container] = contract["containers"]
        named = {f"{container}.{name.strip('() ')}" for layer in contract["layers"] for name in layer.split("|")}
        path = ROOT / "src" / Path(*container.split("."))
        modules = {f"{container}.{m.name}" for m in pkgutil.iter_modules([str(path)])} - RESOURCES
        unnamed = modules - named
        if container == "scslab.mechanisms":
            unnamed = {m for m in unnamed if graph.find_modules_that_directly_import(m) & (modules - {m})}
        assert not unnamed and named <= modules, (contract["name"], unnamed, named - modules)


def test_an_upward_import_breaks_a_contract(tmp_path):
    package = tmp_path / "toy"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "high.py").write_text("")
    (package / "low.py").write_text("from toy import high\n")
    (tmp_path / "pyproject.toml").write_text('[tool.importlinter]\nroot_package = "toy"\n\n'
                                            '[[tool.importlinter.contracts]]\nname = "toy imports one way"\n'
                                            'type = "layers"\ncontainers = ["toy"]\nlayers = ["high", "low"]\n')
    result = lint_imports(tmp_path, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "toy imports one way BROKEN" in result.stdout
    assert "toy.low -> toy.high (l.1)" in result.stdout
