"""Floors import downwards only (design.md §1): each package of ours imports only what its row
of ``MAY_IMPORT`` allows, read from the source of every module (imports inside functions and
under ``TYPE_CHECKING`` count too), so the layering stays true as the code grows.

To add a floor, add a row: the package, and the packages (or single modules) of ours it may
import. A package always may import itself. Anything of ours not in its row is forbidden; for
third-party code only what ``MUST_NOT_IMPORT`` lists is.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: package → what of ours it may import. An entry names a package (all of it) or a module
#: (``kotani.models``: that module and anything below it, but not ``kotani`` itself, whose
#: ``__init__`` pulls in the client).
MAY_IMPORT: dict[str, frozenset[str]] = {
    # what we remember: SQLite, migrations, repositories; nothing of ours
    "storage": frozenset(),
    # the Kotani Pay v3 client library; nothing of ours (so it can be lifted out as is)
    "kotani": frozenset(),
    # the local Kotani: only the wire-level modules it shares with the client, never the client
    "kotani_sandbox": frozenset(
        {
            "kotani.models",
            "kotani.status",
            "kotani.chains",
            "kotani.signing",
            "kotani.jsonjs",
            "kotani.redact",
            "kotani.networks",
            "kotani.currencies",
        }
    ),
    # the domain: cash-out services, observations, rules, corridors, roles, settings
    "offramps": frozenset({"storage", "kotani"}),
    # what people read and press: texts, views, keyboards, callback data, rendering; no I/O
    "ui": frozenset({"offramps", "storage", "kotani"}),
    # the conversation: PTB handlers, thin renderers of service outcomes
    "handlers": frozenset({"ui", "offramps", "storage", "kotani"}),
    # the process: wiring, web server, workers, demo (which embeds the sandbox)
    "bot": frozenset({"handlers", "ui", "offramps", "storage", "kotani", "kotani_sandbox"}),
}

#: package → third-party top-level packages it must not import.
MUST_NOT_IMPORT: dict[str, frozenset[str]] = {
    # a client library brings no web framework or server along
    "kotani": frozenset({"starlette", "uvicorn", "httpx"}),
}


def our_packages() -> frozenset[str]:
    """Every top-level directory of this repository that holds Python code."""
    return frozenset(
        path.name
        for path in ROOT.iterdir()
        if path.is_dir()
        and not path.name.startswith(".")
        and not path.name.endswith(".egg-info")
        and any(path.glob("*.py"))
    )


@dataclass(frozen=True)
class Import:
    module: str  # dotted name of what is imported, resolved if it was relative
    line: int


def module_name(path: Path) -> tuple[str, bool]:
    """``kotani/client.py`` → ``("kotani.client", False)``; ``kotani/__init__.py`` → ``("kotani", True)``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_in(source: str, name: str, *, is_package: bool) -> Iterator[Import]:
    """What a module's source imports; ``from package import module`` yields ``package.module``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: climb from the module's own package
                package = name.split(".") if is_package else name.split(".")[:-1]
                base = package[: max(0, len(package) - (node.level - 1))]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                yield Import(submodule if is_module(submodule) else target, node.lineno)


def allowed(imported: str, entries: frozenset[str]) -> bool:
    return any(imported == entry or imported.startswith(entry + ".") for entry in entries)


def violations_in(source: str, name: str, *, is_package: bool = False, where: str = "") -> list[str]:
    """Every import in one module of a package with a row in ``MAY_IMPORT`` that its row forbids."""
    package = name.split(".")[0]
    ours = our_packages() | MAY_IMPORT.keys()
    may = MAY_IMPORT[package] | {package}
    must_not = MUST_NOT_IMPORT.get(package, frozenset())
    found = []
    for imported in imports_in(source, name, is_package=is_package):
        top = imported.module.split(".")[0]
        if (top in ours and not allowed(imported.module, may)) or top in must_not:
            found.append(f"{where or name}:{imported.line}: {package} must not import {imported.module}")
    return found


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_package_imports_only_what_its_floor_allows(package: str) -> None:
    modules = sorted((ROOT / package).rglob("*.py"))
    assert modules, f"{package}/ has no modules: rename its row in MAY_IMPORT"
    found = []
    for path in modules:
        name, is_package = module_name(path)
        where = str(path.relative_to(ROOT))
        found += violations_in(path.read_text(), name, is_package=is_package, where=where)
    assert not found, "upward or forbidden imports:\n" + "\n".join(found)


def test_importing_the_client_loads_no_web_framework() -> None:
    """Not even through a third-party dependency: a fresh interpreter imports all of ``kotani``."""
    modules = sorted(module_name(path)[0] for path in (ROOT / "kotani").rglob("*.py"))
    check = (
        f"import sys\nfor name in {modules!r}:\n    __import__(name)\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(MUST_NOT_IMPORT['kotani'])!r})))"
    )
    loaded = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_every_row_names_a_package_of_ours() -> None:
    ours = our_packages()
    for package, entries in MAY_IMPORT.items():
        assert package in ours
        for entry in entries:
            assert is_module(entry), f"{package} may import {entry}, which does not exist"


@pytest.mark.parametrize(
    ("module", "line", "forbidden"),
    [
        ("kotani.client", "import starlette.applications", "starlette.applications"),
        ("kotani.client", "from uvicorn import Config", "uvicorn"),
        ("kotani.webhooks", "import httpx", "httpx"),
        ("kotani.models", "from kotani_sandbox import create_app", "kotani_sandbox"),
        ("kotani.client", "from bot import texts", "bot"),
        ("offramps.cashouts", "from ui.texts import t", "ui"),
        ("ui.views", "from handlers.common import say", "handlers"),
        ("handlers.start", "from bot.app import build_application", "bot"),
        ("handlers.start", "from kotani_sandbox import create_app", "kotani_sandbox"),
        ("kotani.client", "import handlers.cashout", "handlers"),
        ("kotani.status", "from storage import Storage", "storage"),
        ("kotani.client", "from offramps import cashouts", "offramps"),
        ("kotani_sandbox.app", "from bot import demo", "bot"),
        ("kotani_sandbox.engine", "from handlers.common import reply", "handlers"),
        ("kotani_sandbox.engine", "from storage.models import Observation", "storage"),
        ("kotani_sandbox.app", "import offramps.cashouts", "offramps"),
        ("kotani_sandbox.app", "from kotani.client import KotaniClient", "kotani.client"),
        ("kotani_sandbox.app", "from kotani import KotaniClient", "kotani"),
        ("storage.db", "from kotani.status import OfframpStatus", "kotani.status"),
        ("storage.offramps", "from bot import texts", "bot"),
        ("storage.db", "from ..kotani import chains", "kotani.chains"),
    ],
)
def test_the_check_catches_a_forbidden_import(module: str, line: str, forbidden: str) -> None:
    source = f"def later() -> None:\n    {line}\n"  # inside a function: still an import
    found = violations_in(source, module)
    assert len(found) == 1
    assert found[0].startswith(f"{module}:2: {module.split('.')[0]} must not import {forbidden}")


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("kotani.client", "from kotani.models import Quote"),
        ("kotani.client", "from . import errors"),
        ("kotani.client", "import aiohttp"),
        ("kotani_sandbox.app", "from kotani.signing import hmac_hex"),
        ("kotani_sandbox.engine", "from kotani import chains"),
        ("kotani_sandbox.app", "import starlette.routing"),
        ("kotani_sandbox.app", "from .config import SandboxConfig"),
        ("storage.db", "import aiosqlite"),
    ],
)
def test_the_check_lets_allowed_imports_through(module: str, line: str) -> None:
    assert violations_in(line + "\n", module) == []


def test_the_floors_form_no_cycle() -> None:
    """The table is a strict order of floors, so the package graph can hold no cycle."""
    seen: set[str] = set()

    def visit(package: str, path: tuple[str, ...]) -> None:
        assert package not in path, " → ".join((*path, package))
        for entry in MAY_IMPORT.get(package, frozenset()):
            visit(entry.split(".")[0], (*path, package))
        seen.add(package)

    for package in MAY_IMPORT:
        visit(package, ())
    assert {"bot", "handlers", "ui", "offramps", "storage", "kotani", "kotani_sandbox"} <= seen
